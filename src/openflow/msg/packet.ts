/**
 * Packet messages: OFPT_PACKET_IN (OpenFlow 1.3.5 A.4.1), OFPT_PACKET_OUT (A.3.7), and the Nicira extensions
 * NXT_PACKET_IN2 / NXT_RESUME (nicira-ext.h; property list per lib/ofp-packet.c).
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import { decodeMatch, decodeOxms, encodeMatch, encodeOxms, formatMatch } from '../match';
import { decodeActions, encodeActions, formatActions } from '../actions';
import {
  NXPINT_BUFFER_ID,
  NXPINT_CONTINUATION,
  NXPINT_COOKIE,
  NXPINT_FULL_LEN,
  NXPINT_METADATA,
  NXPINT_PACKET,
  NXPINT_REASON,
  NXPINT_TABLE_ID,
  NXPINT_USERDATA,
  NXT_PACKET_IN2,
  NXT_RESUME,
  NX_VENDOR_ID,
  OFPT_EXPERIMENTER,
  OFPT_PACKET_IN,
  OFPT_PACKET_OUT,
  OFP_NO_BUFFER,
  type NxPacketIn2,
  type NxResume,
  type OpaqueProperty,
  type PacketIn,
  type PacketIn2Props,
  type PacketOut,
} from '../types';
import { codec } from './codec';
import { fastDecodeMatch, fastEncodeMatch } from './fastpath';
import { forEachProp, hx, portName, readU64At, u16At, u32At, writeOpaqueProp, writeProp } from './common';

/**
 * The first line of ofputil_packet_in_format (lib/ofp-packet.c): `[table_id=N ][cookie=0x.. ]total_len=N
 * <metadata match> (via <reason>) data_len=N (unbuffered)|buffer=0x..`. (OVS then dissects the packet on a
 * second line; we do not.)
 */
export function formatPacketInCommon(
  tableId: number,
  cookie: bigint,
  totalLen: number,
  match: import('../match').Match,
  reason: number,
  dataLen: number,
  bufferId: number,
): string {
  let s = '';
  if (tableId !== 0) s += `table_id=${tableId} `;
  if (cookie !== 0xffffffffffffffffn) s += `cookie=${hx(cookie)} `;
  s += `total_len=${totalLen} `;
  const m = formatMatch(match);
  if (m) s += `${m} `;
  s += `(via ${packetInReasonName(reason)}) data_len=${dataLen}`;
  s += bufferId === OFP_NO_BUFFER ? ' (unbuffered)' : ` buffer=${hx(bufferId)}`;
  return s;
}

const PACKET_IN_REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];

/** OVS's name of a packet-in reason. */
export function packetInReasonName(reason: number): string {
  return PACKET_IN_REASONS[reason] ?? String(reason);
}

// ofp_packet_in (A.4.1): buffer_id u32, total_len u16, reason u8, table_id u8, cookie u64, match, pad 2, data.
export const packetInCodec = codec<PacketIn>({
  name: 'PACKET_IN',
  ofpName: 'OFPT_PACKET_IN',
  ofpType: OFPT_PACKET_IN,
  fields: { bufferId: 32, totalLen: 16, reason: 8, tableId: 8, cookie: 64 },
  decode(r, h) {
    r.need(16, 'ofp_packet_in', 'OFPBRC_BAD_LEN');
    const b = r.buf;
    const p = r.pos;
    const bufferId = u32At(b, p);
    const totalLen = u16At(b, p + 4);
    const reason = b[p + 6]!;
    const tableId = b[p + 7]!;
    const cookie = readU64At(b, p + 8);
    r.pos = p + 16;
    const match = fastDecodeMatch(r) ?? decodeMatch(r);
    r.need(2, 'ofp_packet_in padding', 'OFPBRC_BAD_LEN');
    r.skip(2);
    // A view, not a copy: PACKET_IN is the hot asynchronous message (see PacketIn.data).
    const data = r.bytes(r.remaining);
    return { type: 'PACKET_IN', xid: h.xid, bufferId, totalLen, reason, tableId, cookie, match, data };
  },
  encode(w, m) {
    w.u32(m.bufferId).u16(m.totalLen).u8(m.reason).u8(m.tableId).u64(m.cookie);
    if (!fastEncodeMatch(w, m.match)) encodeMatch(w, m.match);
    w.zeros(2).bytes(m.data);
  },
  format(m) {
    // ofputil_packet_in_format (lib/ofp-packet.c), without the packet dissection.
    return formatPacketInCommon(m.tableId, m.cookie, m.totalLen, m.match, m.reason, m.data.length, m.bufferId);
  },
});

// ofp_packet_out (A.3.7): buffer_id u32, in_port u32, actions_len u16, pad 6, actions, data.
export const packetOutCodec = codec<PacketOut>({
  name: 'PACKET_OUT',
  ofpName: 'OFPT_PACKET_OUT',
  ofpType: OFPT_PACKET_OUT,
  fields: { bufferId: 32, inPort: 32 },
  decode(r, h) {
    r.need(16, 'ofp_packet_out', 'OFPBRC_BAD_LEN');
    const bufferId = r.u32();
    const inPort = r.u32();
    const actionsLen = r.u16();
    r.skip(6);
    if (actionsLen > r.remaining) {
      throw r.error('OFPBRC_BAD_LEN', `actions_len ${actionsLen} exceeds the ${r.remaining} bytes left`, r.offset - 8);
    }
    const actions = decodeActions(r.sub(actionsLen, 'actions', 'OFPBRC_BAD_LEN'));
    const data = r.copy(r.remaining);
    return { type: 'PACKET_OUT', xid: h.xid, bufferId, inPort, actions, data };
  },
  encode(w, m) {
    const start = w.pos;
    w.u32(m.bufferId).u32(m.inPort).u16(0).zeros(6);
    const a = w.pos;
    encodeActions(w, m.actions);
    w.patchU16(start + 8, w.pos - a);
    w.bytes(m.data);
  },
  format(m) {
    let s = `in_port=${portName(m.inPort)} actions=${formatActions(m.actions)}`;
    s += m.bufferId === OFP_NO_BUFFER ? ` data_len=${m.data.length}` : ` buffer=${hx(m.bufferId)}`;
    return s;
  },
});

// ---- NXT_PACKET_IN2 / NXT_RESUME: a list of ofp_prop_header properties, each padded to 8. ----

function fixedLen(body: Reader, n: number, what: string): void {
  if (body.remaining !== n) throw body.error('OFPBRC_BAD_LEN', `${what} property body is ${body.remaining} bytes, not ${n}`);
}

function decodePacketIn2Props(r: Reader): PacketIn2Props {
  const out: PacketIn2Props = { packet: Buffer.alloc(0), unknown: [] };
  let seenPacket = false;
  const unknown = (type: number, body: Reader): void => {
    out.unknown.push({ propType: type, data: body.copy(body.remaining) } satisfies OpaqueProperty);
  };
  forEachProp(r, (type, body) => {
    switch (type) {
      case NXPINT_PACKET:
        if (seenPacket) return unknown(type, body);
        seenPacket = true;
        out.packet = body.copy(body.remaining);
        return;
      case NXPINT_FULL_LEN:
        if (out.fullLen !== undefined) return unknown(type, body);
        fixedLen(body, 4, 'full_len');
        out.fullLen = body.u32();
        return;
      case NXPINT_BUFFER_ID:
        if (out.bufferId !== undefined) return unknown(type, body);
        fixedLen(body, 4, 'buffer_id');
        out.bufferId = body.u32();
        return;
      case NXPINT_TABLE_ID:
        if (out.tableId !== undefined) return unknown(type, body);
        fixedLen(body, 1, 'table_id');
        out.tableId = body.u8();
        return;
      case NXPINT_COOKIE:
        // ofpprop_put_be64: 4 bytes of padding so the value is 8-aligned, then the value.
        if (out.cookie !== undefined) return unknown(type, body);
        fixedLen(body, 12, 'cookie');
        body.skip(4);
        out.cookie = body.u64();
        return;
      case NXPINT_REASON:
        if (out.reason !== undefined) return unknown(type, body);
        fixedLen(body, 1, 'reason');
        out.reason = body.u8();
        return;
      case NXPINT_METADATA:
        if (out.metadata !== undefined) return unknown(type, body);
        out.metadata = decodeOxms(body);
        return;
      case NXPINT_USERDATA:
        if (out.userdata !== undefined) return unknown(type, body);
        out.userdata = body.copy(body.remaining);
        return;
      case NXPINT_CONTINUATION:
        if (out.continuation !== undefined) return unknown(type, body);
        out.continuation = body.copy(body.remaining);
        return;
      default:
        return unknown(type, body);
    }
  });
  if (!seenPacket) throw r.error('OFPBRC_BAD_LEN', 'NXPINT_PACKET property is missing');
  return out;
}

function encodePacketIn2Props(w: Writer, m: PacketIn2Props): void {
  writeProp(w, NXPINT_PACKET, () => w.bytes(m.packet));
  if (m.fullLen !== undefined) writeProp(w, NXPINT_FULL_LEN, () => w.u32(m.fullLen!));
  if (m.bufferId !== undefined) writeProp(w, NXPINT_BUFFER_ID, () => w.u32(m.bufferId!));
  if (m.tableId !== undefined) writeProp(w, NXPINT_TABLE_ID, () => w.u8(m.tableId!));
  if (m.cookie !== undefined) writeProp(w, NXPINT_COOKIE, () => w.zeros(4).u64(m.cookie!));
  if (m.reason !== undefined) writeProp(w, NXPINT_REASON, () => w.u8(m.reason!));
  if (m.metadata !== undefined) writeProp(w, NXPINT_METADATA, () => encodeOxms(w, m.metadata!));
  if (m.continuation !== undefined) writeProp(w, NXPINT_CONTINUATION, () => w.bytes(m.continuation!));
  if (m.userdata !== undefined) writeProp(w, NXPINT_USERDATA, () => w.bytes(m.userdata!));
  for (const u of m.unknown) writeOpaqueProp(w, u);
}

function formatPacketIn2(m: PacketIn2Props): string {
  let s = formatPacketInCommon(
    m.tableId ?? 0,
    m.cookie ?? 0xffffffffffffffffn,
    m.fullLen ?? m.packet.length,
    m.metadata ?? [],
    m.reason ?? 0,
    m.packet.length,
    m.bufferId ?? OFP_NO_BUFFER,
  );
  if (m.userdata) s += ` userdata=${[...m.userdata].map((b) => b.toString(16).padStart(2, '0')).join('.')}`;
  if (m.continuation) s += ` continuation=${m.continuation.length} bytes`;
  if (m.unknown.length) s += ` unknown_props=${m.unknown.map((u) => u.propType).join(',')}`;
  return s;
}

export const packetIn2Codec = codec<NxPacketIn2>({
  name: 'NXT_PACKET_IN2',
  ofpName: 'NXT_PACKET_IN2',
  ofpType: OFPT_EXPERIMENTER,
  experimenter: NX_VENDOR_ID,
  expType: NXT_PACKET_IN2,
  decode: (r, h) => ({ type: 'NXT_PACKET_IN2', xid: h.xid, ...decodePacketIn2Props(r) }),
  encode: encodePacketIn2Props,
  format: formatPacketIn2,
});

export const resumeCodec = codec<NxResume>({
  name: 'NXT_RESUME',
  ofpName: 'NXT_RESUME',
  ofpType: OFPT_EXPERIMENTER,
  experimenter: NX_VENDOR_ID,
  expType: NXT_RESUME,
  decode: (r, h) => ({ type: 'NXT_RESUME', xid: h.xid, ...decodePacketIn2Props(r) }),
  encode: encodePacketIn2Props,
  format: formatPacketIn2,
});

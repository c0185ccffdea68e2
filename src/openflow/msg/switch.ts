/**
 * Switch-level messages (OpenFlow 1.3.5 section A.3.1-A.3.10, A.5): HELLO, ECHO, FEATURES, GET/SET_CONFIG,
 * BARRIER, ROLE, GET/SET_ASYNC.
 */
import { Parser } from 'binary-parser';
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import type { OfpMessage } from '../types';
import {
  OFPHET_VERSIONBITMAP,
  OFPT_BARRIER_REPLY,
  OFPT_BARRIER_REQUEST,
  OFPT_ECHO_REPLY,
  OFPT_ECHO_REQUEST,
  OFPT_FEATURES_REPLY,
  OFPT_FEATURES_REQUEST,
  OFPT_GET_ASYNC_REPLY,
  OFPT_GET_ASYNC_REQUEST,
  OFPT_GET_CONFIG_REPLY,
  OFPT_GET_CONFIG_REQUEST,
  OFPT_HELLO,
  OFPT_ROLE_REPLY,
  OFPT_ROLE_REQUEST,
  OFPT_SET_ASYNC,
  OFPT_SET_CONFIG,
  OFPMP_DESC,
  type AsyncConfig,
  type FeaturesReply,
  type GetAsyncReply,
  type HelloElement,
  type SetAsync,
} from '../types';
import { codec, mpCodec, type MessageCodec } from './codec';
import { forEachProp, hexCap, hx, parseFixed, writeProp } from './common';

// ---- HELLO (A.5.1): a list of hello elements (u16 type, u16 length excl. padding to 8). ----

/** Versions (ofp_header.version values) named by a version bitmap. */
export function versionsFromBitmaps(bitmaps: readonly number[]): number[] {
  const out: number[] = [];
  bitmaps.forEach((word, i) => {
    for (let b = 0; b < 32; b++) if ((word >>> b) & 1) out.push(i * 32 + b);
  });
  return out;
}

/** The version bitmap words for a set of versions. */
export function bitmapsFromVersions(versions: readonly number[]): number[] {
  const words: number[] = [];
  for (const v of versions) {
    const i = v >> 5;
    while (words.length <= i) words.push(0);
    words[i] = (words[i]! | (1 << (v & 31))) >>> 0;
  }
  return words;
}

export const helloCodec = codec<import('../types').Hello>({
  name: 'HELLO',
  ofpName: 'OFPT_HELLO',
  ofpType: OFPT_HELLO,
  fields: { version: 8 },
  decode(r, h) {
    const elements: HelloElement[] = [];
    forEachProp(r, (type, body) => {
      if (type === OFPHET_VERSIONBITMAP) {
        if (body.remaining % 4 !== 0) throw body.error('OFPBRC_BAD_LEN', 'version bitmap length is not a multiple of 4');
        const bitmaps: number[] = [];
        while (body.remaining > 0) bitmaps.push(body.u32());
        elements.push({ type: 'VERSIONBITMAP', bitmaps });
      } else {
        elements.push({ type: 'UNKNOWN', elemType: type, data: body.copy(body.remaining) });
      }
    });
    return { type: 'HELLO', xid: h.xid, version: h.version, elements };
  },
  encode(w, m) {
    for (const e of m.elements) {
      if (e.type === 'VERSIONBITMAP') writeProp(w, OFPHET_VERSIONBITMAP, () => e.bitmaps.forEach((b) => w.u32(b)));
      else writeProp(w, e.elemType, () => w.bytes(e.data));
    }
  },
  format(m) {
    return m.elements
      .map((e) =>
        e.type === 'VERSIONBITMAP'
          ? `version bitmap: ${versionsFromBitmaps(e.bitmaps)
              .map((v) => `0x${v.toString(16).padStart(2, '0')}`)
              .join(', ')}`
          : `unknown element type=${e.elemType} len=${e.data.length}`,
      )
      .join(' ');
  },
});

// ---- ECHO (A.5.2, A.5.3): arbitrary data. ----

function formatData(d: Buffer): string {
  return `${d.length} bytes of payload${d.length ? ` ${hexCap(d)}` : ''}`;
}

/** ECHO_REQUEST and ECHO_REPLY share their layout: the whole body is opaque data. */
function echoCodec<M extends Extract<OfpMessage, { data: Buffer }>>(name: M['type'], ofpType: number): MessageCodec<M> {
  return codec<M>({
    name,
    ofpName: `OFPT_${name}`,
    ofpType,
    decode: (r, h) => ({ type: name, xid: h.xid, data: r.copy(r.remaining) }) as M,
    encode: (w, m) => void w.bytes(m.data),
    format: (m) => formatData(m.data),
  });
}

export const echoRequestCodec = echoCodec<import('../types').EchoRequest>('ECHO_REQUEST', OFPT_ECHO_REQUEST);

export const echoReplyCodec = echoCodec<import('../types').EchoReply>('ECHO_REPLY', OFPT_ECHO_REPLY);

/** Requests whose body is empty: any trailing byte is OFPBRC_BAD_LEN. */
function expectEmpty(r: Reader): void {
  if (r.remaining !== 0) throw r.error('OFPBRC_BAD_LEN', `${r.remaining} unexpected bytes after the header`);
}

/** A message that is only an ofp_header (FEATURES_REQUEST, GET_CONFIG_REQUEST, BARRIER_*, GET_ASYNC_REQUEST). */
function emptyCodec<M extends OfpMessage>(name: M['type'], ofpType: number): MessageCodec<M> {
  return codec<M>({
    name,
    ofpName: `OFPT_${name}`,
    ofpType,
    decode: (r, h) => (expectEmpty(r), { type: name, xid: h.xid } as M),
    encode: () => undefined,
    format: () => '',
  });
}

/** The whole body must have been consumed by a fixed-size layout. */
export function expectEnd(r: Reader): void {
  if (r.remaining !== 0) throw r.error('OFPBRC_BAD_LEN', `${r.remaining} trailing bytes`);
}

export const featuresRequestCodec = emptyCodec<import('../types').FeaturesRequest>('FEATURES_REQUEST', OFPT_FEATURES_REQUEST);

// ofp_switch_features (A.3.1): datapath_id u64, n_buffers u32, n_tables u8, auxiliary_id u8, pad 2,
// capabilities u32, reserved u32 (24 bytes after the header).
const featuresParser = new Parser()
  .endianness('big')
  .uint64('datapathId')
  .uint32('nBuffers')
  .uint8('nTables')
  .uint8('auxiliaryId')
  .skip(2)
  .uint32('capabilities')
  .uint32('reserved');

const CAPABILITY_NAMES: [number, string][] = [
  [1, 'FLOW_STATS'],
  [2, 'TABLE_STATS'],
  [4, 'PORT_STATS'],
  [8, 'GROUP_STATS'],
  [32, 'IP_REASM'],
  [64, 'QUEUE_STATS'],
  [256, 'PORT_BLOCKED'],
];

export const featuresReplyCodec = codec<FeaturesReply>({
  name: 'FEATURES_REPLY',
  ofpName: 'OFPT_FEATURES_REPLY',
  ofpType: OFPT_FEATURES_REPLY,
  fields: { datapathId: 64, nBuffers: 32, nTables: 8, auxiliaryId: 8, capabilities: 32, reserved: 32 },
  decode(r, h) {
    const f = parseFixed<Omit<FeaturesReply, 'type' | 'xid'>>(r, featuresParser, 24, 'ofp_switch_features');
    expectEnd(r);
    return { type: 'FEATURES_REPLY', xid: h.xid, ...f };
  },
  encode(w, m) {
    w.u64(m.datapathId).u32(m.nBuffers).u8(m.nTables).u8(m.auxiliaryId).zeros(2).u32(m.capabilities).u32(m.reserved);
  },
  format(m) {
    const caps = CAPABILITY_NAMES.filter(([b]) => m.capabilities & b).map(([, n]) => n);
    return (
      `dpid:${m.datapathId.toString(16).padStart(16, '0')} n_tables:${m.nTables}, n_buffers:${m.nBuffers}` +
      (m.auxiliaryId ? ` auxiliary_id:${m.auxiliaryId}` : '') +
      ` capabilities: ${caps.join(' ')}`
    );
  },
});

export const getConfigRequestCodec = emptyCodec<import('../types').GetConfigRequest>('GET_CONFIG_REQUEST', OFPT_GET_CONFIG_REQUEST);

function formatConfig(m: { flags: number; missSendLen: number }): string {
  const frag = ['normal', 'drop', 'reassemble', 'nx-match'][m.flags & 3];
  const rest = m.flags & ~3 ? ` flags=${hx(m.flags & ~3)}` : '';
  return `frags=${frag}${rest} miss_send_len=${m.missSendLen}`;
}

/** GET_CONFIG_REPLY and SET_CONFIG share ofp_switch_config (A.3.2): flags u16, miss_send_len u16. */
function switchConfigCodec<M extends Extract<OfpMessage, { missSendLen: number }>>(name: M['type'], ofpType: number): MessageCodec<M> {
  return codec<M>({
    name,
    ofpName: `OFPT_${name}`,
    ofpType,
    fields: { flags: 16, missSendLen: 16 },
    decode(r, h) {
      r.need(4, 'ofp_switch_config', 'OFPBRC_BAD_LEN');
      const flags = r.u16();
      const missSendLen = r.u16();
      expectEnd(r);
      return { type: name, xid: h.xid, flags, missSendLen } as M;
    },
    encode: (w, m) => void w.u16(m.flags).u16(m.missSendLen),
    format: formatConfig,
  });
}

export const getConfigReplyCodec = switchConfigCodec<import('../types').GetConfigReply>('GET_CONFIG_REPLY', OFPT_GET_CONFIG_REPLY);

export const setConfigCodec = switchConfigCodec<import('../types').SetConfig>('SET_CONFIG', OFPT_SET_CONFIG);

export const barrierRequestCodec = emptyCodec<import('../types').BarrierRequest>('BARRIER_REQUEST', OFPT_BARRIER_REQUEST);

export const barrierReplyCodec = emptyCodec<import('../types').BarrierReply>('BARRIER_REPLY', OFPT_BARRIER_REPLY);

// ---- ROLE (A.3.9): role u32, pad 4, generation_id u64. ----

/** Role names as Open vSwitch 3.x prints them (OFPCR_ROLE_MASTER/SLAVE are printed primary/secondary). */
const ROLE_NAMES = ['nochange', 'equal', 'primary', 'secondary'];

function formatRole(m: { role: number; generationId: bigint }): string {
  const name = ROLE_NAMES[m.role] ?? `role=${m.role}`;
  return `role=${name}${m.role === 0 || m.role === 1 ? '' : ` generation_id=${m.generationId}`}`;
}

/** ROLE_REQUEST and ROLE_REPLY share ofp_role_request. */
function roleCodec<M extends Extract<OfpMessage, { generationId: bigint }>>(name: M['type'], ofpType: number): MessageCodec<M> {
  return codec<M>({
    name,
    ofpName: `OFPT_${name}`,
    ofpType,
    fields: { role: 32, generationId: 64 },
    decode(r, h) {
      r.need(16, 'ofp_role_request', 'OFPBRC_BAD_LEN');
      const role = r.u32();
      r.skip(4);
      const generationId = r.u64();
      expectEnd(r);
      return { type: name, xid: h.xid, role, generationId } as M;
    },
    encode: (w, m) => void w.u32(m.role).zeros(4).u64(m.generationId),
    format: formatRole,
  });
}

export const roleRequestCodec = roleCodec<import('../types').RoleRequest>('ROLE_REQUEST', OFPT_ROLE_REQUEST);

export const roleReplyCodec = roleCodec<import('../types').RoleReply>('ROLE_REPLY', OFPT_ROLE_REPLY);

// ---- GET_ASYNC / SET_ASYNC (A.3.10): packet_in_mask[2], port_status_mask[2], flow_removed_mask[2]. ----

function decodeAsync(r: Reader): AsyncConfig {
  r.need(24, 'ofp_async_config', 'OFPBRC_BAD_LEN');
  const v = [r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()];
  expectEnd(r);
  return { packetInMask: [v[0]!, v[1]!], portStatusMask: [v[2]!, v[3]!], flowRemovedMask: [v[4]!, v[5]!] };
}

/** GET_ASYNC_REPLY and SET_ASYNC share ofp_async_config. */
function asyncCodec<M extends GetAsyncReply | SetAsync>(name: M['type'], ofpType: number): MessageCodec<M> {
  return codec<M>({
    name,
    ofpName: `OFPT_${name}`,
    ofpType,
    decode: (r, h) => ({ type: name, xid: h.xid, ...decodeAsync(r) }) as M,
    encode: encodeAsync,
    format: formatAsync,
  });
}

function encodeAsync(w: Writer, m: AsyncConfig): void {
  w.u32(m.packetInMask[0]).u32(m.packetInMask[1]);
  w.u32(m.portStatusMask[0]).u32(m.portStatusMask[1]);
  w.u32(m.flowRemovedMask[0]).u32(m.flowRemovedMask[1]);
}

const ASYNC_NAMES: [string, string[]][] = [
  ['PACKET_IN', ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out']],
  ['PORT_STATUS', ['add', 'delete', 'modify']],
  ['FLOW_REMOVED', ['idle', 'hard', 'delete', 'group_delete', 'meter_delete', 'eviction']],
];

/**
 * Like ofputil_format_set_async_config (lib/ofp-monitor.c), on one line: per role (primary = master/equal,
 * secondary = slave) the reasons enabled for each asynchronous message; OpenFlow 1.3 has no ROLE_STATUS,
 * TABLE_STATUS or REQUESTFORWARD masks, so those are "(off)" as OVS prints them.
 */
function formatAsync(m: AsyncConfig): string {
  const masks = [m.packetInMask, m.portStatusMask, m.flowRemovedMask];
  return ['primary', 'secondary']
    .map((role, i) => {
      const parts = ASYNC_NAMES.map(([msg, names], j) => {
        const mask = masks[j]![i]!;
        const on = names.filter((_, bit) => mask & (1 << bit));
        const extra = mask & ~((1 << names.length) - 1);
        if (extra) on.push(hx(extra));
        return `${msg}: ${on.length ? on.join(' ') : '(off)'}`;
      });
      return `${role}: ${parts.join(' ')} ROLE_STATUS: (off) TABLE_STATUS: (off) REQUESTFORWARD: (off)`;
    })
    .join(' ');
}

export const getAsyncRequestCodec = emptyCodec<import('../types').GetAsyncRequest>('GET_ASYNC_REQUEST', OFPT_GET_ASYNC_REQUEST);

export const getAsyncReplyCodec = asyncCodec<GetAsyncReply>('GET_ASYNC_REPLY', OFPT_GET_ASYNC_REPLY);

export const setAsyncCodec = asyncCodec<SetAsync>('SET_ASYNC', OFPT_SET_ASYNC);

// ---- OFPMP_DESC (A.3.5.1): empty request; reply ofp_desc: mfr_desc[256], hw_desc[256], sw_desc[256],
// serial_num[32], dp_desc[256] (1056 bytes), NUL-padded ASCII. ----

type DescReq = Extract<import('../types').MultipartRequestBody, { mpType: 'DESC' }>;
type DescRep = Extract<import('../types').MultipartReplyBody, { mpType: 'DESC' }>;

export const descRequestCodec = mpCodec<DescReq>({
  mpType: OFPMP_DESC,
  name: 'DESC',
  decode: (r) => (expectEnd(r), { mpType: 'DESC' }),
  encode: () => undefined,
  format: () => '',
});

export const descReplyCodec = mpCodec<DescRep>({
  mpType: OFPMP_DESC,
  name: 'DESC',
  decode(r) {
    r.need(1056, 'ofp_desc', 'OFPBRC_BAD_LEN');
    const d: DescRep = {
      mpType: 'DESC',
      mfrDesc: r.str(256),
      hwDesc: r.str(256),
      swDesc: r.str(256),
      serialNum: r.str(32),
      dpDesc: r.str(256),
    };
    expectEnd(r);
    return d;
  },
  encode(w, b) {
    w.str(b.mfrDesc, 256).str(b.hwDesc, 256).str(b.swDesc, 256).str(b.serialNum, 32).str(b.dpDesc, 256);
  },
  format: (b) =>
    `Manufacturer: ${b.mfrDesc} Hardware: ${b.hwDesc} Software: ${b.swDesc} Serial Num: ${b.serialNum} DP Description: ${b.dpDesc}`,
});

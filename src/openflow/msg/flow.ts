/**
 * Flow-table messages: OFPT_FLOW_MOD (OpenFlow 1.3.5 A.3.4.1), OFPT_FLOW_REMOVED (A.4.2), and the OFPMP_FLOW /
 * OFPMP_AGGREGATE multipart bodies (A.3.5.2, A.3.5.3).
 *
 * FLOW_MOD is the hot path of a controller: its fixed part is read and written with direct buffer access after
 * one bounds check (no per-field allocation); the match and instructions go through the fast paths of
 * fastpath.ts when they apply, else through the general codecs (match.ts, instructions.ts).
 */
import { Parser } from 'binary-parser';
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import { decodeMatch, encodeMatch, formatMatch, type Match } from '../match';
import { decodeInstructions, encodeInstructions, formatInstructions } from '../instructions';
import {
  OFPT_FLOW_MOD,
  OFPT_FLOW_REMOVED,
  OFPMP_AGGREGATE,
  OFPMP_FLOW,
  OFPP_ANY,
  OFPG_ANY,
  OFP_NO_BUFFER,
  type FlowMod,
  type FlowRemoved,
  type FlowStats,
  type FlowStatsRequestBody,
  type MultipartReplyBody,
  type MultipartRequestBody,
} from '../types';
import { codec, mpCodec } from './codec';
import { expectEnd } from './switch';
import { dataView, fastDecodeInstructions, fastDecodeMatch, fastEncodeInstructions, fastEncodeMatch } from './fastpath';
import { hx, parseFixed, portName, readU64At, u16At, u32At, writeU64At } from './common';

/** Size of ofp_flow_mod after the ofp_header, up to the match. */
const FLOW_MOD_FIXED = 40;

const COMMAND_NAMES = ['ADD', 'MOD', 'MOD_STRICT', 'DEL', 'DEL_STRICT'];

/** OFPFF_* flags as Open vSwitch prints them, each followed by a space. */
export function formatFlowFlags(flags: number): string {
  let s = '';
  if (flags & 1) s += 'send_flow_rem ';
  if (flags & 2) s += 'check_overlap ';
  if (flags & 4) s += 'reset_counts ';
  if (flags & 8) s += 'no_packet_counts ';
  if (flags & 16) s += 'no_byte_counts ';
  return s;
}

/** match_format()'s reading: "priority=N," (unless the default 32768) then the match. */
export function formatPriorityMatch(priority: number, match: Match): string {
  const m = formatMatch(match);
  if (priority === 0x8000) return m;
  return m ? `priority=${priority},${m}` : `priority=${priority}`;
}

export const flowModCodec = codec<FlowMod>({
  name: 'FLOW_MOD',
  ofpName: 'OFPT_FLOW_MOD',
  ofpType: OFPT_FLOW_MOD,
  fields: { cookie: 64, cookieMask: 64, tableId: 8, command: 8, idleTimeout: 16, hardTimeout: 16, priority: 16, bufferId: 32, outPort: 32, outGroup: 32, flags: 16 },
  decode(r, h) {
    r.need(FLOW_MOD_FIXED, 'ofp_flow_mod', 'OFPBRC_BAD_LEN');
    const b = r.buf;
    const p = r.pos;
    const cookie = readU64At(b, p);
    const cookieMask = readU64At(b, p + 8);
    const tableId = b[p + 16]!;
    const command = b[p + 17]!;
    const idleTimeout = u16At(b, p + 18);
    const hardTimeout = u16At(b, p + 20);
    const priority = u16At(b, p + 22);
    const bufferId = u32At(b, p + 24);
    const outPort = u32At(b, p + 28);
    const outGroup = u32At(b, p + 32);
    const flags = u16At(b, p + 36);
    r.pos = p + FLOW_MOD_FIXED;
    const match = fastDecodeMatch(r) ?? decodeMatch(r);
    const instructions = fastDecodeInstructions(r) ?? decodeInstructions(r);
    return {
      type: 'FLOW_MOD',
      xid: h.xid,
      cookie,
      cookieMask,
      tableId,
      command,
      idleTimeout,
      hardTimeout,
      priority,
      bufferId,
      outPort,
      outGroup,
      flags,
      match,
      instructions,
    };
  },
  encode(w, m) {
    w.ensure(FLOW_MOD_FIXED);
    const d = dataView(w.buf);
    const p = w.pos;
    d.setBigUint64(p, BigInt.asUintN(64, m.cookie));
    d.setBigUint64(p + 8, BigInt.asUintN(64, m.cookieMask));
    d.setUint8(p + 16, m.tableId);
    d.setUint8(p + 17, m.command);
    d.setUint16(p + 18, m.idleTimeout);
    d.setUint16(p + 20, m.hardTimeout);
    d.setUint16(p + 22, m.priority);
    d.setUint32(p + 24, m.bufferId);
    d.setUint32(p + 28, m.outPort);
    d.setUint32(p + 32, m.outGroup);
    d.setUint32(p + 36, (m.flags & 0xffff) * 0x10000);
    w.pos = p + FLOW_MOD_FIXED;
    if (!fastEncodeMatch(w, m.match)) encodeMatch(w, m.match);
    if (!fastEncodeInstructions(w, m.instructions)) encodeInstructions(w, m.instructions);
  },
  format(m) {
    // ofputil_flow_mod_format (lib/ofp-flow.c).
    let s = COMMAND_NAMES[m.command] ?? `cmd:${m.command}`;
    if (m.tableId !== 0) s += ` table:${m.tableId}`;
    s += ' ' + formatPriorityMatch(m.priority, m.match);
    if (!s.endsWith(' ')) s += ' ';
    if (m.cookie !== 0n && m.cookie !== 0xffffffffffffffffn && m.cookieMask === 0n) s += `cookie:${hx(m.cookie)} `;
    if (m.cookieMask !== 0n) s += `cookie:${hx(m.cookie)}/${hx(m.cookieMask)} `;
    if (m.idleTimeout) s += `idle:${m.idleTimeout} `;
    if (m.hardTimeout) s += `hard:${m.hardTimeout} `;
    if (m.bufferId !== OFP_NO_BUFFER) s += `buf:${hx(m.bufferId)} `;
    if (m.outPort !== OFPP_ANY) s += `out_port:${portName(m.outPort)} `;
    if (m.outGroup !== OFPG_ANY) s += `out_group:${m.outGroup} `;
    s += formatFlowFlags(m.flags);
    return `${s}actions=${formatInstructions(m.instructions)}`;
  },
});

// ofp_flow_removed (A.4.2) up to the match: cookie u64, priority u16, reason u8, table_id u8, duration_sec u32,
// duration_nsec u32, idle_timeout u16, hard_timeout u16, packet_count u64, byte_count u64 (40 bytes).
const flowRemovedParser = new Parser()
  .endianness('big')
  .uint64('cookie')
  .uint16('priority')
  .uint8('reason')
  .uint8('tableId')
  .uint32('durationSec')
  .uint32('durationNsec')
  .uint16('idleTimeout')
  .uint16('hardTimeout')
  .uint64('packetCount')
  .uint64('byteCount');

const REMOVED_REASONS = ['idle', 'hard', 'delete', 'group_delete', 'meter_delete', 'eviction'];

/** "1.5s" style duration as ofp_print_duration prints it. */
export function formatDuration(sec: number, nsec: number): string {
  // ofp_print_duration: 3 decimals when the fraction is whole milliseconds, else 9.
  let s = `${sec}`;
  if (nsec > 0) {
    const ms = Math.floor(nsec / 1e6);
    s += ms * 1e6 === nsec ? `.${String(ms).padStart(3, '0')}` : `.${String(nsec).padStart(9, '0')}`;
  }
  return `${s}s`;
}

export const flowRemovedCodec = codec<FlowRemoved>({
  name: 'FLOW_REMOVED',
  ofpName: 'OFPT_FLOW_REMOVED',
  ofpType: OFPT_FLOW_REMOVED,
  fields: { cookie: 64, priority: 16, reason: 8, tableId: 8, durationSec: 32, durationNsec: 32, idleTimeout: 16, hardTimeout: 16, packetCount: 64, byteCount: 64 },
  decode(r, h) {
    r.need(40, 'ofp_flow_removed', 'OFPBRC_BAD_LEN');
    const f = parseFixed<Omit<FlowRemoved, 'type' | 'xid' | 'match'>>(r, flowRemovedParser, 40, 'ofp_flow_removed');
    const match = decodeMatch(r);
    expectEnd(r);
    return { type: 'FLOW_REMOVED', xid: h.xid, ...f, match };
  },
  encode(w, m) {
    w.u64(m.cookie).u16(m.priority).u8(m.reason).u8(m.tableId).u32(m.durationSec).u32(m.durationNsec);
    w.u16(m.idleTimeout).u16(m.hardTimeout).u64(m.packetCount).u64(m.byteCount);
    encodeMatch(w, m.match);
  },
  format(m) {
    // ofputil_flow_removed_format (lib/ofp-monitor.c).
    let s = formatPriorityMatch(m.priority, m.match);
    s += ` reason=${REMOVED_REASONS[m.reason] ?? m.reason}`;
    if (m.tableId !== 0) s += ` table_id=${m.tableId}`;
    if (m.cookie !== 0n) s += ` cookie:${hx(m.cookie)}`;
    s += ` duration${formatDuration(m.durationSec, m.durationNsec)}`;
    s += ` idle${m.idleTimeout}`;
    if (m.hardTimeout) s += ` hard${m.hardTimeout}`;
    s += ` pkts${m.packetCount} bytes${m.byteCount}`;
    return s;
  },
});

// ---- OFPMP_FLOW / OFPMP_AGGREGATE request (A.3.5.2): table_id u8, pad 3, out_port u32, out_group u32, pad 4,
// cookie u64, cookie_mask u64, match. ----

function decodeFlowStatsRequest(r: Reader): FlowStatsRequestBody {
  r.need(32, 'ofp_flow_stats_request', 'OFPBRC_BAD_LEN');
  const tableId = r.u8();
  r.skip(3);
  const outPort = r.u32();
  const outGroup = r.u32();
  r.skip(4);
  const cookie = r.u64();
  const cookieMask = r.u64();
  const match = decodeMatch(r);
  expectEnd(r);
  return { tableId, outPort, outGroup, cookie, cookieMask, match };
}

function encodeFlowStatsRequest(w: Writer, b: FlowStatsRequestBody): void {
  w.u8(b.tableId).zeros(3).u32(b.outPort).u32(b.outGroup).zeros(4).u64(b.cookie).u64(b.cookieMask);
  encodeMatch(w, b.match);
}

function formatFlowStatsRequest(b: FlowStatsRequestBody): string {
  let s = '';
  if (b.tableId !== 0xff) s += ` table=${b.tableId}`;
  if (b.outPort !== OFPP_ANY) s += ` out_port=${portName(b.outPort)}`;
  if (b.outGroup !== OFPG_ANY) s += ` out_group=${b.outGroup}`;
  if (b.cookieMask !== 0n) s += ` cookie=${hx(b.cookie)}/${hx(b.cookieMask)}`;
  const m = formatMatch(b.match);
  if (m) s += ` ${m}`;
  return s.trim();
}

type FlowReq = Extract<MultipartRequestBody, { mpType: 'FLOW' }>;
type AggReq = Extract<MultipartRequestBody, { mpType: 'AGGREGATE' }>;
type FlowRep = Extract<MultipartReplyBody, { mpType: 'FLOW' }>;
type AggRep = Extract<MultipartReplyBody, { mpType: 'AGGREGATE' }>;

export const flowStatsRequestCodec = mpCodec<FlowReq>({
  mpType: OFPMP_FLOW,
  name: 'FLOW',
  decode: (r) => ({ mpType: 'FLOW', ...decodeFlowStatsRequest(r) }),
  encode: encodeFlowStatsRequest,
  format: formatFlowStatsRequest,
});

export const aggregateRequestCodec = mpCodec<AggReq>({
  mpType: OFPMP_AGGREGATE,
  name: 'AGGREGATE',
  decode: (r) => ({ mpType: 'AGGREGATE', ...decodeFlowStatsRequest(r) }),
  encode: encodeFlowStatsRequest,
  format: formatFlowStatsRequest,
});

// ---- ofp_flow_stats (A.3.5.2): length u16, table_id u8, pad 1, duration_sec u32, duration_nsec u32,
// priority u16, idle_timeout u16, hard_timeout u16, flags u16, pad 4, cookie u64, packet_count u64,
// byte_count u64 (48 bytes), match, instructions. ----

const FLOW_STATS_FIXED = 48;

/** Decodes one ofp_flow_stats entry (its length bounds the entry; it must fit in `r`). */
export function decodeFlowStatsEntry(r: Reader): FlowStats {
  const start = r.offset;
  if (r.remaining < FLOW_STATS_FIXED) {
    throw r.error('OFPBRC_BAD_LEN', `ofp_flow_stats needs ${FLOW_STATS_FIXED} bytes, ${r.remaining} remain`);
  }
  const len = r.peekU16();
  if (len < FLOW_STATS_FIXED + 8 || len > r.remaining) {
    throw r.error('OFPBRC_BAD_LEN', `ofp_flow_stats length ${len} is below 56 or beyond the ${r.remaining} bytes left`, start);
  }
  const e = r.sub(len, 'ofp_flow_stats', 'OFPBRC_BAD_LEN');
  const b = e.buf;
  const p = e.pos;
  const tableId = b[p + 2]!;
  const durationSec = u32At(b, p + 4);
  const durationNsec = u32At(b, p + 8);
  const priority = u16At(b, p + 12);
  const idleTimeout = u16At(b, p + 14);
  const hardTimeout = u16At(b, p + 16);
  const flags = u16At(b, p + 18);
  const cookie = readU64At(b, p + 24);
  const packetCount = readU64At(b, p + 32);
  const byteCount = readU64At(b, p + 40);
  e.pos = p + FLOW_STATS_FIXED;
  const match = fastDecodeMatch(e) ?? decodeMatch(e);
  const instructions = fastDecodeInstructions(e) ?? decodeInstructions(e);
  return {
    tableId,
    durationSec,
    durationNsec,
    priority,
    idleTimeout,
    hardTimeout,
    flags,
    cookie,
    packetCount,
    byteCount,
    match,
    instructions,
  };
}

/** Encodes one ofp_flow_stats entry. */
export function encodeFlowStatsEntry(w: Writer, s: FlowStats): void {
  const start = w.pos;
  w.ensure(FLOW_STATS_FIXED);
  const b = w.buf;
  b.writeUInt16BE(0, start);
  b[start + 2] = s.tableId;
  b[start + 3] = 0;
  b.writeUInt32BE(s.durationSec >>> 0, start + 4);
  b.writeUInt32BE(s.durationNsec >>> 0, start + 8);
  b.writeUInt16BE(s.priority & 0xffff, start + 12);
  b.writeUInt16BE(s.idleTimeout & 0xffff, start + 14);
  b.writeUInt16BE(s.hardTimeout & 0xffff, start + 16);
  b.writeUInt16BE(s.flags & 0xffff, start + 18);
  b.writeUInt32BE(0, start + 20);
  writeU64At(b, start + 24, s.cookie);
  writeU64At(b, start + 32, s.packetCount);
  writeU64At(b, start + 40, s.byteCount);
  w.pos = start + FLOW_STATS_FIXED;
  if (!fastEncodeMatch(w, s.match)) encodeMatch(w, s.match);
  if (!fastEncodeInstructions(w, s.instructions)) encodeInstructions(w, s.instructions);
  w.patchU16(start, w.pos - start);
}

/** One flow-stats entry as `ovs-ofctl dump-flows` prints it (ofputil_flow_stats_format with stats). */
export function formatFlowStatsEntry(s: FlowStats): string {
  let t = `cookie=${hx(s.cookie)}, duration=${formatDuration(s.durationSec, s.durationNsec)}, table=${s.tableId}, `;
  t += `n_packets=${s.packetCount}, n_bytes=${s.byteCount}, `;
  if (s.idleTimeout) t += `idle_timeout=${s.idleTimeout}, `;
  if (s.hardTimeout) t += `hard_timeout=${s.hardTimeout}, `;
  if (s.flags) t += formatFlowFlags(s.flags);
  const m = formatPriorityMatch(s.priority, s.match);
  if (m) t += `${m} `;
  return `${t}actions=${formatInstructions(s.instructions)}`;
}

export const flowStatsReplyCodec = mpCodec<FlowRep>({
  mpType: OFPMP_FLOW,
  name: 'FLOW',
  decode(r) {
    const stats: FlowStats[] = [];
    while (r.remaining > 0) stats.push(decodeFlowStatsEntry(r));
    return { mpType: 'FLOW', stats };
  },
  encode(w, b) {
    for (const s of b.stats) encodeFlowStatsEntry(w, s);
  },
  format: (b) => b.stats.map((s) => ` ${formatFlowStatsEntry(s)}`).join(''),
});

// ofp_aggregate_stats_reply (A.3.5.3): packet_count u64, byte_count u64, flow_count u32, pad 4.
const aggregateParser = new Parser().endianness('big').uint64('packetCount').uint64('byteCount').uint32('flowCount');

export const aggregateReplyCodec = mpCodec<AggRep>({
  mpType: OFPMP_AGGREGATE,
  name: 'AGGREGATE',
  decode(r) {
    r.need(24, 'ofp_aggregate_stats_reply', 'OFPBRC_BAD_LEN');
    const a = parseFixed<{ packetCount: bigint; byteCount: bigint; flowCount: number }>(r, aggregateParser, 20, 'ofp_aggregate_stats_reply');
    r.skip(4);
    expectEnd(r);
    return { mpType: 'AGGREGATE', ...a };
  },
  encode: (w, b) => void w.u64(b.packetCount).u64(b.byteCount).u32(b.flowCount).zeros(4),
  format: (b) => `packet_count=${b.packetCount} byte_count=${b.byteCount} flow_count=${b.flowCount}`,
});

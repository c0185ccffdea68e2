/**
 * Fast paths for the match and instructions of FLOW_MOD, flow-stats entries and PACKET_IN.
 *
 * A controller's hot messages use a handful of fields and actions (in_port, eth_type, IPv4 addresses, L4
 * ports, tun_id, metadata, registers; output, set_field, NXAST_REG_LOAD, group, goto_table, ...). For exactly
 * those, these functions decode and encode straight from/to the buffer, without the general registry walk.
 * They are deliberately conservative: on anything else -- an unlisted field or action, a length, value,
 * prerequisite or duplicate the general codec might reject -- they return `undefined` having consumed (or kept)
 * nothing, and the caller runs B's general codec (`decodeMatch`, `decodeInstructions`, `encodeMatch`,
 * `encodeInstructions`), which produces the same result or the proper error. The field table is built from the
 * one registry (oxm.ts) at load time, and test/unit/openflow/msg-fastpath.test.ts checks that every fast
 * result equals the general codec's, bytes and objects, on random and mutated input.
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import type { Match, MatchEntry } from '../match';
import type { Action } from '../actions';
import type { Instruction } from '../instructions';
import { oxmFieldByHeader, oxmFieldByName, oxmValueOutsideMask, oxmWireOutsideMask, type OxmField } from '../oxm';
import { u16At, u32At } from './common';

/** Prerequisites the fast path understands (the same tests as match.ts's PrereqState for these kinds). */
type FastPrereq = 'none' | 'ip' | 'ipv4' | 'tcp' | 'udp';

interface FastField {
  idx: number;
  name: string;
  bytes: number;
  big: boolean;
  maxNum: number;
  prereq: FastPrereq;
  header: number;
  headerMasked: number;
  maskable: boolean;
  /** 1 = eth_type, 2 = ip_proto: entries that establish a prerequisite. */
  role: 0 | 1 | 2;
  /** The 4-byte header Nicira actions (NXAST_REG_LOAD) use for this field, if any. */
  nxm32: number | undefined;
}

const FAST_NAMES = [
  'in_port', 'metadata', 'eth_src', 'eth_dst', 'eth_type', 'ip_proto', 'ipv4_src', 'ipv4_dst', 'tcp_src',
  'tcp_dst', 'udp_src', 'udp_dst', 'tun_id', 'pkt_mark',
  ...Array.from({ length: 16 }, (_, i) => `reg${i}`),
];

const byHeader = new Map<number, FastField>();
const byName = new Map<string, FastField>();
for (const name of FAST_NAMES) {
  const f: OxmField | undefined = oxmFieldByName(name);
  if (!f || f.oxmClass === 0xffff) continue;
  if (!['none', 'ip', 'ipv4', 'tcp', 'udp'].includes(f.prereq)) continue;
  if (f.kind === 'buf' || ![1, 2, 4, 6, 8].includes(f.bytes) || (f.kind === 'big') !== (f.bytes === 8)) continue;
  const ff: FastField = {
    idx: byName.size,
    name: f.name,
    bytes: f.bytes,
    big: f.kind === 'big',
    maxNum: f.maxNum,
    prereq: f.prereq as FastPrereq,
    header: f.header,
    headerMasked: f.headerMasked,
    maskable: f.maskable,
    role: f.name === 'eth_type' ? 1 : f.name === 'ip_proto' ? 2 : 0,
    nxm32: f.nxmHeader ?? f.header,
  };
  byName.set(f.name, ff);
  byHeader.set(f.header >>> 0, ff);
  if (f.maskable) byHeader.set(f.headerMasked >>> 0, ff);
}

function prereqOk(p: FastPrereq, et: number, proto: number): boolean {
  switch (p) {
    case 'none':
      return true;
    case 'ip':
      return et === 0x0800 || et === 0x86dd;
    case 'ipv4':
      return et === 0x0800;
    case 'tcp':
      return (et === 0x0800 || et === 0x86dd) && proto === 6;
    case 'udp':
      return (et === 0x0800 || et === 0x86dd) && proto === 17;
  }
}

function readVal(b: Buffer, p: number, f: FastField): number | bigint {
  switch (f.bytes) {
    case 1:
      return b[p]!;
    case 2:
      return u16At(b, p);
    case 4:
      return u32At(b, p);
    case 6:
      return b.readUIntBE(p, 6);
    default:
      return b.readBigUInt64BE(p);
  }
}

const MAX_FAST = 64;

/** Decodes a whole ofp_match (header, OXMs, padding) at `r.pos`, or returns undefined and leaves `r` alone. */
export function fastDecodeMatch(r: Reader): Match | undefined {
  const b = r.buf;
  const p = r.pos;
  const end = r.end;
  if (end - p < 4 || u16At(b, p) !== 1) return undefined;
  const len = u16At(b, p + 2);
  const padded = (len + 7) & ~7;
  if (len < 4 || p + padded > end) return undefined;
  const oend = p + len;
  let q = p + 4;
  const out: Match = [];
  let seen = 0;
  let et = -1;
  let proto = -1;
  while (q < oend) {
    if (oend - q < 4 || out.length >= MAX_FAST) return undefined;
    const h = u32At(b, q);
    const f = byHeader.get(h);
    if (!f) return undefined;
    const n = h & 0xff;
    if (q + 4 + n > oend) return undefined;
    const bit = 1 << f.idx;
    if (seen & bit || !prereqOk(f.prereq, et, proto)) return undefined;
    seen |= bit;
    const value = readVal(b, q + 4, f);
    if (h & 0x100) {
      // Section 7.2.3.5: value bits outside the mask are OFPBMC_BAD_WILDCARDS; the general codec raises it.
      if (oxmWireOutsideMask(b, q + 4, f.bytes)) return undefined;
      out.push({ field: f.name, value, mask: readVal(b, q + 4 + f.bytes, f) });
      if (f.role !== 0) return undefined; // a masked eth_type/ip_proto: let the general codec decide
    } else {
      out.push({ field: f.name, value });
      if (f.role === 1) et = value as number;
      else if (f.role === 2) proto = value as number;
    }
    q += 4 + n;
  }
  r.pos = p + padded;
  return out;
}

/** Decodes an action list over `[p, end)` of `b`, or undefined. */
function fastDecodeActions(b: Buffer, p: number, end: number): Action[] | undefined {
  const out: Action[] = [];
  while (p < end) {
    if (end - p < 8 || out.length >= MAX_FAST) return undefined;
    const type = u16At(b, p);
    const len = u16At(b, p + 2);
    if (len < 8 || len % 8 !== 0 || p + len > end) return undefined;
    switch (type) {
      case 0: // OFPAT_OUTPUT
        if (len !== 16) return undefined;
        out.push({ type: 'output', port: u32At(b, p + 4), maxLen: u16At(b, p + 8) });
        break;
      case 21: // OFPAT_SET_QUEUE
        if (len !== 8) return undefined;
        out.push({ type: 'set_queue', queueId: u32At(b, p + 4) });
        break;
      case 22: // OFPAT_GROUP
        if (len !== 8) return undefined;
        out.push({ type: 'group', groupId: u32At(b, p + 4) });
        break;
      case 24: // OFPAT_DEC_NW_TTL
        if (len !== 8) return undefined;
        out.push({ type: 'dec_nw_ttl' });
        break;
      case 18: // OFPAT_POP_VLAN
        if (len !== 8) return undefined;
        out.push({ type: 'pop_vlan' });
        break;
      case 25: {
        // OFPAT_SET_FIELD: one unmasked OXM, then zero padding to a multiple of 8.
        const h = u32At(b, p + 4);
        const f = byHeader.get(h);
        if (!f || h & 0x100) return undefined;
        const oxmLen = 4 + (h & 0xff);
        if (oxmLen > len - 4 || len - 4 - oxmLen >= 8) return undefined;
        out.push({ type: 'set_field', field: f.name, value: readVal(b, p + 8, f) });
        break;
      }
      case 0xffff: {
        // NXAST_REG_LOAD: vendor 0x2320, subtype 7, ofs_nbits u16, dst header u32, value u64 (24 bytes).
        if (len !== 24 || u32At(b, p + 4) !== 0x00002320 || u16At(b, p + 8) !== 7) return undefined;
        const on = u16At(b, p + 10);
        const h = u32At(b, p + 12);
        if (h >>> 16 === 0xffff) return undefined;
        const f = oxmFieldByHeader(h);
        if (!f) return undefined;
        const ofs = on >>> 6;
        const nBits = (on & 63) + 1;
        if (ofs + nBits > f.bytes * 8) return undefined;
        const value = b.readBigUInt64BE(p + 16);
        if (nBits < 64 && value >> BigInt(nBits) !== 0n) return undefined;
        out.push({ type: 'load', dst: { field: f.name, ofs, nBits }, value });
        break;
      }
      default:
        return undefined;
    }
    p += len;
  }
  return out;
}

/** Decodes instructions over the rest of `r`, or returns undefined and leaves `r` alone. */
export function fastDecodeInstructions(r: Reader): Instruction[] | undefined {
  const b = r.buf;
  let p = r.pos;
  const end = r.end;
  const out: Instruction[] = [];
  while (p < end) {
    if (end - p < 8 || out.length >= MAX_FAST) return undefined;
    const type = u16At(b, p);
    const len = u16At(b, p + 2);
    if (len < 8 || len % 8 !== 0 || p + len > end) return undefined;
    switch (type) {
      case 1: // OFPIT_GOTO_TABLE
        if (len !== 8) return undefined;
        out.push({ type: 'goto_table', tableId: b[p + 4]! });
        break;
      case 2: // OFPIT_WRITE_METADATA
        if (len !== 24) return undefined;
        out.push({ type: 'write_metadata', metadata: b.readBigUInt64BE(p + 8), mask: b.readBigUInt64BE(p + 16) });
        break;
      case 3: // OFPIT_WRITE_ACTIONS
      case 4: {
        // OFPIT_APPLY_ACTIONS
        const actions = fastDecodeActions(b, p + 8, p + len);
        if (!actions) return undefined;
        out.push({ type: type === 3 ? 'write_actions' : 'apply_actions', actions });
        break;
      }
      case 5: // OFPIT_CLEAR_ACTIONS
        if (len !== 8) return undefined;
        out.push({ type: 'clear_actions' });
        break;
      case 6: // OFPIT_METER
        if (len !== 8) return undefined;
        out.push({ type: 'meter', meterId: u32At(b, p + 4) });
        break;
      default:
        return undefined;
    }
    p += len;
  }
  r.pos = end;
  return out;
}

// ---- encode ----

const U64_MAX = (1n << 64n) - 1n;
/** 2^n - 1 for n = 0..64, to range-check load values without BigInt arithmetic per call. */
const LOW_MASKS = Array.from({ length: 65 }, (_, n) => (1n << BigInt(n)) - 1n);

let dvBuf: Buffer | undefined;
let dv: DataView | undefined;
/** A DataView over `b` (cached while the Writer keeps the same backing buffer): its setters are JIT intrinsics. */
export function dataView(b: Buffer): DataView {
  if (b !== dvBuf) {
    dvBuf = b;
    dv = new DataView(b.buffer, b.byteOffset, b.length);
  }
  return dv!;
}

function zero(b: Buffer, from: number, to: number): void {
  for (let i = from; i < to; i++) b[i] = 0;
}

function valueOk(f: FastField, v: unknown): boolean {
  if (f.big) return typeof v === 'bigint' && v >= 0n && v <= U64_MAX;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= f.maxNum;
}

function writeVal(d: DataView, p: number, f: FastField, v: number | bigint): void {
  switch (f.bytes) {
    case 1:
      d.setUint8(p, v as number);
      return;
    case 2:
      d.setUint16(p, v as number);
      return;
    case 4:
      d.setUint32(p, v as number);
      return;
    case 6:
      d.setUint16(p, Math.floor((v as number) / 0x100000000));
      d.setUint32(p + 2, (v as number) >>> 0);
      return;
    default:
      d.setBigUint64(p, v as bigint);
  }
}

/**
 * Encodes a whole ofp_match for `m` when every entry is on the fast list and valid; returns false (writing
 * nothing) otherwise.
 */
export function fastEncodeMatch(w: Writer, m: readonly MatchEntry[]): boolean {
  if (m.length > MAX_FAST) return false;
  // Validate first, so a refusal writes nothing.
  let seen = 0;
  let et = -1;
  let proto = -1;
  let size = 4;
  for (let i = 0; i < m.length; i++) {
    const e = m[i]!;
    const f = byName.get(e.field);
    if (!f || !valueOk(f, e.value)) return false;
    const bit = 1 << f.idx;
    if (seen & bit || !prereqOk(f.prereq, et, proto)) return false;
    seen |= bit;
    if (e.mask !== undefined) {
      if (!f.maskable || f.role !== 0 || !valueOk(f, e.mask)) return false;
      // OFPBMC_BAD_WILDCARDS (section 7.2.3.5): left to the general encoder, which refuses it.
      if (oxmValueOutsideMask(e.value, e.mask)) return false;
      size += 4 + 2 * f.bytes;
    } else {
      size += 4 + f.bytes;
      if (f.role === 1) et = e.value as number;
      else if (f.role === 2) proto = e.value as number;
    }
  }
  const padded = (size + 7) & ~7;
  w.ensure(padded);
  const b = w.buf;
  const d = dataView(b);
  const start = w.pos;
  d.setUint32(start, 0x00010000 | size);
  let q = start + 4;
  for (let i = 0; i < m.length; i++) {
    const e = m[i]!;
    const f = byName.get(e.field)!;
    if (e.mask !== undefined) {
      d.setUint32(q, f.headerMasked);
      writeVal(d, q + 4, f, e.value as number | bigint);
      writeVal(d, q + 4 + f.bytes, f, e.mask as number | bigint);
      q += 4 + 2 * f.bytes;
    } else {
      d.setUint32(q, f.header);
      writeVal(d, q + 4, f, e.value as number | bigint);
      q += 4 + f.bytes;
    }
  }
  zero(b, q, start + padded);
  w.pos = start + padded;
  return true;
}

const isU32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isU16 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff;

/** Size of one action on the fast list, or 0 when the action is not on it (or not valid). */
function actionSize(a: Action): number {
  switch (a.type) {
    case 'output':
      return isU32(a.port) && isU16(a.maxLen) ? 16 : 0;
    case 'set_queue':
      return isU32(a.queueId) ? 8 : 0;
    case 'group':
      return isU32(a.groupId) ? 8 : 0;
    case 'dec_nw_ttl':
    case 'pop_vlan':
      return 8;
    case 'set_field': {
      const f = byName.get(a.field);
      if (!f || a.mask !== undefined || !valueOk(f, a.value)) return 0;
      return (8 + f.bytes + 7) & ~7;
    }
    case 'load': {
      // NXAST_REG_LOAD, as the general encoder writes every load of at most 64 bits.
      const d = a.dst;
      const f = d ? byName.get(d.field) : undefined;
      if (!f || f.nxm32 === undefined || typeof a.value !== 'bigint') return 0;
      if (!Number.isInteger(d.ofs) || !Number.isInteger(d.nBits) || d.ofs < 0 || d.nBits < 1 || d.nBits > 64) return 0;
      if (d.ofs + d.nBits > f.bytes * 8 || a.value < 0n || a.value > LOW_MASKS[d.nBits]!) return 0;
      return 24;
    }
    default:
      return 0;
  }
}

/**
 * Encodes instructions when every instruction and action is on the fast list and valid; returns false
 * (writing nothing) otherwise.
 */
export function fastEncodeInstructions(w: Writer, list: readonly Instruction[]): boolean {
  if (list.length > MAX_FAST) return false;
  let size = 0;
  for (let i = 0; i < list.length; i++) {
    const ins = list[i]!;
    switch (ins.type) {
      case 'goto_table':
        if (!(typeof ins.tableId === 'number' && Number.isInteger(ins.tableId) && ins.tableId >= 0 && ins.tableId <= 255)) return false;
        size += 8;
        break;
      case 'clear_actions':
        size += 8;
        break;
      case 'meter':
        if (!isU32(ins.meterId)) return false;
        size += 8;
        break;
      case 'write_metadata':
        if (!(typeof ins.metadata === 'bigint' && typeof ins.mask === 'bigint')) return false;
        if (ins.metadata < 0n || ins.metadata > U64_MAX || ins.mask < 0n || ins.mask > U64_MAX) return false;
        size += 24;
        break;
      case 'apply_actions':
      case 'write_actions': {
        if (ins.actions.length > MAX_FAST) return false;
        let s = 8;
        for (let j = 0; j < ins.actions.length; j++) {
          const n = actionSize(ins.actions[j]!);
          if (n === 0) return false;
          s += n;
        }
        if (s > 0xffff) return false;
        size += s;
        break;
      }
      default:
        return false;
    }
  }
  w.ensure(size);
  const b = w.buf;
  const d = dataView(b);
  let p = w.pos;
  for (let i = 0; i < list.length; i++) {
    const ins = list[i]!;
    switch (ins.type) {
      case 'goto_table':
        d.setUint32(p, 0x00010008);
        d.setUint32(p + 4, ins.tableId * 0x1000000);
        p += 8;
        break;
      case 'clear_actions':
        d.setUint32(p, 0x00050008);
        d.setUint32(p + 4, 0);
        p += 8;
        break;
      case 'meter':
        d.setUint32(p, 0x00060008);
        d.setUint32(p + 4, ins.meterId);
        p += 8;
        break;
      case 'write_metadata':
        d.setUint32(p, 0x00020018);
        d.setUint32(p + 4, 0);
        d.setBigUint64(p + 8, ins.metadata);
        d.setBigUint64(p + 16, ins.mask);
        p += 24;
        break;
      case 'apply_actions':
      case 'write_actions': {
        const start = p;
        d.setUint32(p + 4, 0);
        p += 8;
        for (let j = 0; j < ins.actions.length; j++) p = writeAction(b, d, p, ins.actions[j]!);
        d.setUint32(start, ((ins.type === 'write_actions' ? 3 : 4) << 16) | (p - start));
        break;
      }
      default:
        break;
    }
  }
  w.pos = p;
  return true;
}

function writeAction(b: Buffer, d: DataView, p: number, a: Action): number {
  switch (a.type) {
    case 'output':
      d.setUint32(p, 0x00000010);
      d.setUint32(p + 4, a.port);
      d.setUint16(p + 8, a.maxLen);
      d.setUint16(p + 10, 0);
      d.setUint32(p + 12, 0);
      return p + 16;
    case 'set_queue':
      d.setUint32(p, 0x00150008);
      d.setUint32(p + 4, a.queueId);
      return p + 8;
    case 'group':
      d.setUint32(p, 0x00160008);
      d.setUint32(p + 4, a.groupId);
      return p + 8;
    case 'dec_nw_ttl':
      d.setUint32(p, 0x00180008);
      d.setUint32(p + 4, 0);
      return p + 8;
    case 'pop_vlan':
      d.setUint32(p, 0x00120008);
      d.setUint32(p + 4, 0);
      return p + 8;
    case 'set_field': {
      const f = byName.get(a.field)!;
      const len = (8 + f.bytes + 7) & ~7;
      d.setUint32(p, (25 << 16) | len);
      d.setUint32(p + 4, f.header);
      writeVal(d, p + 8, f, a.value as number | bigint);
      zero(b, p + 8 + f.bytes, p + len);
      return p + len;
    }
    case 'load': {
      const f = byName.get(a.dst.field)!;
      d.setUint32(p, 0xffff0018);
      d.setUint32(p + 4, 0x00002320);
      d.setUint32(p + 8, (7 << 16) | (a.dst.ofs << 6) | (a.dst.nBits - 1));
      d.setUint32(p + 12, f.nxm32!);
      d.setBigUint64(p + 16, a.value);
      return p + 24;
    }
    default:
      return p;
  }
}

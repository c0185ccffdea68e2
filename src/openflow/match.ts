/**
 * OpenFlow 1.3 matches: `ofp_match` (section 7.2.3.1, OFPMT_OXM) and bare OXM TLV lists (section 7.2.3.2),
 * driven by the field registry in oxm.ts.
 *
 * A {@link Match} is an ordered list of entries. Order is kept on the wire, and prerequisites are checked in
 * that order, as Open vSwitch does when it decodes (nx_pull_raw): a field's prerequisite must come earlier.
 */
import { OpenFlowDecodeError } from './errors';
import {
  OxmField,
  OxmValue,
  checkOxmValue,
  oxmFieldByHeader,
  oxmFieldByName,
  oxmValueToBigInt,
  oxmValueOutsideMask,
  oxmWireOutsideMask,
  formatFieldValue,
  formatPortNo,
  writeOfpU64,
  writeOfpZeros,
  OFPXMC_EXPERIMENTER,
  OXM_FIELDS,
} from './oxm';
import { Reader } from './reader';
import { Writer } from './writer';


/**
 * One match entry. `field` is a registry name (oxm.ts, e.g. `in_port`, `eth_type`, `ipv4_dst`, `reg0`,
 * `tun_id`, `ct_state`). `value`/`mask`: number for fields up to 6 bytes (MACs included), bigint for 8-byte
 * fields, Buffer (exact width) for wider ones. An absent mask means exact match.
 */
export interface KnownMatchEntry {
  field: string;
  value: OxmValue;
  mask?: OxmValue;
}

/**
 * A field the registry does not know: kept as its header word and its raw body (everything after the 4-byte
 * header, experimenter id included), so it re-encodes byte for byte.
 */
export interface OpaqueMatchEntry {
  field: 'unknown';
  header: number;
  value: Buffer;
  mask?: undefined;
}

export type MatchEntry = KnownMatchEntry | OpaqueMatchEntry;
/** An OpenFlow 1.3 match: ordered OXM entries. */
export type Match = MatchEntry[];

/** OFPMT_OXM (section 7.2.3.1). */
export const OFPMT_OXM = 1;

/** Upper bound on OXM entries in one match, against hostile inputs. */
export const MAX_OXM_ENTRIES = 512;

function writeValue(w: Writer, f: OxmField, v: OxmValue): void {
  const n = f.bytes;
  w.ensure(n);
  const buf = w.buf;
  if (f.kind === 'num') {
    const x = v as number;
    switch (n) {
      case 1:
        buf[w.pos] = x;
        break;
      case 2:
        buf.writeUInt16BE(x, w.pos);
        break;
      case 4:
        buf.writeUInt32BE(x, w.pos);
        break;
      default:
        buf.writeUIntBE(x, w.pos, n);
    }
  } else if (f.kind === 'big') {
    writeOfpU64(w, v as bigint);
    return;
  } else {
    (v as Buffer).copy(buf, w.pos);
  }
  w.pos += n;
}

function readValue(r: Reader, f: OxmField): OxmValue {
  const n = f.bytes;
  const buf = r.buf;
  const p = r.pos;
  r.pos += n;
  if (f.kind === 'num') {
    switch (n) {
      case 1:
        return buf[p]!;
      case 2:
        return buf.readUInt16BE(p);
      case 4:
        return buf.readUInt32BE(p);
      default:
        return buf.readUIntBE(p, n);
    }
  }
  if (f.kind === 'big') return buf.readBigUInt64BE(p);
  return Buffer.from(buf.subarray(p, p + n));
}

/** Tracks what earlier entries established, for prerequisite checks (OpenFlow 1.3 section 7.2.3.6). */
class PrereqState {
  ethType = -1;
  ipProto = -1;
  icmp6Type = -1;
  vlanPresent = false;
  ctTracked = false;
  /** seen[f.order] === gen marks a field already present (no per-call allocation). */
  private readonly seenAt = new Uint32Array(OXM_FIELDS.length);
  private gen = 0;

  reset(): this {
    this.ethType = this.ipProto = this.icmp6Type = -1;
    this.vlanPresent = this.ctTracked = false;
    if (++this.gen === 0xffffffff) {
      this.seenAt.fill(0);
      this.gen = 1;
    }
    return this;
  }

  /** Marks `f` seen; returns false if it already was. */
  see(f: OxmField): boolean {
    if (this.seenAt[f.order] === this.gen) return false;
    this.seenAt[f.order] = this.gen;
    return true;
  }

  /** Returns true if the prerequisites of `f` are met by the entries seen so far. */
  ok(f: OxmField): boolean {
    const et = this.ethType;
    switch (f.prereq) {
      case 'none':
        return true;
      case 'vlan':
        return this.vlanPresent;
      case 'arp':
        return et === 0x0806 || et === 0x8035;
      case 'ipv4':
        return et === 0x0800;
      case 'ipv6':
      case 'ipv6_any':
        return et === 0x86dd;
      case 'ip':
        return et === 0x0800 || et === 0x86dd;
      case 'mpls':
        return et === 0x8847 || et === 0x8848;
      case 'pbb':
        return et === 0x88e7;
      case 'tcp':
        return (et === 0x0800 || et === 0x86dd) && this.ipProto === 6;
      case 'udp':
        return (et === 0x0800 || et === 0x86dd) && this.ipProto === 17;
      case 'sctp':
        return (et === 0x0800 || et === 0x86dd) && this.ipProto === 132;
      case 'icmpv4':
        return et === 0x0800 && this.ipProto === 1;
      case 'icmpv6':
        return et === 0x86dd && this.ipProto === 58;
      case 'nd':
        return et === 0x86dd && this.ipProto === 58 && (this.icmp6Type === 135 || this.icmp6Type === 136);
      case 'nd_sll':
        return et === 0x86dd && this.ipProto === 58 && this.icmp6Type === 135;
      case 'nd_tll':
        return et === 0x86dd && this.ipProto === 58 && this.icmp6Type === 136;
      case 'ct':
        return this.ctTracked;
      case 'ct4':
        return this.ctTracked && et === 0x0800;
      case 'ct6':
        return this.ctTracked && et === 0x86dd;
    }
  }

  /** Records what an entry establishes. */
  note(name: string, value: OxmValue, mask: OxmValue | undefined): void {
    switch (name) {
      case 'eth_type':
        this.ethType = value as number;
        break;
      case 'ip_proto':
        this.ipProto = value as number;
        break;
      case 'icmpv6_type':
        this.icmp6Type = value as number;
        break;
      case 'vlan_vid':
        // OFPVID_PRESENT (0x1000) matched as set.
        this.vlanPresent = ((value as number) & 0x1000) !== 0 && (mask === undefined || ((mask as number) & 0x1000) !== 0);
        break;
      case 'vlan_tci':
        // NXM_OF_VLAN_TCI: the CFI bit is OVS's "VLAN present"; it can only add the prerequisite.
        if ((value as number) & 0x1000 && (mask === undefined || (mask as number) & 0x1000)) this.vlanPresent = true;
        break;
      case 'ct_state':
        // OVS (is_ct_valid): +trk matched as set and inv matched as clear (`ct_state=+trk-inv`).
        this.ctTracked =
          ((value as number) & 0x30) === 0x20 && (mask === undefined || ((mask as number) & 0x30) === 0x30);
        break;
    }
  }
}

function entryError(code: 'OFPBMC_BAD_FIELD' | 'OFPBMC_BAD_PREREQ' | 'OFPBMC_DUP_FIELD' | 'OFPBMC_BAD_MASK' | 'OFPBMC_BAD_VALUE' | 'OFPBMC_BAD_WILDCARDS', msg: string): OpenFlowDecodeError {
  return new OpenFlowDecodeError(code, msg);
}

/**
 * OFPBMC_BAD_WILDCARDS (OpenFlow 1.3 section 7.2.3.5): a masked value must have 0 in bits where the mask is 0.
 * The encoder refuses such an entry rather than silently clearing the bits, as Open vSwitch refuses it on
 * the wire; the flow-text parser normalises instead (value & mask), as ovs-ofctl does.
 */
function wildcardsError(f: OxmField, value: OxmValue, mask: OxmValue): OpenFlowDecodeError {
  return entryError('OFPBMC_BAD_WILDCARDS', `${f.name} value ${formatFieldValue(f, value)} has bits set outside its mask ${formatFieldValue(f, mask)}`);
}

/** ROLE[f.order] = 1 for the fields that establish prerequisites (PrereqState.note). */
const ROLE = new Uint8Array(OXM_FIELDS.length);
for (const f of OXM_FIELDS) if (['eth_type', 'ip_proto', 'icmpv6_type', 'vlan_vid', 'vlan_tci', 'ct_state'].includes(f.name)) ROLE[f.order] = 1;

const encodeState = new PrereqState();
const decodeState = new PrereqState();

/**
 * Writes bare OXM TLVs (section 7.2.3.2) for `m`. Validates values, masks (OFPBMC_BAD_MASK on a non-maskable
 * field), prerequisites in order (OFPBMC_BAD_PREREQ) and duplicates (OFPBMC_DUP_FIELD).
 */
export function encodeOxms(w: Writer, m: Match): void {
  const st = encodeState.reset();
  for (let i = 0; i < m.length; i++) {
    const e = m[i]!;
    if (e.field === 'unknown') {
      const o = e as OpaqueMatchEntry;
      if (!Buffer.isBuffer(o.value) || (o.header & 0xff) !== o.value.length) {
        throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `opaque OXM 0x${(o.header >>> 0).toString(16)} length does not match its body`);
      }
      w.u32(o.header);
      w.bytes(o.value);
      continue;
    }
    const f = oxmFieldByName(e.field);
    if (!f) throw entryError('OFPBMC_BAD_FIELD', `unknown match field '${e.field}'`);
    if (!st.see(f)) throw entryError('OFPBMC_DUP_FIELD', `duplicate match field '${f.name}'`);
    if (!st.ok(f)) throw entryError('OFPBMC_BAD_PREREQ', `match field '${f.name}' lacks its prerequisite (${f.prereq})`);
    checkOxmValue(f, e.value);
    if (f.kind === 'num' && (e.value as number) > f.maxValue) {
      throw entryError('OFPBMC_BAD_VALUE', `${f.name} value ${e.value as number} does not fit its ${f.bits} bits`);
    }
    const masked = e.mask !== undefined;
    if (masked) {
      if (!f.maskable) throw entryError('OFPBMC_BAD_MASK', `match field '${f.name}' is not maskable`);
      checkOxmValue(f, e.mask, 'mask');
      if (oxmValueOutsideMask(e.value, e.mask!)) throw wildcardsError(f, e.value, e.mask!);
    }
    w.u32(masked ? f.headerMasked : f.header);
    if (f.oxmClass === OFPXMC_EXPERIMENTER) w.u32(f.experimenter);
    writeValue(w, f, e.value);
    if (masked) writeValue(w, f, e.mask!);
    st.note(f.name, e.value, e.mask);
  }
}

/**
 * Writes one OXM TLV for a known field without prerequisite/duplicate checks (set_field and NXAST_REG_LOAD2
 * carry a single OXM whose prerequisites the flow's match provides).
 */
export function encodeOxmEntry(w: Writer, e: KnownMatchEntry, what = 'field'): void {
  const f = oxmFieldByName(e.field);
  if (!f) throw entryError('OFPBMC_BAD_FIELD', `unknown ${what} '${e.field}'`);
  checkOxmValue(f, e.value);
  const masked = e.mask !== undefined;
  if (masked) {
    if (!f.maskable) throw entryError('OFPBMC_BAD_MASK', `${what} '${f.name}' is not maskable`);
    checkOxmValue(f, e.mask, 'mask');
    if (oxmValueOutsideMask(e.value, e.mask!)) throw wildcardsError(f, e.value, e.mask!);
  }
  w.u32(masked ? f.headerMasked : f.header);
  if (f.oxmClass === OFPXMC_EXPERIMENTER) w.u32(f.experimenter);
  writeValue(w, f, e.value);
  if (masked) writeValue(w, f, e.mask!);
}

/**
 * Reads one OXM TLV of a known field without prerequisite checks. Returns undefined (and consumes nothing)
 * for a field the registry does not know.
 */
export function decodeOxmEntry(r: Reader): KnownMatchEntry | undefined {
  const at = r.offset;
  if (r.remaining < 4) throw r.error('OFPBMC_BAD_LEN', `OXM header needs 4 bytes, ${r.remaining} remain`);
  const header = r.peekU32();
  const len = header & 0xff;
  if (len + 4 > r.remaining) throw r.error('OFPBMC_BAD_LEN', `OXM length ${len} exceeds the ${r.remaining - 4} bytes left`, at);
  const cls = header >>> 16;
  let exp = 0;
  if (cls === OFPXMC_EXPERIMENTER) {
    if (len < 4) throw r.error('OFPBMC_BAD_LEN', `experimenter OXM length ${len} < 4`, at);
    exp = r.peekU32(4);
  }
  const f = oxmFieldByHeader(header, exp);
  if (!f) return undefined;
  const hasMask = (header & 0x100) !== 0;
  const expBytes = cls === OFPXMC_EXPERIMENTER ? 4 : 0;
  const want = expBytes + (hasMask ? 2 : 1) * f.bytes;
  if (len !== want) throw r.error('OFPBMC_BAD_LEN', `${f.name} OXM length ${len}, expected ${want}`, at);
  // OVS (nx_pull_entry__) checks the value against the mask first: section 7.2.3.5, OFPBMC_BAD_WILDCARDS.
  if (hasMask && oxmWireOutsideMask(r.buf, r.pos + 4 + expBytes, f.bytes)) throw r.error('OFPBMC_BAD_WILDCARDS', `${f.name} value has bits set outside its mask`, at);
  if (hasMask && !f.maskable) throw r.error('OFPBMC_BAD_MASK', `${f.name} is not maskable`, at);
  r.pos += 4 + expBytes;
  const value = readValue(r, f);
  return hasMask ? { field: f.name, value, mask: readValue(r, f) } : { field: f.name, value };
}

/** Reads bare OXM TLVs until `r` is exhausted. Unknown fields become {@link OpaqueMatchEntry}. */
export function decodeOxms(r: Reader): Match {
  const out: Match = [];
  const st = decodeState.reset();
  const buf = r.buf;
  while (r.remaining > 0) {
    const p0 = r.pos;
    // Byte offset of this OXM in the message, for errors (computed only when one is thrown).
    const at = (): number => r.offset - (r.pos - p0);
    if (out.length >= MAX_OXM_ENTRIES) throw r.error('OFPBMC_BAD_LEN', `more than ${MAX_OXM_ENTRIES} OXM entries`);
    if (r.end - p0 < 4) throw r.error('OFPBMC_BAD_LEN', `OXM header needs 4 bytes, ${r.remaining} remain`);
    const header = buf.readUInt32BE(p0);
    r.pos = p0 + 4;
    const len = header & 0xff;
    if (len > r.end - r.pos) throw r.error('OFPBMC_BAD_LEN', `OXM length ${len} exceeds the ${r.remaining} bytes left`, at());
    const hasMask = (header & 0x100) !== 0;
    let exp = 0;
    const cls = header >>> 16;
    if (cls === OFPXMC_EXPERIMENTER) {
      if (len < 4) throw r.error('OFPBMC_BAD_LEN', `experimenter OXM length ${len} < 4`, at());
      exp = buf.readUInt32BE(r.pos);
    }
    const f = oxmFieldByHeader(header, exp);
    if (!f) {
      out.push({ field: 'unknown', header, value: r.copy(len, 'OXM body') });
      continue;
    }
    const expBytes = cls === OFPXMC_EXPERIMENTER ? 4 : 0;
    const want = expBytes + (hasMask ? 2 : 1) * f.bytes;
    if (len !== want) throw r.error('OFPBMC_BAD_LEN', `${f.name} OXM length ${len}, expected ${want}`, at());
    // OVS (nx_pull_entry__) checks the value against the mask before anything else about the entry:
    // section 7.2.3.5, "the value ... must have 0 in bits where the mask is 0" (OFPBMC_BAD_WILDCARDS).
    if (hasMask && oxmWireOutsideMask(buf, r.pos + expBytes, f.bytes)) throw r.error('OFPBMC_BAD_WILDCARDS', `${f.name} value has bits set outside its mask`, at());
    if (hasMask && !f.maskable) throw r.error('OFPBMC_BAD_MASK', `${f.name} is not maskable`, at());
    if (!st.see(f)) throw r.error('OFPBMC_DUP_FIELD', `duplicate match field ${f.name}`, at());
    if (f.prereq !== 'none' && !st.ok(f)) throw r.error('OFPBMC_BAD_PREREQ', `${f.name} lacks its prerequisite (${f.prereq})`, at());
    r.pos += expBytes;
    const value = readValue(r, f);
    // OVS (mf_is_value_valid): a value with bits beyond the field's width is OFPBMC_BAD_VALUE.
    if (f.kind === 'num' && (value as number) > f.maxValue) throw r.error('OFPBMC_BAD_VALUE', `${f.name} value ${value as number} does not fit its ${f.bits} bits`, at());
    if (hasMask) {
      const mask = readValue(r, f);
      out.push({ field: f.name, value, mask });
      if (ROLE[f.order]) st.note(f.name, value, mask);
    } else {
      out.push({ field: f.name, value });
      if (ROLE[f.order]) st.note(f.name, value, undefined);
    }
  }
  return out;
}

/** Writes a whole `ofp_match` (type OFPMT_OXM, length, OXMs, zero padding to a multiple of 8). */
export function encodeMatch(w: Writer, m: Match): void {
  const start = w.pos;
  w.u16(OFPMT_OXM);
  w.u16(0);
  encodeOxms(w, m);
  w.patchU16(start + 2, w.pos - start);
  const rem = (w.pos - start) & 7;
  if (rem) writeOfpZeros(w, 8 - rem);
}

/** Reads a whole `ofp_match` including its padding (section 7.2.3.1). */
export function decodeMatch(r: Reader): Match {
  const at = r.offset;
  if (r.remaining < 4) throw r.error('OFPBMC_BAD_LEN', `ofp_match needs 4 bytes, ${r.remaining} remain`);
  const type = r.u16();
  const len = r.u16();
  if (type !== OFPMT_OXM) throw r.error('OFPBMC_BAD_TYPE', `match type ${type} is not OFPMT_OXM`, at);
  if (len < 4) throw r.error('OFPBMC_BAD_LEN', `ofp_match length ${len} < 4`, at);
  const padded = (len + 7) & ~7;
  if (padded - 4 > r.remaining) throw r.error('OFPBMC_BAD_LEN', `ofp_match length ${len} exceeds the ${r.remaining + 4} bytes left`, at);
  const sub = r.sub(len - 4, 'ofp_match', 'OFPBMC_BAD_LEN');
  const m = decodeOxms(sub);
  r.skip(padded - len, 'ofp_match padding');
  return m;
}

const SHORTHANDS: [string, number, number][] = [
  ['tcp', 0x0800, 6],
  ['udp', 0x0800, 17],
  ['sctp', 0x0800, 132],
  ['icmp', 0x0800, 1],
  ['tcp6', 0x86dd, 6],
  ['udp6', 0x86dd, 17],
  ['sctp6', 0x86dd, 132],
  ['icmp6', 0x86dd, 58],
];
const ETH_SHORT: Record<number, string> = { 0x0800: 'ip', 0x86dd: 'ipv6', 0x0806: 'arp', 0x8035: 'rarp', 0x8847: 'mpls', 0x8848: 'mplsm' };

/**
 * Print rank of each field: the order in which Open vSwitch 3.1 prints a match (lib/match.c, match_format), so
 * that our text equals `ovs-ofctl ofp-print`'s. Fields sharing a slot in OVS (tcp/udp/sctp_src = tp_src,
 * ipv4_src/arp_spa = nw_src...) share a rank; the protocol shorthand comes right after the conntrack fields.
 * Fields OVS does not print (in_phy_port, pbb_isid, ipv6_exthdr) and opaque entries come last.
 */
const OVS_PRINT_ORDER: readonly (readonly string[])[] = [
  ['pkt_mark'], ['recirc_id'], ['dp_hash'], ['conj_id'], ['actset_output'], ['ct_state'], ['ct_zone'], ['ct_mark'],
  ['ct_label'], ['ct_nw_src'], ['ct_ipv6_src'], ['ct_nw_dst'], ['ct_ipv6_dst'], ['ct_nw_proto'], ['ct_tp_src'],
  ['ct_tp_dst'], ['(shorthand)'],
  ...Array.from({ length: 16 }, (_, i) => [`reg${i}`, ...(i % 2 ? [] : [`xreg${i / 2}`]), ...(i % 4 ? [] : [`xxreg${i / 4}`])]),
  ['tun_id'], ['tun_src'], ['tun_dst'], ['tun_ipv6_src'], ['tun_ipv6_dst'], ['tun_gbp_id'], ['tun_gbp_flags'], ['tun_flags'],
  ['metadata'], ['in_port', 'nx_in_port'], ['vlan_vid', 'vlan_tci'], ['vlan_pcp'], ['eth_src'], ['eth_dst'], ['eth_type'],
  ['ipv6_src', 'ipv4_src', 'arp_spa'], ['ipv6_dst', 'ipv4_dst', 'arp_tpa'], ['ipv6_label'], ['ip_proto', 'arp_op'],
  ['arp_sha'], ['arp_tha'], ['nw_tos', 'ip_dscp'], ['ip_ecn'], ['nw_ttl'], ['mpls_label'], ['mpls_tc'], ['mpls_ttl'],
  ['mpls_bos'], ['ip_frag'], ['icmp_type', 'icmpv6_type'], ['icmp_code', 'icmpv6_code'], ['nd_target'], ['nd_sll'],
  ['nd_tll'], ['tcp_src', 'udp_src', 'sctp_src'], ['tcp_dst', 'udp_dst', 'sctp_dst'], ['tcp_flags'],
];
const OVS_RANK = new Map<string, number>(OVS_PRINT_ORDER.flatMap((names, i) => names.map((n) => [n, i] as const)));
const SHORTHAND_RANK = OVS_RANK.get('(shorthand)')!;
const LAST_RANK = OVS_PRINT_ORDER.length;

/** The name OVS prints a field under in a match where it differs from the registry's text name. */
const OVS_MATCH_NAME: Record<string, string> = {
  eth_src: 'dl_src', eth_dst: 'dl_dst', eth_type: 'dl_type', ip_proto: 'nw_proto', ip_ecn: 'nw_ecn', ip_frag: 'nw_frag',
  tcp_src: 'tp_src', tcp_dst: 'tp_dst', udp_src: 'tp_src', udp_dst: 'tp_dst', sctp_src: 'tp_src', sctp_dst: 'tp_dst',
  icmpv6_type: 'icmp_type', icmpv6_code: 'icmp_code',
};

/** One `name=value` of a match, spelled as Open vSwitch prints it (lib/match.c). */
function formatMatchEntry(e: MatchEntry): string {
  if (e.field === 'unknown') {
    const o = e as OpaqueMatchEntry;
    return `oxm_0x${(o.header >>> 0).toString(16).padStart(8, '0')}=0x${o.value.toString('hex')}`;
  }
  const f = oxmFieldByName(e.field);
  if (!f) return `${e.field}=?`;
  const v = e.value as number;
  switch (f.name) {
    case 'vlan_vid':
      // dl_vlan=N for a present VID, else the TCI form (OVS's vlan_tci CFI bit is OFPVID_PRESENT).
      if (e.mask === undefined) return v & 0x1000 ? `dl_vlan=${v & 0xfff}` : `vlan_tci=0x${hex4(v)}/0x1fff`;
      return `vlan_tci=0x${hex4(v)}/0x${hex4(e.mask as number)}`;
    case 'vlan_pcp':
      return `dl_vlan_pcp=${v}`;
    case 'ip_dscp':
      // OVS keeps the DSCP in the TOS byte's upper six bits and prints that byte.
      return `nw_tos=${v << 2}`;
    case 'ipv6_label':
      return e.mask === undefined ? `ipv6_label=0x${hex5(v)}` : `ipv6_label=0x${hex5(v)}/0x${hex5(e.mask as number)}`;
    case 'in_port':
    case 'in_phy_port':
    case 'actset_output':
      // OVS prints a 32-bit port in its 16-bit space: the OF1.1+ range 0xffffff00.. maps to 0xff00.. (names aside).
      if (e.mask === undefined && v >= 0xffffff00 && !/^[A-Z]/.test(formatPortNo(v, 4))) return `${f.textName}=${v - 0xffff0000}`;
      break;
    case 'xreg0': case 'xreg1': case 'xreg2': case 'xreg3': case 'xreg4': case 'xreg5': case 'xreg6': case 'xreg7':
    case 'xxreg0': case 'xxreg1': case 'xxreg2': case 'xxreg3': {
      // OVS keeps 32-bit registers and prints an xreg/xxreg as the regs it overlays, most significant first,
      // each where its part of the mask is non-zero (format_uint32_masked: "%#x", "/%#x" unless exact).
      const parts = f.bytes / 4;
      const first = Number(/\d+$/.exec(f.name)![0]) * parts;
      const val = oxmValueToBigInt(e.value);
      const msk = e.mask === undefined ? (1n << BigInt(32 * parts)) - 1n : oxmValueToBigInt(e.mask);
      const c = (x: number): string => (x ? '0x' + x.toString(16) : '0');
      const out: string[] = [];
      for (let i = 0; i < parts; i++) {
        const shift = BigInt(32 * (parts - 1 - i));
        const pm = Number((msk >> shift) & 0xffffffffn);
        if (pm === 0) continue;
        const pv = Number((val >> shift) & 0xffffffffn);
        out.push(`reg${first + i}=${c(pv)}${pm === 0xffffffff ? '' : '/' + c(pm)}`);
      }
      return out.length ? out.join(',') : `${f.textName}=0/0`;
    }
    case 'ct_zone':
      // format_uint16_masked: decimal when exact.
      if (e.mask === undefined) return `ct_zone=${v}`;
      break;
    case 'recirc_id':
      return `recirc_id=${v ? '0x' + v.toString(16) : '0'}`;
  }
  let text = formatFieldValue(f, e.value, e.mask);
  // OVS prints these with C's "%#x", which writes zero as "0" (not "0x0"), in the value and in the mask.
  if (f.format === 'hex' && f.bytes <= 8) text = text.replace(/(^|\/)0x0(?![0-9a-f])/g, '$10');
  return `${OVS_MATCH_NAME[f.name] ?? f.textName}=${text}`;
}

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');
const hex5 = (v: number): string => v.toString(16).padStart(5, '0');

/**
 * Prints a match as OVS flow text (ovs-fields(7)) the way Open vSwitch 3.1 prints it (`ovs-ofctl ofp-print`,
 * `dump-flows`): a protocol shorthand (`ip`, `tcp6`, `arp`...) when eth_type/ip_proto allow, then
 * `name=value[/mask]` in OVS's order and spelling (`dl_src`, `nw_tos`, `tp_dst`, `icmp_type` also for ICMPv6...).
 * Empty match prints as "". The text parses back ({@link parseFlowMod}) to the same match.
 */
export function formatMatch(m: Match): string {
  let et = -1;
  let proto = -1;
  for (const e of m) {
    if (e.field === 'eth_type' && e.mask === undefined) et = e.value as number;
    else if (e.field === 'ip_proto' && e.mask === undefined) proto = e.value as number;
  }
  let shorthand: string | undefined;
  let skipEt = false;
  let skipProto = false;
  if (et >= 0) {
    const sh = SHORTHANDS.find(([, t, p]) => t === et && p === proto);
    if (sh) {
      shorthand = sh[0];
      skipEt = skipProto = true;
    } else if (ETH_SHORT[et]) {
      shorthand = ETH_SHORT[et]!;
      skipEt = true;
    }
  }
  const ranked: [number, string][] = [];
  if (shorthand) ranked.push([SHORTHAND_RANK, shorthand]);
  for (const e of m) {
    if ((skipEt && e.field === 'eth_type') || (skipProto && e.field === 'ip_proto')) continue;
    ranked.push([OVS_RANK.get(e.field) ?? LAST_RANK, formatMatchEntry(e)]);
  }
  // Array.prototype.sort is stable: entries of one rank keep their wire order.
  ranked.sort((a, b) => a[0] - b[0]);
  return ranked.map((r) => r[1]).join(',');
}

/**
 * Checks prerequisites and duplicates in order, as a decoder would (OpenFlow 1.3 section 7.2.3.6). Returns the
 * index of the first entry that fails and why, or undefined when the match is valid.
 */
export function findMatchProblem(m: Match): { index: number; code: 'OFPBMC_BAD_PREREQ' | 'OFPBMC_DUP_FIELD' | 'OFPBMC_BAD_FIELD'; prereq?: string } | undefined {
  const st = new PrereqState().reset();
  for (let i = 0; i < m.length; i++) {
    const e = m[i]!;
    if (e.field === 'unknown') continue;
    const f = oxmFieldByName(e.field);
    if (!f) return { index: i, code: 'OFPBMC_BAD_FIELD' };
    if (!st.see(f)) return { index: i, code: 'OFPBMC_DUP_FIELD' };
    if (!st.ok(f)) return { index: i, code: 'OFPBMC_BAD_PREREQ', prereq: f.prereq };
    st.note(f.name, e.value, e.mask);
  }
  return undefined;
}

/** Finds an entry by registry name (or alias). */
export function matchGet(m: Match, field: string): KnownMatchEntry | undefined {
  const f = oxmFieldByName(field);
  const name = f ? f.name : field;
  for (const e of m) if (e.field === name) return e as KnownMatchEntry;
  return undefined;
}

/** True when `v` equals the field's all-ones mask (used to drop redundant masks). */
export function isExactMask(f: OxmField, mask: OxmValue): boolean {
  return oxmValueToBigInt(mask) === (1n << BigInt(f.bytes * 8)) - 1n;
}

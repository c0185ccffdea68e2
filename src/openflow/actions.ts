/**
 * OpenFlow 1.3 actions (section 7.2.5, `ofp_action_*`) and the Nicira extension actions Open vSwitch
 * implements (`nx_action_*`, experimenter 0x00002320; layouts as in OVS lib/ofp-actions.c), both directions.
 *
 * Every action is a TLV `type:16 | len:16 | body`, `len` a multiple of 8 (section 7.2.5). Experimenter
 * actions (type 0xffff) carry a 32-bit experimenter id; Nicira ones then a 16-bit subtype. Anything we do not
 * model decodes to `{ type: 'opaque', raw }` and re-encodes byte for byte.
 */
import { OpenFlowDecodeError, OpenFlowDecodeErrorCode } from './errors';
import { decodeOxmEntry, encodeOxmEntry } from './match';
import {
  NX_EXPERIMENTER_ID,
  OFPXMC_EXPERIMENTER,
  OxmField,
  OxmValue,
  checkOxmValue,
  oxmFieldByHeader,
  oxmFieldByName,
  writeOfpU64,
  writeOfpZeros,
} from './oxm';

const U64_MAX = (1n << 64n) - 1n;
/** OF1.3 action types of the body-less actions and of the ethertype-carrying ones. */
const BARE_TYPES = { copy_ttl_out: 11, copy_ttl_in: 12, dec_mpls_ttl: 16, pop_vlan: 18, dec_nw_ttl: 24, pop_pbb: 27 } as const;
const ETHERTYPE_TYPES = { push_vlan: 17, push_mpls: 19, pop_mpls: 20, push_pbb: 26 } as const;
/** LOW_MASKS[n] = 2^n - 1, for n = 0..64 (range checks without allocating bigints). */
const LOW_MASKS: readonly bigint[] = Array.from({ length: 65 }, (_, n) => (1n << BigInt(n)) - 1n);
import { Reader } from './reader';
import { Writer } from './writer';
import { formatActionList } from './actions-text';

/** OpenFlow 1.3 action types (enum ofp_action_type, section 7.2.5). */
export const OFPAT_OUTPUT = 0;
export const OFPAT_COPY_TTL_OUT = 11;
export const OFPAT_COPY_TTL_IN = 12;
export const OFPAT_SET_MPLS_TTL = 15;
export const OFPAT_DEC_MPLS_TTL = 16;
export const OFPAT_PUSH_VLAN = 17;
export const OFPAT_POP_VLAN = 18;
export const OFPAT_PUSH_MPLS = 19;
export const OFPAT_POP_MPLS = 20;
export const OFPAT_SET_QUEUE = 21;
export const OFPAT_GROUP = 22;
export const OFPAT_SET_NW_TTL = 23;
export const OFPAT_DEC_NW_TTL = 24;
export const OFPAT_SET_FIELD = 25;
export const OFPAT_PUSH_PBB = 26;
export const OFPAT_POP_PBB = 27;
export const OFPAT_EXPERIMENTER = 0xffff;

/** Nicira action subtypes (enum nx_action_subtype, OVS lib/ofp-actions.c). */
export const NXAST_RESUBMIT = 1;
export const NXAST_SET_TUNNEL = 2;
export const NXAST_REG_MOVE = 6;
export const NXAST_REG_LOAD = 7;
export const NXAST_NOTE = 8;
export const NXAST_SET_TUNNEL64 = 9;
export const NXAST_MULTIPATH = 10;
export const NXAST_BUNDLE = 12;
export const NXAST_BUNDLE_LOAD = 13;
export const NXAST_RESUBMIT_TABLE = 14;
export const NXAST_OUTPUT_REG = 15;
export const NXAST_LEARN = 16;
export const NXAST_EXIT = 17;
export const NXAST_FIN_TIMEOUT = 19;
export const NXAST_CONTROLLER = 20;
export const NXAST_DEC_TTL_CNT_IDS = 21;
export const NXAST_STACK_PUSH = 27;
export const NXAST_STACK_POP = 28;
export const NXAST_SAMPLE = 29;
export const NXAST_OUTPUT_REG2 = 32;
export const NXAST_REG_LOAD2 = 33;
export const NXAST_CONJUNCTION = 34;
export const NXAST_CT = 35;
export const NXAST_NAT = 36;
export const NXAST_CONTROLLER2 = 37;
export const NXAST_SAMPLE2 = 38;
export const NXAST_SAMPLE3 = 41;
export const NXAST_OUTPUT_TRUNC = 39;
export const NXAST_CLONE = 42;
export const NXAST_CT_CLEAR = 43;
export const NXAST_POP_QUEUE = 5;
export const NXAST_RESUBMIT_TABLE_CT = 44;
export const NXAST_LEARN2 = 45;
export const NXAST_CHECK_PKT_LARGER = 49;

/** A bit range of a field (NXM "subfield", OVS text `NXM_NX_REG0[0..15]`): `nBits` bits from bit `ofs`. */
export interface Subfield {
  field: string;
  ofs: number;
  nBits: number;
}

/** One flow_mod_spec of a learn action (OVS lib/learn.c): match or load a destination, or output. */
export type LearnSpec =
  | { kind: 'match'; src: Subfield | bigint; dst: Subfield; nBits: number }
  | { kind: 'load'; src: Subfield | bigint; dst: Subfield; nBits: number }
  | { kind: 'output'; src: Subfield; nBits: number };

/** NAT flags (NX_NAT_F_*). */
export interface NatAction {
  type: 'nat';
  /** 'src' (SNAT), 'dst' (DNAT), or undefined (no range: reverse NAT of an existing connection). */
  kind?: 'src' | 'dst';
  persistent?: boolean;
  hash?: boolean;
  random?: boolean;
  /** IPv4 as number or IPv6 as 16-byte Buffer. */
  ipMin?: number | Buffer;
  ipMax?: number | Buffer;
  portMin?: number;
  portMax?: number;
}

/** An action. `opaque` holds anything unknown, whole (header included), re-encoded byte for byte. */
export type Action =
  | { type: 'output'; port: number; maxLen: number }
  | { type: 'copy_ttl_out' }
  | { type: 'copy_ttl_in' }
  | { type: 'set_mpls_ttl'; ttl: number }
  | { type: 'dec_mpls_ttl' }
  | { type: 'push_vlan'; ethertype: number }
  | { type: 'pop_vlan' }
  | { type: 'push_mpls'; ethertype: number }
  | { type: 'pop_mpls'; ethertype: number }
  | { type: 'set_queue'; queueId: number }
  | { type: 'group'; groupId: number }
  | { type: 'set_nw_ttl'; ttl: number }
  | { type: 'dec_nw_ttl' }
  | { type: 'set_field'; field: string; value: OxmValue; mask?: OxmValue }
  | { type: 'push_pbb'; ethertype: number }
  | { type: 'pop_pbb' }
  | { type: 'resubmit'; port: number; table?: number; ct?: boolean }
  | { type: 'set_tunnel'; tunId: bigint; wide?: boolean }
  | { type: 'move'; src: Subfield; dst: Subfield }
  | { type: 'load'; dst: Subfield; value: bigint }
  | { type: 'note'; data: Buffer }
  | {
      type: 'multipath';
      fields: number;
      basis: number;
      algorithm: number;
      maxLink: number;
      arg: number;
      dst: Subfield;
    }
  | { type: 'output_reg'; src: Subfield; maxLen: number; v2?: boolean }
  | {
      type: 'learn';
      idleTimeout: number;
      hardTimeout: number;
      priority: number;
      cookie: bigint;
      flags: number;
      tableId: number;
      finIdleTimeout: number;
      finHardTimeout: number;
      specs: LearnSpec[];
      /** NXAST_LEARN2: at most this many learned flows (0 = no limit). */
      limit?: number;
      /** NXAST_LEARN2: a 1-bit subfield that receives whether learning succeeded (NX_LEARN_F_WRITE_RESULT). */
      resultDst?: Subfield;
      /** Force NXAST_LEARN2 even without limit/resultDst. */
      v2?: boolean;
    }
  | { type: 'exit' }
  | { type: 'dec_ttl'; ids: number[] }
  | { type: 'fin_timeout'; idleTimeout: number; hardTimeout: number }
  | {
      type: 'controller';
      maxLen: number;
      controllerId: number;
      reason: number;
      userdata?: Buffer;
      pause?: boolean;
      meterId?: number;
      /** Force NXAST_CONTROLLER2 even when NXAST_CONTROLLER would do. */
      v2?: boolean;
    }
  | {
      type: 'sample';
      probability: number;
      collectorSetId: number;
      obsDomainId: number;
      obsPointId: number;
      samplingPort?: number;
      direction?: number;
    }
  | { type: 'stack_push'; src: Subfield }
  | { type: 'stack_pop'; dst: Subfield }
  | { type: 'conjunction'; id: number; clause: number; nClauses: number }
  | {
      type: 'ct';
      commit?: boolean;
      force?: boolean;
      /** Immediate zone, or a 16-bit subfield the zone is read from. */
      zone?: number | Subfield;
      /** Recirculation table; undefined means none (255 on the wire). */
      table?: number;
      alg?: number;
      actions: Action[];
    }
  | NatAction
  | { type: 'ct_clear' }
  | { type: 'pop_queue' }
  /** NXAST_OUTPUT_TRUNC: output to `port` (16-bit OpenFlow 1.0 numbering), truncated to `maxLen` bytes. */
  | { type: 'output_trunc'; port: number; maxLen: number }
  /** NXAST_CLONE: run `actions` on a copy of the packet. */
  | { type: 'clone'; actions: Action[] }
  /**
   * NXAST_BUNDLE / NXAST_BUNDLE_LOAD: pick one of `members` (OpenFlow ports) by `algorithm` (0 active_backup,
   * 1 hrw) over the hash of `fields` (NX_HASH_FIELDS_*); output to it, or with `dst`, load its number there.
   */
  | { type: 'bundle'; fields: number; basis: number; algorithm: number; members: number[]; dst?: Subfield }
  /** NXAST_CHECK_PKT_LARGER: set the 1-bit `dst` to whether the packet is longer than `pktLen` bytes. */
  | { type: 'check_pkt_larger'; pktLen: number; dst: Subfield }
  | { type: 'opaque'; raw: Buffer };

/** The `type` names of {@link Action}. */
export type ActionType = Action['type'];

/** Upper bound on actions in one list and on nesting (ct exec), against hostile inputs. */
export const MAX_ACTIONS = 4096;
const MAX_NEST = 4;

function bad(code: OpenFlowDecodeErrorCode, msg: string): OpenFlowDecodeError {
  return new OpenFlowDecodeError(code, msg);
}

/** MAX_UINT[bits] = 2^bits - 1. */
const MAX_UINT: readonly number[] = Array.from({ length: 54 }, (_, n) => 2 ** n - 1);

function u(v: unknown, bits: number, what: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= MAX_UINT[bits]!) || Math.floor(v) !== v) {
    throw bad('OFPSDN_BAD_VALUE', `${what} ${String(v)} is not a ${bits}-bit unsigned integer`);
  }
  return v;
}

function fieldOf(name: string, what: string): OxmField {
  const f = oxmFieldByName(name);
  if (!f) throw bad('OFPBAC_BAD_ARGUMENT', `${what}: unknown field '${name}'`);
  return f;
}

function checkSub(sf: Subfield, what: string): OxmField {
  const f = fieldOf(sf.field, what);
  u(sf.ofs, 16, `${what} offset`);
  u(sf.nBits, 16, `${what} n_bits`);
  if (sf.nBits < 1 || sf.ofs + sf.nBits > f.bytes * 8) {
    throw bad('OFPBAC_BAD_ARGUMENT', `${what}: ${sf.field}[${sf.ofs}..${sf.ofs + sf.nBits - 1}] is outside the ${f.bytes * 8}-bit field`);
  }
  return f;
}

/**
 * Writes a field's header as used inside Nicira actions (move, learn, stack, multipath...): like OVS in
 * OpenFlow 1.3, the 4-byte NXM header when the field has one, else its OXM header (8 bytes with the
 * experimenter id for class 0xffff).
 */
function putFieldHeader(w: Writer, f: OxmField): void {
  if (f.nxmHeader !== undefined) {
    w.u32(f.nxmHeader);
    return;
  }
  w.u32(f.header);
  if (f.oxmClass === OFPXMC_EXPERIMENTER) w.u32(f.experimenter);
}

/** The 4-byte header of a field in fixed-size Nicira actions (NXM preferred, as OVS writes them). */
function header32(f: OxmField, what: string): number {
  if (f.nxmHeader !== undefined) return f.nxmHeader;
  if (f.oxmClass === OFPXMC_EXPERIMENTER) throw bad('OFPBAC_BAD_ARGUMENT', `${what}: ${f.name} has no 4-byte header`);
  return f.header;
}

/**
 * A Nicira action naming a field the registry does not know (e.g. tun_metadata0): the action is kept opaque
 * (byte for byte) instead of failing the whole message. Carries the error to report if opaque is not allowed.
 */
class UnknownFieldError extends Error {
  constructor(readonly decodeError: OpenFlowDecodeError) {
    super(decodeError.message);
  }
}

function readFieldHeader(r: Reader, what: string): OxmField {
  const at = r.offset;
  const h = r.u32();
  let exp = 0;
  if (h >>> 16 === OFPXMC_EXPERIMENTER) exp = r.u32();
  const f = oxmFieldByHeader(h, exp);
  if (!f) throw new UnknownFieldError(r.error('OFPBAC_BAD_ARGUMENT', `${what}: unknown field header 0x${h.toString(16)}`, at));
  return f;
}

function readSub(r: Reader, f: OxmField, ofs: number, nBits: number, what: string): Subfield {
  if (nBits < 1 || ofs + nBits > f.bytes * 8) {
    throw r.error('OFPBAC_BAD_ARGUMENT', `${what}: ${f.name}[${ofs}..${ofs + nBits - 1}] is outside the field`);
  }
  return { field: f.name, ofs, nBits };
}

const ofsNbits = (ofs: number, nBits: number): number => (ofs << 6) | (nBits - 1);

/** Starts a Nicira action: type, length placeholder, experimenter id, subtype. Returns the start offset. */
function nxStart(w: Writer, subtype: number, fixedLen = 0): number {
  const start = w.pos;
  w.u16(OFPAT_EXPERIMENTER);
  w.u16(fixedLen);
  w.u32(NX_EXPERIMENTER_ID);
  w.u16(subtype);
  return start;
}

/** Pads an action to a multiple of 8 and back-patches its length. */
function finish(w: Writer, start: number): void {
  const rem = (w.pos - start) & 7;
  if (rem) writeOfpZeros(w, 8 - rem);
  const len = w.pos - start;
  if (len > 0xffff) throw bad('OFPBAC_BAD_LEN', `action length ${len} exceeds 65535`);
  w.patchU16(start + 2, len);
}

function ipBytes(v: number | Buffer | undefined): number {
  return v === undefined ? 0 : typeof v === 'number' ? 4 : 16;
}

function encodeOne(w: Writer, a: Action, depth: number): void {
  const start = w.pos;
  switch (a.type) {
    case 'output':
      w.u16(OFPAT_OUTPUT).u16(16).u32(u(a.port, 32, 'output port')).u16(u(a.maxLen, 16, 'max_len'));
      writeOfpZeros(w, 6);
      return;
    case 'copy_ttl_out':
    case 'copy_ttl_in':
    case 'dec_mpls_ttl':
    case 'pop_vlan':
    case 'dec_nw_ttl':
    case 'pop_pbb': {
      const t = BARE_TYPES[a.type];
      w.u16(t).u16(8).zeros(4);
      return;
    }
    case 'set_mpls_ttl':
    case 'set_nw_ttl':
      w.u16(a.type === 'set_mpls_ttl' ? OFPAT_SET_MPLS_TTL : OFPAT_SET_NW_TTL).u16(8).u8(u(a.ttl, 8, 'ttl')).zeros(3);
      return;
    case 'push_vlan':
    case 'push_mpls':
    case 'pop_mpls':
    case 'push_pbb': {
      const t = ETHERTYPE_TYPES[a.type];
      w.u16(t).u16(8).u16(u(a.ethertype, 16, 'ethertype')).zeros(2);
      return;
    }
    case 'set_queue':
      w.u16(OFPAT_SET_QUEUE).u16(8).u32(u(a.queueId, 32, 'queue id'));
      return;
    case 'group':
      w.u16(OFPAT_GROUP).u16(8).u32(u(a.groupId, 32, 'group id'));
      return;
    case 'set_field': {
      const f = oxmFieldByName(a.field);
      if (!f) throw bad('OFPBAC_BAD_SET_TYPE', `set_field: unknown field '${a.field}'`);
      checkOxmValue(f, a.value);
      if (a.mask === undefined) {
        // ofp_action_set_field (section 7.2.5): one OXM, padded to 8.
        w.u16(OFPAT_SET_FIELD).u16(0);
      } else {
        // Masked set_field: NXAST_REG_LOAD2. The OXM starts right after the subtype, at byte 10 (OVS pulls
        // the ext_action_header only up to its pad), then zero padding to a multiple of 8.
        if (!f.maskable) throw bad('OFPBAC_BAD_SET_ARGUMENT', `set_field: ${f.name} is not maskable`);
        nxStart(w, NXAST_REG_LOAD2);
      }
      // The action has the shape of a match entry (field, value, mask): written as is, no allocation.
      encodeOxmEntry(w, a, 'set_field field');
      finish(w, start);
      return;
    }
    case 'resubmit': {
      const table = a.table ?? 255;
      const sub = a.ct ? NXAST_RESUBMIT_TABLE_CT : a.table === undefined ? NXAST_RESUBMIT : NXAST_RESUBMIT_TABLE;
      nxStart(w, sub, 16);
      w.u16(u(a.port, 16, 'resubmit port')).u8(u(table, 8, 'resubmit table')).zeros(3);
      return;
    }
    case 'set_tunnel': {
      const id = a.tunId;
      if (typeof id !== 'bigint' || id < 0n || id >= 1n << 64n) throw bad('OFPSDN_BAD_VALUE', `set_tunnel id ${String(id)} out of range`);
      if (!a.wide && id <= 0xffffffffn) {
        nxStart(w, NXAST_SET_TUNNEL, 16);
        w.zeros(2).u32(Number(id));
      } else {
        nxStart(w, NXAST_SET_TUNNEL64, 24);
        w.zeros(6);
        writeOfpU64(w, id);
      }
      return;
    }
    case 'move': {
      const sf = checkSub(a.src, 'move source');
      const df = checkSub(a.dst, 'move destination');
      if (a.src.nBits !== a.dst.nBits) throw bad('OFPBAC_BAD_ARGUMENT', `move: source is ${a.src.nBits} bits, destination ${a.dst.nBits}`);
      nxStart(w, NXAST_REG_MOVE);
      w.u16(a.src.nBits).u16(a.src.ofs).u16(a.dst.ofs);
      putFieldHeader(w, sf);
      putFieldHeader(w, df);
      finish(w, start);
      return;
    }
    case 'load': {
      const df = checkSub(a.dst, 'load destination');
      if (typeof a.value !== 'bigint' || a.value < 0n || a.value > (a.dst.nBits >= 64 ? U64_MAX : LOW_MASKS[a.dst.nBits]!)) {
        throw bad('OFPBAC_BAD_ARGUMENT', `load: value ${String(a.value)} does not fit ${a.dst.nBits} bits`);
      }
      if (a.dst.nBits > 64) throw bad('OFPBAC_BAD_ARGUMENT', `load: more than 64 bits of ${df.name} need set_field`);
      nxStart(w, NXAST_REG_LOAD, 24);
      w.u16(ofsNbits(a.dst.ofs, a.dst.nBits)).u32(header32(df, 'load'));
      writeOfpU64(w, a.value);
      return;
    }
    case 'note':
      nxStart(w, NXAST_NOTE);
      if (!Buffer.isBuffer(a.data)) throw bad('OFPSDN_BAD_VALUE', 'note data must be a Buffer');
      w.bytes(a.data);
      // At least 6 bytes of note so the action is 16 bytes long (nx_action_note).
      if (a.data.length < 6) w.zeros(6 - a.data.length);
      finish(w, start);
      return;
    case 'multipath': {
      const df = checkSub(a.dst, 'multipath destination');
      nxStart(w, NXAST_MULTIPATH, 32);
      w.u16(u(a.fields, 16, 'fields')).u16(u(a.basis, 16, 'basis')).zeros(2);
      w.u16(u(a.algorithm, 16, 'algorithm')).u16(u(a.maxLink, 16, 'max_link')).u32(u(a.arg, 32, 'arg')).zeros(2);
      w.u16(ofsNbits(a.dst.ofs, a.dst.nBits)).u32(header32(df, 'multipath'));
      return;
    }
    case 'output_reg': {
      const sf = checkSub(a.src, 'output_reg source');
      // OVS uses NXAST_OUTPUT_REG whenever the source has a 4-byte header, NXAST_OUTPUT_REG2 otherwise.
      if (!a.v2 && (sf.nxmHeader !== undefined || sf.oxmClass !== OFPXMC_EXPERIMENTER)) {
        nxStart(w, NXAST_OUTPUT_REG, 24);
        w.u16(ofsNbits(a.src.ofs, a.src.nBits)).u32(header32(sf, 'output_reg')).u16(u(a.maxLen, 16, 'max_len')).zeros(6);
      } else {
        nxStart(w, NXAST_OUTPUT_REG2);
        w.u16(ofsNbits(a.src.ofs, a.src.nBits)).u16(u(a.maxLen, 16, 'max_len'));
        putFieldHeader(w, sf);
        finish(w, start);
      }
      return;
    }
    case 'learn':
      encodeLearn(w, a);
      finish(w, start);
      return;
    case 'exit':
      nxStart(w, NXAST_EXIT, 16);
      w.zeros(6);
      return;
    case 'dec_ttl': {
      if (!Array.isArray(a.ids)) throw bad('OFPSDN_BAD_VALUE', 'dec_ttl ids must be an array');
      nxStart(w, NXAST_DEC_TTL_CNT_IDS);
      w.u16(u(a.ids.length, 16, 'n_controllers')).zeros(4);
      for (const id of a.ids) w.u16(u(id, 16, 'controller id'));
      finish(w, start);
      return;
    }
    case 'fin_timeout':
      nxStart(w, NXAST_FIN_TIMEOUT, 16);
      w.u16(u(a.idleTimeout, 16, 'fin_idle_timeout')).u16(u(a.hardTimeout, 16, 'fin_hard_timeout')).zeros(2);
      return;
    case 'controller':
      encodeController(w, a, start);
      return;
    case 'sample': {
      const v2 = a.samplingPort !== undefined || a.direction !== undefined;
      if (a.probability === 0) throw bad('OFPBAC_BAD_ARGUMENT', 'sample probability must be non-zero');
      nxStart(w, !v2 ? NXAST_SAMPLE : a.direction !== undefined && a.direction !== 0 ? NXAST_SAMPLE3 : NXAST_SAMPLE2, v2 ? 32 : 24);
      w.u16(u(a.probability, 16, 'probability')).u32(u(a.collectorSetId, 32, 'collector_set_id'));
      w.u32(u(a.obsDomainId, 32, 'obs_domain_id')).u32(u(a.obsPointId, 32, 'obs_point_id'));
      if (v2) {
        w.u16(u(a.samplingPort ?? 0xffff, 16, 'sampling_port')).u8(u(a.direction ?? 0, 8, 'direction')).zeros(5);
      }
      return;
    }
    case 'stack_push':
    case 'stack_pop': {
      const sub = a.type === 'stack_push' ? a.src : a.dst;
      const f = checkSub(sub, a.type);
      nxStart(w, a.type === 'stack_push' ? NXAST_STACK_PUSH : NXAST_STACK_POP);
      w.u16(sub.ofs);
      putFieldHeader(w, f);
      w.u16(sub.nBits);
      finish(w, start);
      return;
    }
    case 'conjunction':
      if (a.nClauses < 2 || a.nClauses > 64 || a.clause < 1 || a.clause > a.nClauses) {
        throw bad('OFPBAC_BAD_ARGUMENT', `conjunction clause ${a.clause}/${a.nClauses} out of range`);
      }
      nxStart(w, NXAST_CONJUNCTION, 16);
      w.u8(a.clause - 1).u8(u(a.nClauses, 8, 'n_clauses')).u32(u(a.id, 32, 'conjunction id'));
      return;
    case 'ct': {
      if (depth >= MAX_NEST) throw bad('OFPBAC_BAD_ARGUMENT', 'ct actions nested too deeply');
      nxStart(w, NXAST_CT);
      w.u16((a.commit ? 1 : 0) | (a.force ? 2 : 0));
      if (a.zone === undefined || typeof a.zone === 'number') {
        w.u32(0).u16(u(a.zone ?? 0, 16, 'ct zone'));
      } else {
        const zf = checkSub(a.zone, 'ct zone');
        w.u32(header32(zf, 'ct zone')).u16(ofsNbits(a.zone.ofs, a.zone.nBits));
      }
      w.u8(u(a.table ?? 255, 8, 'ct table')).zeros(3).u16(u(a.alg ?? 0, 16, 'ct alg'));
      encodeList(w, a.actions ?? [], depth + 1);
      finish(w, start);
      return;
    }
    case 'nat': {
      nxStart(w, NXAST_NAT);
      let flags = a.kind === 'src' ? 1 : a.kind === 'dst' ? 2 : 0;
      if (a.persistent) flags |= 4;
      if (a.hash) flags |= 8;
      if (a.random) flags |= 16;
      const v6 = typeof a.ipMin === 'object' || typeof a.ipMax === 'object';
      let present = 0;
      if (a.ipMin !== undefined) present |= v6 ? 4 : 1;
      if (a.ipMax !== undefined) present |= v6 ? 8 : 2;
      if (a.portMin !== undefined) present |= 16;
      if (a.portMax !== undefined) present |= 32;
      w.zeros(2).u16(flags).u16(present);
      for (const ip of [a.ipMin, a.ipMax]) {
        if (ip === undefined) continue;
        if (typeof ip === 'number') w.u32(u(ip, 32, 'nat address'));
        else if (Buffer.isBuffer(ip) && ip.length === 16 && v6) w.bytes(ip);
        else throw bad('OFPSDN_BAD_VALUE', 'nat range mixes IPv4 and IPv6 or is malformed');
      }
      if (ipBytes(a.ipMin) && ipBytes(a.ipMax) && ipBytes(a.ipMin) !== ipBytes(a.ipMax)) throw bad('OFPSDN_BAD_VALUE', 'nat range mixes IPv4 and IPv6');
      if (a.portMin !== undefined) w.u16(u(a.portMin, 16, 'nat port'));
      if (a.portMax !== undefined) w.u16(u(a.portMax, 16, 'nat port'));
      finish(w, start);
      return;
    }
    case 'ct_clear':
      nxStart(w, NXAST_CT_CLEAR, 16);
      w.zeros(6);
      return;
    case 'bundle': {
      if (!Array.isArray(a.members)) throw bad('OFPSDN_BAD_VALUE', 'bundle members must be an array');
      const df = a.dst ? checkSub(a.dst, 'bundle_load destination') : undefined;
      nxStart(w, df ? NXAST_BUNDLE_LOAD : NXAST_BUNDLE);
      w.u16(u(a.algorithm, 16, 'bundle algorithm')).u16(u(a.fields, 16, 'bundle fields')).u16(u(a.basis, 16, 'bundle basis'));
      // member_type is the header of NXM_OF_IN_PORT: members are OpenFlow port numbers.
      w.u32(0x00000002).u16(u(a.members.length, 16, 'n_members'));
      w.u16(df ? ofsNbits(a.dst!.ofs, a.dst!.nBits) : 0).u32(df ? header32(df, 'bundle_load') : 0).zeros(4);
      for (const m of a.members) w.u16(u(m, 16, 'bundle member'));
      finish(w, start);
      return;
    }
    case 'check_pkt_larger': {
      const df = checkSub(a.dst, 'check_pkt_larger destination');
      if (a.dst.nBits !== 1) throw bad('OFPBAC_BAD_ARGUMENT', 'check_pkt_larger destination must be a single bit');
      nxStart(w, NXAST_CHECK_PKT_LARGER, 24);
      w.u16(u(a.pktLen, 16, 'check_pkt_larger length')).u16(a.dst.ofs);
      putFieldHeader(w, df);
      finish(w, start);
      w.patchU16(start + 2, 24);
      if (w.pos - start !== 24) throw bad('OFPBAC_BAD_ARGUMENT', 'check_pkt_larger destination header too long');
      return;
    }
    case 'pop_queue':
      nxStart(w, NXAST_POP_QUEUE, 16);
      w.zeros(6);
      return;
    case 'output_trunc':
      nxStart(w, NXAST_OUTPUT_TRUNC, 16);
      w.u16(u(a.port, 16, 'output_trunc port')).u32(u(a.maxLen, 32, 'output_trunc max_len'));
      return;
    case 'clone':
      if (depth >= MAX_NEST) throw bad('OFPBAC_BAD_ARGUMENT', 'clone actions nested too deeply');
      nxStart(w, NXAST_CLONE);
      w.zeros(6);
      encodeList(w, a.actions ?? [], depth + 1);
      finish(w, start);
      return;
    case 'opaque': {
      const raw = a.raw;
      if (!Buffer.isBuffer(raw) || raw.length < 8 || raw.length % 8 !== 0 || raw.readUInt16BE(2) !== raw.length) {
        throw bad('OFPBAC_BAD_LEN', 'opaque action must hold a whole action whose length field matches, a multiple of 8');
      }
      w.bytes(raw);
      return;
    }
    default:
      throw bad('OFPSDN_BAD_VALUE', `unknown action type '${(a as { type: string }).type}'`);
  }
}

function encodeController(w: Writer, a: Extract<Action, { type: 'controller' }>, start: number): void {
  const maxLen = u(a.maxLen, 16, 'controller max_len');
  const id = u(a.controllerId, 16, 'controller id');
  const reason = u(a.reason, 8, 'controller reason');
  const v2 = a.v2 || a.userdata !== undefined || a.pause || a.meterId !== undefined;
  if (!v2) {
    nxStart(w, NXAST_CONTROLLER, 16);
    w.u16(maxLen).u16(id).u8(reason).u8(0);
    return;
  }
  // NXAST_CONTROLLER2: ext_action_header (16 bytes) then properties (type, len, value, padded to 8), in the
  // order OVS writes them; default-valued ones are omitted.
  nxStart(w, NXAST_CONTROLLER2);
  w.zeros(6);
  const prop = (type: number, body: (w: Writer) => void): void => {
    const ps = w.pos;
    w.u16(type).u16(0);
    body(w);
    w.patchU16(ps + 2, w.pos - ps);
    w.pad8(ps);
  };
  // 16-bit properties carry their value in 4 bytes (OVS ofpprop_put_u16: value, then 2 zero bytes).
  if (maxLen !== 0xffff) prop(0, (x) => x.u16(maxLen).u16(0));
  if (id !== 0) prop(1, (x) => x.u16(id).u16(0));
  if (reason !== 1) prop(2, (x) => x.u8(reason));
  if (a.userdata !== undefined) {
    if (!Buffer.isBuffer(a.userdata)) throw bad('OFPSDN_BAD_VALUE', 'controller userdata must be a Buffer');
    prop(3, (x) => x.bytes(a.userdata!));
  }
  if (a.pause) prop(4, () => undefined);
  if (a.meterId !== undefined) {
    const m = u(a.meterId, 32, 'controller meter_id');
    prop(5, (x) => x.u32(m));
  }
  finish(w, start);
}

function encodeLearn(w: Writer, a: Extract<Action, { type: 'learn' }>): void {
  // NXAST_LEARN2 (nx_action_learn2) when a limit or a result destination is given, as OVS does.
  const v2 = a.v2 || (a.limit !== undefined && a.limit !== 0) || a.resultDst !== undefined;
  const rf = a.resultDst ? checkSub(a.resultDst, 'learn result_dst') : undefined;
  if (a.resultDst && a.resultDst.nBits !== 1) throw bad('OFPBAC_BAD_ARGUMENT', 'learn result_dst must be a single bit');
  nxStart(w, v2 ? NXAST_LEARN2 : NXAST_LEARN);
  w.u16(u(a.idleTimeout, 16, 'idle_timeout')).u16(u(a.hardTimeout, 16, 'hard_timeout')).u16(u(a.priority, 16, 'priority'));
  writeOfpU64(w, BigInt.asUintN(64, a.cookie));
  // NX_LEARN_F_WRITE_RESULT (4) is set exactly when there is a result destination.
  w.u16((u(a.flags, 16, 'learn flags') & ~4) | (rf ? 4 : 0)).u8(u(a.tableId, 8, 'table')).u8(0);
  w.u16(u(a.finIdleTimeout, 16, 'fin_idle_timeout')).u16(u(a.finHardTimeout, 16, 'fin_hard_timeout'));
  if (v2) {
    w.u32(u(a.limit ?? 0, 32, 'learn limit')).u16(a.resultDst ? a.resultDst.ofs : 0).u16(0);
    if (rf) putFieldHeader(w, rf);
  } else if (a.flags & 4) {
    throw bad('OFPBAC_BAD_ARGUMENT', 'learn flag 4 (write result) needs resultDst');
  }
  for (const s of a.specs) {
    const n = u(s.nBits, 10, 'learn spec n_bits');
    if (n < 1) throw bad('OFPBAC_BAD_ARGUMENT', 'learn spec n_bits must be >= 1');
    const imm = s.kind !== 'output' && typeof s.src === 'bigint';
    const dstBits = s.kind === 'match' ? 0 : s.kind === 'load' ? 1 << 11 : 2 << 11;
    w.u16((imm ? 1 << 13 : 0) | dstBits | n);
    if (imm) {
      const v = s.src as bigint;
      const units = Math.ceil(n / 16);
      if (v < 0n || v >= 1n << BigInt(units * 16)) throw bad('OFPBAC_BAD_ARGUMENT', `learn immediate ${v} does not fit ${n} bits`);
      for (let i = units - 1; i >= 0; i--) w.u16(Number((v >> BigInt(i * 16)) & 0xffffn));
    } else {
      const src = s.src as Subfield;
      const f = checkSub(src, 'learn source');
      if (src.nBits !== n) throw bad('OFPBAC_BAD_ARGUMENT', `learn source is ${src.nBits} bits, spec says ${n}`);
      putFieldHeader(w, f);
      w.u16(src.ofs);
    }
    if (s.kind !== 'output') {
      const f = checkSub(s.dst, 'learn destination');
      if (s.dst.nBits !== n) throw bad('OFPBAC_BAD_ARGUMENT', `learn destination is ${s.dst.nBits} bits, spec says ${n}`);
      putFieldHeader(w, f);
      w.u16(s.dst.ofs);
    }
  }
}

function encodeList(w: Writer, list: readonly Action[], depth: number): void {
  if (!Array.isArray(list)) throw bad('OFPSDN_BAD_VALUE', 'actions must be an array');
  for (let i = 0; i < list.length; i++) encodeOne(w, list[i]!, depth);
}

/** Writes an action list (each action padded to a multiple of 8, section 7.2.5). */
export function encodeActions(w: Writer, a: readonly Action[]): void {
  encodeList(w, a, 0);
}

/** Exact lengths of the fixed-size Nicira actions (OVS rejects any other length with OFPBAC_BAD_LEN). */
const NX_FIXED_LEN = new Map<number, number>([
  [NXAST_RESUBMIT, 16],
  [NXAST_RESUBMIT_TABLE, 16],
  [NXAST_RESUBMIT_TABLE_CT, 16],
  [NXAST_SET_TUNNEL, 16],
  [NXAST_SET_TUNNEL64, 24],
  [NXAST_REG_LOAD, 24],
  [NXAST_MULTIPATH, 32],
  [NXAST_OUTPUT_REG, 24],
  [NXAST_EXIT, 16],
  [NXAST_FIN_TIMEOUT, 16],
  [NXAST_CONTROLLER, 16],
  [NXAST_SAMPLE, 24],
  [NXAST_SAMPLE2, 32],
  [NXAST_SAMPLE3, 32],
  [NXAST_CONJUNCTION, 16],
  [NXAST_CT_CLEAR, 16],
  [NXAST_POP_QUEUE, 16],
  [NXAST_OUTPUT_TRUNC, 16],
  [NXAST_CHECK_PKT_LARGER, 24],
]);

function decodeNx(r: Reader, sub: number, depth: number): Action | undefined {
  const fixedLen = NX_FIXED_LEN.get(sub);
  // `r` holds the action after its 10-byte header.
  if (fixedLen !== undefined && r.remaining + 10 !== fixedLen) {
    throw r.error('OFPBAC_BAD_LEN', `Nicira action ${sub} length ${r.remaining + 10}, expected ${fixedLen}`);
  }
  // `r` is positioned after the 10-byte Nicira header (type, len, vendor, subtype).
  const need = (n: number): void => {
    if (r.remaining < n) throw r.error('OFPBAC_BAD_LEN', `Nicira action ${sub} body needs ${n} bytes, has ${r.remaining}`);
  };
  switch (sub) {
    case NXAST_RESUBMIT:
    case NXAST_RESUBMIT_TABLE:
    case NXAST_RESUBMIT_TABLE_CT: {
      need(6);
      const port = r.u16();
      const table = r.u8();
      r.skip(3);
      if (sub === NXAST_RESUBMIT) return { type: 'resubmit', port };
      return sub === NXAST_RESUBMIT_TABLE_CT ? { type: 'resubmit', port, table, ct: true } : { type: 'resubmit', port, table };
    }
    case NXAST_SET_TUNNEL:
      need(6);
      r.skip(2);
      return { type: 'set_tunnel', tunId: BigInt(r.u32()) };
    case NXAST_SET_TUNNEL64:
      need(14);
      r.skip(6);
      return { type: 'set_tunnel', tunId: r.u64(), wide: true };
    case NXAST_REG_MOVE: {
      need(14);
      const nBits = r.u16();
      const srcOfs = r.u16();
      const dstOfs = r.u16();
      const sf = readFieldHeader(r, 'move source');
      const df = readFieldHeader(r, 'move destination');
      return { type: 'move', src: readSub(r, sf, srcOfs, nBits, 'move source'), dst: readSub(r, df, dstOfs, nBits, 'move destination') };
    }
    case NXAST_REG_LOAD: {
      need(14);
      const on = r.u16();
      const df = readFieldHeader(r, 'load destination');
      const value = r.u64();
      const dst = readSub(r, df, on >>> 6, (on & 63) + 1, 'load destination');
      if (dst.nBits < 64 && value >> BigInt(dst.nBits) !== 0n) throw r.error('OFPBAC_BAD_ARGUMENT', `load value does not fit ${dst.nBits} bits`);
      return { type: 'load', dst, value };
    }
    case NXAST_REG_LOAD2: {
      // One OXM (possibly masked) right after the subtype, then zero padding.
      need(4);
      const e = decodeOxmEntry(r);
      if (!e) throw r.error('OFPBAC_BAD_SET_TYPE', 'reg_load2 of an unknown field');
      if (r.remaining >= 8) throw r.error('OFPBAC_BAD_SET_LEN', 'reg_load2 longer than its OXM needs');
      while (r.remaining > 0) if (r.u8() !== 0) throw r.error('OFPBAC_BAD_SET_ARGUMENT', 'reg_load2 padding is not zero');
      return e.mask === undefined ? { type: 'set_field', field: e.field, value: e.value } : { type: 'set_field', field: e.field, value: e.value, mask: e.mask };
    }
    case NXAST_NOTE: {
      const data = r.copy(r.remaining, 'note');
      return { type: 'note', data };
    }
    case NXAST_MULTIPATH: {
      need(22);
      const fields = r.u16();
      const basis = r.u16();
      r.skip(2);
      const algorithm = r.u16();
      const maxLink = r.u16();
      const arg = r.u32();
      r.skip(2);
      const on = r.u16();
      const df = readFieldHeader(r, 'multipath destination');
      return { type: 'multipath', fields, basis, algorithm, maxLink, arg, dst: readSub(r, df, on >>> 6, (on & 63) + 1, 'multipath destination') };
    }
    case NXAST_OUTPUT_REG: {
      need(14);
      const on = r.u16();
      const sf = readFieldHeader(r, 'output_reg source');
      const maxLen = r.u16();
      r.skip(6);
      return { type: 'output_reg', src: readSub(r, sf, on >>> 6, (on & 63) + 1, 'output_reg source'), maxLen };
    }
    case NXAST_OUTPUT_REG2: {
      need(8);
      const on = r.u16();
      const maxLen = r.u16();
      const sf = readFieldHeader(r, 'output_reg2 source');
      r.pos = r.end;
      return { type: 'output_reg', src: readSub(r, sf, on >>> 6, (on & 63) + 1, 'output_reg2 source'), maxLen, v2: true };
    }
    case NXAST_LEARN:
    case NXAST_LEARN2:
      return decodeLearn(r, sub === NXAST_LEARN2);
    case NXAST_EXIT:
      need(6);
      r.skip(6);
      return { type: 'exit' };
    case NXAST_DEC_TTL_CNT_IDS: {
      need(6);
      const n = r.u16();
      r.skip(4);
      r.checkCount(n, 2, 'dec_ttl controller id');
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(r.u16());
      if (r.remaining >= 8) throw r.error('OFPBAC_BAD_LEN', 'dec_ttl action longer than its ids need');
      r.pos = r.end;
      return { type: 'dec_ttl', ids };
    }
    case NXAST_FIN_TIMEOUT: {
      need(6);
      const idleTimeout = r.u16();
      const hardTimeout = r.u16();
      r.skip(2);
      return { type: 'fin_timeout', idleTimeout, hardTimeout };
    }
    case NXAST_CONTROLLER: {
      need(6);
      const maxLen = r.u16();
      const controllerId = r.u16();
      const reason = r.u8();
      r.skip(1);
      return { type: 'controller', maxLen, controllerId, reason };
    }
    case NXAST_CONTROLLER2:
      return decodeController2(r);
    case NXAST_SAMPLE:
    case NXAST_SAMPLE2:
    case NXAST_SAMPLE3: {
      need(sub === NXAST_SAMPLE ? 14 : 22);
      const probability = r.u16();
      const collectorSetId = r.u32();
      const obsDomainId = r.u32();
      const obsPointId = r.u32();
      // OVS refuses a sampling probability of 0 (decode_SAMPLE2).
      if (probability === 0) throw r.error('OFPBAC_BAD_ARGUMENT', 'sample probability 0');
      if (sub === NXAST_SAMPLE) return { type: 'sample', probability, collectorSetId, obsDomainId, obsPointId };
      const samplingPort = r.u16();
      const direction = r.u8();
      r.skip(5);
      const s: Action = { type: 'sample', probability, collectorSetId, obsDomainId, obsPointId, samplingPort };
      if (sub === NXAST_SAMPLE3) s.direction = direction;
      return s;
    }
    case NXAST_STACK_PUSH:
    case NXAST_STACK_POP: {
      need(8);
      const ofs = r.u16();
      const f = readFieldHeader(r, 'stack field');
      const nBits = r.u16();
      r.pos = r.end;
      const sf = readSub(r, f, ofs, nBits, 'stack field');
      return sub === NXAST_STACK_PUSH ? { type: 'stack_push', src: sf } : { type: 'stack_pop', dst: sf };
    }
    case NXAST_CONJUNCTION: {
      need(6);
      const clause = r.u8();
      const nClauses = r.u8();
      const id = r.u32();
      if (nClauses < 2 || nClauses > 64 || clause >= nClauses) throw r.error('OFPBAC_BAD_ARGUMENT', `conjunction clause ${clause + 1}/${nClauses} out of range`);
      return { type: 'conjunction', id, clause: clause + 1, nClauses };
    }
    case NXAST_CT: {
      need(14);
      if (depth >= MAX_NEST) throw r.error('OFPBAC_BAD_ARGUMENT', 'ct actions nested too deeply');
      const flags = r.u16();
      const zoneSrc = r.u32();
      const zoneVal = r.u16();
      const table = r.u8();
      r.skip(3);
      const alg = r.u16();
      const ct: Extract<Action, { type: 'ct' }> = { type: 'ct', actions: [] };
      if (flags & 1) ct.commit = true;
      if (flags & 2) ct.force = true;
      if (zoneSrc === 0) {
        if (zoneVal !== 0) ct.zone = zoneVal;
      } else {
        const zf = oxmFieldByHeader(zoneSrc);
        if (!zf) throw new UnknownFieldError(r.error('OFPBAC_BAD_ARGUMENT', `ct zone: unknown field header 0x${zoneSrc.toString(16)}`));
        ct.zone = readSub(r, zf, zoneVal >>> 6, (zoneVal & 63) + 1, 'ct zone');
      }
      if (table !== 255) ct.table = table;
      if (alg !== 0) ct.alg = alg;
      ct.actions = decodeList(r, depth + 1);
      return ct;
    }
    case NXAST_NAT: {
      need(6);
      r.skip(2);
      const flags = r.u16();
      const present = r.u16();
      const nat: NatAction = { type: 'nat' };
      const rangeBytes = (present & 1 ? 4 : 0) + (present & 2 ? 4 : 0) + (present & 4 ? 16 : 0) + (present & 8 ? 16 : 0) + (present & 16 ? 2 : 0) + (present & 32 ? 2 : 0);
      if (rangeBytes > r.remaining) throw r.error('OFPBAC_BAD_LEN', `nat ranges need ${rangeBytes} bytes, ${r.remaining} remain`);
      if (present & ~63 || (present & 3 && present & 12)) throw r.error('OFPBAC_BAD_ARGUMENT', `nat range_present 0x${present.toString(16)} is invalid`);
      if (flags & 1) nat.kind = 'src';
      else if (flags & 2) nat.kind = 'dst';
      if (flags & 4) nat.persistent = true;
      if (flags & 8) nat.hash = true;
      if (flags & 16) nat.random = true;
      if (present & 1) nat.ipMin = r.u32();
      if (present & 2) nat.ipMax = r.u32();
      if (present & 4) nat.ipMin = r.copy(16, 'nat ipv6');
      if (present & 8) nat.ipMax = r.copy(16, 'nat ipv6');
      if (present & 16) nat.portMin = r.u16();
      if (present & 32) nat.portMax = r.u16();
      r.pos = r.end;
      return nat;
    }
    case NXAST_CT_CLEAR:
      need(6);
      r.skip(6);
      return { type: 'ct_clear' };
    case NXAST_BUNDLE:
    case NXAST_BUNDLE_LOAD: {
      need(22);
      const algorithm = r.u16();
      const fields = r.u16();
      const basis = r.u16();
      const memberType = r.u32();
      const n = r.u16();
      const on = r.u16();
      const dstHeader = r.u32();
      r.skip(4);
      if (memberType !== 0x00000002) throw r.error('OFPBAC_BAD_ARGUMENT', `bundle member type 0x${memberType.toString(16)} is not NXM_OF_IN_PORT`);
      r.checkCount(n, 2, 'bundle member');
      const members: number[] = [];
      for (let i = 0; i < n; i++) members.push(r.u16());
      while (r.remaining > 0) if (r.u8() !== 0) throw r.error('OFPBAC_BAD_ARGUMENT', 'bundle padding is not zero');
      const b: Action = { type: 'bundle', fields, basis, algorithm, members };
      if (sub === NXAST_BUNDLE_LOAD) {
        const f = oxmFieldByHeader(dstHeader);
        if (!f) throw new UnknownFieldError(r.error('OFPBAC_BAD_ARGUMENT', `bundle_load: unknown field header 0x${dstHeader.toString(16)}`));
        b.dst = readSub(r, f, on >>> 6, (on & 63) + 1, 'bundle_load destination');
      }
      return b;
    }
    case NXAST_CHECK_PKT_LARGER: {
      need(8);
      const pktLen = r.u16();
      const ofs = r.u16();
      const f = readFieldHeader(r, 'check_pkt_larger destination');
      while (r.remaining > 0) if (r.u8() !== 0) throw r.error('OFPBAC_BAD_ARGUMENT', 'check_pkt_larger padding is not zero');
      return { type: 'check_pkt_larger', pktLen, dst: readSub(r, f, ofs, 1, 'check_pkt_larger destination') };
    }
    case NXAST_POP_QUEUE:
      need(6);
      r.skip(6);
      return { type: 'pop_queue' };
    case NXAST_OUTPUT_TRUNC: {
      need(6);
      const port = r.u16();
      const maxLen = r.u32();
      return { type: 'output_trunc', port, maxLen };
    }
    case NXAST_CLONE: {
      need(6);
      if (depth >= MAX_NEST) throw r.error('OFPBAC_BAD_ARGUMENT', 'clone actions nested too deeply');
      r.skip(6);
      return { type: 'clone', actions: decodeList(r, depth + 1) };
    }
    default:
      return undefined;
  }
}

function decodeController2(r: Reader): Action {
  if (r.remaining < 6) throw r.error('OFPBAC_BAD_LEN', 'controller2 header truncated');
  r.skip(6);
  const a: Extract<Action, { type: 'controller' }> = { type: 'controller', maxLen: 0xffff, controllerId: 0, reason: 1, v2: true };
  while (r.remaining > 0) {
    const at = r.offset;
    if (r.remaining < 4) throw r.error('OFPBAC_BAD_LEN', 'controller2 property header truncated');
    const type = r.u16();
    const len = r.u16();
    if (len < 4 || len - 4 > r.remaining) throw r.error('OFPBAC_BAD_LEN', `controller2 property length ${len}`, at);
    const p = r.sub(len - 4, 'controller2 property', 'OFPBAC_BAD_LEN');
    const padded = ((len + 7) & ~7) - len;
    if (padded > r.remaining) throw r.error('OFPBAC_BAD_LEN', 'controller2 property padding truncated', at);
    r.skip(padded);
    switch (type) {
      case 0:
        a.maxLen = p.u16();
        break;
      case 1:
        a.controllerId = p.u16();
        break;
      case 2:
        a.reason = p.u8();
        break;
      case 3:
        a.userdata = p.copy(p.remaining, 'userdata');
        break;
      case 4:
        a.pause = true;
        break;
      case 5:
        a.meterId = p.u32();
        break;
      default:
        throw r.error('OFPBAC_BAD_ARGUMENT', `unknown controller2 property ${type}`, at);
    }
  }
  return a;
}

function decodeLearn(r: Reader, v2: boolean): Action {
  if (r.remaining < 22) throw r.error('OFPBAC_BAD_LEN', `learn header needs 22 bytes, has ${r.remaining}`);
  const a: Extract<Action, { type: 'learn' }> = {
    type: 'learn',
    idleTimeout: r.u16(),
    hardTimeout: r.u16(),
    priority: r.u16(),
    cookie: r.u64(),
    flags: r.u16(),
    tableId: r.u8(),
    finIdleTimeout: 0,
    finHardTimeout: 0,
    specs: [],
  };
  r.skip(1);
  a.finIdleTimeout = r.u16();
  a.finHardTimeout = r.u16();
  if (v2) {
    if (r.remaining < 8) throw r.error('OFPBAC_BAD_LEN', 'learn2 header truncated');
    const limit = r.u32();
    const ofs = r.u16();
    r.skip(2);
    if (limit !== 0) a.limit = limit;
    if (a.flags & 4) {
      const f = readFieldHeader(r, 'learn result_dst');
      a.resultDst = readSub(r, f, ofs, 1, 'learn result_dst');
    }
    a.flags &= ~4;
    if (a.limit === undefined && !a.resultDst) a.v2 = true;
  } else if (a.flags & 4) {
    throw r.error('OFPBAC_BAD_ARGUMENT', 'NXAST_LEARN with the write-result flag');
  }
  while (r.remaining >= 2) {
    const h = r.u16();
    if (h === 0) break;
    const n = h & 0x3ff;
    const imm = (h >> 13) & 1;
    const dst = (h >> 11) & 3;
    if (n === 0 || dst === 3 || h >> 14 !== 0 || (dst === 2 && imm)) throw r.error('OFPBAC_BAD_ARGUMENT', `bad learn spec header 0x${h.toString(16)}`);
    let src: Subfield | bigint;
    if (imm) {
      const units = Math.ceil(n / 16);
      if (r.remaining < units * 2) throw r.error('OFPBAC_BAD_LEN', 'learn immediate truncated');
      let v = 0n;
      for (let i = 0; i < units; i++) v = (v << 16n) | BigInt(r.u16());
      src = v;
    } else {
      const f = readFieldHeader(r, 'learn source');
      const ofs = r.u16();
      src = readSub(r, f, ofs, n, 'learn source');
    }
    if (dst === 2) {
      a.specs.push({ kind: 'output', src: src as Subfield, nBits: n });
    } else {
      const f = readFieldHeader(r, 'learn destination');
      const ofs = r.u16();
      const d = readSub(r, f, ofs, n, 'learn destination');
      a.specs.push({ kind: dst === 0 ? 'match' : 'load', src, dst: d, nBits: n });
    }
  }
  // The rest must be zero padding.
  while (r.remaining > 0) if (r.u8() !== 0) throw r.error('OFPBAC_BAD_ARGUMENT', 'learn padding is not zero');
  return a;
}

function decodeOne(r: Reader, depth: number): Action {
  const at = r.offset;
  const len = r.tlvLength8('action', 'OFPBAC_BAD_LEN');
  const type = r.peekU16();
  const rawStart = r.pos;
  const a = r.sub(len, 'action', 'OFPBAC_BAD_LEN');
  a.skip(4);
  const fixed = (want: number): void => {
    if (len !== want) throw a.error('OFPBAC_BAD_LEN', `action type ${type} length ${len}, expected ${want}`, at);
  };
  switch (type) {
    case OFPAT_OUTPUT: {
      fixed(16);
      const port = a.u32();
      const maxLen = a.u16();
      return { type: 'output', port, maxLen };
    }
    case OFPAT_COPY_TTL_OUT:
      fixed(8);
      return { type: 'copy_ttl_out' };
    case OFPAT_COPY_TTL_IN:
      fixed(8);
      return { type: 'copy_ttl_in' };
    case OFPAT_SET_MPLS_TTL:
      fixed(8);
      return { type: 'set_mpls_ttl', ttl: a.u8() };
    case OFPAT_DEC_MPLS_TTL:
      fixed(8);
      return { type: 'dec_mpls_ttl' };
    case OFPAT_PUSH_VLAN:
      fixed(8);
      return { type: 'push_vlan', ethertype: a.u16() };
    case OFPAT_POP_VLAN:
      fixed(8);
      return { type: 'pop_vlan' };
    case OFPAT_PUSH_MPLS:
      fixed(8);
      return { type: 'push_mpls', ethertype: a.u16() };
    case OFPAT_POP_MPLS:
      fixed(8);
      return { type: 'pop_mpls', ethertype: a.u16() };
    case OFPAT_SET_QUEUE:
      fixed(8);
      return { type: 'set_queue', queueId: a.u32() };
    case OFPAT_GROUP:
      fixed(8);
      return { type: 'group', groupId: a.u32() };
    case OFPAT_SET_NW_TTL:
      fixed(8);
      return { type: 'set_nw_ttl', ttl: a.u8() };
    case OFPAT_DEC_NW_TTL:
      fixed(8);
      return { type: 'dec_nw_ttl' };
    case OFPAT_PUSH_PBB:
      fixed(8);
      return { type: 'push_pbb', ethertype: a.u16() };
    case OFPAT_POP_PBB:
      fixed(8);
      return { type: 'pop_pbb' };
    case OFPAT_SET_FIELD: {
      // One OXM, then zero padding (section 7.2.5.1); the OXM may not be masked.
      if (a.remaining < 4) throw a.error('OFPBAC_BAD_SET_LEN', 'set_field without an OXM header');
      const h = a.peekU32();
      const oxmLen = 4 + (h & 0xff);
      if (oxmLen > a.remaining || a.remaining - oxmLen >= 8) throw a.error('OFPBAC_BAD_SET_LEN', `set_field OXM length ${oxmLen} does not fit action length ${len}`);
      if (h & 0x100) throw a.error('OFPBAC_BAD_SET_ARGUMENT', 'set_field OXM must not be masked');
      let exp = 0;
      if (h >>> 16 === OFPXMC_EXPERIMENTER && a.remaining >= 8) exp = a.buf.readUInt32BE(a.pos + 4);
      if (!oxmFieldByHeader(h, exp)) {
        // Unknown field: keep the whole action opaque so it re-encodes byte for byte.
        return { type: 'opaque', raw: Buffer.from(r.buf.subarray(rawStart, rawStart + len)) };
      }
      const e = decodeOxmEntry(a.sub(oxmLen, 'set_field OXM', 'OFPBAC_BAD_SET_LEN'))!;
      return { type: 'set_field', field: e.field, value: e.value };
    }
    case OFPAT_EXPERIMENTER: {
      if (len >= 16 && a.peekU32() === NX_EXPERIMENTER_ID) {
        a.skip(4);
        const sub = a.u16();
        let out: Action | undefined;
        try {
          out = decodeNx(a, sub, depth);
        } catch (e) {
          // An action naming a field we do not know stays opaque, like an unknown action.
          if (!(e instanceof UnknownFieldError)) throw e;
        }
        if (out) return out;
      }
      return { type: 'opaque', raw: Buffer.from(r.buf.subarray(rawStart, rawStart + len)) };
    }
    default:
      return { type: 'opaque', raw: Buffer.from(r.buf.subarray(rawStart, rawStart + len)) };
  }
}

function decodeList(r: Reader, depth: number): Action[] {
  const out: Action[] = [];
  while (r.remaining > 0) {
    if (out.length >= MAX_ACTIONS) throw r.error('OFPBAC_BAD_LEN', `more than ${MAX_ACTIONS} actions`);
    out.push(decodeOne(r, depth));
  }
  return out;
}

/** Reads actions until `r` is exhausted (the caller gives a sub-reader over the action list). */
export function decodeActions(r: Reader): Action[] {
  return decodeList(r, 0);
}

/** Prints actions as OVS text (ovs-actions(7)), comma separated; "drop" when empty. */
export function formatActions(a: readonly Action[]): string {
  return a.length === 0 ? 'drop' : formatActionList(a);
}

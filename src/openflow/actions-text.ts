/**
 * Open vSwitch action text (ovs-actions(7)): printing {@link Action} lists and parsing them back, with the
 * encoding choices Open vSwitch makes for OpenFlow 1.3 (e.g. `set_tunnel` becomes set_field of tun_id,
 * `mod_nw_tos` becomes set_field of ip_dscp, a masked contiguous set_field becomes NXAST_REG_LOAD).
 */
import type { Action, LearnSpec, NatAction, Subfield } from './actions';
import { OpenFlowDecodeError } from './errors';
import {
  FieldValueError,
  OxmField,
  formatFieldValue,
  formatIpv4Text,
  formatIpv6Text,
  formatPortNo,
  oxmFieldByName,
  oxmValueFromBigInt,
  oxmValueToBigInt,
  parseIntegerText,
  parseFieldValue,
  parseIpv4Text,
  parseIpv6Text,
  parsePortNo,
} from './oxm';

const OFPP_CONTROLLER = 0xfffffffd;
const REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];
const MP_FIELDS = ['eth_src', 'symmetric_l4', 'symmetric_l3l4', 'symmetric_l3l4+udp', 'nw_src', 'nw_dst', 'symmetric_l3'];
const MP_ALGS = ['modulo_n', 'hash_threshold', 'hrw', 'iter_hash'];
const BD_ALGS = ['active_backup', 'hrw'];
const ALGS: Record<string, number> = { ftp: 21, tftp: 69 };

// ---------------------------------------------------------------------------------------------------------
// Printing

/** Prints a subfield as OVS does: `NXM_NX_REG0[]` (whole field) or `NXM_NX_REG0[0..15]` / `[5]`. */
/**
 * The name Open vSwitch 3.1 prints for a field in `set_field:V->F` and in learn's `F=V` (its meta-flow name,
 * include/openvswitch/meta-flow.h), where it differs from the registry's text name.
 */
const OVS_MF_NAME: Record<string, string> = { ipv4_src: 'ip_src', ipv4_dst: 'ip_dst', ip_ecn: 'nw_ecn', ip_proto: 'nw_proto' };

function ovsFieldName(f: OxmField): string {
  return OVS_MF_NAME[f.name] ?? f.textName;
}

/** An immediate as OVS prints it (ds_put_hex / "%#x"): hex, but zero is "0". */
function hexImmediate(v: bigint): string {
  return v === 0n ? '0' : '0x' + v.toString(16);
}

/**
 * Width of `F[]` (OVS's mf n_bits): the field's meaningful bits; vlan_vid's 12 (its OXM value's 13th bit is
 * OFPVID_PRESENT, not part of the VID).
 */
function subfieldBits(f: OxmField): number {
  return f.name === 'vlan_vid' ? 12 : f.bits;
}

export function formatSubfield(sf: Subfield): string {
  const f = oxmFieldByName(sf.field);
  const name = f ? f.nxmName : sf.field;
  // `F[]` is the field's meaningful bits (OVS's mf n_bits: 1 for tun_flags, 20 for mpls_label...).
  const width = f ? subfieldBits(f) : -1;
  if (sf.ofs === 0 && sf.nBits === width) return `${name}[]`;
  if (sf.nBits === 1) return `${name}[${sf.ofs}]`;
  return `${name}[${sf.ofs}..${sf.ofs + sf.nBits - 1}]`;
}

function hexBytes(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('.');
}

function formatNat(a: NatAction): string {
  let s = 'nat';
  if (!a.kind) return s;
  s += `(${a.kind}`;
  if (a.ipMin !== undefined) {
    const v6 = typeof a.ipMin !== 'number';
    const ip = (x: number | Buffer): string => (typeof x === 'number' ? formatIpv4Text(x) : `[${formatIpv6Text(x)}]`);
    s += '=' + (v6 && a.portMin === undefined ? formatIpv6Text(a.ipMin as Buffer) : ip(a.ipMin));
    if (a.ipMax !== undefined && oxmValueToBigInt(a.ipMax) !== oxmValueToBigInt(a.ipMin)) {
      s += '-' + (v6 && a.portMin === undefined ? formatIpv6Text(a.ipMax as Buffer) : ip(a.ipMax));
    }
    if (a.portMin !== undefined) {
      s += `:${a.portMin}`;
      if (a.portMax !== undefined && a.portMax !== a.portMin) s += `-${a.portMax}`;
    }
  }
  if (a.persistent) s += ',persistent';
  if (a.hash) s += ',hash';
  if (a.random) s += ',random';
  return s + ')';
}

function formatLearn(a: Extract<Action, { type: 'learn' }>): string {
  const p = [`table=${a.tableId}`];
  if (a.idleTimeout) p.push(`idle_timeout=${a.idleTimeout}`);
  if (a.hardTimeout) p.push(`hard_timeout=${a.hardTimeout}`);
  if (a.finIdleTimeout) p.push(`fin_idle_timeout=${a.finIdleTimeout}`);
  if (a.finHardTimeout) p.push(`fin_hard_timeout=${a.finHardTimeout}`);
  if (a.priority !== 0x8000) p.push(`priority=${a.priority}`);
  if (a.flags & 1) p.push('send_flow_rem');
  if (a.flags & 2) p.push('delete_learned');
  if (a.cookie) p.push(`cookie=0x${a.cookie.toString(16)}`);
  if (a.limit) p.push(`limit=${a.limit}`);
  if (a.resultDst) p.push(`result_dst=${formatSubfield(a.resultDst)}`);
  for (const s of a.specs) {
    if (s.kind === 'output') {
      p.push(`output:${formatSubfield(s.src)}`);
    } else if (s.kind === 'load') {
      p.push(`load:${typeof s.src === 'bigint' ? hexImmediate(s.src) : formatSubfield(s.src)}->${formatSubfield(s.dst)}`);
    } else if (typeof s.src === 'bigint') {
      const f = oxmFieldByName(s.dst.field);
      const whole = f && s.dst.ofs === 0 && s.dst.nBits === subfieldBits(f);
      // OVS names a whole destination field by its meta-flow name with a typed value (eth_type=0x800,
      // ip_dst=10.0.0.1); a part of one as a subfield with a hex value (learn_format in lib/learn.c).
      // (Learn specs carry NXM headers, so in_port here is NXM_OF_IN_PORT, and parses back to it.)
      if (whole) p.push(`${f.name === 'nx_in_port' ? 'in_port' : ovsFieldName(f)}=${formatFieldValue(f, oxmValueFromBigInt(f, s.src))}`);
      else p.push(`${formatSubfield(s.dst)}=0x${s.src.toString(16)}`);
    } else if (s.src.field === s.dst.field && s.src.ofs === s.dst.ofs) {
      p.push(formatSubfield(s.dst));
    } else {
      p.push(`${formatSubfield(s.dst)}=${formatSubfield(s.src)}`);
    }
  }
  return `learn(${p.join(',')})`;
}

function formatOne(a: Action): string {
  switch (a.type) {
    case 'output':
      if (a.port === OFPP_CONTROLLER) return `CONTROLLER:${a.maxLen}`;
      return a.port >= 0xfffffff8 ? formatPortNo(a.port) : `output:${a.port}`;
    case 'copy_ttl_out':
    case 'copy_ttl_in':
    case 'dec_mpls_ttl':
    case 'pop_vlan':
    case 'pop_pbb':
    case 'exit':
    case 'ct_clear':
      return a.type;
    case 'dec_nw_ttl':
      return 'dec_ttl';
    case 'set_mpls_ttl':
      return `set_mpls_ttl(${a.ttl})`;
    case 'set_nw_ttl':
      return `mod_nw_ttl:${a.ttl}`;
    case 'push_vlan':
    case 'push_mpls':
    case 'push_pbb':
      return `${a.type}:0x${a.ethertype.toString(16)}`;
    case 'pop_mpls':
      return `pop_mpls:0x${a.ethertype.toString(16).padStart(4, '0')}`;
    case 'set_queue':
      return `set_queue:${a.queueId}`;
    case 'group':
      return `group:${a.groupId}`;
    case 'set_field': {
      const f = oxmFieldByName(a.field);
      if (!f) return `set_field:?->${a.field}`;
      return `set_field:${formatFieldValue(f, a.value, a.mask)}->${ovsFieldName(f)}`;
    }
    case 'resubmit': {
      const port = a.port === 0xfff8 ? '' : formatPortNo(a.port, 2);
      if ((a.table === undefined || a.table === 255) && !a.ct) return `resubmit:${port || 'IN_PORT'}`;
      const t = a.table === undefined || a.table === 255 ? '' : String(a.table);
      return `resubmit(${port},${t}${a.ct ? ',ct' : ''})`;
    }
    case 'set_tunnel':
      return `${a.wide ? 'set_tunnel64' : 'set_tunnel'}:0x${a.tunId.toString(16)}`;
    case 'move':
      return `move:${formatSubfield(a.src)}->${formatSubfield(a.dst)}`;
    case 'load':
      return `load:${hexImmediate(a.value)}->${formatSubfield(a.dst)}`;
    case 'note':
      return `note:${hexBytes(a.data)}`;
    case 'multipath':
      return `multipath(${MP_FIELDS[a.fields] ?? a.fields},${a.basis},${MP_ALGS[a.algorithm] ?? a.algorithm},${a.maxLink + 1},${a.arg},${formatSubfield(a.dst)})`;
    case 'output_reg':
      return a.maxLen === 0 || a.maxLen === 0xffff
        ? `output:${formatSubfield(a.src)}`
        : `output(port=${formatSubfield(a.src)},max_len=${a.maxLen})`;
    case 'learn':
      return formatLearn(a);
    case 'dec_ttl':
      return `dec_ttl(${a.ids.join(',')})`;
    case 'fin_timeout': {
      const p: string[] = [];
      if (a.idleTimeout) p.push(`idle_timeout=${a.idleTimeout}`);
      if (a.hardTimeout) p.push(`hard_timeout=${a.hardTimeout}`);
      return `fin_timeout(${p.join(',')})`;
    }
    case 'controller': {
      const p: string[] = [];
      if (a.maxLen !== 0xffff) p.push(`max_len=${a.maxLen}`);
      if (a.reason !== 1) p.push(`reason=${REASONS[a.reason] ?? a.reason}`);
      if (a.controllerId !== 0) p.push(`id=${a.controllerId}`);
      if (a.userdata && a.userdata.length) p.push(`userdata=${hexBytes(a.userdata)}`);
      if (a.pause) p.push('pause');
      if (a.meterId !== undefined) p.push(`meter_id=${a.meterId}`);
      return p.length ? `controller(${p.join(',')})` : 'controller';
    }
    case 'sample': {
      let s = `sample(probability=${a.probability},collector_set_id=${a.collectorSetId},obs_domain_id=${a.obsDomainId},obs_point_id=${a.obsPointId}`;
      if (a.samplingPort !== undefined && a.samplingPort !== 0xffff) s += `,sampling_port=${formatPortNo(a.samplingPort, 2)}`;
      if (a.direction === 1) s += ',ingress';
      if (a.direction === 2) s += ',egress';
      return s + ')';
    }
    case 'stack_push':
      return `push:${formatSubfield(a.src)}`;
    case 'stack_pop':
      return `pop:${formatSubfield(a.dst)}`;
    case 'conjunction':
      return `conjunction(${a.id},${a.clause}/${a.nClauses})`;
    case 'ct': {
      const p: string[] = [];
      if (a.commit) p.push('commit');
      if (a.force) p.push('force');
      if (a.table !== undefined) p.push(`table=${a.table}`);
      if (typeof a.zone === 'number') {
        if (a.zone) p.push(`zone=${a.zone}`);
      } else if (a.zone) p.push(`zone=${formatSubfield(a.zone)}`);
      let rest = a.actions;
      if (rest.length && rest[0]!.type === 'nat') {
        p.push(formatNat(rest[0] as NatAction));
        rest = rest.slice(1);
      }
      if (rest.length) p.push(`exec(${formatActionList(rest)})`);
      if (a.alg) p.push(`alg=${a.alg === 21 ? 'ftp' : a.alg === 69 ? 'tftp' : a.alg}`);
      return `ct(${p.join(',')})`;
    }
    case 'nat':
      return formatNat(a);
    case 'pop_queue':
      return 'pop_queue';
    case 'check_pkt_larger':
      return `check_pkt_larger(${a.pktLen})->${formatSubfield(a.dst)}`;
    case 'bundle': {
      const head = `${MP_FIELDS[a.fields] ?? a.fields},${a.basis},${BD_ALGS[a.algorithm] ?? a.algorithm},ofport`;
      const members = `members:${a.members.join(',')}`;
      return a.dst ? `bundle_load(${head},${formatSubfield(a.dst)},${members})` : `bundle(${head},${members})`;
    }
    case 'output_trunc':
      return `output(port=${formatPortNo(a.port, 2)},max_len=${a.maxLen})`;
    case 'clone':
      return `clone(${formatActionList(a.actions)})`;
    case 'opaque':
      return `opaque_action:${a.raw.toString('hex')}`;
  }
}

/** Prints a non-empty action list, comma separated (ovs-actions(7) syntax). */
export function formatActionList(list: readonly Action[]): string {
  return list.map(formatOne).join(',');
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

/** A piece of text with the column (0-based, in the whole input) where it starts. */
export interface TextPiece {
  text: string;
  col: number;
}

/** Builds the OFPSDN_BAD_TEXT error, with the 1-based column in the message. */
export function textError(msg: string, col: number): OpenFlowDecodeError {
  const e = new OpenFlowDecodeError('OFPSDN_BAD_TEXT', `${msg} (column ${col + 1})`, col);
  return e;
}

/** Splits at top-level separators (default ','), honouring (), [] nesting; trims blanks. */
export function splitTop(p: TextPiece, sep = ','): TextPiece[] {
  const out: TextPiece[] = [];
  let depth = 0;
  let start = 0;
  const s = p.text;
  for (let i = 0; i <= s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') {
      depth--;
      if (depth < 0) throw textError(`unbalanced '${c}'`, p.col + i);
    } else if (i === s.length || (c === sep && depth === 0)) {
      if (i === s.length && depth !== 0) throw textError('unbalanced parentheses', p.col + s.length);
      const raw = s.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      const t = raw.trim();
      if (t !== '') out.push({ text: t, col: p.col + start + lead });
      start = i + 1;
    }
  }
  return out;
}

/** Parses an unsigned integer of at most `bits` bits from flow text (OFPSDN_BAD_TEXT at its column otherwise). */
export function num(p: TextPiece, bits: number, what: string): number {
  const v = parseIntegerText(p.text);
  if (v === undefined || v >= 1n << BigInt(bits)) throw textError(`${what}: '${p.text}' is not a ${bits}-bit number`, p.col);
  return Number(v);
}

/** Resolves a field name in subfield context (`in_port` there means the 16-bit NXM_OF_IN_PORT, as in OVS). */
export function subfieldField(name: string): OxmField | undefined {
  if (name === 'in_port') return oxmFieldByName('nx_in_port');
  return oxmFieldByName(name);
}

/** Parses `NAME[]`, `NAME[a..b]`, `NAME[a]` or a bare `NAME` (whole field). */
export function parseSubfield(p: TextPiece): Subfield {
  const m = /^([A-Za-z0-9_]+)(?:\[(?:(\d+)(?:\.\.(\d+))?)?\])?$/.exec(p.text);
  if (!m) throw textError(`'${p.text}' is not a field or subfield`, p.col);
  const f = subfieldField(m[1]!);
  if (!f) throw textError(`unknown field '${m[1]}'`, p.col);
  // A bare or `[]` subfield is the field's meaningful bits, as in OVS (mf_parse_subfield); explicit offsets
  // may reach the whole container so that any decoded subfield prints and parses back.
  const width = f.bytes * 8;
  if (m[2] === undefined) return { field: f.name, ofs: 0, nBits: subfieldBits(f) };
  const a = Number(m[2]);
  const b = m[3] === undefined ? a : Number(m[3]);
  if (b < a || b >= width) throw textError(`${m[1]}[${a}..${b}] is outside the ${width}-bit field`, p.col);
  return { field: f.name, ofs: a, nBits: b - a + 1 };
}

function kv(p: TextPiece): { key: string; value?: TextPiece } {
  const i = p.text.search(/[=:]/);
  if (i < 0) return { key: p.text };
  return { key: p.text.slice(0, i), value: { text: p.text.slice(i + 1).trim(), col: p.col + i + 1 } };
}

function args(p: TextPiece, name: string): TextPiece {
  // `name(args)` -> args piece.
  if (!p.text.startsWith(name + '(') || !p.text.endsWith(')')) throw textError(`expected ${name}(...)`, p.col);
  return { text: p.text.slice(name.length + 1, -1), col: p.col + name.length + 1 };
}

function parseBytes(p: TextPiece): Buffer {
  const hex = p.text.replace(/[.:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw textError(`'${p.text}' is not hex bytes`, p.col);
  return Buffer.from(hex, 'hex');
}

function fieldValue(f: OxmField, p: TextPiece): ReturnType<typeof parseFieldValue> {
  try {
    return parseFieldValue(f, p.text);
  } catch (e) {
    if (e instanceof FieldValueError) throw textError(e.message, p.col);
    throw e;
  }
}

/** Context the action parser needs from the match (mod_tp_* picks tcp/udp/sctp from ip_proto). */
export interface ActionParseContext {
  ipProto?: number;
  /** The match requires a VLAN header (mod_vlan_vid/pcp then need no push_vlan). */
  vlan?: boolean;
}

function parseSetField(valueText: TextPiece, fieldText: TextPiece): Action[] {
  const f = oxmFieldByName(fieldText.text);
  if (!f) throw textError(`unknown field '${fieldText.text}'`, fieldText.col);
  const { value, mask } = fieldValue(f, valueText);
  if (mask === undefined) return [{ type: 'set_field', field: f.name, value }];
  // OVS (OF1.3) writes a masked set_field as NXAST_REG_LOAD actions, one per contiguous run of mask bits,
  // each at most 64 bits wide (NXAST_REG_LOAD2 is only produced from the API, for a masked set_field).
  const m = oxmValueToBigInt(mask);
  const v = oxmValueToBigInt(value);
  const out: Action[] = [];
  let bit = 0;
  const width = f.bytes * 8;
  while (bit < width) {
    if (((m >> BigInt(bit)) & 1n) === 0n) {
      bit++;
      continue;
    }
    let end = bit;
    while (end < width && ((m >> BigInt(end)) & 1n) === 1n) end++;
    // Runs wider than 64 bits become several loads of at most 64 bits, as OVS does.
    for (let ofs = bit; ofs < end; ofs += 64) {
      const nBits = Math.min(64, end - ofs);
      out.push({ type: 'load', dst: { field: f.name, ofs, nBits }, value: (v >> BigInt(ofs)) & ((1n << BigInt(nBits)) - 1n) });
    }
    bit = end;
  }
  return out;
}

function parseLoad(p: TextPiece): Action[] {
  const [v, d] = arrow(p);
  const dst = parseSubfield(d);
  const value = parseIntegerText(v.text);
  if (value === undefined) throw textError(`load value '${v.text}' is not a number`, v.col);
  if (value >> BigInt(dst.nBits) !== 0n) throw textError(`value ${v.text} does not fit ${dst.nBits} bits`, v.col);
  // OVS writes loads wider than 64 bits as several NXAST_REG_LOADs of at most 64 bits each.
  const out: Action[] = [];
  for (let ofs = 0; ofs < dst.nBits; ofs += 64) {
    const nBits = Math.min(64, dst.nBits - ofs);
    out.push({ type: 'load', dst: { field: dst.field, ofs: dst.ofs + ofs, nBits }, value: (value >> BigInt(ofs)) & ((1n << BigInt(nBits)) - 1n) });
  }
  return out;
}

function arrow(p: TextPiece): [TextPiece, TextPiece] {
  const i = p.text.indexOf('->');
  if (i < 0) throw textError(`expected 'A->B' in '${p.text}'`, p.col);
  return [
    { text: p.text.slice(0, i).trim(), col: p.col },
    { text: p.text.slice(i + 2).trim(), col: p.col + i + 2 },
  ];
}

function parseNat(p: TextPiece): NatAction {
  const nat: NatAction = { type: 'nat' };
  if (p.text === 'nat') return nat;
  for (const part of splitTop(args(p, 'nat'))) {
    const eq = part.text.indexOf('=');
    const k = eq < 0 ? part.text : part.text.slice(0, eq);
    if (k === 'src' || k === 'dst') {
      nat.kind = k;
      if (eq < 0) continue;
      const r = part.text.slice(eq + 1);
      parseNatRange(nat, { text: r, col: part.col + eq + 1 });
    } else if (k === 'persistent') nat.persistent = true;
    else if (k === 'hash') nat.hash = true;
    else if (k === 'random') nat.random = true;
    else throw textError(`unknown nat argument '${k}'`, part.col);
  }
  return nat;
}

function parseNatRange(nat: NatAction, p: TextPiece): void {
  let s = p.text;
  let ports: string | undefined;
  let a: string;
  let b: string | undefined;
  if (s.startsWith('[')) {
    // [v6]-[v6]:ports or [v6]:ports
    const m = /^\[([^\]]+)\](?:-\[([^\]]+)\])?(?::(.+))?$/.exec(s);
    if (!m) throw textError(`bad nat range '${s}'`, p.col);
    a = m[1]!;
    b = m[2];
    ports = m[3];
  } else if (s.includes('::') || (s.match(/:/g) ?? []).length > 1) {
    const parts = s.split('-');
    a = parts[0]!;
    b = parts[1];
  } else {
    const ci = s.indexOf(':');
    if (ci >= 0) {
      ports = s.slice(ci + 1);
      s = s.slice(0, ci);
    }
    const parts = s.split('-');
    a = parts[0]!;
    b = parts[1];
  }
  const ip = (x: string): number | Buffer => {
    const v4 = parseIpv4Text(x);
    if (v4 !== undefined) return v4;
    const v6 = parseIpv6Text(x);
    if (v6) return v6;
    throw textError(`bad nat address '${x}'`, p.col);
  };
  nat.ipMin = ip(a);
  if (b !== undefined) nat.ipMax = ip(b);
  if (ports !== undefined) {
    const [lo, hi] = ports.split('-');
    nat.portMin = num({ text: lo!, col: p.col }, 16, 'nat port');
    if (hi !== undefined) nat.portMax = num({ text: hi, col: p.col }, 16, 'nat port');
  }
}

function parseLearn(p: TextPiece): Action {
  const a: Extract<Action, { type: 'learn' }> = {
    type: 'learn',
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 0x8000,
    cookie: 0n,
    flags: 0,
    tableId: 1,
    finIdleTimeout: 0,
    finHardTimeout: 0,
    specs: [],
  };
  for (const part of splitTop(args(p, 'learn'))) {
    const t = part.text;
    const eq = t.indexOf('=');
    const key = eq < 0 ? t : t.slice(0, eq);
    const val: TextPiece = { text: eq < 0 ? '' : t.slice(eq + 1), col: part.col + eq + 1 };
    switch (key) {
      case 'table':
        a.tableId = num(val, 8, 'table');
        continue;
      case 'idle_timeout':
        a.idleTimeout = num(val, 16, key);
        continue;
      case 'hard_timeout':
        a.hardTimeout = num(val, 16, key);
        continue;
      case 'fin_idle_timeout':
        a.finIdleTimeout = num(val, 16, key);
        continue;
      case 'fin_hard_timeout':
        a.finHardTimeout = num(val, 16, key);
        continue;
      case 'priority':
        a.priority = num(val, 16, key);
        continue;
      case 'cookie': {
        const c = parseIntegerText(val.text);
        if (c === undefined || c >= 1n << 64n) throw textError(`cookie: '${val.text}' is not a 64-bit number`, val.col);
        a.cookie = c;
        continue;
      }
      case 'send_flow_rem':
        a.flags |= 1;
        continue;
      case 'delete_learned':
        a.flags |= 2;
        continue;
      case 'limit':
        a.limit = num(val, 32, 'limit');
        if (a.limit === 0) delete a.limit;
        continue;
      case 'result_dst': {
        const rd = parseSubfield(val);
        if (rd.nBits !== 1) throw textError('result_dst in learn must be a single bit', val.col);
        a.resultDst = rd;
        continue;
      }
    }
    let spec: LearnSpec;
    if (t.startsWith('load:')) {
      const [s, d] = arrow({ text: t.slice(5), col: part.col + 5 });
      const dst = parseSubfield(d);
      const imm = parseIntegerText(s.text);
      if (imm !== undefined) spec = { kind: 'load', src: imm, dst, nBits: dst.nBits };
      else {
        const src = parseSubfield(s);
        if (src.nBits !== dst.nBits) throw textError('learn load: source and destination widths differ', part.col);
        spec = { kind: 'load', src, dst, nBits: dst.nBits };
      }
    } else if (t.startsWith('output:')) {
      const src = parseSubfield({ text: t.slice(7), col: part.col + 7 });
      spec = { kind: 'output', src, nBits: src.nBits };
    } else if (eq < 0) {
      const dst = parseSubfield(part);
      spec = { kind: 'match', src: dst, dst, nBits: dst.nBits };
    } else {
      const dst = parseSubfield({ text: key, col: part.col });
      const f = oxmFieldByName(dst.field)!;
      const whole = dst.ofs === 0 && dst.nBits === subfieldBits(f);
      let src: Subfield | bigint;
      if (/^[A-Za-z_][A-Za-z0-9_]*(\[.*\])?$/.test(val.text) && subfieldField(val.text.replace(/\[.*$/, ''))) {
        src = parseSubfield(val);
        if (src.nBits !== dst.nBits) throw textError('learn match: source and destination widths differ', val.col);
      } else if (whole) {
        const fv = fieldValue(f, val);
        if (fv.mask !== undefined) throw textError('learn match value may not be masked', val.col);
        src = oxmValueToBigInt(fv.value);
      } else {
        const v = parseIntegerText(val.text);
        if (v === undefined) throw textError(`bad learn value '${val.text}'`, val.col);
        src = v;
      }
      spec = { kind: 'match', src, dst, nBits: dst.nBits };
    }
    a.specs.push(spec);
  }
  return a;
}

function parseCt(p: TextPiece, ctx: ActionParseContext): Action {
  const ct: Extract<Action, { type: 'ct' }> = { type: 'ct', actions: [] };
  if (p.text === 'ct') return ct;
  for (const part of splitTop(args(p, 'ct'))) {
    const t = part.text;
    const key = t.replace(/[=(].*$/s, '');
    const eq = t[key.length] === '=' ? key.length : -1;
    const val: TextPiece = { text: eq < 0 ? '' : t.slice(eq + 1), col: part.col + eq + 1 };
    switch (key) {
      case 'commit':
        ct.commit = true;
        break;
      case 'force':
        ct.force = true;
        break;
      case 'table':
        ct.table = num(val, 8, 'ct table');
        break;
      case 'zone':
        if (/^[0-9]|^0x/i.test(val.text)) ct.zone = num(val, 16, 'ct zone');
        else ct.zone = parseSubfield(val);
        break;
      case 'alg':
        ct.alg = Object.hasOwn(ALGS, val.text) ? ALGS[val.text]! : num(val, 16, 'ct alg');
        break;
      case 'nat':
        ct.actions.push(parseNat(part));
        break;
      case 'exec':
        ct.actions.push(...parseActionList(args(part, 'exec'), ctx));
        break;
      default:
        throw textError(`unknown ct argument '${key}'`, part.col);
    }
  }
  return ct;
}

function parseController(p: TextPiece): Action {
  const c: Extract<Action, { type: 'controller' }> = { type: 'controller', maxLen: 0xffff, controllerId: 0, reason: 1 };
  if (p.text.startsWith('controller(')) {
    for (const part of splitTop(args(p, 'controller'))) {
      const { key, value } = kv(part);
      const val = value ?? { text: '', col: part.col };
      switch (key) {
        case 'max_len':
          c.maxLen = num(val, 16, key);
          break;
        case 'id':
          c.controllerId = num(val, 16, key);
          break;
        case 'reason': {
          const i = REASONS.indexOf(val.text);
          c.reason = i >= 0 ? i : /^\d+$/.test(val.text) ? num(val, 8, 'reason') : -1;
          if (c.reason < 0) throw textError(`unknown controller reason '${val.text}'`, val.col);
          break;
        }
        case 'userdata':
          c.userdata = parseBytes(val);
          break;
        case 'pause':
          c.pause = true;
          break;
        case 'meter_id':
          c.meterId = num(val, 32, key);
          break;
        default:
          throw textError(`unknown controller argument '${key}'`, part.col);
      }
    }
  } else if (p.text.includes(':')) {
    c.maxLen = num({ text: p.text.slice(p.text.indexOf(':') + 1), col: p.col + 11 }, 16, 'controller max_len');
  }
  // OVS writes a plain controller action (reason=action, id 0, no extras) as output:CONTROLLER.
  if (c.reason === 1 && c.controllerId === 0 && !c.userdata && !c.pause && c.meterId === undefined) {
    return { type: 'output', port: OFPP_CONTROLLER, maxLen: c.maxLen };
  }
  return c;
}

function setField(name: string, value: TextPiece): Action {
  const f = oxmFieldByName(name)!;
  const v = fieldValue(f, value);
  if (v.mask !== undefined) throw textError('value may not be masked here', value.col);
  return { type: 'set_field', field: f.name, value: v.value };
}

function parseOne(p: TextPiece, ctx: ActionParseContext): Action[] {
  const t = p.text;
  const colon = t.search(/[:(]/);
  const name = (colon < 0 ? t : t.slice(0, colon)).toLowerCase();
  const arg: TextPiece = { text: colon < 0 ? '' : t.slice(colon + 1), col: p.col + colon + 1 };
  const needArg = (): void => {
    if (colon < 0 || t[colon] !== ':' || arg.text === '') throw textError(`${name} needs ':VALUE'`, p.col);
  };
  const port = parsePortNo(t);
  if (port !== undefined && colon < 0) return [{ type: 'output', port, maxLen: port === OFPP_CONTROLLER ? 0xffff : 0 }];
  switch (name) {
    case 'drop':
      return [];
    case 'output': {
      if (t[colon] === '(') {
        const o = { port: '', maxLen: 0 };
        let portPiece: TextPiece | undefined;
        for (const part of splitTop(args(p, 'output'))) {
          const { key, value } = kv(part);
          if (key === 'port' && value) portPiece = value;
          else if (key === 'max_len' && value) o.maxLen = num(value, 32, 'max_len');
          else throw textError(`unknown output argument '${key}'`, part.col);
        }
        if (!portPiece) throw textError('output(...) needs port=', p.col);
        if (portPiece.text.includes('[')) return [{ type: 'output_reg', src: parseSubfield(portPiece), maxLen: o.maxLen }];
        // NXAST_OUTPUT_TRUNC: a port and a truncation length.
        const tp = parsePortNo(portPiece.text, 2);
        if (tp === undefined) throw textError(`unknown port '${portPiece.text}'`, portPiece.col);
        return [{ type: 'output_trunc', port: tp, maxLen: o.maxLen }];
      }
      needArg();
      if (arg.text.includes('[') || (parsePortNo(arg.text) === undefined && subfieldField(arg.text))) {
        // OVS's output:SUBFIELD has max_len 65535 (only meaningful for the controller port).
        return [{ type: 'output_reg', src: parseSubfield(arg), maxLen: 0xffff }];
      }
      const pn = parsePortNo(arg.text);
      if (pn === undefined) throw textError(`unknown port '${arg.text}'`, arg.col);
      return [{ type: 'output', port: pn, maxLen: pn === OFPP_CONTROLLER ? 0xffff : 0 }];
    }
    case 'controller':
      return [parseController(p)];
    case 'copy_ttl_out':
    case 'copy_ttl_in':
    case 'dec_mpls_ttl':
    case 'pop_vlan':
    case 'pop_pbb':
    case 'exit':
    case 'ct_clear':
      return [{ type: name } as Action];
    case 'strip_vlan':
      return [{ type: 'pop_vlan' }];
    case 'pop_queue':
      return [{ type: 'pop_queue' }];
    case 'bundle':
    case 'bundle_load': {
      const parts = splitTop(args(p, name));
      const load = name === 'bundle_load';
      const mi = parts.findIndex((x) => x.text.startsWith('members:') || x.text.startsWith('slaves:'));
      if (parts.length < (load ? 6 : 5) || mi !== (load ? 5 : 4)) throw textError(`${name}(fields,basis,algorithm,ofport,${load ? 'dst,' : ''}members:PORTS) expected`, p.col);
      const byName = (names: string[], t: TextPiece): number => (names.includes(t.text) ? names.indexOf(t.text) : /^\d+$/.test(t.text) ? num(t, 16, name) : -1);
      const fields = byName(MP_FIELDS, parts[0]!);
      const algorithm = byName(BD_ALGS, parts[2]!);
      if (fields < 0) throw textError(`unknown ${name} fields '${parts[0]!.text}'`, parts[0]!.col);
      if (algorithm < 0) throw textError(`unknown ${name} algorithm '${parts[2]!.text}'`, parts[2]!.col);
      if (parts[3]!.text !== 'ofport') throw textError(`${name} member type must be ofport`, parts[3]!.col);
      const first = parts[mi]!;
      const colon = first.text.indexOf(':');
      const memberPieces = [{ text: first.text.slice(colon + 1), col: first.col + colon + 1 }, ...parts.slice(mi + 1)].filter((x) => x.text !== '');
      const members = memberPieces.map((x) => {
        const pn = parsePortNo(x.text, 2);
        if (pn === undefined) throw textError(`bad ${name} member '${x.text}'`, x.col);
        return pn;
      });
      const b: Action = { type: 'bundle', fields, basis: num(parts[1]!, 16, 'basis'), algorithm, members };
      if (load) b.dst = parseSubfield(parts[4]!);
      return [b];
    }
    case 'check_pkt_larger': {
      const m = /^check_pkt_larger\(\s*(\d+)\s*\)\s*->\s*(.+)$/.exec(t);
      if (!m) throw textError('check_pkt_larger(LEN)->DST expected', p.col);
      const dst = parseSubfield({ text: m[2]!, col: p.col + t.indexOf('->') + 2 });
      if (dst.nBits !== 1) throw textError('check_pkt_larger destination must be a single bit', p.col);
      return [{ type: 'check_pkt_larger', pktLen: num({ text: m[1]!, col: p.col }, 16, 'length'), dst }];
    }
    case 'clone':
      return [{ type: 'clone', actions: parseActionList(args(p, 'clone'), ctx) }];
    case 'enqueue': {
      // OVS writes enqueue:PORT:QUEUE in OpenFlow 1.3 as set_queue, output, pop_queue.
      const m = /^([^:]+):(\d+|0x[0-9a-f]+)$/i.exec(arg.text);
      const pn = m ? parsePortNo(m[1]!) : undefined;
      if (!m || pn === undefined) throw textError('enqueue:PORT:QUEUE expected', p.col);
      return [{ type: 'set_queue', queueId: num({ text: m[2]!, col: arg.col }, 32, 'queue') }, { type: 'output', port: pn, maxLen: 0xffff }, { type: 'pop_queue' }];
    }
    case 'mod_vlan_vid':
    case 'mod_vlan_pcp': {
      needArg();
      // OVS (OF1.3): push a VLAN header first unless the match says there is one, then set_field.
      const out: Action[] = ctx.vlan ? [] : [{ type: 'push_vlan', ethertype: 0x8100 }];
      if (name === 'mod_vlan_vid') out.push({ type: 'set_field', field: 'vlan_vid', value: 0x1000 | num(arg, 12, 'vlan vid') });
      else out.push({ type: 'set_field', field: 'vlan_pcp', value: num(arg, 3, 'vlan pcp') });
      return out;
    }
    case 'set_mpls_label':
      needArg();
      return [{ type: 'set_field', field: 'mpls_label', value: num(arg, 20, 'mpls label') }];
    case 'set_mpls_tc':
      needArg();
      return [{ type: 'set_field', field: 'mpls_tc', value: num(arg, 3, 'mpls tc') }];
    case 'set_mpls_ttl':
      return [{ type: 'set_mpls_ttl', ttl: num(t[colon] === '(' ? args(p, name) : arg, 8, 'ttl') }];
    case 'mod_nw_ttl':
    case 'set_nw_ttl':
      needArg();
      return [{ type: 'set_nw_ttl', ttl: num(arg, 8, 'ttl') }];
    case 'push_vlan':
    case 'push_mpls':
    case 'pop_mpls':
    case 'push_pbb':
      needArg();
      return [{ type: name, ethertype: num(arg, 16, 'ethertype') }];
    case 'set_queue':
      needArg();
      return [{ type: 'set_queue', queueId: num(arg, 32, 'queue') }];
    case 'group':
      needArg();
      return [{ type: 'group', groupId: num(arg, 32, 'group') }];
    case 'dec_ttl':
      if (t[colon] === '(') {
        const ids = splitTop(args(p, 'dec_ttl')).map((x) => num(x, 16, 'controller id'));
        return [{ type: 'dec_ttl', ids }];
      }
      return [{ type: 'dec_nw_ttl' }];
    case 'set_field': {
      needArg();
      const [v, f] = arrow(arg);
      return parseSetField(v, f);
    }
    case 'load':
      needArg();
      return parseLoad(arg);
    case 'move': {
      needArg();
      const [s, d] = arrow(arg);
      const src = parseSubfield(s);
      const dst = parseSubfield(d);
      if (src.nBits !== dst.nBits) throw textError(`move: ${src.nBits}-bit source, ${dst.nBits}-bit destination`, p.col);
      return [{ type: 'move', src, dst }];
    }
    case 'set_tunnel':
    case 'set_tunnel64': {
      needArg();
      const v = parseIntegerText(arg.text);
      if (v === undefined || v >= 1n << 64n) throw textError(`bad tunnel id '${arg.text}'`, arg.col);
      // OVS writes set_tunnel in OpenFlow 1.3 as set_field of tun_id.
      return [{ type: 'set_field', field: 'tun_id', value: v }];
    }
    case 'mod_dl_src':
    case 'mod_dl_dst':
      needArg();
      return [setField(name === 'mod_dl_src' ? 'eth_src' : 'eth_dst', arg)];
    case 'mod_nw_src':
    case 'mod_nw_dst':
      needArg();
      return [setField(name === 'mod_nw_src' ? 'ipv4_src' : 'ipv4_dst', arg)];
    case 'mod_tp_src':
    case 'mod_tp_dst': {
      needArg();
      const proto = ctx.ipProto === 17 ? 'udp' : ctx.ipProto === 132 ? 'sctp' : 'tcp';
      return [setField(`${proto}_${name.slice(7)}`, arg)];
    }
    case 'mod_nw_tos': {
      needArg();
      const v = num(arg, 8, 'nw_tos');
      return [{ type: 'set_field', field: 'ip_dscp', value: v >> 2 }];
    }
    case 'mod_nw_ecn':
      needArg();
      return [setField('ip_ecn', arg)];
    case 'resubmit': {
      if (t[colon] === ':') {
        const pn = parsePortNo(arg.text, 2);
        if (pn === undefined) throw textError(`bad resubmit port '${arg.text}'`, arg.col);
        // OVS writes resubmit:PORT as NXAST_RESUBMIT_TABLE with table 255 ("current table").
        return [{ type: 'resubmit', port: pn, table: 255 }];
      }
      const parts = args(p, 'resubmit').text.split(',');
      if (parts.length < 2 || parts.length > 3 || (parts[2] !== undefined && parts[2].trim() !== 'ct')) {
        throw textError('resubmit([port],[table][,ct]) expected', p.col);
      }
      const ps = parts[0]!.trim();
      const ts = parts[1]!.trim();
      const pn = ps === '' ? 0xfff8 : parsePortNo(ps, 2);
      if (pn === undefined) throw textError(`bad resubmit port '${ps}'`, p.col);
      const tn = ts === '' ? 255 : num({ text: ts, col: p.col }, 8, 'table');
      return [parts[2] ? { type: 'resubmit', port: pn, table: tn, ct: true } : { type: 'resubmit', port: pn, table: tn }];
    }
    case 'note':
      needArg();
      return [{ type: 'note', data: parseBytes(arg) }];
    case 'multipath': {
      const a = splitTop(args(p, 'multipath'));
      if (a.length !== 6) throw textError('multipath needs 6 arguments', p.col);
      // Names as OVS prints them, or the raw numbers we print for values OVS has no name for.
      const byName = (names: string[], t: TextPiece): number => (names.includes(t.text) ? names.indexOf(t.text) : /^\d+$/.test(t.text) ? num(t, 16, 'multipath') : -1);
      const fields = byName(MP_FIELDS, a[0]!);
      const alg = byName(MP_ALGS, a[2]!);
      if (fields < 0) throw textError(`unknown multipath fields '${a[0]!.text}'`, a[0]!.col);
      if (alg < 0) throw textError(`unknown multipath algorithm '${a[2]!.text}'`, a[2]!.col);
      const nLinks = num(a[3]!, 16, 'n_links');
      if (nLinks < 1) throw textError('n_links must be at least 1', a[3]!.col);
      return [
        {
          type: 'multipath',
          fields,
          basis: num(a[1]!, 16, 'basis'),
          algorithm: alg,
          maxLink: nLinks - 1,
          arg: num(a[4]!, 32, 'arg'),
          dst: parseSubfield(a[5]!),
        },
      ];
    }
    case 'learn':
      return [parseLearn(p)];
    case 'fin_timeout': {
      const f = { type: 'fin_timeout' as const, idleTimeout: 0, hardTimeout: 0 };
      for (const part of splitTop(args(p, 'fin_timeout'))) {
        const { key, value } = kv(part);
        if (!value) throw textError(`fin_timeout ${key} needs a value`, part.col);
        if (key === 'idle_timeout') f.idleTimeout = num(value, 16, key);
        else if (key === 'hard_timeout') f.hardTimeout = num(value, 16, key);
        else throw textError(`unknown fin_timeout argument '${key}'`, part.col);
      }
      return [f];
    }
    case 'sample': {
      const s: Extract<Action, { type: 'sample' }> = { type: 'sample', probability: 0, collectorSetId: 0, obsDomainId: 0, obsPointId: 0 };
      for (const part of splitTop(args(p, 'sample'))) {
        const { key, value } = kv(part);
        const v = value ?? { text: '', col: part.col };
        if (key === 'probability') s.probability = num(v, 16, key);
        else if (key === 'collector_set_id') s.collectorSetId = num(v, 32, key);
        else if (key === 'obs_domain_id') s.obsDomainId = num(v, 32, key);
        else if (key === 'obs_point_id') s.obsPointId = num(v, 32, key);
        else if (key === 'sampling_port') {
          const pn = parsePortNo(v.text, 2);
          if (pn === undefined) throw textError(`bad sampling_port '${v.text}'`, v.col);
          s.samplingPort = pn;
        } else if (key === 'ingress') s.direction = 1;
        else if (key === 'egress') s.direction = 2;
        else throw textError(`unknown sample argument '${key}'`, part.col);
      }
      if (s.probability === 0) throw textError('sample probability must be non-zero', p.col);
      if (s.direction !== undefined && s.samplingPort === undefined) s.samplingPort = 0xffff;
      return [s];
    }
    case 'push':
      needArg();
      return [{ type: 'stack_push', src: parseSubfield(arg) }];
    case 'pop':
      needArg();
      return [{ type: 'stack_pop', dst: parseSubfield(arg) }];
    case 'conjunction': {
      const a = splitTop(args(p, 'conjunction'));
      const m = a.length === 2 ? /^(\d+)\s*\/\s*(\d+)$/.exec(a[1]!.text) : null;
      if (!m) throw textError('conjunction(id,k/n) expected', p.col);
      const clause = Number(m[1]);
      const nClauses = Number(m[2]);
      if (nClauses < 2 || nClauses > 64 || clause < 1 || clause > nClauses) throw textError(`conjunction clause ${clause}/${nClauses} out of range`, a[1]!.col);
      return [{ type: 'conjunction', id: num(a[0]!, 32, 'conjunction id'), clause, nClauses }];
    }
    case 'opaque_action': {
      // Our own spelling for an action we do not model (OVS has none): the whole action in hex.
      needArg();
      const raw = parseBytes(arg);
      if (raw.length < 8 || raw.length % 8 !== 0 || raw.readUInt16BE(2) !== raw.length) {
        throw textError('opaque_action needs a whole action: length field matching, a multiple of 8', arg.col);
      }
      return [{ type: 'opaque', raw }];
    }
    case 'ct':
      return [parseCt(p, ctx)];
    case 'nat':
      return [parseNat(p)];
    default:
      throw textError(`unknown action '${name}'`, p.col);
  }
}

/** Parses a comma-separated action list (ovs-actions(7)). */
export function parseActionList(p: TextPiece, ctx: ActionParseContext = {}): Action[] {
  const out: Action[] = [];
  for (const part of splitTop(p)) out.push(...parseOne(part, ctx));
  return out;
}

/** Parses OVS action text (e.g. `"set_field:0x5->tun_id,output:2"`) into actions. */
export function parseActions(text: string, ctx: ActionParseContext = {}): Action[] {
  return parseActionList({ text, col: 0 }, ctx);
}

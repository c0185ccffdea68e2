/**
 * Open vSwitch flow syntax (ovs-ofctl(8) "Flow Syntax", ovs-fields(7), ovs-actions(7)): parse text into a
 * FLOW_MOD and print FLOW_MODs and flow stats back as text that both {@link parseFlowMod} and
 * `ovs-ofctl add-flow` accept with the same meaning.
 *
 * Where OVS itself makes an OpenFlow 1.3 encoding choice for a piece of text, the parser makes the same one
 * (`set_tunnel` -> set_field tun_id, `load:` of a contiguous mask -> NXAST_REG_LOAD, `controller` with only
 * defaults -> output:CONTROLLER, `dl_vlan=N` -> vlan_vid=0x1000|N, `tp_src` -> tcp/udp/sctp by ip_proto).
 */
import type { Action } from './actions';
import { ActionParseContext, TextPiece, num, parseActionList, parseSubfield, splitTop, textError } from './actions-text';
import { OpenFlowDecodeError } from './errors';
import { formatInstructions, type Instruction } from './instructions';
import { KnownMatchEntry, Match, MatchEntry, findMatchProblem, formatMatch } from './match';
import { FieldValueError, formatPortNo, oxmFieldByName, oxmMaskValue, oxmValueToBigInt, parseIntegerText, parseFieldValue, parsePortNo } from './oxm';
import {
  FlowMod,
  FlowStats,
  OFPFC_ADD,
  OFPFC_DELETE,
  OFPFC_DELETE_STRICT,
  OFPFC_MODIFY,
  OFPFC_MODIFY_STRICT,
  OFPFF_CHECK_OVERLAP,
  OFPFF_NO_BYT_COUNTS,
  OFPFF_NO_PKT_COUNTS,
  OFPFF_RESET_COUNTS,
  OFPFF_SEND_FLOW_REM,
  OFPG_ANY,
  OFPP_ANY,
  flowMod,
} from './types';

/** FLOW_MOD command names accepted by {@link parseFlowMod} (as ovs-ofctl's add-flow/mod-flows/del-flows). */
export type FlowModCommandName = 'add' | 'modify' | 'modify_strict' | 'delete' | 'delete_strict';

const COMMANDS: Record<FlowModCommandName, number> = {
  add: OFPFC_ADD,
  modify: OFPFC_MODIFY,
  modify_strict: OFPFC_MODIFY_STRICT,
  delete: OFPFC_DELETE,
  delete_strict: OFPFC_DELETE_STRICT,
};

/** Options of {@link parseFlowMod}. */
export interface ParseFlowModOptions {
  /** FLOW_MOD command; default OFPFC_ADD. */
  command?: number | FlowModCommandName;
}

const SHORTHANDS: Record<string, [number, number?]> = {
  eth: [-1],
  ip: [0x0800],
  ipv6: [0x86dd],
  icmp: [0x0800, 1],
  icmp6: [0x86dd, 58],
  tcp: [0x0800, 6],
  tcp6: [0x86dd, 6],
  udp: [0x0800, 17],
  udp6: [0x86dd, 17],
  sctp: [0x0800, 132],
  sctp6: [0x86dd, 132],
  arp: [0x0806],
  rarp: [0x8035],
  mpls: [0x8847],
  mplsm: [0x8848],
};

const PREREQ_TEXT: Record<string, string> = {
  vlan: 'a VLAN: dl_vlan or vlan_tci with 0x1000',
  arp: 'arp or rarp',
  ipv4: 'ip',
  ipv6: 'ipv6',
  ip: 'ip or ipv6',
  mpls: 'mpls or mplsm',
  tcp: 'tcp or tcp6',
  udp: 'udp or udp6',
  sctp: 'sctp or sctp6',
  icmpv4: 'icmp',
  icmpv6: 'icmp6',
  nd: 'icmp6 with icmp_type=135 or 136',
  nd_sll: 'icmp6,icmp_type=135',
  nd_tll: 'icmp6,icmp_type=136',
  ct: 'ct_state=+trk-inv',
  ct4: 'ip and ct_state=+trk-inv',
  ct6: 'ipv6 and ct_state=+trk-inv',
  pbb: 'dl_type=0x88e7',
};

const FLAGS: Record<string, number> = {
  send_flow_rem: OFPFF_SEND_FLOW_REM,
  check_overlap: OFPFF_CHECK_OVERLAP,
  reset_counts: OFPFF_RESET_COUNTS,
  no_packet_counts: OFPFF_NO_PKT_COUNTS,
  no_byte_counts: OFPFF_NO_BYT_COUNTS,
};

/** Splits the match part at top-level commas and blanks. */
function splitMatch(text: string, col: number): TextPiece[] {
  const out: TextPiece[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (i === text.length || (depth === 0 && (c === ',' || c === ' ' || c === '\t'))) {
      if (i > start) out.push({ text: text.slice(start, i), col: col + start });
      start = i + 1;
    }
  }
  return out;
}

/** Finds `actions=` at top level; returns [match part, actions piece or undefined]. */
function splitActions(text: string): [string, TextPiece | undefined] {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && (i === 0 || text[i - 1] === ',' || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      const m = /^(actions|apply_actions)\s*[=:]/.exec(text.slice(i));
      if (m) return [text.slice(0, i), { text: text.slice(i + m[0].length), col: i + m[0].length }];
    }
  }
  return [text, undefined];
}

/** Parses the text after `actions=` into instructions (apply_actions plus OVS's instruction keywords). */
export function parseInstructionsText(p: TextPiece, ctx: ActionParseContext = {}): Instruction[] {
  const apply: Action[] = [];
  let meter: Instruction | undefined;
  let clear: Instruction | undefined;
  let write: Instruction | undefined;
  let meta: Instruction | undefined;
  let gotoT: Instruction | undefined;
  const opaque: Instruction[] = [];
  let sawApply = false;
  for (const part of splitTop(p)) {
    const t = part.text;
    const name = t.replace(/[:(].*$/s, '').toLowerCase();
    const arg: TextPiece = { text: t.slice(name.length + 1), col: part.col + name.length + 1 };
    const once = (x: Instruction | undefined): void => {
      if (x) throw textError(`instruction ${name} given twice`, part.col);
    };
    switch (name) {
      case 'meter':
        once(meter);
        meter = { type: 'meter', meterId: num(arg, 32, 'meter') };
        break;
      case 'clear_actions':
        once(clear);
        clear = { type: 'clear_actions' };
        break;
      case 'write_actions': {
        once(write);
        if (!t.endsWith(')') || t[name.length] !== '(') throw textError('write_actions(...) expected', part.col);
        write = { type: 'write_actions', actions: parseActionList({ text: t.slice(name.length + 1, -1), col: part.col + name.length + 1 }, ctx) };
        break;
      }
      case 'write_metadata': {
        once(meta);
        const [v, m] = arg.text.split('/');
        const value = parseIntegerText(v ?? '');
        const mask = m === undefined ? (1n << 64n) - 1n : parseIntegerText(m);
        if (value === undefined || mask === undefined || value >= 1n << 64n || mask >= 1n << 64n) throw textError(`bad write_metadata '${arg.text}'`, arg.col);
        meta = { type: 'write_metadata', metadata: value, mask };
        break;
      }
      case 'goto_table':
        once(gotoT);
        gotoT = { type: 'goto_table', tableId: num(arg, 8, 'goto_table') };
        break;
      case 'opaque_instruction': {
        // Our own spelling for an instruction we do not model: the whole instruction in hex.
        const raw = /^([0-9a-f]{2})+$/i.test(arg.text) ? Buffer.from(arg.text, 'hex') : Buffer.alloc(0);
        if (raw.length < 8 || raw.length % 8 !== 0 || raw.readUInt16BE(2) !== raw.length) {
          throw textError('opaque_instruction needs a whole instruction in hex', arg.col);
        }
        opaque.push({ type: 'opaque', raw });
        break;
      }
      default: {
        if (clear || write || meta || gotoT || opaque.length) {
          throw textError(`action '${t}' must come before clear_actions, write_actions, write_metadata and goto_table`, part.col);
        }
        const acts = parseActionList(part, ctx);
        if (acts.length || name !== 'drop') sawApply = true;
        apply.push(...acts);
      }
    }
  }
  const out: Instruction[] = [];
  if (meter) out.push(meter);
  if (sawApply && apply.length) out.push({ type: 'apply_actions', actions: apply });
  if (clear) out.push(clear);
  if (write) out.push(write);
  if (meta) out.push(meta);
  if (gotoT) out.push(gotoT);
  out.push(...opaque);
  return out;
}

function fieldError(e: unknown, col: number): never {
  if (e instanceof FieldValueError) throw textError(e.message, col);
  throw e;
}

/**
 * Parses one flow in OVS text (`"table=0,priority=100,ip,nw_dst=10.0.0.0/24,actions=output:2"`) into a
 * FLOW_MOD. Errors: {@link OpenFlowDecodeError} with code OFPSDN_BAD_TEXT and the column.
 */
export function parseFlowMod(text: string, opts: ParseFlowModOptions = {}): FlowMod {
  const fm = flowMod();
  if (opts.command !== undefined) {
    const c = typeof opts.command === 'number' ? opts.command : Object.hasOwn(COMMANDS, opts.command) ? COMMANDS[opts.command] : undefined;
    if (c === undefined || c < 0 || c > 4) throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `unknown flow_mod command ${String(opts.command)}`);
    fm.command = c;
  }
  const [matchText, actionsPiece] = splitActions(text);
  let tableGiven = false;
  const entries = new Map<string, MatchEntry>();
  const cols = new Map<string, number>();
  const put = (name: string, e: MatchEntry, col: number): void => {
    if (entries.has(name)) {
      const prev = entries.get(name)!;
      if (
        prev.field !== 'unknown' &&
        e.field !== 'unknown' &&
        String(prev.value) === String(e.value) &&
        String(prev.mask) === String(e.mask)
      ) {
        return;
      }
      throw textError(`field ${name} given twice with different values`, col);
    }
    entries.set(name, e);
    cols.set(name, col);
  };
  for (const tok of splitMatch(matchText, 0)) {
    const eq = tok.text.indexOf('=');
    const key = eq < 0 ? tok.text : tok.text.slice(0, eq);
    const val: TextPiece = { text: eq < 0 ? '' : tok.text.slice(eq + 1), col: tok.col + eq + 1 };
    const needVal = (): void => {
      if (eq < 0 || val.text === '') throw textError(`${key} needs a value`, tok.col);
    };
    if (eq < 0 && Object.hasOwn(SHORTHANDS, key)) {
      const [et, proto] = SHORTHANDS[key]!;
      if (et >= 0) put('eth_type', { field: 'eth_type', value: et }, tok.col);
      if (proto !== undefined) put('ip_proto', { field: 'ip_proto', value: proto }, tok.col);
      continue;
    }
    if (eq < 0 && Object.hasOwn(FLAGS, key)) {
      fm.flags |= FLAGS[key]!;
      continue;
    }
    switch (key) {
      case 'table':
        needVal();
        fm.tableId = val.text === 'all' ? 255 : num(val, 8, 'table');
        tableGiven = true;
        continue;
      case 'priority':
        needVal();
        fm.priority = num(val, 16, 'priority');
        continue;
      case 'idle_timeout':
        needVal();
        fm.idleTimeout = num(val, 16, 'idle_timeout');
        continue;
      case 'hard_timeout':
        needVal();
        fm.hardTimeout = num(val, 16, 'hard_timeout');
        continue;
      case 'importance':
        needVal();
        // ofp_flow_mod has no importance before OpenFlow 1.4 (it is padding in 1.3).
        if (num(val, 16, 'importance') !== 0) throw textError('importance needs OpenFlow 1.4 or later', tok.col);
        continue;
      case 'buffer_id':
        needVal();
        fm.bufferId = num(val, 32, 'buffer_id');
        continue;
      case 'cookie': {
        needVal();
        const [v, m] = val.text.split('/');
        const cv = parseIntegerText(v!);
        const cm = m === undefined ? undefined : parseIntegerText(m);
        if (cv === undefined || cv >= 1n << 64n || (m !== undefined && (cm === undefined || cm >= 1n << 64n))) {
          throw textError(`bad cookie '${val.text}'`, val.col);
        }
        fm.cookie = cv;
        if (cm !== undefined) {
          if (fm.command === OFPFC_ADD) throw textError('cookie masks are only allowed when modifying or deleting flows', val.col);
          fm.cookieMask = cm;
        }
        continue;
      }
      case 'out_port': {
        needVal();
        const p = parsePortNo(val.text);
        if (p === undefined) throw textError(`bad out_port '${val.text}'`, val.col);
        fm.outPort = p;
        continue;
      }
      case 'out_group':
        needVal();
        fm.outGroup = val.text.toUpperCase() === 'ANY' ? OFPG_ANY : num(val, 32, 'out_group');
        continue;
      case 'dl_vlan': {
        needVal();
        const v = num(val, 16, 'dl_vlan');
        // OVS: dl_vlan=0xffff means "no VLAN header"; otherwise a present VID (OFPVID_PRESENT | vid).
        if (v === 0xffff) put('vlan_vid', { field: 'vlan_vid', value: 0 }, tok.col);
        else if (v > 0xfff) throw textError(`dl_vlan ${v} out of range`, val.col);
        else put('vlan_vid', { field: 'vlan_vid', value: 0x1000 | v }, tok.col);
        continue;
      }
      case 'dl_vlan_pcp':
      case 'vlan_pcp': {
        needVal();
        const v = num(val, 8, key);
        if (v > 7) throw textError(`${key} ${v} out of range`, val.col);
        if (!entries.has('vlan_vid')) entries.set('vlan_vid', { field: 'vlan_vid', value: 0x1000, mask: 0x1000 });
        put('vlan_pcp', { field: 'vlan_pcp', value: v }, tok.col);
        continue;
      }
      case 'vlan_tci': {
        needVal();
        // OVS writes vlan_tci in OpenFlow 1.3 as OXM VLAN_VID (CFI = OFPVID_PRESENT) plus an exact VLAN_PCP
        // when PCP bits are matched (nx-match.c, nx_put_raw).
        const [vs, ms] = val.text.split('/');
        const v = parseIntegerText(vs!);
        const m = ms === undefined ? 0xffffn : parseIntegerText(ms);
        if (v === undefined || m === undefined || v > 0xffffn || m > 0xffffn) throw textError(`bad vlan_tci '${val.text}'`, val.col);
        const vid = Number(v & m & 0x1fffn);
        const vm = Number(m & 0x1fffn);
        if (vm === 0x1fff) put('vlan_vid', { field: 'vlan_vid', value: vid }, tok.col);
        else if (vm) put('vlan_vid', { field: 'vlan_vid', value: vid, mask: vm }, tok.col);
        if (vid & 0x1000 && m & 0xe000n) put('vlan_pcp', { field: 'vlan_pcp', value: Number((v >> 13n) & 7n) }, tok.col);
        continue;
      }
      case 'nw_tos': {
        needVal();
        const v = num(val, 8, key);
        if (v & 3) throw textError('nw_tos must be a multiple of 4', val.col);
        put('ip_dscp', { field: 'ip_dscp', value: v >> 2 }, tok.col);
        continue;
      }
    }
    let name = key;
    const et = entries.get('eth_type')?.value;
    const proto = entries.get('ip_proto')?.value;
    if (key === 'tp_src' || key === 'tp_dst') {
      name = `${proto === 17 ? 'udp' : proto === 132 ? 'sctp' : 'tcp'}_${key.slice(3)}`;
    } else if ((key === 'icmp_type' || key === 'icmp_code') && et === 0x86dd) {
      name = `icmpv6_${key.slice(5)}`;
    } else if (key === 'nw_src' || key === 'nw_dst') {
      if (et === 0x0806 || et === 0x8035) name = key === 'nw_src' ? 'arp_spa' : 'arp_tpa';
      else if (et === 0x86dd) throw textError(`${key} is IPv4-only; use ipv6_${key.slice(3)}`, tok.col);
    } else if (key === 'nw_proto' && (et === 0x0806 || et === 0x8035)) {
      name = 'arp_op';
    }
    const f = oxmFieldByName(name);
    if (!f) {
      const un = /^oxm_0x([0-9a-f]{8})$/i.exec(key);
      if (un) {
        needVal();
        const body = val.text.replace(/^0x/i, '');
        const header = parseInt(un[1]!, 16) >>> 0;
        const value = Buffer.from(body.length % 2 ? '0' + body : body, 'hex');
        if ((header & 0xff) !== value.length) throw textError('opaque OXM body length does not match its header', val.col);
        put(key, { field: 'unknown', header, value }, tok.col);
        continue;
      }
      throw textError(`unknown field or keyword '${key}'`, tok.col);
    }
    needVal();
    let parsed;
    try {
      parsed = parseFieldValue(f, val.text);
    } catch (e) {
      fieldError(e, val.col);
    }
    const wide = /^(x{1,2})reg(\d)$/.exec(f.name);
    if (wide) {
      // OVS matches xregN / xxregN as the 32-bit registers they overlay (reg 2N..2N+1 / 4N..4N+3, most
      // significant first), each only where its part of the mask is non-zero.
      const parts = wide[1] === 'x' ? 2 : 4;
      const first = Number(wide[2]) * parts;
      const v = oxmValueToBigInt(parsed.value);
      const m = parsed.mask === undefined ? (1n << BigInt(32 * parts)) - 1n : oxmValueToBigInt(parsed.mask);
      for (let i = 0; i < parts; i++) {
        const shift = BigInt(32 * (parts - 1 - i));
        const pm = Number((m >> shift) & 0xffffffffn);
        if (pm === 0) continue;
        const pv = Number((v >> shift) & BigInt(pm));
        const name = `reg${first + i}`;
        put(name, pm === 0xffffffff ? { field: name, value: pv } : { field: name, value: pv, mask: pm }, tok.col);
      }
      continue;
    }
    // Like ovs-ofctl (mf_parse then match_set_*_masked), text keeps only the value bits under the mask:
    // `nw_dst=10.0.0.1/24` reads as 10.0.0.0/24. The encoder refuses such bits (OFPBMC_BAD_WILDCARDS,
    // OpenFlow 1.3 section 7.2.3.5), so text is where leniency lives.
    const e: KnownMatchEntry =
      parsed.mask === undefined
        ? { field: f.name, value: parsed.value }
        : { field: f.name, value: oxmMaskValue(f, parsed.value, parsed.mask), mask: parsed.mask };
    put(f.name, e, tok.col);
  }
  // Canonical order: prerequisites first (the registry order), as OVS's decoder checks them in order.
  const match: Match = [...entries.values()].sort((a, b) => order(a) - order(b));
  fm.match = match;
  // Unlike ovs-ofctl, which silently drops a field whose prerequisite is missing (nw_dst without ip matches
  // everything), refuse it: a match wider than written is a security hole.
  const problem = findMatchProblem(match);
  if (problem && problem.code === 'OFPBMC_BAD_PREREQ') {
    const e = match[problem.index]!;
    throw textError(`${e.field} needs its prerequisite (${PREREQ_TEXT[problem.prereq!] ?? problem.prereq}) in the match`, cols.get(e.field) ?? 0);
  }
  const isDelete = fm.command === OFPFC_DELETE || fm.command === OFPFC_DELETE_STRICT;
  // Like ovs-ofctl del-flows: without table=, a delete applies to every table (OFPTT_ALL).
  if (isDelete && !tableGiven) fm.tableId = 255;
  if (actionsPiece) {
    if (isDelete) throw textError('actions are not allowed when deleting flows', actionsPiece.col);
    const proto = entries.get('ip_proto')?.value;
    const vid = entries.get('vlan_vid');
    const vlan = vid !== undefined && vid.field !== 'unknown' && ((vid.value as number) & 0x1000) !== 0;
    fm.instructions = parseInstructionsText(actionsPiece, typeof proto === 'number' ? { ipProto: proto, vlan } : { vlan });
  } else if (!isDelete) {
    throw textError('flow text must end with actions=...', text.length);
  }
  return fm;
}

function order(e: MatchEntry): number {
  if (e.field === 'unknown') return 1e6;
  return oxmFieldByName(e.field)?.order ?? 1e6;
}

function flagText(flags: number): string[] {
  const out: string[] = [];
  for (const [n, b] of Object.entries(FLAGS)) if (flags & b) out.push(n);
  return out;
}

/**
 * Prints a FLOW_MOD as one line of OVS flow text (without the command, which ovs-ofctl takes from the
 * subcommand: add-flow, mod-flows, del-flows). Delete commands print no actions.
 */
export function formatFlowMod(fm: FlowMod): string {
  const p: string[] = [];
  const isDelete = fm.command === OFPFC_DELETE || fm.command === OFPFC_DELETE_STRICT;
  // A delete's default table is "all" (255); other commands default to table 0.
  if (fm.tableId !== (isDelete ? 255 : 0)) p.push(`table=${fm.tableId === 255 ? 'all' : fm.tableId}`);
  if (fm.priority !== 0x8000) p.push(`priority=${fm.priority}`);
  // The cookie mask only means something to modify/delete (an ADD ignores it, and ovs-ofctl refuses it there).
  const mask = fm.command === OFPFC_ADD ? 0n : fm.cookieMask;
  if (fm.cookie !== 0n || mask !== 0n) p.push(mask !== 0n ? `cookie=0x${fm.cookie.toString(16)}/0x${mask.toString(16)}` : `cookie=0x${fm.cookie.toString(16)}`);
  if (fm.idleTimeout) p.push(`idle_timeout=${fm.idleTimeout}`);
  if (fm.hardTimeout) p.push(`hard_timeout=${fm.hardTimeout}`);
  p.push(...flagText(fm.flags));
  if (fm.outPort !== OFPP_ANY) p.push(`out_port=${formatPortNo(fm.outPort)}`);
  if (fm.outGroup !== OFPG_ANY) p.push(`out_group=${fm.outGroup}`);
  if (fm.bufferId !== 0xffffffff) p.push(`buffer_id=${fm.bufferId}`);
  const m = formatMatch(fm.match);
  if (m) p.push(m);
  if (!isDelete) p.push(`actions=${formatInstructions(fm.instructions)}`);
  return p.join(',');
}

/** Prints one flow-stats entry like `ovs-ofctl dump-flows` does. */
export function formatFlowStats(s: FlowStats): string {
  const p: string[] = [
    `cookie=0x${s.cookie.toString(16)}`,
    `duration=${s.durationSec}.${String(Math.floor(s.durationNsec / 1e6)).padStart(3, '0')}s`,
    `table=${s.tableId}`,
    `n_packets=${s.packetCount}`,
    `n_bytes=${s.byteCount}`,
  ];
  if (s.idleTimeout) p.push(`idle_timeout=${s.idleTimeout}`);
  if (s.hardTimeout) p.push(`hard_timeout=${s.hardTimeout}`);
  p.push(...flagText(s.flags));
  let tail = s.priority !== 0x8000 ? `priority=${s.priority}` : '';
  const m = formatMatch(s.match);
  if (m) tail += (tail ? ',' : '') + m;
  return ` ${p.join(', ')}, ${tail ? tail + ' ' : ''}actions=${formatInstructions(s.instructions)}`;
}

/** Parses a field reference like `NXM_NX_REG0[0..15]` (re-exported for callers building actions). */
export { parseSubfield };

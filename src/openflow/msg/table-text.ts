/**
 * OVS's multi-line reading of an OFPMP_TABLE_FEATURES reply: the text `ovs-ofctl ofp-print` prints for it
 * (print_table_features / ofputil_table_features_format in OVS's lib/ofp-table.c, as of Open vSwitch 3.1).
 * `formatMessage` keeps its one-line form; this is the reading the fixtures compare in full.
 */
import { formatMessage } from '../dispatch';
import type { OfpMessage, OxmId, TableFeatureId, TableFeatures } from '../types';

type TfReply = Extract<OfpMessage, { type: 'MULTIPART_REPLY' }> & { body: { mpType: 'TABLE_FEATURES' } };

/**
 * OVS's meta-flow names for the OXM headers OVS 3.1 sends in a table-features reply, in OVS's field order
 * (enum mf_field_id, the order OVS prints them in). Key: the header's class and field (header >>> 9), then the
 * experimenter id for class 0xffff headers. Derived from a captured reply and its `ovs-ofctl ofp-print` reading
 * (test/fixtures/openflow/captured.json) and OVS's meta-flow field list; kept here, not in the OXM registry,
 * because most of these fields (tun_metadata, NSH, conntrack tuple, ...) are not modelled there.
 */
const OVS_FIELDS: ReadonlyArray<readonly [number, number, string] | readonly [number, string]> = [
  [0xa3, 'dp_hash'], [0xa4, 'recirc_id'], [0x40002c, 'packet_type'], [0xa5, 'conj_id'], [0x400026, 'tun_id'],
  [0x9f, 'tun_src'], [0xa0, 'tun_dst'], [0xed, 'tun_ipv6_src'], [0xee, 'tun_ipv6_dst'], [0xe8, 'tun_flags'],
  [0xa6, 'tun_gbp_id'], [0xa7, 'tun_gbp_flags'], [0x7fff8b, 0x2320, 'tun_erspan_idx'],
  [0x7fff8c, 0x2320, 'tun_erspan_ver'], [0x7fff8d, 0x2320, 'tun_erspan_dir'],
  [0x7fff8e, 0x2320, 'tun_erspan_hwid'], [0x7fff8f, 0x2320, 'tun_gtpu_flags'],
  [0x7fff90, 0x2320, 'tun_gtpu_msgtype'], [0xa8, 'tun_metadata0'], [0xa9, 'tun_metadata1'],
  [0xaa, 'tun_metadata2'], [0xab, 'tun_metadata3'], [0xac, 'tun_metadata4'], [0xad, 'tun_metadata5'],
  [0xae, 'tun_metadata6'], [0xaf, 'tun_metadata7'], [0xb0, 'tun_metadata8'], [0xb1, 'tun_metadata9'],
  [0xb2, 'tun_metadata10'], [0xb3, 'tun_metadata11'], [0xb4, 'tun_metadata12'], [0xb5, 'tun_metadata13'],
  [0xb6, 'tun_metadata14'], [0xb7, 'tun_metadata15'], [0xb8, 'tun_metadata16'], [0xb9, 'tun_metadata17'],
  [0xba, 'tun_metadata18'], [0xbb, 'tun_metadata19'], [0xbc, 'tun_metadata20'], [0xbd, 'tun_metadata21'],
  [0xbe, 'tun_metadata22'], [0xbf, 'tun_metadata23'], [0xc0, 'tun_metadata24'], [0xc1, 'tun_metadata25'],
  [0xc2, 'tun_metadata26'], [0xc3, 'tun_metadata27'], [0xc4, 'tun_metadata28'], [0xc5, 'tun_metadata29'],
  [0xc6, 'tun_metadata30'], [0xc7, 'tun_metadata31'], [0xc8, 'tun_metadata32'], [0xc9, 'tun_metadata33'],
  [0xca, 'tun_metadata34'], [0xcb, 'tun_metadata35'], [0xcc, 'tun_metadata36'], [0xcd, 'tun_metadata37'],
  [0xce, 'tun_metadata38'], [0xcf, 'tun_metadata39'], [0xd0, 'tun_metadata40'], [0xd1, 'tun_metadata41'],
  [0xd2, 'tun_metadata42'], [0xd3, 'tun_metadata43'], [0xd4, 'tun_metadata44'], [0xd5, 'tun_metadata45'],
  [0xd6, 'tun_metadata46'], [0xd7, 'tun_metadata47'], [0xd8, 'tun_metadata48'], [0xd9, 'tun_metadata49'],
  [0xda, 'tun_metadata50'], [0xdb, 'tun_metadata51'], [0xdc, 'tun_metadata52'], [0xdd, 'tun_metadata53'],
  [0xde, 'tun_metadata54'], [0xdf, 'tun_metadata55'], [0xe0, 'tun_metadata56'], [0xe1, 'tun_metadata57'],
  [0xe2, 'tun_metadata58'], [0xe3, 'tun_metadata59'], [0xe4, 'tun_metadata60'], [0xe5, 'tun_metadata61'],
  [0xe6, 'tun_metadata62'], [0xe7, 'tun_metadata63'], [0x400002, 'metadata'], [0x0, 'in_port'],
  [0x400000, 'in_port_oxm'], [0x7fffab, 0x4f4e4600, 'actset_output'], [0xa1, 'pkt_mark'], [0xe9, 'ct_state'],
  [0xea, 'ct_zone'], [0xeb, 'ct_mark'], [0xec, 'ct_label'], [0xf7, 'ct_nw_proto'], [0xf8, 'ct_nw_src'],
  [0xf9, 'ct_nw_dst'], [0xfa, 'ct_ipv6_src'], [0xfb, 'ct_ipv6_dst'], [0xfc, 'ct_tp_src'], [0xfd, 'ct_tp_dst'],
  [0x80, 'reg0'], [0x81, 'reg1'], [0x82, 'reg2'], [0x83, 'reg3'], [0x84, 'reg4'], [0x85, 'reg5'],
  [0x86, 'reg6'], [0x87, 'reg7'], [0x88, 'reg8'], [0x89, 'reg9'], [0x8a, 'reg10'], [0x8b, 'reg11'],
  [0x8c, 'reg12'], [0x8d, 'reg13'], [0x8e, 'reg14'], [0x8f, 'reg15'], [0x400080, 'xreg0'], [0x400081, 'xreg1'],
  [0x400082, 'xreg2'], [0x400083, 'xreg3'], [0x400084, 'xreg4'], [0x400085, 'xreg5'], [0x400086, 'xreg6'],
  [0x400087, 'xreg7'], [0xef, 'xxreg0'], [0xf0, 'xxreg1'], [0xf1, 'xxreg2'], [0xf2, 'xxreg3'],
  [0x400004, 'eth_src'], [0x400003, 'eth_dst'], [0x400005, 'eth_type'], [0x4, 'vlan_tci'],
  [0x400006, 'vlan_vid'], [0x400007, 'vlan_pcp'], [0x400022, 'mpls_label'], [0x400023, 'mpls_tc'],
  [0x400024, 'mpls_bos'], [0x9e, 'mpls_ttl'], [0x40000b, 'ip_src'], [0x40000c, 'ip_dst'],
  [0x40001a, 'ipv6_src'], [0x40001b, 'ipv6_dst'], [0x40001c, 'ipv6_label'], [0x40000a, 'nw_proto'],
  [0x5, 'nw_tos'], [0x400008, 'ip_dscp'], [0x400009, 'nw_ecn'], [0x9d, 'nw_ttl'], [0x9a, 'ip_frag'],
  [0x400015, 'arp_op'], [0x400016, 'arp_spa'], [0x400017, 'arp_tpa'], [0x400018, 'arp_sha'],
  [0x400019, 'arp_tha'], [0x40000d, 'tcp_src'], [0x40000e, 'tcp_dst'], [0x7fffaa, 0x4f4e4600, 'tcp_flags'],
  [0x40000f, 'udp_src'], [0x400010, 'udp_dst'], [0x400011, 'sctp_src'], [0x400012, 'sctp_dst'],
  [0x400013, 'icmp_type'], [0x400014, 'icmp_code'], [0x40001d, 'icmpv6_type'], [0x40001e, 'icmpv6_code'],
  [0x40001f, 'nd_target'], [0x400020, 'nd_sll'], [0x400021, 'nd_tll'], [0x80001, 'nd_reserved'],
  [0x80002, 'nd_options_type'], [0x7fff81, 0x5ad650, 'nsh_flags'], [0x7fff82, 0x5ad650, 'nsh_mdtype'],
  [0x7fff83, 0x5ad650, 'nsh_np'], [0x7fff84, 0x5ad650, 'nsh_spi'], [0x7fff85, 0x5ad650, 'nsh_si'],
  [0x7fff86, 0x5ad650, 'nsh_c1'], [0x7fff87, 0x5ad650, 'nsh_c2'], [0x7fff88, 0x5ad650, 'nsh_c3'],
  [0x7fff89, 0x5ad650, 'nsh_c4'], [0x7fff8a, 0x5ad650, 'nsh_ttl'],
];

const fieldKey = (classField: number, experimenter?: number): string =>
  experimenter === undefined ? classField.toString(16) : `${classField.toString(16)}:${experimenter.toString(16)}`;

/** key -> [order, name]. */
const FIELD_BY_KEY = new Map<string, [number, string]>(
  OVS_FIELDS.map((e, i) => (e.length === 3 ? [fieldKey(e[0], e[1]), [i, e[2]]] : [fieldKey(e[0]), [i, e[1]]])),
);

/** OVS's field order index for an OXM id, or undefined for a header OVS would not know (it skips those). */
function fieldIndex(o: OxmId): number | undefined {
  const cf = o.header >>> 9;
  return FIELD_BY_KEY.get(fieldKey(cf, cf >>> 7 === 0xffff ? o.experimenter ?? 0 : undefined))?.[0];
}

/** OF1.3 instruction types in OVS's printing order and spelling (enum ovs_instruction_type). */
const INSTRUCTIONS: ReadonlyArray<readonly [number, string]> = [
  [6, 'meter'], [4, 'apply_actions'], [5, 'clear_actions'], [3, 'write_actions'], [2, 'write_metadata'], [1, 'goto_table'],
];
/** OF1.3 action types OVS maps to its own actions, in OVS's printing order (others are not printed by OVS). */
const ACTIONS: ReadonlyArray<readonly [number, string]> = [
  [0, 'output'], [22, 'group'], [25, 'set_field'], [18, 'strip_vlan'], [17, 'push_vlan'], [23, 'mod_nw_ttl'],
  [24, 'dec_ttl'], [15, 'set_mpls_ttl'], [16, 'dec_mpls_ttl'], [19, 'push_mpls'], [20, 'pop_mpls'], [21, 'set_queue'],
];

interface ActionFeatures {
  actions: string[];
  setFields: number[];
}
interface InstructionFeatures {
  instructions: string[];
  next: number[];
  write: ActionFeatures;
  apply: ActionFeatures;
}
interface Features {
  tableId: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  maxEntries: number;
  nonmiss: InstructionFeatures;
  miss: InstructionFeatures;
  match: number[];
  mask: number[];
  wildcard: number[];
}

const names = (ids: readonly TableFeatureId[], table: ReadonlyArray<readonly [number, string]>): string[] => {
  const present = new Set(ids.map((i) => i.type));
  return table.filter(([t]) => present.has(t)).map(([, n]) => n);
};
const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
const fieldSet = (ids: readonly OxmId[], masked?: boolean): Set<number> => {
  const out = new Set<number>();
  for (const o of ids) {
    const i = fieldIndex(o);
    if (i !== undefined && (masked === undefined || Boolean(o.header & 0x100) === masked)) out.add(i);
  }
  return out;
};

/** The decoded table features as OVS holds them (bitmaps; fix-ups of ofputil_decode_table_features). */
function toFeatures(t: TableFeatures): Features {
  const empty = (): InstructionFeatures => ({ instructions: [], next: [], write: { actions: [], setFields: [] }, apply: { actions: [], setFields: [] } });
  const nonmiss = empty();
  const miss = empty();
  let match = new Set<number>();
  let mask = new Set<number>();
  let wildcard = new Set<number>();
  for (const p of t.properties) {
    const tif = p.type.endsWith('_MISS') ? miss : nonmiss;
    switch (p.type) {
      case 'INSTRUCTIONS':
      case 'INSTRUCTIONS_MISS':
        tif.instructions = names(p.ids, INSTRUCTIONS);
        break;
      case 'NEXT_TABLES':
      case 'NEXT_TABLES_MISS':
        tif.next = sorted(new Set(p.tableIds));
        break;
      case 'WRITE_ACTIONS':
      case 'WRITE_ACTIONS_MISS':
        tif.write.actions = names(p.ids, ACTIONS);
        break;
      case 'APPLY_ACTIONS':
      case 'APPLY_ACTIONS_MISS':
        tif.apply.actions = names(p.ids, ACTIONS);
        break;
      case 'WRITE_SETFIELD':
      case 'WRITE_SETFIELD_MISS':
        tif.write.setFields = sorted(fieldSet(p.oxmIds));
        break;
      case 'APPLY_SETFIELD':
      case 'APPLY_SETFIELD_MISS':
        tif.apply.setFields = sorted(fieldSet(p.oxmIds));
        break;
      case 'MATCH':
        match = fieldSet(p.oxmIds, false);
        mask = fieldSet(p.oxmIds, true);
        break;
      case 'WILDCARDS':
        wildcard = fieldSet(p.oxmIds);
        break;
      default:
        break; // experimenter and unknown properties: OVS ignores them when printing a reply
    }
  }
  for (const i of mask) {
    match.add(i);
    wildcard.add(i);
  }
  for (const i of wildcard) if (!match.has(i)) wildcard.delete(i);
  return {
    tableId: t.tableId,
    name: t.name,
    metadataMatch: BigInt(t.metadataMatch),
    metadataWrite: BigInt(t.metadataWrite),
    maxEntries: t.maxEntries,
    nonmiss,
    miss,
    match: sorted(match),
    mask: sorted(mask),
    wildcard: sorted(wildcard),
  };
}

const sameList = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const sameAf = (a: ActionFeatures, b: ActionFeatures): boolean => sameList(a.actions, b.actions) && sameList(a.setFields, b.setFields);
const sameIf = (a: InstructionFeatures, b: InstructionFeatures, nextA = a.next, nextB = b.next): boolean =>
  sameList(a.instructions, b.instructions) && sameList(nextA, nextB) && sameAf(a.write, b.write) && sameAf(a.apply, b.apply);
const emptyAf = (a: ActionFeatures): boolean => !a.actions.length && !a.setFields.length;
const emptyIf = (a: InstructionFeatures): boolean => !a.instructions.length && !a.next.length && emptyAf(a.write) && emptyAf(a.apply);

/**
 * OVS's table_features_equal: metadata, max entries, instructions and the matchable fields (not the table id
 * or name, and -- checked against ovs-ofctl 3.1 -- not the mask or wildcard bits); next tables equal when they differ only in
 * that the previous table may go to the current one (table k's "k+1-253" equals table k+1's "k+2-253").
 */
function sameFeatures(prev: Features, cur: Features): boolean {
  const next = (n: number[]): number[] => (cur.tableId === prev.tableId + 1 ? n.filter((x) => x !== cur.tableId) : n);
  return (
    prev.metadataMatch === cur.metadataMatch &&
    prev.metadataWrite === cur.metadataWrite &&
    prev.maxEntries === cur.maxEntries &&
    sameIf(prev.nonmiss, cur.nonmiss, next(prev.nonmiss.next), cur.nonmiss.next) &&
    sameIf(prev.miss, cur.miss, next(prev.miss.next), cur.miss.next) &&
    sameList(prev.match, cur.match)
  );
}

/** Ascending table ids as OVS prints next tables: runs as "a-b", comma-separated. */
function tableRanges(ids: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    out.push(j > i ? `${ids[i]}-${ids[j]}` : String(ids[i]));
    i = j + 1;
  }
  return out.join(',');
}

/**
 * A list of field names as OVS prints it: consecutive names with the same first "word_" grouped in braces
 * (recursively: `tun_{id,ipv6_{src,dst}}`), and consecutive numbered names with the same stem as ranges
 * (`reg0...reg15`, `c1...c4`; three or more, two stay `reg0 reg1`).
 */
export function compressFieldNames(list: readonly string[]): string {
  return group(list).join(' ');
}

function group(list: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; ) {
    const u = list[i]!.indexOf('_');
    const prefix = u > 0 ? list[i]!.slice(0, u + 1) : '';
    let j = i + 1;
    if (prefix) while (j < list.length && list[j]!.startsWith(prefix) && list[j]!.length > prefix.length) j++;
    if (j - i > 1) {
      out.push(`${prefix}{${group(list.slice(i, j).map((n) => n.slice(prefix.length))).join(',')}}`);
    } else {
      // A numbered run: stem + n, stem + (n + 1), ...
      const m = /^(.*\D)(\d+)$/.exec(list[i]!);
      let k = i + 1;
      if (m) {
        while (k < list.length && list[k] === `${m[1]}${Number(m[2]) + (k - i)}`) k++;
      }
      if (k - i > 2) {
        out.push(`${list[i]}...${list[k - 1]}`);
        j = k;
      } else out.push(list[i]!);
    }
    i = j;
  }
  return out;
}

const fieldNames = (ids: readonly number[]): string => compressFieldNames(ids.map((i) => fieldName(i)));
function fieldName(i: number): string {
  const e = OVS_FIELDS[i]!;
  return e.length === 3 ? e[2] : e[1];
}

function actionFeatures(a: ActionFeatures): string {
  let s = '';
  if (a.actions.length) s += `        actions: ${a.actions.join(' ')}\n`;
  if (a.setFields.length) s += `        supported on Set-Field: ${fieldNames(a.setFields)}\n`;
  return s;
}

/** One instructions block; parts equal to the previous table's print as "(same ...)", as in OVS. */
function instructionFeatures(f: InstructionFeatures, prev?: InstructionFeatures): string {
  let s = '';
  if (f.next.length) s += `      next tables: ${tableRanges(f.next)}\n`;
  if (prev && sameList(f.instructions, prev.instructions)) s += '      (same instructions)\n';
  else if (f.instructions.length) s += `      instructions: ${f.instructions.join(' ')}\n`;
  if (prev && sameAf(f.write, prev.write) && sameAf(f.apply, prev.apply)) {
    s += '      (same actions)\n';
  } else if (!sameAf(f.write, f.apply)) {
    s += '      Write-Actions features:\n' + actionFeatures(f.write);
    s += '      Apply-Actions features:\n' + actionFeatures(f.apply);
  } else if (!emptyAf(f.write)) {
    s += '      Write-Actions and Apply-Actions features:\n' + actionFeatures(f.write);
  }
  return s;
}

/** Next tables of 'prev' as seen from table 'cur' (OVS's relaxed comparison, see sameFeatures). */
const nextFrom = (prev: Features, cur: Features, n: number[]): number[] =>
  cur.tableId === prev.tableId + 1 ? n.filter((x) => x !== cur.tableId) : n;

function sameInstructions(prev: Features, cur: Features): boolean {
  return (
    sameIf(prev.nonmiss, cur.nonmiss, nextFrom(prev, cur, prev.nonmiss.next), cur.nonmiss.next) &&
    sameIf(prev.miss, cur.miss, nextFrom(prev, cur, prev.miss.next), cur.miss.next)
  );
}
/** As in OVS, only the matchable fields count (not which are maskable or wildcardable; checked with ovs-ofctl). */
const sameMatching = (prev: Features, cur: Features): boolean => sameList(prev.match, cur.match);

function tableBlock(f: Features, prev?: Features): string {
  let s = `  table ${f.tableId}${f.name ? ` ("${f.name}")` : ''}:\n`;
  if (f.metadataMatch || f.metadataWrite) {
    const h = (v: bigint): string => (v ? `0x${v.toString(16)}` : '0');
    s += `    metadata: match=${h(f.metadataMatch)} write=${h(f.metadataWrite)}\n`;
  }
  if (f.maxEntries !== 0xffffffff) s += `    max_entries=${f.maxEntries}\n`;
  if (prev && sameInstructions(prev, f)) {
    s += '    (same instructions)\n';
  } else if (!sameIf(f.nonmiss, f.miss)) {
    s += '    instructions (other than table miss):\n' + instructionFeatures(f.nonmiss, prev?.nonmiss);
    s += '    instructions (table miss):\n' + instructionFeatures(f.miss, prev?.miss);
  } else if (!emptyIf(f.nonmiss)) {
    s += '    instructions (table miss and others):\n' + instructionFeatures(f.nonmiss, prev?.nonmiss);
  }
  if (prev && sameMatching(prev, f)) {
    s += '    (same matching)\n';
  } else if (f.match.length) {
    const mask = new Set(f.mask);
    const wild = new Set(f.wildcard);
    const arbitrary = f.match.filter((i) => mask.has(i));
    const exactOrWild = f.match.filter((i) => !mask.has(i) && wild.has(i));
    const exact = f.match.filter((i) => !mask.has(i) && !wild.has(i));
    s += '    matching:\n';
    if (arbitrary.length) s += `      arbitrary mask: ${fieldNames(arbitrary)}\n`;
    if (exactOrWild.length) s += `      exact match or wildcard: ${fieldNames(exactOrWild)}\n`;
    if (exact.length) s += `      must exact match: ${fieldNames(exact)}\n`;
  }
  return s;
}

/**
 * A TABLE_FEATURES multipart reply as `ovs-ofctl ofp-print` prints it: the header line, then a block per
 * table; a table whose features equal the previous one's is "ditto", a run of them "tables a...b: ditto".
 */
export function formatTableFeaturesOvs(reply: OfpMessage): string {
  if (reply.type !== 'MULTIPART_REPLY' || reply.body.mpType !== 'TABLE_FEATURES') {
    throw new Error(`not a TABLE_FEATURES reply: ${reply.type}`);
  }
  const m = reply as TfReply;
  let s = formatMessage({ ...m, body: { mpType: 'TABLE_FEATURES', tables: [] } }) + '\n';
  const tables = m.body.tables.map(toFeatures);
  const label = (t: Features): string => `${t.tableId}${t.name ? ` ("${t.name}")` : ''}`;
  // Blank lines as OVS puts them: between blocks, before a ditto line and after a "tables a...b" one.
  let sep = '';
  let i = 0;
  while (i < tables.length) {
    s += sep + tableBlock(tables[i]!, tables[i - 1]);
    sep = '\n';
    let j = i + 1;
    while (j < tables.length && sameFeatures(tables[j - 1]!, tables[j]!)) j++;
    if (j - i === 2) {
      s += `\n  table ${label(tables[i + 1]!)}: ditto\n`;
      sep = '';
    } else if (j - i > 2) s += `\n  tables ${tables[i + 1]!.tableId}...${tables[j - 1]!.tableId}: ditto\n`;
    i = j;
  }
  return s;
}

/**
 * Table messages: OFPT_TABLE_MOD (OpenFlow 1.3.5 A.3.3), and the OFPMP_TABLE (A.3.5.4) and OFPMP_TABLE_FEATURES
 * (A.3.5.5, with every property type) multipart bodies.
 */
import { Parser } from 'binary-parser';
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import {
  OFPMP_TABLE,
  OFPMP_TABLE_FEATURES,
  OFPT_TABLE_MOD,
  type MultipartReplyBody,
  type MultipartRequestBody,
  type OxmId,
  type TableFeatureId,
  type TableFeatureProperty,
  type TableFeatures,
  type TableMod,
  type TableStats,
} from '../types';
import { codec, mpCodec } from './codec';
import { forEachProp, hx, parseFixed, writeProp } from './common';
import { expectEnd } from './switch';
import { oxmFieldByHeader } from '../oxm';

// ofp_table_mod (A.3.3): table_id u8, pad 3, config u32.
export const tableModCodec = codec<TableMod>({
  name: 'TABLE_MOD',
  ofpName: 'OFPT_TABLE_MOD',
  ofpType: OFPT_TABLE_MOD,
  fields: { tableId: 8, config: 32 },
  decode(r, h) {
    r.need(8, 'ofp_table_mod', 'OFPBRC_BAD_LEN');
    const tableId = r.u8();
    r.skip(3);
    const config = r.u32();
    expectEnd(r);
    return { type: 'TABLE_MOD', xid: h.xid, tableId, config };
  },
  encode: (w, m) => void w.u8(m.tableId).zeros(3).u32(m.config),
  format: (m) => `table_id=${m.tableId === 0xff ? 'all' : m.tableId}${m.config ? ` config=${hx(m.config)}` : ''}`,
});

type TableReq = Extract<MultipartRequestBody, { mpType: 'TABLE' }>;
type TableRep = Extract<MultipartReplyBody, { mpType: 'TABLE' }>;
type TfReq = Extract<MultipartRequestBody, { mpType: 'TABLE_FEATURES' }>;
type TfRep = Extract<MultipartReplyBody, { mpType: 'TABLE_FEATURES' }>;

export const tableStatsRequestCodec = mpCodec<TableReq>({
  mpType: OFPMP_TABLE,
  name: 'TABLE',
  decode: (r) => (expectEnd(r), { mpType: 'TABLE' }),
  encode: () => undefined,
  format: () => '',
});

// ofp_table_stats (A.3.5.4): table_id u8, pad 3, active_count u32, lookup_count u64, matched_count u64.
const tableStatsParser = new Parser()
  .endianness('big')
  .uint8('tableId')
  .skip(3)
  .uint32('activeCount')
  .uint64('lookupCount')
  .uint64('matchedCount');

export const tableStatsReplyCodec = mpCodec<TableRep>({
  mpType: OFPMP_TABLE,
  name: 'TABLE',
  decode(r) {
    if (r.remaining % 24 !== 0) throw r.error('OFPBRC_BAD_LEN', `table stats body of ${r.remaining} bytes is not a multiple of 24`);
    const stats: TableStats[] = [];
    while (r.remaining > 0) stats.push(parseFixed<TableStats>(r, tableStatsParser, 24, 'ofp_table_stats'));
    return { mpType: 'TABLE', stats };
  },
  encode(w, b) {
    for (const s of b.stats) w.u8(s.tableId).zeros(3).u32(s.activeCount).u64(s.lookupCount).u64(s.matchedCount);
  },
  format: (b) => formatTableStats(b.stats),
});

/** Like ofp-print: a table whose counters repeat the previous one's is "ditto", runs as "tables a...b: ditto". */
function formatTableStats(stats: readonly TableStats[]): string {
  const same = (x: TableStats, y: TableStats): boolean =>
    x.activeCount === y.activeCount && x.lookupCount === y.lookupCount && x.matchedCount === y.matchedCount;
  let out = '';
  let i = 0;
  while (i < stats.length) {
    const s = stats[i]!;
    out += ` table ${s.tableId}: active=${s.activeCount}, lookup=${s.lookupCount}, matched=${s.matchedCount}`;
    let j = i + 1;
    while (j < stats.length && same(stats[j]!, s)) j++;
    if (j - i === 2) out += ` table ${stats[i + 1]!.tableId}: ditto`;
    else if (j - i > 2) out += ` tables ${stats[i + 1]!.tableId}...${stats[j - 1]!.tableId}: ditto`;
    i = j;
  }
  return out;
}

// ---- ofp_table_features (A.3.5.5) ----

const TF_PROP_NAMES: Record<number, TableFeatureProperty['type']> = {
  0: 'INSTRUCTIONS',
  1: 'INSTRUCTIONS_MISS',
  2: 'NEXT_TABLES',
  3: 'NEXT_TABLES_MISS',
  4: 'WRITE_ACTIONS',
  5: 'WRITE_ACTIONS_MISS',
  6: 'APPLY_ACTIONS',
  7: 'APPLY_ACTIONS_MISS',
  8: 'MATCH',
  10: 'WILDCARDS',
  12: 'WRITE_SETFIELD',
  13: 'WRITE_SETFIELD_MISS',
  14: 'APPLY_SETFIELD',
  15: 'APPLY_SETFIELD_MISS',
  0xfffe: 'EXPERIMENTER',
  0xffff: 'EXPERIMENTER_MISS',
};
const TF_PROP_CODES: Record<string, number> = Object.fromEntries(
  Object.entries(TF_PROP_NAMES).map(([k, v]) => [v, Number(k)]),
);

/** Instruction/action ids: u16 type, u16 len (>= 4), len - 4 more bytes (experimenter ids). */
function decodeIds(r: Reader): TableFeatureId[] {
  const out: TableFeatureId[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 4) throw r.error('OFPTFFC_BAD_LEN', `id needs 4 bytes, ${r.remaining} remain`);
    const type = r.u16();
    const len = r.u16();
    if (len < 4) throw r.error('OFPTFFC_BAD_LEN', `id length ${len} is below 4`, r.offset - 2);
    if (len === 4) out.push({ type });
    else out.push({ type, data: r.sub(len - 4, 'id', 'OFPTFFC_BAD_LEN').copy(len - 4) });
  }
  return out;
}

/** OXM ids: 32-bit OXM headers; class 0xffff (experimenter) headers are followed by the experimenter id. */
function decodeOxmIds(r: Reader): OxmId[] {
  const out: OxmId[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 4) throw r.error('OFPTFFC_BAD_LEN', `OXM id needs 4 bytes, ${r.remaining} remain`);
    const header = r.u32();
    if (header >>> 16 === 0xffff) {
      if (r.remaining < 4) throw r.error('OFPTFFC_BAD_LEN', 'experimenter OXM id lacks its experimenter id');
      out.push({ header, experimenter: r.u32() });
    } else out.push({ header });
  }
  return out;
}

function decodeTfProp(type: number, body: Reader): TableFeatureProperty {
  const name = TF_PROP_NAMES[type];
  switch (name) {
    case 'INSTRUCTIONS':
    case 'INSTRUCTIONS_MISS':
    case 'WRITE_ACTIONS':
    case 'WRITE_ACTIONS_MISS':
    case 'APPLY_ACTIONS':
    case 'APPLY_ACTIONS_MISS':
      return { type: name, ids: decodeIds(body) };
    case 'NEXT_TABLES':
    case 'NEXT_TABLES_MISS': {
      const tableIds: number[] = [];
      while (body.remaining > 0) tableIds.push(body.u8());
      return { type: name, tableIds };
    }
    case 'MATCH':
    case 'WILDCARDS':
    case 'WRITE_SETFIELD':
    case 'WRITE_SETFIELD_MISS':
    case 'APPLY_SETFIELD':
    case 'APPLY_SETFIELD_MISS':
      return { type: name, oxmIds: decodeOxmIds(body) };
    case 'EXPERIMENTER':
    case 'EXPERIMENTER_MISS': {
      if (body.remaining < 8) throw body.error('OFPTFFC_BAD_LEN', 'experimenter property needs 8 bytes');
      const experimenter = body.u32();
      const expType = body.u32();
      return { type: name, experimenter, expType, data: body.copy(body.remaining) };
    }
    default:
      return { type: 'UNKNOWN', propType: type, data: body.copy(body.remaining) };
  }
}

function encodeTfProp(w: Writer, p: TableFeatureProperty): void {
  const code = p.type === 'UNKNOWN' ? p.propType : TF_PROP_CODES[p.type]!;
  writeProp(w, code, () => {
    switch (p.type) {
      case 'INSTRUCTIONS':
      case 'INSTRUCTIONS_MISS':
      case 'WRITE_ACTIONS':
      case 'WRITE_ACTIONS_MISS':
      case 'APPLY_ACTIONS':
      case 'APPLY_ACTIONS_MISS':
        for (const id of p.ids) {
          w.u16(id.type).u16(4 + (id.data ? id.data.length : 0));
          if (id.data) w.bytes(id.data);
        }
        return;
      case 'NEXT_TABLES':
      case 'NEXT_TABLES_MISS':
        for (const t of p.tableIds) w.u8(t);
        return;
      case 'MATCH':
      case 'WILDCARDS':
      case 'WRITE_SETFIELD':
      case 'WRITE_SETFIELD_MISS':
      case 'APPLY_SETFIELD':
      case 'APPLY_SETFIELD_MISS':
        for (const o of p.oxmIds) {
          w.u32(o.header);
          if (o.header >>> 16 === 0xffff) w.u32(o.experimenter ?? 0);
        }
        return;
      case 'EXPERIMENTER':
      case 'EXPERIMENTER_MISS':
        w.u32(p.experimenter).u32(p.expType).bytes(p.data);
        return;
      case 'UNKNOWN':
        w.bytes(p.data);
        return;
    }
  });
}

// Fixed part: length u16, table_id u8, pad 5, name char[32], metadata_match u64, metadata_write u64,
// config u32, max_entries u32 (64 bytes), then properties.
const TF_FIXED = 64;

function decodeTableFeaturesList(r: Reader): TableFeatures[] {
  const tables: TableFeatures[] = [];
  while (r.remaining > 0) {
    const start = r.offset;
    if (r.remaining < TF_FIXED) throw r.error('OFPTFFC_BAD_LEN', `ofp_table_features needs 64 bytes, ${r.remaining} remain`);
    const len = r.peekU16();
    if (len < TF_FIXED || len > r.remaining) {
      throw r.error('OFPTFFC_BAD_LEN', `ofp_table_features length ${len} is below 64 or beyond the ${r.remaining} bytes left`, start);
    }
    if (len % 8 !== 0) throw r.error('OFPSDN_BAD_PADDING', `ofp_table_features length ${len} is not a multiple of 8`, start);
    const e = r.sub(len, 'ofp_table_features', 'OFPTFFC_BAD_LEN');
    e.skip(2);
    const tableId = e.u8();
    e.skip(5);
    const name = e.str(32, 'name');
    const metadataMatch = e.u64();
    const metadataWrite = e.u64();
    const config = e.u32();
    const maxEntries = e.u32();
    const properties: TableFeatureProperty[] = [];
    forEachProp(e, (type, body) => properties.push(decodeTfProp(type, body)), 'OFPTFFC_BAD_LEN');
    tables.push({ tableId, name, metadataMatch, metadataWrite, config, maxEntries, properties });
  }
  return tables;
}

function encodeTableFeaturesList(w: Writer, tables: readonly TableFeatures[]): void {
  for (const t of tables) {
    const start = w.pos;
    w.u16(0).u8(t.tableId).zeros(5).str(t.name, 32).u64(t.metadataMatch).u64(t.metadataWrite);
    w.u32(t.config).u32(t.maxEntries);
    for (const p of t.properties) encodeTfProp(w, p);
    w.patchU16(start, w.pos - start);
  }
}

/**
 * Instruction types (OF1.3 section 7.2.4, enum ofp_instruction_type) in the order and spelling Open vSwitch
 * prints them in a table-features reply (ovsinst order: meter first; lib/ofp-actions.c).
 */
const TF_INSTRUCTION_NAMES: ReadonlyArray<[number, string]> = [
  [6, 'meter'],
  [4, 'apply_actions'],
  [5, 'clear_actions'],
  [3, 'write_actions'],
  [2, 'write_metadata'],
  [1, 'goto_table'],
];

/**
 * Action types (OF1.3 section 7.2.5, enum ofp_action_type) in the order and spelling Open vSwitch prints them
 * (it maps each to its internal action and prints those in their enum order: OFPAT_POP_VLAN is `strip_vlan`,
 * OFPAT_SET_NW_TTL `mod_nw_ttl`). Then the types OVS does not implement (and leaves out of its reading), which
 * we print by their spec names after the others rather than drop.
 */
const TF_ACTION_NAMES: ReadonlyArray<[number, string]> = [
  [0, 'output'],
  [22, 'group'],
  [25, 'set_field'],
  [18, 'strip_vlan'],
  [17, 'push_vlan'],
  [23, 'mod_nw_ttl'],
  [24, 'dec_ttl'],
  [15, 'set_mpls_ttl'],
  [16, 'dec_mpls_ttl'],
  [19, 'push_mpls'],
  [20, 'pop_mpls'],
  [21, 'set_queue'],
  [11, 'copy_ttl_out'],
  [12, 'copy_ttl_in'],
  [26, 'push_pbb'],
  [27, 'pop_pbb'],
];

/**
 * Names for a list of instruction or action ids, in OVS's order; an id with no name (e.g. 0xffff,
 * experimenter) prints as its number, after the named ones, in wire order. Duplicates print once, as in
 * OVS's bitmap.
 */
function formatTfIds(ids: readonly TableFeatureId[], names: ReadonlyArray<[number, string]>): string {
  const present = new Set(ids.map((i) => i.type));
  const out: string[] = [];
  for (const [t, n] of names) if (present.has(t)) out.push(n);
  for (const t of present) if (!names.some(([k]) => k === t)) out.push(String(t));
  return out.join(',');
}

function formatTfProp(p: TableFeatureProperty): string {
  const n = p.type.toLowerCase();
  switch (p.type) {
    case 'NEXT_TABLES':
    case 'NEXT_TABLES_MISS':
      return `${n}=${formatIdRanges(p.tableIds)}`;
    case 'EXPERIMENTER':
    case 'EXPERIMENTER_MISS':
      return `${n}=${hx(p.experimenter)}:${p.expType}(${p.data.length} bytes)`;
    case 'UNKNOWN':
      return `prop${p.propType}(${p.data.length} bytes)`;
    case 'MATCH':
    case 'WILDCARDS':
    case 'WRITE_SETFIELD':
    case 'WRITE_SETFIELD_MISS':
    case 'APPLY_SETFIELD':
    case 'APPLY_SETFIELD_MISS':
      return `${n}=${p.oxmIds.map(formatOxmId).join(',')}`;
    case 'INSTRUCTIONS':
    case 'INSTRUCTIONS_MISS':
      return `${n}=${formatTfIds(p.ids, TF_INSTRUCTION_NAMES)}`;
    default:
      return `${n}=${formatTfIds(p.ids, TF_ACTION_NAMES)}`;
  }
}

/**
 * An OXM id by its field name from the registry (OVS prints meta-flow names too), `/mask` when the hasmask bit
 * is set (for MATCH: arbitrary masks supported); a field we do not model prints as its header in hex.
 */
function formatOxmId(o: OxmId): string {
  const f = oxmFieldByHeader(o.header, o.experimenter ?? 0);
  const name = f ? f.name : hx(o.header) + (o.experimenter !== undefined ? `:${hx(o.experimenter)}` : '');
  return o.header & 0x100 ? `${name}/mask` : name;
}

/** Ascending runs of ids as OVS prints next tables ("1-253"); other ids comma-separated in wire order. */
function formatIdRanges(ids: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < ids.length) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    out.push(j > i ? `${ids[i]}-${ids[j]}` : String(ids[i]));
    i = j + 1;
  }
  return out.join(',');
}

/**
 * One line for a table-features list. Like ofp-print (print_table_features, lib/ofp-table.c), a table whose
 * features equal the previous table's prints as "ditto", a run of them as "tables a...b: ditto"; as there, the
 * table name is not compared, and next tables count as equal when they differ only by the table itself (table
 * k's "k+1-253" equals table k+1's "k+2-253"). Next tables print as ranges; instructions and actions by OVS's
 * names in OVS's order; OXM ids stay hex (OVS prints field names, grouped; test/fixtures/openflow/README.md lists
 * the differences).
 */
function formatTableFeatures(tables: readonly TableFeatures[]): string {
  const features = (t: TableFeatures, drop = -1): string =>
    `metadata: match=${hx(t.metadataMatch)} write=${hx(t.metadataWrite)} config=${hx(t.config)} max_entries=${t.maxEntries}` +
    t.properties
      .map((p) =>
        ' ' +
        formatTfProp(
          drop >= 0 && (p.type === 'NEXT_TABLES' || p.type === 'NEXT_TABLES_MISS') ? { ...p, tableIds: p.tableIds.filter((x) => x !== drop) } : p,
        ),
      )
      .join('');
  const sameAsPrevious = (i: number): boolean => {
    const prev = tables[i - 1]!;
    const cur = tables[i]!;
    const drop = cur.tableId === prev.tableId + 1 ? cur.tableId : -1;
    return features(prev, drop) === features(cur);
  };
  let out = '';
  let i = 0;
  while (i < tables.length) {
    const t = tables[i]!;
    out += ` table ${t.tableId} ("${t.name}"): ${features(t)}`;
    let j = i + 1;
    while (j < tables.length && sameAsPrevious(j)) j++;
    if (j - i === 2) out += ` table ${tables[i + 1]!.tableId}: ditto`;
    else if (j - i > 2) out += ` tables ${tables[i + 1]!.tableId}...${tables[j - 1]!.tableId}: ditto`;
    i = j;
  }
  return out;
}

export const tableFeaturesRequestCodec = mpCodec<TfReq>({
  mpType: OFPMP_TABLE_FEATURES,
  name: 'TABLE_FEATURES',
  decode: (r) => ({ mpType: 'TABLE_FEATURES', tables: decodeTableFeaturesList(r) }),
  encode: (w, b) => encodeTableFeaturesList(w, b.tables),
  format: (b) => formatTableFeatures(b.tables),
});

export const tableFeaturesReplyCodec = mpCodec<TfRep>({
  mpType: OFPMP_TABLE_FEATURES,
  name: 'TABLE_FEATURES',
  decode: (r) => ({ mpType: 'TABLE_FEATURES', tables: decodeTableFeaturesList(r) }),
  encode: (w, b) => encodeTableFeaturesList(w, b.tables),
  format: (b) => formatTableFeatures(b.tables),
});

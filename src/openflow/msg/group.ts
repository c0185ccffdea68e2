/**
 * Group messages: OFPT_GROUP_MOD (OpenFlow 1.3.5 A.3.4.2) with its buckets, and the OFPMP_GROUP (A.3.5.9),
 * OFPMP_GROUP_DESC (A.3.5.10) and OFPMP_GROUP_FEATURES (A.3.5.11) multipart bodies.
 */
import { Parser } from 'binary-parser';
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import { decodeActions, encodeActions, formatActions } from '../actions';
import {
  OFPG_ANY,
  OFPMP_GROUP,
  OFPMP_GROUP_DESC,
  OFPMP_GROUP_FEATURES,
  OFPP_ANY,
  OFPT_GROUP_MOD,
  type Bucket,
  type GroupDesc,
  type GroupMod,
  type GroupStats,
  type MultipartReplyBody,
  type MultipartRequestBody,
} from '../types';
import { codec, mpCodec } from './codec';
import { hx, parseFixed, portName } from './common';
import { expectEnd } from './switch';
import { formatDuration } from './flow';

const GROUP_TYPES = ['all', 'select', 'indirect', 'ff'];
const GROUP_COMMANDS = ['ADD', 'MOD', 'DEL'];

/** Name of a group id as Open vSwitch prints it. */
export function groupIdName(id: number): string {
  if (id === 0xfffffffc) return 'ALL';
  if (id === OFPG_ANY) return 'ANY';
  return String(id);
}

// ofp_bucket (A.3.4.2): len u16, weight u16, watch_port u32, watch_group u32, pad 4, actions.
const BUCKET_FIXED = 16;

/** Decodes buckets until `r` is exhausted. */
export function decodeBuckets(r: Reader): Bucket[] {
  const out: Bucket[] = [];
  while (r.remaining > 0) {
    const start = r.offset;
    if (r.remaining < BUCKET_FIXED) throw r.error('OFPBRC_BAD_LEN', `ofp_bucket needs 16 bytes, ${r.remaining} remain`);
    const len = r.peekU16();
    if (len < BUCKET_FIXED || len > r.remaining) {
      throw r.error('OFPBRC_BAD_LEN', `ofp_bucket length ${len} is below 16 or beyond the ${r.remaining} bytes left`, start);
    }
    const b = r.sub(len, 'ofp_bucket', 'OFPBRC_BAD_LEN');
    b.skip(2);
    const weight = b.u16();
    const watchPort = b.u32();
    const watchGroup = b.u32();
    b.skip(4);
    out.push({ weight, watchPort, watchGroup, actions: decodeActions(b) });
  }
  return out;
}

/** Encodes buckets. */
export function encodeBuckets(w: Writer, buckets: readonly Bucket[]): void {
  for (const k of buckets) {
    const start = w.pos;
    w.u16(0).u16(k.weight).u32(k.watchPort).u32(k.watchGroup).zeros(4);
    encodeActions(w, k.actions);
    w.patchU16(start, w.pos - start);
  }
}

/** `group_id=1,type=select,bucket=weight:100,actions=output:1,...` as ofputil_group_format prints it. */
export function formatGroup(groupType: number, groupId: number, buckets: readonly Bucket[]): string {
  let s = `group_id=${groupIdName(groupId)},type=${GROUP_TYPES[groupType] ?? groupType}`;
  for (const k of buckets) {
    s += ',bucket=';
    const parts: string[] = [];
    if (groupType === 1) parts.push(`weight:${k.weight}`);
    if (k.watchPort !== OFPP_ANY) parts.push(`watch_port:${portName(k.watchPort)}`);
    if (k.watchGroup !== OFPG_ANY) parts.push(`watch_group:${k.watchGroup}`);
    parts.push(`actions=${formatActions(k.actions)}`);
    s += parts.join(',');
  }
  return s;
}

// ofp_group_mod (A.3.4.2): command u16, type u8, pad 1, group_id u32, buckets.
export const groupModCodec = codec<GroupMod>({
  name: 'GROUP_MOD',
  ofpName: 'OFPT_GROUP_MOD',
  ofpType: OFPT_GROUP_MOD,
  fields: { command: 16, groupType: 8, groupId: 32 },
  decode(r, h) {
    r.need(8, 'ofp_group_mod', 'OFPBRC_BAD_LEN');
    const command = r.u16();
    const groupType = r.u8();
    r.skip(1);
    const groupId = r.u32();
    const buckets = decodeBuckets(r);
    return { type: 'GROUP_MOD', xid: h.xid, command, groupType, groupId, buckets };
  },
  encode(w, m) {
    w.u16(m.command).u8(m.groupType).u8(0).u32(m.groupId);
    encodeBuckets(w, m.buckets);
  },
  format: (m) => `${GROUP_COMMANDS[m.command] ?? `cmd:${m.command}`} ${formatGroup(m.groupType, m.groupId, m.buckets)}`,
});

type GroupReq = Extract<MultipartRequestBody, { mpType: 'GROUP' }>;
type GroupRep = Extract<MultipartReplyBody, { mpType: 'GROUP' }>;
type GroupDescReq = Extract<MultipartRequestBody, { mpType: 'GROUP_DESC' }>;
type GroupDescRep = Extract<MultipartReplyBody, { mpType: 'GROUP_DESC' }>;
type GroupFeatReq = Extract<MultipartRequestBody, { mpType: 'GROUP_FEATURES' }>;
type GroupFeatRep = Extract<MultipartReplyBody, { mpType: 'GROUP_FEATURES' }>;

// OFPMP_GROUP request (A.3.5.9): group_id u32, pad 4.
export const groupStatsRequestCodec = mpCodec<GroupReq>({
  mpType: OFPMP_GROUP,
  name: 'GROUP',
  decode(r) {
    r.need(8, 'ofp_group_stats_request', 'OFPBRC_BAD_LEN');
    const groupId = r.u32();
    r.skip(4);
    expectEnd(r);
    return { mpType: 'GROUP', groupId };
  },
  encode: (w, b) => void w.u32(b.groupId).zeros(4),
  format: (b) => `group_id=${groupIdName(b.groupId)}`,
});

// ofp_group_stats (A.3.5.9): length u16, pad 2, group_id u32, ref_count u32, pad 4, packet_count u64,
// byte_count u64, duration_sec u32, duration_nsec u32, then ofp_bucket_counter[] (u64 packets, u64 bytes).
const groupStatsParser = new Parser()
  .endianness('big')
  .uint16('length')
  .skip(2)
  .uint32('groupId')
  .uint32('refCount')
  .skip(4)
  .uint64('packetCount')
  .uint64('byteCount')
  .uint32('durationSec')
  .uint32('durationNsec');

export const groupStatsReplyCodec = mpCodec<GroupRep>({
  mpType: OFPMP_GROUP,
  name: 'GROUP',
  decode(r) {
    const stats: GroupStats[] = [];
    while (r.remaining > 0) {
      const start = r.offset;
      if (r.remaining < 40) throw r.error('OFPBRC_BAD_LEN', `ofp_group_stats needs 40 bytes, ${r.remaining} remain`);
      const len = r.peekU16();
      if (len < 40 || len > r.remaining || (len - 40) % 16 !== 0) {
        throw r.error('OFPBRC_BAD_LEN', `ofp_group_stats length ${len} is invalid (${r.remaining} bytes left)`, start);
      }
      const e = r.sub(len, 'ofp_group_stats', 'OFPBRC_BAD_LEN');
      const f = parseFixed<Omit<GroupStats, 'bucketStats'> & { length?: number }>(e, groupStatsParser, 40, 'ofp_group_stats');
      delete f.length;
      const bucketStats: GroupStats['bucketStats'] = [];
      while (e.remaining > 0) bucketStats.push({ packetCount: e.u64(), byteCount: e.u64() });
      stats.push({ ...f, bucketStats });
    }
    return { mpType: 'GROUP', stats };
  },
  encode(w, b) {
    for (const s of b.stats) {
      w.u16(40 + 16 * s.bucketStats.length).zeros(2).u32(s.groupId).u32(s.refCount).zeros(4);
      w.u64(s.packetCount).u64(s.byteCount).u32(s.durationSec).u32(s.durationNsec);
      for (const c of s.bucketStats) w.u64(c.packetCount).u64(c.byteCount);
    }
  },
  format: (b) =>
    b.stats
      .map(
        (s) =>
          ` group_id=${groupIdName(s.groupId)},duration=${formatDuration(s.durationSec, s.durationNsec)},ref_count=${s.refCount},packet_count=${s.packetCount},byte_count=${s.byteCount}` +
          s.bucketStats.map((c, i) => `,bucket${i}:packet_count=${c.packetCount},byte_count=${c.byteCount}`).join(''),
      )
      .join(''),
});

export const groupDescRequestCodec = mpCodec<GroupDescReq>({
  mpType: OFPMP_GROUP_DESC,
  name: 'GROUP_DESC',
  decode: (r) => (expectEnd(r), { mpType: 'GROUP_DESC' }),
  encode: () => undefined,
  format: () => 'group_id=ALL',
});

// ofp_group_desc (A.3.5.10): length u16, type u8, pad 1, group_id u32, buckets.
export const groupDescReplyCodec = mpCodec<GroupDescRep>({
  mpType: OFPMP_GROUP_DESC,
  name: 'GROUP_DESC',
  decode(r) {
    const groups: GroupDesc[] = [];
    while (r.remaining > 0) {
      const start = r.offset;
      if (r.remaining < 8) throw r.error('OFPBRC_BAD_LEN', `ofp_group_desc needs 8 bytes, ${r.remaining} remain`);
      const len = r.peekU16();
      if (len < 8 || len > r.remaining) {
        throw r.error('OFPBRC_BAD_LEN', `ofp_group_desc length ${len} is below 8 or beyond the ${r.remaining} bytes left`, start);
      }
      const e = r.sub(len, 'ofp_group_desc', 'OFPBRC_BAD_LEN');
      e.skip(2);
      const groupType = e.u8();
      e.skip(1);
      const groupId = e.u32();
      groups.push({ groupType, groupId, buckets: decodeBuckets(e) });
    }
    return { mpType: 'GROUP_DESC', groups };
  },
  encode(w, b) {
    for (const g of b.groups) {
      const start = w.pos;
      w.u16(0).u8(g.groupType).u8(0).u32(g.groupId);
      encodeBuckets(w, g.buckets);
      w.patchU16(start, w.pos - start);
    }
  },
  format: (b) => b.groups.map((g) => ` ${formatGroup(g.groupType, g.groupId, g.buckets)}`).join(''),
});

export const groupFeaturesRequestCodec = mpCodec<GroupFeatReq>({
  mpType: OFPMP_GROUP_FEATURES,
  name: 'GROUP_FEATURES',
  decode: (r) => (expectEnd(r), { mpType: 'GROUP_FEATURES' }),
  encode: () => undefined,
  format: () => '',
});

// ofp_group_features (A.3.5.11): types u32, capabilities u32, max_groups u32[4], actions u32[4].
export const groupFeaturesReplyCodec = mpCodec<GroupFeatRep>({
  mpType: OFPMP_GROUP_FEATURES,
  name: 'GROUP_FEATURES',
  decode(r) {
    r.need(40, 'ofp_group_features', 'OFPBRC_BAD_LEN');
    const types = r.u32();
    const capabilities = r.u32();
    const maxGroups = [r.u32(), r.u32(), r.u32(), r.u32()];
    const actions = [r.u32(), r.u32(), r.u32(), r.u32()];
    expectEnd(r);
    return { mpType: 'GROUP_FEATURES', types, capabilities, maxGroups, actions };
  },
  encode(w, b) {
    w.u32(b.types).u32(b.capabilities);
    for (let i = 0; i < 4; i++) w.u32(b.maxGroups[i] ?? 0);
    for (let i = 0; i < 4; i++) w.u32(b.actions[i] ?? 0);
  },
  // ofputil_group_features_format (lib/ofp-group.c), on one line.
  format: (b) =>
    `Group table: Types: ${hx(b.types)} Capabilities: ${hx(b.capabilities)}` +
    ['all', 'select', 'indirect', 'fast failover']
      .map((t, i) =>
        b.types & (1 << i) ? ` ${t} group: max_groups=${hx(b.maxGroups[i] ?? 0)} actions: ${formatActionBitmap(b.actions[i] ?? 0)}` : '',
      )
      .join(''),
});

/**
 * OFPAT_* bits as ofpact_bitmap_format prints them: OVS's action order and names (strip_vlan, mod_nw_ttl,
 * dec_ttl...) for the bits it supports, then the others by their spec names.
 */
const ACTION_BITS: [number, string][] = [
  [0, 'output'], [22, 'group'], [25, 'set_field'], [18, 'strip_vlan'], [17, 'push_vlan'], [23, 'mod_nw_ttl'],
  [24, 'dec_ttl'], [15, 'set_mpls_ttl'], [16, 'dec_mpls_ttl'], [19, 'push_mpls'], [20, 'pop_mpls'], [21, 'set_queue'],
  [11, 'copy_ttl_out'], [12, 'copy_ttl_in'], [26, 'push_pbb'], [27, 'pop_pbb'],
];

function formatActionBitmap(bits: number): string {
  const names = ACTION_BITS.filter(([b]) => bits & (1 << b)).map(([, n]) => n);
  const known = ACTION_BITS.reduce((m, [b]) => m | (1 << b), 0);
  const rest = bits & ~known;
  if (rest) names.push(hx(rest >>> 0));
  return names.join(' ');
}

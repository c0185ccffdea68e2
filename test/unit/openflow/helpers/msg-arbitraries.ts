/** fast-check generators of every OpenFlow message the codec models (for the property tests). */
import fc from 'fast-check';
import type { Match } from '../../../../src/openflow/match';
import type { Action } from '../../../../src/openflow/actions';
import type { Instruction } from '../../../../src/openflow/instructions';
import type {
  Bucket,
  BundleProperty,
  FlowStats,
  HelloElement,
  MeterBand,
  MultipartReplyBody,
  MultipartRequestBody,
  OfpMessage,
  OfpPort,
  QueueProperty,
  TableFeatureProperty,
  TableFeatures,
} from '../../../../src/openflow/types';

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const xid = u32;
const bytes = (max = 40) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const text = (max: number) => fc.string({ unit: 'grapheme-ascii', maxLength: max });
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((a) => [...a].map((b) => b.toString(16).padStart(2, '0')).join(':'));

export const matchArb: fc.Arbitrary<Match> = fc.oneof(
  fc.constant([] as Match),
  u32.map((p) => [{ field: 'in_port', value: p }] as Match),
  fc.tuple(u32, u32, fc.integer({ min: 1, max: 31 }), u64).map(([port, ip, plen, tun]) => {
    const mask = (0xffffffff << (32 - plen)) >>> 0;
    return [
      { field: 'in_port', value: port },
      { field: 'eth_type', value: 0x0800 },
      { field: 'ipv4_dst', value: (ip & mask) >>> 0, mask },
      { field: 'tun_id', value: tun },
    ] as Match;
  }),
  u32.map((r) => [{ field: 'reg0', value: r }] as Match),
);

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant('output' as const), port: u32, maxLen: u16 }),
  fc.record({ type: fc.constant('group' as const), groupId: u32 }),
  fc.record({ type: fc.constant('set_queue' as const), queueId: u32 }),
  fc.constant({ type: 'dec_nw_ttl' as const }),
  fc.constant({ type: 'pop_vlan' as const }),
  fc.record({ type: fc.constant('set_field' as const), field: fc.constant('tun_id'), value: u64 }),
  fc
    .bigInt({ min: 0n, max: 0xffffffffn })
    .map((value) => ({ type: 'load' as const, dst: { field: 'reg0', ofs: 0, nBits: 32 }, value })),
);
export const actionsArb = fc.array(actionArb, { maxLength: 4 });

export const instructionArb: fc.Arbitrary<Instruction> = fc.oneof(
  fc.record({ type: fc.constant('goto_table' as const), tableId: u8 }),
  fc.record({ type: fc.constant('apply_actions' as const), actions: actionsArb }),
  fc.record({ type: fc.constant('write_actions' as const), actions: actionsArb }),
  fc.constant({ type: 'clear_actions' as const }),
  fc.record({ type: fc.constant('write_metadata' as const), metadata: u64, mask: u64 }),
  fc.record({ type: fc.constant('meter' as const), meterId: u32 }),
);
export const instructionsArb = fc.array(instructionArb, { maxLength: 3 });

const portArb: fc.Arbitrary<OfpPort> = fc.record({
  portNo: u32,
  hwAddr: mac,
  name: text(15),
  config: u32,
  state: u32,
  curr: u32,
  advertised: u32,
  supported: u32,
  peer: u32,
  currSpeed: u32,
  maxSpeed: u32,
});

const bucketArb: fc.Arbitrary<Bucket> = fc.record({ weight: u16, watchPort: u32, watchGroup: u32, actions: actionsArb });

const notIn = (arb: fc.Arbitrary<number>, ...vals: number[]) => arb.filter((v) => !vals.includes(v));

const bandArb: fc.Arbitrary<MeterBand> = fc.oneof(
  fc.record({ type: fc.constant('DROP' as const), rate: u32, burstSize: u32 }),
  fc.record({ type: fc.constant('DSCP_REMARK' as const), rate: u32, burstSize: u32, precLevel: u8 }),
  fc.record({ type: fc.constant('EXPERIMENTER' as const), rate: u32, burstSize: u32, experimenter: u32, data: bytes(20) }),
  fc.record({ type: fc.constant('UNKNOWN' as const), bandType: notIn(u16, 1, 2, 0xffff), rate: u32, burstSize: u32, data: bytes(20) }),
);

const queuePropArb: fc.Arbitrary<QueueProperty> = fc.oneof(
  fc.record({ type: fc.constant('MIN_RATE' as const), rate: u16 }),
  fc.record({ type: fc.constant('MAX_RATE' as const), rate: u16 }),
  fc.record({ type: fc.constant('EXPERIMENTER' as const), experimenter: u32, data: bytes(16) }),
  fc.record({ type: fc.constant('UNKNOWN' as const), propType: notIn(u16, 1, 2, 0xffff), data: bytes(16) }),
);

const tfIdArb = fc.oneof(
  u16.map((type) => ({ type })),
  fc.record({ type: u16, data: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a)) }),
);
const oxmIdArb = fc.oneof(
  u32.filter((h) => h >>> 16 !== 0xffff).map((header) => ({ header })),
  fc.record({ header: fc.integer({ min: 0, max: 0xffff }).map((l) => (0xffff0000 | l) >>> 0), experimenter: u32 }),
);
const tfPropArb: fc.Arbitrary<TableFeatureProperty> = fc.oneof(
  fc.record({
    type: fc.constantFrom('INSTRUCTIONS', 'INSTRUCTIONS_MISS', 'WRITE_ACTIONS', 'WRITE_ACTIONS_MISS', 'APPLY_ACTIONS', 'APPLY_ACTIONS_MISS'),
    ids: fc.array(tfIdArb, { maxLength: 6 }),
  }) as fc.Arbitrary<TableFeatureProperty>,
  fc.record({ type: fc.constantFrom('NEXT_TABLES', 'NEXT_TABLES_MISS'), tableIds: fc.array(u8, { maxLength: 10 }) }) as fc.Arbitrary<TableFeatureProperty>,
  fc.record({
    type: fc.constantFrom('MATCH', 'WILDCARDS', 'WRITE_SETFIELD', 'WRITE_SETFIELD_MISS', 'APPLY_SETFIELD', 'APPLY_SETFIELD_MISS'),
    oxmIds: fc.array(oxmIdArb, { maxLength: 6 }),
  }) as fc.Arbitrary<TableFeatureProperty>,
  fc.record({ type: fc.constantFrom('EXPERIMENTER', 'EXPERIMENTER_MISS'), experimenter: u32, expType: u32, data: bytes(12) }) as fc.Arbitrary<TableFeatureProperty>,
  fc.record({
    type: fc.constant('UNKNOWN' as const),
    propType: fc.integer({ min: 0, max: 0xffff }).filter((t) => ![0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 0xfffe, 0xffff].includes(t)),
    data: bytes(12),
  }),
);
const tableFeaturesArb: fc.Arbitrary<TableFeatures> = fc.record({
  tableId: u8,
  name: text(31),
  metadataMatch: u64,
  metadataWrite: u64,
  config: u32,
  maxEntries: u32,
  properties: fc.array(tfPropArb, { maxLength: 5 }),
});

const flowStatsArb: fc.Arbitrary<FlowStats> = fc.record({
  tableId: u8,
  durationSec: u32,
  durationNsec: u32,
  priority: u16,
  idleTimeout: u16,
  hardTimeout: u16,
  flags: u16,
  cookie: u64,
  packetCount: u64,
  byteCount: u64,
  match: matchArb,
  instructions: instructionsArb,
});

const flowReq = fc.record({ tableId: u8, outPort: u32, outGroup: u32, cookie: u64, cookieMask: u64, match: matchArb });

const mpRequestBody: fc.Arbitrary<MultipartRequestBody> = fc.oneof(
  fc.constantFrom(
    ...(['DESC', 'TABLE', 'GROUP_DESC', 'GROUP_FEATURES', 'METER_FEATURES', 'PORT_DESC'] as const).map((mpType) => ({ mpType })),
  ),
  flowReq.map((b) => ({ mpType: 'FLOW' as const, ...b })),
  flowReq.map((b) => ({ mpType: 'AGGREGATE' as const, ...b })),
  u32.map((portNo) => ({ mpType: 'PORT_STATS' as const, portNo })),
  fc.record({ mpType: fc.constant('QUEUE' as const), portNo: u32, queueId: u32 }),
  u32.map((groupId) => ({ mpType: 'GROUP' as const, groupId })),
  u32.map((meterId) => ({ mpType: 'METER' as const, meterId })),
  u32.map((meterId) => ({ mpType: 'METER_CONFIG' as const, meterId })),
  fc.array(tableFeaturesArb, { maxLength: 3 }).map((tables) => ({ mpType: 'TABLE_FEATURES' as const, tables })),
  fc.record({ mpType: fc.constant('EXPERIMENTER' as const), experimenter: u32, expType: u32, data: bytes() }),
  fc.record({ mpType: fc.constant('UNKNOWN' as const), mpTypeCode: fc.integer({ min: 14, max: 0xfffe }), data: bytes() }),
);

const c64 = u64;
const mpReplyBody: fc.Arbitrary<MultipartReplyBody> = fc.oneof(
  fc.record({ mpType: fc.constant('DESC' as const), mfrDesc: text(255), hwDesc: text(255), swDesc: text(255), serialNum: text(31), dpDesc: text(255) }),
  fc.array(flowStatsArb, { maxLength: 4 }).map((stats) => ({ mpType: 'FLOW' as const, stats })),
  fc.record({ mpType: fc.constant('AGGREGATE' as const), packetCount: c64, byteCount: c64, flowCount: u32 }),
  fc
    .array(fc.record({ tableId: u8, activeCount: u32, lookupCount: c64, matchedCount: c64 }), { maxLength: 4 })
    .map((stats) => ({ mpType: 'TABLE' as const, stats })),
  fc
    .array(
      fc.record({
        portNo: u32, rxPackets: c64, txPackets: c64, rxBytes: c64, txBytes: c64, rxDropped: c64, txDropped: c64,
        rxErrors: c64, txErrors: c64, rxFrameErr: c64, rxOverErr: c64, rxCrcErr: c64, collisions: c64,
        durationSec: u32, durationNsec: u32,
      }),
      { maxLength: 3 },
    )
    .map((stats) => ({ mpType: 'PORT_STATS' as const, stats })),
  fc
    .array(fc.record({ portNo: u32, queueId: u32, txBytes: c64, txPackets: c64, txErrors: c64, durationSec: u32, durationNsec: u32 }), { maxLength: 3 })
    .map((stats) => ({ mpType: 'QUEUE' as const, stats })),
  fc
    .array(
      fc.record({
        groupId: u32, refCount: u32, packetCount: c64, byteCount: c64, durationSec: u32, durationNsec: u32,
        bucketStats: fc.array(fc.record({ packetCount: c64, byteCount: c64 }), { maxLength: 3 }),
      }),
      { maxLength: 3 },
    )
    .map((stats) => ({ mpType: 'GROUP' as const, stats })),
  fc
    .array(fc.record({ groupType: u8, groupId: u32, buckets: fc.array(bucketArb, { maxLength: 3 }) }), { maxLength: 3 })
    .map((groups) => ({ mpType: 'GROUP_DESC' as const, groups })),
  fc.record({
    mpType: fc.constant('GROUP_FEATURES' as const), types: u32, capabilities: u32,
    maxGroups: fc.array(u32, { minLength: 4, maxLength: 4 }), actions: fc.array(u32, { minLength: 4, maxLength: 4 }),
  }),
  fc
    .array(
      fc.record({
        meterId: u32, flowCount: u32, packetInCount: c64, byteInCount: c64, durationSec: u32, durationNsec: u32,
        bandStats: fc.array(fc.record({ packetBandCount: c64, byteBandCount: c64 }), { maxLength: 3 }),
      }),
      { maxLength: 3 },
    )
    .map((stats) => ({ mpType: 'METER' as const, stats })),
  fc
    .array(fc.record({ flags: u16, meterId: u32, bands: fc.array(bandArb, { maxLength: 3 }) }), { maxLength: 3 })
    .map((meters) => ({ mpType: 'METER_CONFIG' as const, meters })),
  fc.record({ mpType: fc.constant('METER_FEATURES' as const), maxMeter: u32, bandTypes: u32, capabilities: u32, maxBands: u8, maxColor: u8 }),
  fc.array(tableFeaturesArb, { maxLength: 3 }).map((tables) => ({ mpType: 'TABLE_FEATURES' as const, tables })),
  fc.array(portArb, { maxLength: 4 }).map((ports) => ({ mpType: 'PORT_DESC' as const, ports })),
  fc.record({ mpType: fc.constant('EXPERIMENTER' as const), experimenter: u32, expType: u32, data: bytes() }),
  fc.record({ mpType: fc.constant('UNKNOWN' as const), mpTypeCode: fc.integer({ min: 14, max: 0xfffe }), data: bytes() }),
);

const helloElem: fc.Arbitrary<HelloElement> = fc.oneof(
  fc.array(u32, { maxLength: 3 }).map((bitmaps) => ({ type: 'VERSIONBITMAP' as const, bitmaps })),
  fc.record({ type: fc.constant('UNKNOWN' as const), elemType: notIn(u16, 1), data: bytes(12) }),
);

const bundleProp: fc.Arbitrary<BundleProperty> = fc.oneof(
  fc.record({ type: fc.constant('EXPERIMENTER' as const), experimenter: u32, expType: u32, data: bytes(12) }),
  fc.record({ type: fc.constant('UNKNOWN' as const), propType: notIn(u16, 0xffff), data: bytes(12) }),
);

const pin2Props = fc.record(
  {
    packet: bytes(64),
    fullLen: u32,
    bufferId: u32,
    tableId: u8,
    cookie: u64,
    reason: u8,
    metadata: matchArb,
    userdata: bytes(16),
    continuation: bytes(40),
    unknown: fc.array(fc.record({ propType: fc.integer({ min: 9, max: 0xffff }), data: bytes(12) }), { maxLength: 2 }),
  },
  { requiredKeys: ['packet', 'unknown'] },
);

const flowModArb = fc.record({
  type: fc.constant('FLOW_MOD' as const), xid, cookie: u64, cookieMask: u64, tableId: u8, command: u8,
  idleTimeout: u16, hardTimeout: u16, priority: u16, bufferId: u32, outPort: u32, outGroup: u32, flags: u16,
  match: matchArb, instructions: instructionsArb,
});

/** Simple messages that can sit inside a BUNDLE_ADD. */
const bundlable: fc.Arbitrary<OfpMessage> = fc.oneof(
  flowModArb,
  fc.record({ type: fc.constant('GROUP_MOD' as const), xid, command: u16, groupType: u8, groupId: u32, buckets: fc.array(bucketArb, { maxLength: 2 }) }),
  fc.record({ type: fc.constant('BARRIER_REQUEST' as const), xid }),
);

/** One generator per message `type`. */
export const messageArbs: Record<OfpMessage['type'], fc.Arbitrary<OfpMessage>> = {
  HELLO: fc.record({ type: fc.constant('HELLO' as const), xid, version: fc.integer({ min: 1, max: 0xff }), elements: fc.array(helloElem, { maxLength: 3 }) }),
  ERROR: fc.oneof(
    fc.record({ type: fc.constant('ERROR' as const), xid, version: fc.integer({ min: 1, max: 0xff }), errType: notIn(u16, 0xffff), code: u16, data: bytes(64) }),
    fc.record({ type: fc.constant('ERROR' as const), xid, version: fc.integer({ min: 1, max: 0xff }), errType: fc.constant(0xffff), code: u16, experimenter: u32, data: bytes(64) }),
  ),
  ECHO_REQUEST: fc.record({ type: fc.constant('ECHO_REQUEST' as const), xid, data: bytes() }),
  ECHO_REPLY: fc.record({ type: fc.constant('ECHO_REPLY' as const), xid, data: bytes() }),
  EXPERIMENTER: fc.record({ type: fc.constant('EXPERIMENTER' as const), xid, experimenter: notIn(u32, 0x2320, 0x4f4e4600), expType: u32, data: bytes() }),
  FEATURES_REQUEST: fc.record({ type: fc.constant('FEATURES_REQUEST' as const), xid }),
  FEATURES_REPLY: fc.record({ type: fc.constant('FEATURES_REPLY' as const), xid, datapathId: u64, nBuffers: u32, nTables: u8, auxiliaryId: u8, capabilities: u32, reserved: u32 }),
  GET_CONFIG_REQUEST: fc.record({ type: fc.constant('GET_CONFIG_REQUEST' as const), xid }),
  GET_CONFIG_REPLY: fc.record({ type: fc.constant('GET_CONFIG_REPLY' as const), xid, flags: u16, missSendLen: u16 }),
  SET_CONFIG: fc.record({ type: fc.constant('SET_CONFIG' as const), xid, flags: u16, missSendLen: u16 }),
  PACKET_IN: fc.record({ type: fc.constant('PACKET_IN' as const), xid, bufferId: u32, totalLen: u16, reason: u8, tableId: u8, cookie: u64, match: matchArb, data: bytes(100) }),
  FLOW_REMOVED: fc.record({
    type: fc.constant('FLOW_REMOVED' as const), xid, cookie: u64, priority: u16, reason: u8, tableId: u8, durationSec: u32,
    durationNsec: u32, idleTimeout: u16, hardTimeout: u16, packetCount: u64, byteCount: u64, match: matchArb,
  }),
  PORT_STATUS: fc.record({ type: fc.constant('PORT_STATUS' as const), xid, reason: u8, desc: portArb }),
  PACKET_OUT: fc.record({ type: fc.constant('PACKET_OUT' as const), xid, bufferId: u32, inPort: u32, actions: actionsArb, data: bytes(100) }),
  FLOW_MOD: flowModArb,
  GROUP_MOD: fc.record({ type: fc.constant('GROUP_MOD' as const), xid, command: u16, groupType: u8, groupId: u32, buckets: fc.array(bucketArb, { maxLength: 4 }) }),
  PORT_MOD: fc.record({ type: fc.constant('PORT_MOD' as const), xid, portNo: u32, hwAddr: mac, config: u32, mask: u32, advertise: u32 }),
  TABLE_MOD: fc.record({ type: fc.constant('TABLE_MOD' as const), xid, tableId: u8, config: u32 }),
  MULTIPART_REQUEST: fc.record({ type: fc.constant('MULTIPART_REQUEST' as const), xid, flags: u16, body: mpRequestBody }),
  MULTIPART_REPLY: fc.record({ type: fc.constant('MULTIPART_REPLY' as const), xid, flags: u16, body: mpReplyBody }),
  BARRIER_REQUEST: fc.record({ type: fc.constant('BARRIER_REQUEST' as const), xid }),
  BARRIER_REPLY: fc.record({ type: fc.constant('BARRIER_REPLY' as const), xid }),
  QUEUE_GET_CONFIG_REQUEST: fc.record({ type: fc.constant('QUEUE_GET_CONFIG_REQUEST' as const), xid, port: u32 }),
  QUEUE_GET_CONFIG_REPLY: fc.record({
    type: fc.constant('QUEUE_GET_CONFIG_REPLY' as const), xid, port: u32,
    queues: fc.array(fc.record({ queueId: u32, port: u32, properties: fc.array(queuePropArb, { maxLength: 3 }) }), { maxLength: 3 }),
  }),
  ROLE_REQUEST: fc.record({ type: fc.constant('ROLE_REQUEST' as const), xid, role: u32, generationId: u64 }),
  ROLE_REPLY: fc.record({ type: fc.constant('ROLE_REPLY' as const), xid, role: u32, generationId: u64 }),
  GET_ASYNC_REQUEST: fc.record({ type: fc.constant('GET_ASYNC_REQUEST' as const), xid }),
  GET_ASYNC_REPLY: fc.record({ type: fc.constant('GET_ASYNC_REPLY' as const), xid, packetInMask: fc.tuple(u32, u32), portStatusMask: fc.tuple(u32, u32), flowRemovedMask: fc.tuple(u32, u32) }),
  SET_ASYNC: fc.record({ type: fc.constant('SET_ASYNC' as const), xid, packetInMask: fc.tuple(u32, u32), portStatusMask: fc.tuple(u32, u32), flowRemovedMask: fc.tuple(u32, u32) }),
  METER_MOD: fc.record({ type: fc.constant('METER_MOD' as const), xid, command: u16, flags: u16, meterId: u32, bands: fc.array(bandArb, { maxLength: 4 }) }),
  BUNDLE_CONTROL: fc.record({ type: fc.constant('BUNDLE_CONTROL' as const), xid, bundleId: u32, ctrlType: u16, flags: u16, properties: fc.array(bundleProp, { maxLength: 3 }) }),
  BUNDLE_ADD: fc.record({ type: fc.constant('BUNDLE_ADD' as const), xid, bundleId: u32, flags: u16, message: bundlable, properties: fc.array(bundleProp, { maxLength: 2 }) }),
  NXT_SET_PACKET_IN_FORMAT: fc.record({ type: fc.constant('NXT_SET_PACKET_IN_FORMAT' as const), xid, format: u32 }),
  NXT_SET_CONTROLLER_ID: fc.record({ type: fc.constant('NXT_SET_CONTROLLER_ID' as const), xid, controllerId: u16 }),
  NXT_PACKET_IN2: fc.tuple(xid, pin2Props).map(([x, p]) => ({ type: 'NXT_PACKET_IN2' as const, xid: x, ...p })),
  NXT_RESUME: fc.tuple(xid, pin2Props).map(([x, p]) => ({ type: 'NXT_RESUME' as const, xid: x, ...p })),
};

/** Any message. */
export const anyMessageArb: fc.Arbitrary<OfpMessage> = fc.oneof(...Object.values(messageArbs));

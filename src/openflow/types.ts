/**
 * OpenFlow 1.3 message objects and constants.
 *
 * Every decoded message is one member of the discriminated union {@link OfpMessage} (on `type`); every message
 * carries the `xid` of its ofp_header. Constants are named as in the OpenFlow 1.3.5 specification
 * (`include/openflow/openflow-1.3.h` in Open vSwitch) and in Open vSwitch's Nicira/ONF extension headers.
 *
 * Value conventions: 64-bit wire fields (cookies, counters, datapath ids) are `bigint`; 8/16/32-bit fields are
 * `number`; Ethernet addresses are lower-case `xx:xx:xx:xx:xx:xx` strings; opaque bytes are `Buffer`.
 */
import type { Match } from './match';
import type { Action } from './actions';
import type { Instruction } from './instructions';

// ---------------------------------------------------------------------------------------------------------------
// Constants (OpenFlow 1.3.5, section 7 / appendix A)
// ---------------------------------------------------------------------------------------------------------------

/** ofp_header.version of OpenFlow 1.3. */
export const OFP13_VERSION = 0x04;
/** Size of ofp_header. */
export const OFP_HEADER_LEN = 8;
/** Largest OpenFlow message the u16 length can describe. */
export const OFP_MAX_MSG_LEN = 0xffff;

/** ofp_type (A.1). */
export const OFPT_HELLO = 0;
export const OFPT_ERROR = 1;
export const OFPT_ECHO_REQUEST = 2;
export const OFPT_ECHO_REPLY = 3;
export const OFPT_EXPERIMENTER = 4;
export const OFPT_FEATURES_REQUEST = 5;
export const OFPT_FEATURES_REPLY = 6;
export const OFPT_GET_CONFIG_REQUEST = 7;
export const OFPT_GET_CONFIG_REPLY = 8;
export const OFPT_SET_CONFIG = 9;
export const OFPT_PACKET_IN = 10;
export const OFPT_FLOW_REMOVED = 11;
export const OFPT_PORT_STATUS = 12;
export const OFPT_PACKET_OUT = 13;
export const OFPT_FLOW_MOD = 14;
export const OFPT_GROUP_MOD = 15;
export const OFPT_PORT_MOD = 16;
export const OFPT_TABLE_MOD = 17;
export const OFPT_MULTIPART_REQUEST = 18;
export const OFPT_MULTIPART_REPLY = 19;
export const OFPT_BARRIER_REQUEST = 20;
export const OFPT_BARRIER_REPLY = 21;
export const OFPT_QUEUE_GET_CONFIG_REQUEST = 22;
export const OFPT_QUEUE_GET_CONFIG_REPLY = 23;
export const OFPT_ROLE_REQUEST = 24;
export const OFPT_ROLE_REPLY = 25;
export const OFPT_GET_ASYNC_REQUEST = 26;
export const OFPT_GET_ASYNC_REPLY = 27;
export const OFPT_SET_ASYNC = 28;
export const OFPT_METER_MOD = 29;

/** ofp_hello_elem_type (A.5.1). */
export const OFPHET_VERSIONBITMAP = 1;

/** ofp_port_no reserved values (A.2.1). */
export const OFPP_MAX = 0xffffff00;
export const OFPP_IN_PORT = 0xfffffff8;
export const OFPP_TABLE = 0xfffffff9;
export const OFPP_NORMAL = 0xfffffffa;
export const OFPP_FLOOD = 0xfffffffb;
export const OFPP_ALL = 0xfffffffc;
export const OFPP_CONTROLLER = 0xfffffffd;
export const OFPP_LOCAL = 0xfffffffe;
export const OFPP_ANY = 0xffffffff;

/** ofp_table (A.3.1). */
export const OFPTT_MAX = 0xfe;
export const OFPTT_ALL = 0xff;

/** ofp_group (A.3.5.1). */
export const OFPG_MAX = 0xffffff00;
export const OFPG_ALL = 0xfffffffc;
export const OFPG_ANY = 0xffffffff;

/** ofp_meter (A.3.4.4). */
export const OFPM_MAX = 0xffff0000;
export const OFPM_SLOWPATH = 0xfffffffd;
export const OFPM_CONTROLLER = 0xfffffffe;
export const OFPM_ALL = 0xffffffff;

/** Buffer id meaning "no buffered packet". */
export const OFP_NO_BUFFER = 0xffffffff;

/** ofp_flow_mod_command (A.3.4.1). */
export const OFPFC_ADD = 0;
export const OFPFC_MODIFY = 1;
export const OFPFC_MODIFY_STRICT = 2;
export const OFPFC_DELETE = 3;
export const OFPFC_DELETE_STRICT = 4;

/** ofp_flow_mod_flags (A.3.4.1). */
export const OFPFF_SEND_FLOW_REM = 1 << 0;
export const OFPFF_CHECK_OVERLAP = 1 << 1;
export const OFPFF_RESET_COUNTS = 1 << 2;
export const OFPFF_NO_PKT_COUNTS = 1 << 3;
export const OFPFF_NO_BYT_COUNTS = 1 << 4;

/** ofp_group_mod_command / ofp_group_type (A.3.4.2). */
export const OFPGC_ADD = 0;
export const OFPGC_MODIFY = 1;
export const OFPGC_DELETE = 2;
export const OFPGT_ALL = 0;
export const OFPGT_SELECT = 1;
export const OFPGT_INDIRECT = 2;
export const OFPGT_FF = 3;

/** ofp_meter_mod_command / ofp_meter_flags / ofp_meter_band_type (A.3.4.4). */
export const OFPMC_ADD = 0;
export const OFPMC_MODIFY = 1;
export const OFPMC_DELETE = 2;
export const OFPMF_KBPS = 1 << 0;
export const OFPMF_PKTPS = 1 << 1;
export const OFPMF_BURST = 1 << 2;
export const OFPMF_STATS = 1 << 3;
export const OFPMBT_DROP = 1;
export const OFPMBT_DSCP_REMARK = 2;
export const OFPMBT_EXPERIMENTER = 0xffff;

/** ofp_capabilities (A.3.1). */
export const OFPC_FLOW_STATS = 1 << 0;
export const OFPC_TABLE_STATS = 1 << 1;
export const OFPC_PORT_STATS = 1 << 2;
export const OFPC_GROUP_STATS = 1 << 3;
export const OFPC_IP_REASM = 1 << 5;
export const OFPC_QUEUE_STATS = 1 << 6;
export const OFPC_PORT_BLOCKED = 1 << 8;

/** ofp_config_flags (A.3.2). */
export const OFPC_FRAG_NORMAL = 0;
export const OFPC_FRAG_DROP = 1;
export const OFPC_FRAG_REASM = 2;
export const OFPC_FRAG_MASK = 3;

/** ofp_port_config / ofp_port_state / ofp_port_features (A.2.1). */
export const OFPPC_PORT_DOWN = 1 << 0;
export const OFPPC_NO_RECV = 1 << 2;
export const OFPPC_NO_FWD = 1 << 5;
export const OFPPC_NO_PACKET_IN = 1 << 6;
export const OFPPS_LINK_DOWN = 1 << 0;
export const OFPPS_BLOCKED = 1 << 1;
export const OFPPS_LIVE = 1 << 2;
export const OFPPF_10MB_HD = 1 << 0;
export const OFPPF_10MB_FD = 1 << 1;
export const OFPPF_100MB_HD = 1 << 2;
export const OFPPF_100MB_FD = 1 << 3;
export const OFPPF_1GB_HD = 1 << 4;
export const OFPPF_1GB_FD = 1 << 5;
export const OFPPF_10GB_FD = 1 << 6;
export const OFPPF_40GB_FD = 1 << 7;
export const OFPPF_100GB_FD = 1 << 8;
export const OFPPF_1TB_FD = 1 << 9;
export const OFPPF_OTHER = 1 << 10;
export const OFPPF_COPPER = 1 << 11;
export const OFPPF_FIBER = 1 << 12;
export const OFPPF_AUTONEG = 1 << 13;
export const OFPPF_PAUSE = 1 << 14;
export const OFPPF_PAUSE_ASYM = 1 << 15;

/** ofp_packet_in_reason (A.4.1). */
export const OFPR_NO_MATCH = 0;
export const OFPR_ACTION = 1;
export const OFPR_INVALID_TTL = 2;
/** ofp_flow_removed_reason (A.4.2). */
export const OFPRR_IDLE_TIMEOUT = 0;
export const OFPRR_HARD_TIMEOUT = 1;
export const OFPRR_DELETE = 2;
export const OFPRR_GROUP_DELETE = 3;
/** ofp_port_reason (A.4.3). */
export const OFPPR_ADD = 0;
export const OFPPR_DELETE = 1;
export const OFPPR_MODIFY = 2;

/** ofp_controller_role (A.3.9). */
export const OFPCR_ROLE_NOCHANGE = 0;
export const OFPCR_ROLE_EQUAL = 1;
export const OFPCR_ROLE_MASTER = 2;
export const OFPCR_ROLE_SLAVE = 3;

/** ofp_multipart_type (A.3.5). */
export const OFPMP_DESC = 0;
export const OFPMP_FLOW = 1;
export const OFPMP_AGGREGATE = 2;
export const OFPMP_TABLE = 3;
export const OFPMP_PORT_STATS = 4;
export const OFPMP_QUEUE = 5;
export const OFPMP_GROUP = 6;
export const OFPMP_GROUP_DESC = 7;
export const OFPMP_GROUP_FEATURES = 8;
export const OFPMP_METER = 9;
export const OFPMP_METER_CONFIG = 10;
export const OFPMP_METER_FEATURES = 11;
export const OFPMP_TABLE_FEATURES = 12;
export const OFPMP_PORT_DESC = 13;
export const OFPMP_EXPERIMENTER = 0xffff;
/** ofp_multipart_request_flags / ofp_multipart_reply_flags. */
export const OFPMPF_REQ_MORE = 1;
export const OFPMPF_REPLY_MORE = 1;

/** ofp_table_feature_prop_type (A.3.5.5). */
export const OFPTFPT_INSTRUCTIONS = 0;
export const OFPTFPT_INSTRUCTIONS_MISS = 1;
export const OFPTFPT_NEXT_TABLES = 2;
export const OFPTFPT_NEXT_TABLES_MISS = 3;
export const OFPTFPT_WRITE_ACTIONS = 4;
export const OFPTFPT_WRITE_ACTIONS_MISS = 5;
export const OFPTFPT_APPLY_ACTIONS = 6;
export const OFPTFPT_APPLY_ACTIONS_MISS = 7;
export const OFPTFPT_MATCH = 8;
export const OFPTFPT_WILDCARDS = 10;
export const OFPTFPT_WRITE_SETFIELD = 12;
export const OFPTFPT_WRITE_SETFIELD_MISS = 13;
export const OFPTFPT_APPLY_SETFIELD = 14;
export const OFPTFPT_APPLY_SETFIELD_MISS = 15;
export const OFPTFPT_EXPERIMENTER = 0xfffe;
export const OFPTFPT_EXPERIMENTER_MISS = 0xffff;

/** ofp_queue_properties (A.2.2). */
export const OFPQT_MIN_RATE = 1;
export const OFPQT_MAX_RATE = 2;
export const OFPQT_EXPERIMENTER = 0xffff;

/** ofp_error_type (A.4.4). */
export const OFPET_HELLO_FAILED = 0;
export const OFPET_BAD_REQUEST = 1;
export const OFPET_BAD_ACTION = 2;
export const OFPET_BAD_INSTRUCTION = 3;
export const OFPET_BAD_MATCH = 4;
export const OFPET_FLOW_MOD_FAILED = 5;
export const OFPET_GROUP_MOD_FAILED = 6;
export const OFPET_PORT_MOD_FAILED = 7;
export const OFPET_TABLE_MOD_FAILED = 8;
export const OFPET_QUEUE_OP_FAILED = 9;
export const OFPET_SWITCH_CONFIG_FAILED = 10;
export const OFPET_ROLE_REQUEST_FAILED = 11;
export const OFPET_METER_MOD_FAILED = 12;
export const OFPET_TABLE_FEATURES_FAILED = 13;
export const OFPET_EXPERIMENTER = 0xffff;

/** ofp_bad_request_code (A.4.4). */
export const OFPBRC_BAD_VERSION = 0;
export const OFPBRC_BAD_TYPE = 1;
export const OFPBRC_BAD_MULTIPART = 2;
export const OFPBRC_BAD_EXPERIMENTER = 3;
export const OFPBRC_BAD_EXP_TYPE = 4;
export const OFPBRC_EPERM = 5;
export const OFPBRC_BAD_LEN = 6;
export const OFPBRC_BUFFER_EMPTY = 7;
export const OFPBRC_BUFFER_UNKNOWN = 8;
export const OFPBRC_BAD_TABLE_ID = 9;
export const OFPBRC_IS_SLAVE = 10;
export const OFPBRC_BAD_PORT = 11;
export const OFPBRC_BAD_PACKET = 12;
export const OFPBRC_MULTIPART_BUFFER_OVERFLOW = 13;

/** Experimenter ids. */
export const NX_VENDOR_ID = 0x00002320;
export const ONF_VENDOR_ID = 0x4f4e4600;

/** ONF extension 230 (bundles for OpenFlow 1.3): experimenter message types. */
export const ONF_ET_BUNDLE_CONTROL = 2300;
export const ONF_ET_BUNDLE_ADD = 2301;
/** ofp_bundle_ctrl_type. */
export const OFPBCT_OPEN_REQUEST = 0;
export const OFPBCT_OPEN_REPLY = 1;
export const OFPBCT_CLOSE_REQUEST = 2;
export const OFPBCT_CLOSE_REPLY = 3;
export const OFPBCT_COMMIT_REQUEST = 4;
export const OFPBCT_COMMIT_REPLY = 5;
export const OFPBCT_DISCARD_REQUEST = 6;
export const OFPBCT_DISCARD_REPLY = 7;
/** ofp_bundle_flags. */
export const OFPBF_ATOMIC = 1 << 0;
export const OFPBF_ORDERED = 1 << 1;

/** Nicira extension message subtypes (nicira-ext.h / ofp-msgs.h). */
export const NXT_SET_PACKET_IN_FORMAT = 16;
export const NXT_SET_CONTROLLER_ID = 20;
export const NXT_RESUME = 28;
export const NXT_PACKET_IN2 = 30;
/** nx_packet_in_format. */
export const NXPIF_STANDARD = 0;
export const NXPIF_NXT_PACKET_IN = 1;
export const NXPIF_NXT_PACKET_IN2 = 2;
/** NXT_PACKET_IN2 / NXT_RESUME property types (nx_packet_in2_prop_type). */
export const NXPINT_PACKET = 0;
export const NXPINT_FULL_LEN = 1;
export const NXPINT_BUFFER_ID = 2;
export const NXPINT_TABLE_ID = 3;
export const NXPINT_COOKIE = 4;
export const NXPINT_REASON = 5;
export const NXPINT_METADATA = 6;
export const NXPINT_USERDATA = 7;
export const NXPINT_CONTINUATION = 8;

// ---------------------------------------------------------------------------------------------------------------
// Shared sub-structures
// ---------------------------------------------------------------------------------------------------------------

/** An opaque TLV/property we do not model; re-encodes byte for byte. */
export interface OpaqueProperty {
  /** Property type from the wire. */
  propType: number;
  /** Property body after the 4-byte type/length header (without trailing alignment padding). */
  data: Buffer;
}

/** ofp_port (A.2.1), 64 bytes. */
export interface OfpPort {
  portNo: number;
  hwAddr: string;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  currSpeed: number;
  maxSpeed: number;
}

/** ofp_bucket (A.3.4.2). */
export interface Bucket {
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: Action[];
}

/** ofp_meter_band_* (A.3.4.4). */
export type MeterBand =
  | { type: 'DROP'; rate: number; burstSize: number }
  | { type: 'DSCP_REMARK'; rate: number; burstSize: number; precLevel: number }
  | { type: 'EXPERIMENTER'; rate: number; burstSize: number; experimenter: number; data: Buffer }
  | { type: 'UNKNOWN'; bandType: number; rate: number; burstSize: number; data: Buffer };

/** ofp_queue_prop_* (A.2.2). */
export type QueueProperty =
  | { type: 'MIN_RATE'; rate: number }
  | { type: 'MAX_RATE'; rate: number }
  | { type: 'EXPERIMENTER'; experimenter: number; data: Buffer }
  | { type: 'UNKNOWN'; propType: number; data: Buffer };

/** ofp_packet_queue (A.2.2). */
export interface PacketQueue {
  queueId: number;
  port: number;
  properties: QueueProperty[];
}

/** An element of a HELLO (A.5.1). */
export type HelloElement =
  | { type: 'VERSIONBITMAP'; bitmaps: number[] }
  | { type: 'UNKNOWN'; elemType: number; data: Buffer };

/**
 * An instruction or action id in a table-features property (A.3.5.5): the 4-byte type/length header, plus
 * `data` for experimenter ids longer than 4 bytes (experimenter id, subtype...).
 */
export interface TableFeatureId {
  type: number;
  data?: Buffer;
}

/** An OXM id in a table-features property: the 32-bit OXM header, plus the experimenter id for class 0xffff. */
export interface OxmId {
  header: number;
  experimenter?: number;
}

/** ofp_table_feature_prop_* (A.3.5.5). The `type` names drop the OFPTFPT_ prefix. */
export type TableFeatureProperty =
  | { type: 'INSTRUCTIONS' | 'INSTRUCTIONS_MISS'; ids: TableFeatureId[] }
  | { type: 'NEXT_TABLES' | 'NEXT_TABLES_MISS'; tableIds: number[] }
  | {
      type: 'WRITE_ACTIONS' | 'WRITE_ACTIONS_MISS' | 'APPLY_ACTIONS' | 'APPLY_ACTIONS_MISS';
      ids: TableFeatureId[];
    }
  | {
      type:
        | 'MATCH'
        | 'WILDCARDS'
        | 'WRITE_SETFIELD'
        | 'WRITE_SETFIELD_MISS'
        | 'APPLY_SETFIELD'
        | 'APPLY_SETFIELD_MISS';
      oxmIds: OxmId[];
    }
  | { type: 'EXPERIMENTER' | 'EXPERIMENTER_MISS'; experimenter: number; expType: number; data: Buffer }
  | { type: 'UNKNOWN'; propType: number; data: Buffer };

/** ofp_table_features (A.3.5.5). */
export interface TableFeatures {
  tableId: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  config: number;
  maxEntries: number;
  properties: TableFeatureProperty[];
}

/** ofp_bundle_prop_* (ONF ext 230 / OF1.4 7.3.9). */
export type BundleProperty =
  | { type: 'EXPERIMENTER'; experimenter: number; expType: number; data: Buffer }
  | { type: 'UNKNOWN'; propType: number; data: Buffer };

// ---------------------------------------------------------------------------------------------------------------
// Multipart bodies (A.3.5)
// ---------------------------------------------------------------------------------------------------------------

/** ofp_flow_stats_request / ofp_aggregate_stats_request body (A.3.5.2, A.3.5.3). */
export interface FlowStatsRequestBody {
  tableId: number;
  outPort: number;
  outGroup: number;
  cookie: bigint;
  cookieMask: bigint;
  match: Match;
}

/** One entry of an OFPMP_FLOW reply (ofp_flow_stats, A.3.5.2). */
export interface FlowStats {
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
  instructions: Instruction[];
}

/** ofp_desc (A.3.5.1). */
export interface SwitchDesc {
  mfrDesc: string;
  hwDesc: string;
  swDesc: string;
  serialNum: string;
  dpDesc: string;
}

/** ofp_aggregate_stats_reply (A.3.5.3). */
export interface AggregateStats {
  packetCount: bigint;
  byteCount: bigint;
  flowCount: number;
}

/** ofp_table_stats (A.3.5.4). */
export interface TableStats {
  tableId: number;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
}

/** ofp_port_stats (A.3.5.6). */
export interface PortStats {
  portNo: number;
  rxPackets: bigint;
  txPackets: bigint;
  rxBytes: bigint;
  txBytes: bigint;
  rxDropped: bigint;
  txDropped: bigint;
  rxErrors: bigint;
  txErrors: bigint;
  rxFrameErr: bigint;
  rxOverErr: bigint;
  rxCrcErr: bigint;
  collisions: bigint;
  durationSec: number;
  durationNsec: number;
}

/** ofp_queue_stats (A.3.5.8). */
export interface QueueStats {
  portNo: number;
  queueId: number;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  durationSec: number;
  durationNsec: number;
}

/** ofp_group_stats (A.3.5.9). */
export interface GroupStats {
  groupId: number;
  refCount: number;
  packetCount: bigint;
  byteCount: bigint;
  durationSec: number;
  durationNsec: number;
  bucketStats: { packetCount: bigint; byteCount: bigint }[];
}

/** ofp_group_desc (A.3.5.10). */
export interface GroupDesc {
  groupType: number;
  groupId: number;
  buckets: Bucket[];
}

/** ofp_group_features (A.3.5.11). */
export interface GroupFeatures {
  types: number;
  capabilities: number;
  /** max_groups[4], indexed by OFPGT_*. */
  maxGroups: number[];
  /** actions[4], bitmaps of OFPAT_* per OFPGT_*. */
  actions: number[];
}

/** ofp_meter_stats (A.3.5.12). */
export interface MeterStats {
  meterId: number;
  flowCount: number;
  packetInCount: bigint;
  byteInCount: bigint;
  durationSec: number;
  durationNsec: number;
  bandStats: { packetBandCount: bigint; byteBandCount: bigint }[];
}

/** ofp_meter_config (A.3.5.13). */
export interface MeterConfig {
  flags: number;
  meterId: number;
  bands: MeterBand[];
}

/** ofp_meter_features (A.3.5.14). */
export interface MeterFeatures {
  maxMeter: number;
  bandTypes: number;
  capabilities: number;
  maxBands: number;
  maxColor: number;
}

/** Body of a MULTIPART_REQUEST, discriminated on `mpType` (the OFPMP_* name without prefix). */
export type MultipartRequestBody =
  | { mpType: 'DESC' }
  | ({ mpType: 'FLOW' } & FlowStatsRequestBody)
  | ({ mpType: 'AGGREGATE' } & FlowStatsRequestBody)
  | { mpType: 'TABLE' }
  | { mpType: 'PORT_STATS'; portNo: number }
  | { mpType: 'QUEUE'; portNo: number; queueId: number }
  | { mpType: 'GROUP'; groupId: number }
  | { mpType: 'GROUP_DESC' }
  | { mpType: 'GROUP_FEATURES' }
  | { mpType: 'METER'; meterId: number }
  | { mpType: 'METER_CONFIG'; meterId: number }
  | { mpType: 'METER_FEATURES' }
  | { mpType: 'TABLE_FEATURES'; tables: TableFeatures[] }
  | { mpType: 'PORT_DESC' }
  | { mpType: 'EXPERIMENTER'; experimenter: number; expType: number; data: Buffer }
  | { mpType: 'UNKNOWN'; mpTypeCode: number; data: Buffer };

/** Body of a MULTIPART_REPLY, discriminated on `mpType`. */
export type MultipartReplyBody =
  | ({ mpType: 'DESC' } & SwitchDesc)
  | { mpType: 'FLOW'; stats: FlowStats[] }
  | ({ mpType: 'AGGREGATE' } & AggregateStats)
  | { mpType: 'TABLE'; stats: TableStats[] }
  | { mpType: 'PORT_STATS'; stats: PortStats[] }
  | { mpType: 'QUEUE'; stats: QueueStats[] }
  | { mpType: 'GROUP'; stats: GroupStats[] }
  | { mpType: 'GROUP_DESC'; groups: GroupDesc[] }
  | ({ mpType: 'GROUP_FEATURES' } & GroupFeatures)
  | { mpType: 'METER'; stats: MeterStats[] }
  | { mpType: 'METER_CONFIG'; meters: MeterConfig[] }
  | ({ mpType: 'METER_FEATURES' } & MeterFeatures)
  | { mpType: 'TABLE_FEATURES'; tables: TableFeatures[] }
  | { mpType: 'PORT_DESC'; ports: OfpPort[] }
  | { mpType: 'EXPERIMENTER'; experimenter: number; expType: number; data: Buffer }
  | { mpType: 'UNKNOWN'; mpTypeCode: number; data: Buffer };

/** The `mpType` names, indexed by OFPMP_* value. */
export const MULTIPART_TYPE_NAMES = [
  'DESC',
  'FLOW',
  'AGGREGATE',
  'TABLE',
  'PORT_STATS',
  'QUEUE',
  'GROUP',
  'GROUP_DESC',
  'GROUP_FEATURES',
  'METER',
  'METER_CONFIG',
  'METER_FEATURES',
  'TABLE_FEATURES',
  'PORT_DESC',
] as const;

// ---------------------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------------------

/** OFPT_HELLO (A.5.1). `version` is the header version (a peer may offer a newer one). */
export interface Hello {
  type: 'HELLO';
  xid: number;
  version: number;
  elements: HelloElement[];
}

/**
 * OFPT_ERROR (A.4.4). For OFPET_EXPERIMENTER (0xffff) `code` carries exp_type and `experimenter` is set.
 * `data` is normally the first bytes of the offending request. `version` is the header version.
 */
export interface ErrorMsg {
  type: 'ERROR';
  xid: number;
  version: number;
  errType: number;
  code: number;
  experimenter?: number;
  data: Buffer;
}

export interface EchoRequest {
  type: 'ECHO_REQUEST';
  xid: number;
  data: Buffer;
}
export interface EchoReply {
  type: 'ECHO_REPLY';
  xid: number;
  data: Buffer;
}

/** OFPT_EXPERIMENTER we do not model (A.5.4): re-encodes byte for byte. */
export interface ExperimenterMsg {
  type: 'EXPERIMENTER';
  xid: number;
  experimenter: number;
  expType: number;
  data: Buffer;
}

export interface FeaturesRequest {
  type: 'FEATURES_REQUEST';
  xid: number;
}
/** ofp_switch_features (A.3.1). */
export interface FeaturesReply {
  type: 'FEATURES_REPLY';
  xid: number;
  datapathId: bigint;
  nBuffers: number;
  nTables: number;
  auxiliaryId: number;
  capabilities: number;
  reserved: number;
}

export interface GetConfigRequest {
  type: 'GET_CONFIG_REQUEST';
  xid: number;
}
/** ofp_switch_config (A.3.2). */
export interface GetConfigReply {
  type: 'GET_CONFIG_REPLY';
  xid: number;
  flags: number;
  missSendLen: number;
}
export interface SetConfig {
  type: 'SET_CONFIG';
  xid: number;
  flags: number;
  missSendLen: number;
}

/** ofp_packet_in (A.4.1). */
export interface PacketIn {
  type: 'PACKET_IN';
  xid: number;
  bufferId: number;
  totalLen: number;
  reason: number;
  tableId: number;
  cookie: bigint;
  match: Match;
  /**
   * The packet (or its first miss_send_len bytes). When decoded, a view into the decoded message's buffer,
   * not a copy: copy it if that buffer is reused (buffers from a socket or from OpenFlowFramer are not).
   */
  data: Buffer;
}

/** ofp_flow_removed (A.4.2). */
export interface FlowRemoved {
  type: 'FLOW_REMOVED';
  xid: number;
  cookie: bigint;
  priority: number;
  reason: number;
  tableId: number;
  durationSec: number;
  durationNsec: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
}

/** ofp_port_status (A.4.3). */
export interface PortStatus {
  type: 'PORT_STATUS';
  xid: number;
  reason: number;
  desc: OfpPort;
}

/** ofp_packet_out (A.3.7). */
export interface PacketOut {
  type: 'PACKET_OUT';
  xid: number;
  bufferId: number;
  inPort: number;
  actions: Action[];
  data: Buffer;
}

/** ofp_flow_mod (A.3.4.1). */
export interface FlowMod {
  type: 'FLOW_MOD';
  xid: number;
  cookie: bigint;
  cookieMask: bigint;
  tableId: number;
  /** OFPFC_ADD=0, OFPFC_MODIFY=1, OFPFC_MODIFY_STRICT=2, OFPFC_DELETE=3, OFPFC_DELETE_STRICT=4 */
  command: number;
  idleTimeout: number;
  hardTimeout: number;
  priority: number;
  bufferId: number;
  outPort: number;
  outGroup: number;
  /** OFPFF_* bits */
  flags: number;
  match: Match;
  instructions: Instruction[];
}

/** ofp_group_mod (A.3.4.2). */
export interface GroupMod {
  type: 'GROUP_MOD';
  xid: number;
  command: number;
  groupType: number;
  groupId: number;
  buckets: Bucket[];
}

/** ofp_port_mod (A.3.4.3). */
export interface PortMod {
  type: 'PORT_MOD';
  xid: number;
  portNo: number;
  hwAddr: string;
  config: number;
  mask: number;
  advertise: number;
}

/** ofp_table_mod (A.3.3). */
export interface TableMod {
  type: 'TABLE_MOD';
  xid: number;
  tableId: number;
  config: number;
}

/** ofp_multipart_request (A.3.5). */
export interface MultipartRequest {
  type: 'MULTIPART_REQUEST';
  xid: number;
  /** OFPMPF_REQ_MORE */
  flags: number;
  body: MultipartRequestBody;
}

/** ofp_multipart_reply (A.3.5). */
export interface MultipartReply {
  type: 'MULTIPART_REPLY';
  xid: number;
  /** OFPMPF_REPLY_MORE */
  flags: number;
  body: MultipartReplyBody;
}

export interface BarrierRequest {
  type: 'BARRIER_REQUEST';
  xid: number;
}
export interface BarrierReply {
  type: 'BARRIER_REPLY';
  xid: number;
}

/** ofp_queue_get_config_request (A.3.6). */
export interface QueueGetConfigRequest {
  type: 'QUEUE_GET_CONFIG_REQUEST';
  xid: number;
  port: number;
}
/** ofp_queue_get_config_reply (A.3.6). */
export interface QueueGetConfigReply {
  type: 'QUEUE_GET_CONFIG_REPLY';
  xid: number;
  port: number;
  queues: PacketQueue[];
}

/** ofp_role_request (A.3.9). */
export interface RoleRequest {
  type: 'ROLE_REQUEST';
  xid: number;
  role: number;
  generationId: bigint;
}
export interface RoleReply {
  type: 'ROLE_REPLY';
  xid: number;
  role: number;
  generationId: bigint;
}

export interface GetAsyncRequest {
  type: 'GET_ASYNC_REQUEST';
  xid: number;
}
/** ofp_async_config (A.3.10): each mask is [master/equal, slave]. */
export interface AsyncConfig {
  packetInMask: [number, number];
  portStatusMask: [number, number];
  flowRemovedMask: [number, number];
}
export interface GetAsyncReply extends AsyncConfig {
  type: 'GET_ASYNC_REPLY';
  xid: number;
}
export interface SetAsync extends AsyncConfig {
  type: 'SET_ASYNC';
  xid: number;
}

/** ofp_meter_mod (A.3.4.4). */
export interface MeterMod {
  type: 'METER_MOD';
  xid: number;
  command: number;
  flags: number;
  meterId: number;
  bands: MeterBand[];
}

/** ONF extension 230 BUNDLE_CONTROL (onf_bundle_ctrl_msg). */
export interface BundleControl {
  type: 'BUNDLE_CONTROL';
  xid: number;
  bundleId: number;
  /** OFPBCT_* */
  ctrlType: number;
  /** OFPBF_ATOMIC | OFPBF_ORDERED */
  flags: number;
  properties: BundleProperty[];
}

/** ONF extension 230 BUNDLE_ADD (onf_bundle_add_msg): one whole OpenFlow message added to a bundle. */
export interface BundleAdd {
  type: 'BUNDLE_ADD';
  xid: number;
  bundleId: number;
  flags: number;
  message: OfpMessage;
  properties: BundleProperty[];
}

/** NXT_SET_PACKET_IN_FORMAT (nx_set_packet_in_format). */
export interface NxSetPacketInFormat {
  type: 'NXT_SET_PACKET_IN_FORMAT';
  xid: number;
  /** NXPIF_* */
  format: number;
}

/** NXT_SET_CONTROLLER_ID (nx_controller_id). */
export interface NxSetControllerId {
  type: 'NXT_SET_CONTROLLER_ID';
  xid: number;
  controllerId: number;
}

/**
 * The properties of NXT_PACKET_IN2 and NXT_RESUME (nicira-ext.h nx_packet_in2_prop_type). Absent optional
 * fields are not on the wire. Encoding writes properties in Open vSwitch's order (lib/ofp-packet.c: packet,
 * full_len, buffer_id, table_id, cookie, reason, metadata, continuation, userdata), then `unknown` ones.
 */
export interface PacketIn2Props {
  packet: Buffer;
  fullLen?: number;
  bufferId?: number;
  tableId?: number;
  cookie?: bigint;
  reason?: number;
  metadata?: Match;
  userdata?: Buffer;
  /** The NXPINT_CONTINUATION body, opaque: a controller sends it back unchanged in NXT_RESUME. */
  continuation?: Buffer;
  unknown: OpaqueProperty[];
}

export interface NxPacketIn2 extends PacketIn2Props {
  type: 'NXT_PACKET_IN2';
  xid: number;
}
export interface NxResume extends PacketIn2Props {
  type: 'NXT_RESUME';
  xid: number;
}

/** Every OpenFlow 1.3 message (plus the modelled extensions), discriminated on `type`. */
export type OfpMessage =
  | Hello
  | ErrorMsg
  | EchoRequest
  | EchoReply
  | ExperimenterMsg
  | FeaturesRequest
  | FeaturesReply
  | GetConfigRequest
  | GetConfigReply
  | SetConfig
  | PacketIn
  | FlowRemoved
  | PortStatus
  | PacketOut
  | FlowMod
  | GroupMod
  | PortMod
  | TableMod
  | MultipartRequest
  | MultipartReply
  | BarrierRequest
  | BarrierReply
  | QueueGetConfigRequest
  | QueueGetConfigReply
  | RoleRequest
  | RoleReply
  | GetAsyncRequest
  | GetAsyncReply
  | SetAsync
  | MeterMod
  | BundleControl
  | BundleAdd
  | NxSetPacketInFormat
  | NxSetControllerId
  | NxPacketIn2
  | NxResume;

/** The `type` tag of {@link OfpMessage}. */
export type OfpMessageType = OfpMessage['type'];

/** Fills FLOW_MOD defaults (cookie 0, table 0, ADD, priority 0x8000, no buffer, out_port/out_group ANY). */
export function flowMod(partial: Partial<FlowMod> = {}): FlowMod {
  return {
    type: 'FLOW_MOD',
    xid: 0,
    cookie: 0n,
    cookieMask: 0n,
    tableId: 0,
    command: OFPFC_ADD,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 0x8000,
    bufferId: OFP_NO_BUFFER,
    outPort: OFPP_ANY,
    outGroup: OFPG_ANY,
    flags: 0,
    match: [],
    instructions: [],
    ...partial,
  };
}

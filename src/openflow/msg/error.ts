/**
 * OFPT_ERROR (OpenFlow 1.3.5 section A.4.4): u16 type, u16 code, then data -- normally the first bytes (at
 * least 64) of the request that failed. For OFPET_EXPERIMENTER (0xffff) the layout is u16 type, u16 exp_type,
 * u32 experimenter, data.
 */
import { OFPET_EXPERIMENTER, OFPT_ERROR, type ErrorMsg } from '../types';
import { codec } from './codec';
import { hexCap } from './common';

/** Error type names (ofp_error_type), indexed by value. */
export const OFP_ERROR_TYPE_NAMES = [
  'OFPET_HELLO_FAILED',
  'OFPET_BAD_REQUEST',
  'OFPET_BAD_ACTION',
  'OFPET_BAD_INSTRUCTION',
  'OFPET_BAD_MATCH',
  'OFPET_FLOW_MOD_FAILED',
  'OFPET_GROUP_MOD_FAILED',
  'OFPET_PORT_MOD_FAILED',
  'OFPET_TABLE_MOD_FAILED',
  'OFPET_QUEUE_OP_FAILED',
  'OFPET_SWITCH_CONFIG_FAILED',
  'OFPET_ROLE_REQUEST_FAILED',
  'OFPET_METER_MOD_FAILED',
  'OFPET_TABLE_FEATURES_FAILED',
];

/** Error code names per error type (A.4.4), indexed by code. */
export const OFP_ERROR_CODE_NAMES: string[][] = [
  ['OFPHFC_INCOMPATIBLE', 'OFPHFC_EPERM'],
  [
    'OFPBRC_BAD_VERSION', 'OFPBRC_BAD_TYPE', 'OFPBRC_BAD_MULTIPART', 'OFPBRC_BAD_EXPERIMENTER',
    'OFPBRC_BAD_EXP_TYPE', 'OFPBRC_EPERM', 'OFPBRC_BAD_LEN', 'OFPBRC_BUFFER_EMPTY', 'OFPBRC_BUFFER_UNKNOWN',
    'OFPBRC_BAD_TABLE_ID', 'OFPBRC_IS_SLAVE', 'OFPBRC_BAD_PORT', 'OFPBRC_BAD_PACKET',
    'OFPBRC_MULTIPART_BUFFER_OVERFLOW',
  ],
  [
    'OFPBAC_BAD_TYPE', 'OFPBAC_BAD_LEN', 'OFPBAC_BAD_EXPERIMENTER', 'OFPBAC_BAD_EXP_TYPE', 'OFPBAC_BAD_OUT_PORT',
    'OFPBAC_BAD_ARGUMENT', 'OFPBAC_EPERM', 'OFPBAC_TOO_MANY', 'OFPBAC_BAD_QUEUE', 'OFPBAC_BAD_OUT_GROUP',
    'OFPBAC_MATCH_INCONSISTENT', 'OFPBAC_UNSUPPORTED_ORDER', 'OFPBAC_BAD_TAG', 'OFPBAC_BAD_SET_TYPE',
    'OFPBAC_BAD_SET_LEN', 'OFPBAC_BAD_SET_ARGUMENT',
  ],
  [
    'OFPBIC_UNKNOWN_INST', 'OFPBIC_UNSUP_INST', 'OFPBIC_BAD_TABLE_ID', 'OFPBIC_UNSUP_METADATA',
    'OFPBIC_UNSUP_METADATA_MASK', 'OFPBIC_BAD_EXPERIMENTER', 'OFPBIC_BAD_EXP_TYPE', 'OFPBIC_BAD_LEN',
    'OFPBIC_EPERM',
  ],
  [
    'OFPBMC_BAD_TYPE', 'OFPBMC_BAD_LEN', 'OFPBMC_BAD_TAG', 'OFPBMC_BAD_DL_ADDR_MASK', 'OFPBMC_BAD_NW_ADDR_MASK',
    'OFPBMC_BAD_WILDCARDS', 'OFPBMC_BAD_FIELD', 'OFPBMC_BAD_VALUE', 'OFPBMC_BAD_MASK', 'OFPBMC_BAD_PREREQ',
    'OFPBMC_DUP_FIELD', 'OFPBMC_EPERM',
  ],
  [
    'OFPFMFC_UNKNOWN', 'OFPFMFC_TABLE_FULL', 'OFPFMFC_BAD_TABLE_ID', 'OFPFMFC_OVERLAP', 'OFPFMFC_EPERM',
    'OFPFMFC_BAD_TIMEOUT', 'OFPFMFC_BAD_COMMAND', 'OFPFMFC_BAD_FLAGS',
  ],
  [
    'OFPGMFC_GROUP_EXISTS', 'OFPGMFC_INVALID_GROUP', 'OFPGMFC_WEIGHT_UNSUPPORTED', 'OFPGMFC_OUT_OF_GROUPS',
    'OFPGMFC_OUT_OF_BUCKETS', 'OFPGMFC_CHAINING_UNSUPPORTED', 'OFPGMFC_WATCH_UNSUPPORTED', 'OFPGMFC_LOOP',
    'OFPGMFC_UNKNOWN_GROUP', 'OFPGMFC_CHAINED_GROUP', 'OFPGMFC_BAD_TYPE', 'OFPGMFC_BAD_COMMAND',
    'OFPGMFC_BAD_BUCKET', 'OFPGMFC_BAD_WATCH', 'OFPGMFC_EPERM',
  ],
  ['OFPPMFC_BAD_PORT', 'OFPPMFC_BAD_HW_ADDR', 'OFPPMFC_BAD_CONFIG', 'OFPPMFC_BAD_ADVERTISE', 'OFPPMFC_EPERM'],
  ['OFPTMFC_BAD_TABLE', 'OFPTMFC_BAD_CONFIG', 'OFPTMFC_EPERM'],
  ['OFPQOFC_BAD_PORT', 'OFPQOFC_BAD_QUEUE', 'OFPQOFC_EPERM'],
  ['OFPSCFC_BAD_FLAGS', 'OFPSCFC_BAD_LEN', 'OFPSCFC_EPERM'],
  ['OFPRRFC_STALE', 'OFPRRFC_UNSUP', 'OFPRRFC_BAD_ROLE'],
  [
    'OFPMMFC_UNKNOWN', 'OFPMMFC_METER_EXISTS', 'OFPMMFC_INVALID_METER', 'OFPMMFC_UNKNOWN_METER',
    'OFPMMFC_BAD_COMMAND', 'OFPMMFC_BAD_FLAGS', 'OFPMMFC_BAD_RATE', 'OFPMMFC_BAD_BURST', 'OFPMMFC_BAD_BAND',
    'OFPMMFC_BAD_BAND_VALUE', 'OFPMMFC_OUT_OF_METERS', 'OFPMMFC_OUT_OF_BANDS',
  ],
  ['OFPTFFC_BAD_TABLE', 'OFPTFFC_BAD_METADATA', 'OFPTFFC_BAD_TYPE', 'OFPTFFC_BAD_LEN', 'OFPTFFC_BAD_ARGUMENT', 'OFPTFFC_EPERM'],
];

/**
 * Names of experimenter errors Open vSwitch sends in OpenFlow 1.3 (OFPET_EXPERIMENTER, keyed by
 * experimenter id then exp_type; include/openvswitch/ofp-errors.h): the ONF bundle errors (ONF ext 230,
 * 2300-2315) and Nicira's TLV-table and resume errors.
 */
export const OFP_EXPERIMENTER_ERROR_NAMES: Record<number, Record<number, string>> = {
  0x4f4e4600: Object.fromEntries(
    [
      'OFPBFC_UNKNOWN', 'OFPBFC_EPERM', 'OFPBFC_BAD_ID', 'OFPBFC_BUNDLE_EXIST', 'OFPBFC_BUNDLE_CLOSED',
      'OFPBFC_OUT_OF_BUNDLES', 'OFPBFC_BAD_TYPE', 'OFPBFC_BAD_FLAGS', 'OFPBFC_MSG_BAD_LEN', 'OFPBFC_MSG_BAD_XID',
      'OFPBFC_MSG_UNSUP', 'OFPBFC_MSG_CONFLICT', 'OFPBFC_MSG_TOO_MANY', 'OFPBFC_MSG_FAILED', 'OFPBFC_TIMEOUT',
      'OFPBFC_BUNDLE_IN_PROGRESS',
    ].map((n, i) => [2300 + i, n]),
  ),
  0x00002320: {
    16: 'NXTTMFC_BAD_COMMAND',
    17: 'NXTTMFC_BAD_OPT_LEN',
    18: 'NXTTMFC_BAD_FIELD_IDX',
    19: 'NXTTMFC_TABLE_FULL',
    20: 'NXTTMFC_ALREADY_MAPPED',
    21: 'NXTTMFC_DUP_ENTRY',
    34: 'NXR_NOT_SUPPORTED',
    35: 'NXR_STALE',
    38: 'NXTTMFC_INVALID_TLV_DEL',
  },
};

/** The spec name of an error type/code pair, e.g. `OFPBRC_BAD_TYPE`, or `type=T,code=C` when unnamed. */
export function ofpErrorName(errType: number, code: number): string {
  return OFP_ERROR_CODE_NAMES[errType]?.[code] ?? `type=${errType},code=${code}`;
}

export const errorCodec = codec<ErrorMsg>({
  name: 'ERROR',
  ofpName: 'OFPT_ERROR',
  ofpType: OFPT_ERROR,
  fields: { version: 8, errType: 16, code: 16 },
  decode(r, h) {
    r.need(4, 'ofp_error_msg', 'OFPBRC_BAD_LEN');
    const errType = r.u16();
    const code = r.u16();
    if (errType === OFPET_EXPERIMENTER) {
      r.need(4, 'ofp_error_experimenter_msg', 'OFPBRC_BAD_LEN');
      const experimenter = r.u32();
      return { type: 'ERROR', xid: h.xid, version: h.version, errType, code, experimenter, data: r.copy(r.remaining) };
    }
    return { type: 'ERROR', xid: h.xid, version: h.version, errType, code, data: r.copy(r.remaining) };
  },
  encode(w, m) {
    w.u16(m.errType).u16(m.code);
    if (m.errType === OFPET_EXPERIMENTER) w.u32(m.experimenter ?? 0);
    w.bytes(m.data);
  },
  format(m) {
    const name =
      m.errType === OFPET_EXPERIMENTER
        ? (OFP_EXPERIMENTER_ERROR_NAMES[m.experimenter ?? 0]?.[m.code] ??
          `experimenter=0x${(m.experimenter ?? 0).toString(16).padStart(8, '0')} exp_type=${m.code}`)
        : ofpErrorName(m.errType, m.code);
    return m.data.length ? `${name} data=${hexCap(m.data)}` : name;
  },
});

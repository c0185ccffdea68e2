/**
 * Errors of the OpenFlow runtime (connections, requests, bundles, flow sync).
 *
 * Two classes:
 * - {@link OpenFlowRuntimeError}: something went wrong on our side of the wire (connection lost, timeout, peer
 *   incompatible, write queue full, garbage from the peer); stable `code` plus context.
 * - {@link OpenFlowRequestError}: the switch answered a request with OFPT_ERROR (OpenFlow 1.3 section A.4.4);
 *   it names the error type and code and carries the offending request.
 */

/** Stable codes of {@link OpenFlowRuntimeError}. */
export type OpenFlowRuntimeErrorCode =
  | 'OFPSDN_BAD_ENDPOINT' // endpoint text is not OVS syntax
  | 'OFPSDN_CONNECT_FAILED' // the socket could not be opened
  | 'OFPSDN_DISCONNECTED' // the connection closed while a request or bundle was pending
  | 'OFPSDN_CLOSED' // the session was closed by the user
  | 'OFPSDN_TIMEOUT' // no reply within the request timeout
  | 'OFPSDN_HANDSHAKE_TIMEOUT' // HELLO/FEATURES did not complete in time
  | 'OFPSDN_HELLO_FAILED' // the peer does not speak OpenFlow 1.3 (OFPET_HELLO_FAILED / OFPHFC_INCOMPATIBLE)
  | 'OFPSDN_PEER_DEAD' // keepalive: too many echo requests went unanswered
  | 'OFPSDN_WRITE_QUEUE_FULL' // the peer stopped reading and the write queue reached its cap
  | 'OFPSDN_PROTOCOL_ERROR' // the peer sent bytes that do not decode (cause: OpenFlowDecodeError)
  | 'OFPSDN_UNEXPECTED_REPLY' // a reply of the wrong type for a request
  | 'OFPSDN_BUNDLE_STATE' // a bundle used after commit/discard
  | 'OFPSDN_NOT_CONNECTED' // a request on a session that is not up
  | 'OFPSDN_BAD_ARGUMENT' // a caller's argument is inconsistent (e.g. a desired flow outside the cookie space)
  | 'OFPSDN_MULTIPART_TOO_LARGE'; // a reassembled multipart reply exceeded its cap

/** A runtime failure with a stable code and context (endpoint, datapath id, xid, ...). */
export class OpenFlowRuntimeError extends Error {
  override readonly name = 'OpenFlowRuntimeError';
  constructor(
    readonly code: OpenFlowRuntimeErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** OFPET_* names by value (OpenFlow 1.3 section A.4.4, enum ofp_error_type). */
export const OFP_ERROR_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'OFPET_HELLO_FAILED',
  1: 'OFPET_BAD_REQUEST',
  2: 'OFPET_BAD_ACTION',
  3: 'OFPET_BAD_INSTRUCTION',
  4: 'OFPET_BAD_MATCH',
  5: 'OFPET_FLOW_MOD_FAILED',
  6: 'OFPET_GROUP_MOD_FAILED',
  7: 'OFPET_PORT_MOD_FAILED',
  8: 'OFPET_TABLE_MOD_FAILED',
  9: 'OFPET_QUEUE_OP_FAILED',
  10: 'OFPET_SWITCH_CONFIG_FAILED',
  11: 'OFPET_ROLE_REQUEST_FAILED',
  12: 'OFPET_METER_MOD_FAILED',
  13: 'OFPET_TABLE_FEATURES_FAILED',
  0xffff: 'OFPET_EXPERIMENTER',
};

const CODES: Readonly<Record<number, readonly string[]>> = {
  0: ['OFPHFC_INCOMPATIBLE', 'OFPHFC_EPERM'],
  1: [
    'OFPBRC_BAD_VERSION', 'OFPBRC_BAD_TYPE', 'OFPBRC_BAD_MULTIPART', 'OFPBRC_BAD_EXPERIMENTER',
    'OFPBRC_BAD_EXP_TYPE', 'OFPBRC_EPERM', 'OFPBRC_BAD_LEN', 'OFPBRC_BUFFER_EMPTY', 'OFPBRC_BUFFER_UNKNOWN',
    'OFPBRC_BAD_TABLE_ID', 'OFPBRC_IS_SLAVE', 'OFPBRC_BAD_PORT', 'OFPBRC_BAD_PACKET',
    'OFPBRC_MULTIPART_BUFFER_OVERFLOW',
  ],
  2: [
    'OFPBAC_BAD_TYPE', 'OFPBAC_BAD_LEN', 'OFPBAC_BAD_EXPERIMENTER', 'OFPBAC_BAD_EXP_TYPE', 'OFPBAC_BAD_OUT_PORT',
    'OFPBAC_BAD_ARGUMENT', 'OFPBAC_EPERM', 'OFPBAC_TOO_MANY', 'OFPBAC_BAD_QUEUE', 'OFPBAC_BAD_OUT_GROUP',
    'OFPBAC_MATCH_INCONSISTENT', 'OFPBAC_UNSUPPORTED_ORDER', 'OFPBAC_BAD_TAG', 'OFPBAC_BAD_SET_TYPE',
    'OFPBAC_BAD_SET_LEN', 'OFPBAC_BAD_SET_ARGUMENT',
  ],
  3: [
    'OFPBIC_UNKNOWN_INST', 'OFPBIC_UNSUP_INST', 'OFPBIC_BAD_TABLE_ID', 'OFPBIC_UNSUP_METADATA',
    'OFPBIC_UNSUP_METADATA_MASK', 'OFPBIC_BAD_EXPERIMENTER', 'OFPBIC_BAD_EXP_TYPE', 'OFPBIC_BAD_LEN',
    'OFPBIC_EPERM',
  ],
  4: [
    'OFPBMC_BAD_TYPE', 'OFPBMC_BAD_LEN', 'OFPBMC_BAD_TAG', 'OFPBMC_BAD_DL_ADDR_MASK', 'OFPBMC_BAD_NW_ADDR_MASK',
    'OFPBMC_BAD_WILDCARDS', 'OFPBMC_BAD_FIELD', 'OFPBMC_BAD_VALUE', 'OFPBMC_BAD_MASK', 'OFPBMC_BAD_PREREQ',
    'OFPBMC_DUP_FIELD', 'OFPBMC_EPERM',
  ],
  5: [
    'OFPFMFC_UNKNOWN', 'OFPFMFC_TABLE_FULL', 'OFPFMFC_BAD_TABLE_ID', 'OFPFMFC_OVERLAP', 'OFPFMFC_EPERM',
    'OFPFMFC_BAD_TIMEOUT', 'OFPFMFC_BAD_COMMAND', 'OFPFMFC_BAD_FLAGS',
  ],
  6: [
    'OFPGMFC_GROUP_EXISTS', 'OFPGMFC_INVALID_GROUP', 'OFPGMFC_WEIGHT_UNSUPPORTED', 'OFPGMFC_OUT_OF_GROUPS',
    'OFPGMFC_OUT_OF_BUCKETS', 'OFPGMFC_CHAINING_UNSUPPORTED', 'OFPGMFC_WATCH_UNSUPPORTED', 'OFPGMFC_LOOP',
    'OFPGMFC_UNKNOWN_GROUP', 'OFPGMFC_CHAINED_GROUP', 'OFPGMFC_BAD_TYPE', 'OFPGMFC_BAD_COMMAND',
    'OFPGMFC_BAD_BUCKET', 'OFPGMFC_BAD_WATCH', 'OFPGMFC_EPERM',
  ],
  7: ['OFPPMFC_BAD_PORT', 'OFPPMFC_BAD_HW_ADDR', 'OFPPMFC_BAD_CONFIG', 'OFPPMFC_BAD_ADVERTISE', 'OFPPMFC_EPERM'],
  8: ['OFPTMFC_BAD_TABLE', 'OFPTMFC_BAD_CONFIG', 'OFPTMFC_EPERM'],
  9: ['OFPQOFC_BAD_PORT', 'OFPQOFC_BAD_QUEUE', 'OFPQOFC_EPERM'],
  10: ['OFPSCFC_BAD_FLAGS', 'OFPSCFC_BAD_LEN', 'OFPSCFC_EPERM'],
  11: ['OFPRRFC_STALE', 'OFPRRFC_UNSUP', 'OFPRRFC_BAD_ROLE'],
  12: [
    'OFPMMFC_UNKNOWN', 'OFPMMFC_METER_EXISTS', 'OFPMMFC_INVALID_METER', 'OFPMMFC_UNKNOWN_METER',
    'OFPMMFC_BAD_COMMAND', 'OFPMMFC_BAD_FLAGS', 'OFPMMFC_BAD_RATE', 'OFPMMFC_BAD_BURST', 'OFPMMFC_BAD_BAND',
    'OFPMMFC_BAD_BAND_VALUE', 'OFPMMFC_OUT_OF_METERS', 'OFPMMFC_OUT_OF_BANDS',
  ],
  13: [
    'OFPTFFC_BAD_TABLE', 'OFPTFFC_BAD_METADATA', 'OFPTFFC_BAD_TYPE', 'OFPTFFC_BAD_LEN', 'OFPTFFC_BAD_ARGUMENT',
    'OFPTFFC_EPERM',
  ],
};

/**
 * ONF experimenter error codes for bundles (ONF extension 230, as Open vSwitch sends them: OFPET_EXPERIMENTER
 * with experimenter 0x4f4e4600, exp_code below).
 */
export const ONF_BUNDLE_ERROR_NAMES: Readonly<Record<number, string>> = {
  2300: 'OFPBFC_UNKNOWN',
  2301: 'OFPBFC_EPERM',
  2302: 'OFPBFC_BAD_ID',
  2303: 'OFPBFC_BUNDLE_EXIST',
  2304: 'OFPBFC_BUNDLE_CLOSED',
  2305: 'OFPBFC_OUT_OF_BUNDLES',
  2306: 'OFPBFC_BAD_TYPE',
  2307: 'OFPBFC_BAD_FLAGS',
  2308: 'OFPBFC_MSG_BAD_LEN',
  2309: 'OFPBFC_MSG_BAD_XID',
  2310: 'OFPBFC_MSG_UNSUP',
  2311: 'OFPBFC_MSG_CONFLICT',
  2312: 'OFPBFC_MSG_TOO_MANY',
  2313: 'OFPBFC_MSG_FAILED',
  2314: 'OFPBFC_TIMEOUT',
  2315: 'OFPBFC_BUNDLE_IN_PROGRESS',
};

/** The spec's names for an error type/code pair, e.g. `['OFPET_BAD_MATCH', 'OFPBMC_BAD_PREREQ']`. */
export function ofpErrorNames(type: number, code: number, experimenter?: number): [string, string] {
  const t = OFP_ERROR_TYPE_NAMES[type] ?? `OFPET_${type}`;
  if (type === 0xffff) {
    const name = experimenter === 0x4f4e4600 ? ONF_BUNDLE_ERROR_NAMES[code] : undefined;
    return [t, name ?? `EXP_${(experimenter ?? 0).toString(16)}_${code}`];
  }
  return [t, CODES[type]?.[code] ?? `CODE_${code}`];
}

/**
 * The switch rejected a request with OFPT_ERROR. `typeName`/`codeName` are the spec's constant names
 * (OFPET_FLOW_MOD_FAILED / OFPFMFC_OVERLAP, or for bundles OFPET_EXPERIMENTER / OFPBFC_MSG_FAILED).
 */
export class OpenFlowRequestError extends Error {
  override readonly name = 'OpenFlowRequestError';
  /** `${typeName}/${codeName}`, a stable code for switch-reported errors. */
  readonly code: string;
  constructor(
    readonly errType: number,
    readonly errCode: number,
    readonly typeName: string,
    readonly codeName: string,
    /** The request the switch rejected (the message object we sent), when we know it. */
    readonly request: unknown,
    /** The ERROR body: by the spec, at least the first 64 bytes of the offending request. */
    readonly data: Buffer,
    readonly context: Record<string, unknown> = {},
  ) {
    super(
      `switch rejected ${describeRequest(request)}: ${typeName}/${codeName}` +
        (context.dpid !== undefined ? ` (dpid ${String(context.dpid)})` : ''),
    );
    this.code = `${typeName}/${codeName}`;
  }
}

function describeRequest(req: unknown): string {
  if (req && typeof req === 'object' && 'type' in req) {
    const r = req as { type: unknown; xid?: unknown };
    return `${String(r.type)} xid=${String(r.xid)}`;
  }
  return 'request';
}

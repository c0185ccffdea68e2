/**
 * Errors raised while decoding or encoding OpenFlow.
 *
 * Every decode failure is an {@link OpenFlowDecodeError} with a stable `code`. Where the OpenFlow 1.3 spec
 * (section A.4.4, ofp_error_msg) names the condition, the code is the spec's `type/code` constant name
 * (OFPBRC_BAD_LEN, OFPBAC_BAD_LEN, OFPBMC_BAD_PREREQ, ...). Conditions the spec does not name use an
 * `OFPSDN_*` code of ours.
 *
 * The union lists only codes the codec can raise (each has a test that provokes it, see
 * test/unit/openflow/msg-errors.test.ts). Unknown actions, instructions, fields, experimenter messages and
 * multipart types are not errors: they decode to opaque values that re-encode byte for byte.
 */

/** Stable codes of {@link OpenFlowDecodeError}. */
export type OpenFlowDecodeErrorCode =
  // ofp_bad_request_code (OFPET_BAD_REQUEST)
  | 'OFPBRC_BAD_VERSION'
  | 'OFPBRC_BAD_TYPE'
  | 'OFPBRC_BAD_LEN'
  // ofp_bad_action_code (OFPET_BAD_ACTION)
  | 'OFPBAC_BAD_LEN'
  | 'OFPBAC_BAD_ARGUMENT'
  | 'OFPBAC_BAD_SET_TYPE'
  | 'OFPBAC_BAD_SET_LEN'
  | 'OFPBAC_BAD_SET_ARGUMENT'
  // ofp_bad_instruction_code (OFPET_BAD_INSTRUCTION)
  | 'OFPBIC_UNKNOWN_INST'
  | 'OFPBIC_BAD_LEN'
  // ofp_bad_match_code (OFPET_BAD_MATCH)
  | 'OFPBMC_BAD_TYPE'
  | 'OFPBMC_BAD_LEN'
  | 'OFPBMC_BAD_WILDCARDS' // a masked value with 1-bits where its mask has 0-bits (section 7.2.3.5)
  | 'OFPBMC_BAD_FIELD'
  | 'OFPBMC_BAD_VALUE'
  | 'OFPBMC_BAD_MASK'
  | 'OFPBMC_BAD_PREREQ'
  | 'OFPBMC_DUP_FIELD'
  // ofp_bundle_failed_code (OF1.4; ONF extension 230 for OF1.3)
  | 'OFPBFC_MSG_UNSUP'
  // ofp_table_features_failed_code
  | 'OFPTFFC_BAD_LEN'
  // Conditions the spec has no code for.
  | 'OFPSDN_TRUNCATED' // a read ran past the end of the message or of an enclosing TLV
  | 'OFPSDN_BAD_PADDING' // a length that must be a multiple of 8 is not
  | 'OFPSDN_BAD_COUNT' // a count that cannot fit in what remains
  | 'OFPSDN_MSG_TOO_LARGE' // a message over the configured cap
  | 'OFPSDN_BAD_TEXT' // flow text that cannot be parsed
  | 'OFPSDN_BAD_VALUE'; // a value that cannot be encoded (out of range, wrong shape)

/** A failure to decode (or encode) OpenFlow, with the spec's code, the message type and the byte offset. */
export class OpenFlowDecodeError extends Error {
  override readonly name = 'OpenFlowDecodeError';
  /** Stable error code; the spec's constant name where one exists. */
  readonly code: OpenFlowDecodeErrorCode;
  /** The OpenFlow message type being decoded (e.g. `FLOW_MOD`), when known. */
  readonly msgType: string | undefined;
  /** Byte offset from the start of the message where the problem was found. */
  readonly offset: number;

  constructor(code: OpenFlowDecodeErrorCode, message: string, offset = 0, msgType?: string) {
    super(`${code}: ${message}${msgType ? ` in ${msgType}` : ''} at byte ${offset}`);
    this.code = code;
    this.offset = offset;
    this.msgType = msgType;
  }
}

/**
 * The shape of one entry of the dispatch table (see ../dispatch.ts): how one message kind is decoded,
 * encoded and formatted.
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import type { OfpHeader } from '../header';
import type { MultipartReplyBody, MultipartRequestBody, OfpMessage } from '../types';

/** Codec of one message kind. `decode` gets a reader over the body after the ofp_header (or, for experimenter
 * messages, after the experimenter id and exp_type); `encode` writes that same body. */
export interface MessageCodec<M extends OfpMessage = OfpMessage> {
  /** The `type` tag of the message object. */
  readonly name: M['type'];
  /** The name Open vSwitch prints (e.g. OFPT_FLOW_MOD). */
  readonly ofpName: string;
  /** ofp_header.type. */
  readonly ofpType: number;
  /** For experimenter messages: experimenter id and exp_type (subtype). */
  readonly experimenter?: number;
  readonly expType?: number;
  /**
   * Top-level integer fields and their wire width in bits, checked before encoding so an out-of-range value
   * is an OFPSDN_BAD_VALUE error instead of being silently truncated (nested structures check their own).
   */
  readonly fields?: Readonly<Record<string, 8 | 16 | 32 | 64>>;
  decode(r: Reader, h: OfpHeader): M;
  encode(w: Writer, m: M): void;
  /** The text after "OFPT_X (OF1.3) (xid=0x..):", may be empty. */
  format(m: M): string;
}

/** Codec of one multipart body kind. */
export interface MultipartCodec<B extends MultipartRequestBody | MultipartReplyBody> {
  readonly mpType: number;
  readonly name: B['mpType'];
  decode(r: Reader): B;
  encode(w: Writer, b: B): void;
  format(b: B): string;
}

/** Defines a codec with its types checked. */
export function codec<M extends OfpMessage>(c: MessageCodec<M>): MessageCodec<M> {
  return c;
}
/** Defines a multipart body codec with its types checked. */
export function mpCodec<B extends MultipartRequestBody | MultipartReplyBody>(c: MultipartCodec<B>): MultipartCodec<B> {
  return c;
}

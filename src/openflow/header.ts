/**
 * ofp_header (OpenFlow 1.3.5 section A.1): every OpenFlow message starts with these 8 bytes.
 *
 * ```
 * u8 version | u8 type | u16 length (whole message, incl. header) | u32 xid
 * ```
 */
import { Parser } from 'binary-parser';
import { OpenFlowDecodeError } from './errors';
import type { Writer } from './writer';
import { OFP_HEADER_LEN, OFP_MAX_MSG_LEN } from './types';

/** A decoded ofp_header. */
export interface OfpHeader {
  version: number;
  type: number;
  length: number;
  xid: number;
}

/** binary-parser layout of ofp_header, compiled once at module load. */
const headerParser = new Parser()
  .endianness('big')
  .uint8('version')
  .uint8('type')
  .uint16('length')
  .uint32('xid');

/**
 * Decodes the ofp_header at `offset` of `buf`. Throws `OFPBRC_BAD_LEN` when fewer than 8 bytes are there or
 * when the length field is below 8. The length is NOT checked against `buf` (a framer or
 * {@link checkHeaderLength} does that).
 */
export function decodeHeader(buf: Buffer, offset = 0): OfpHeader {
  if (offset < 0 || buf.length - offset < OFP_HEADER_LEN) {
    throw new OpenFlowDecodeError('OFPBRC_BAD_LEN', `ofp_header needs 8 bytes, ${Math.max(0, buf.length - offset)} given`, 0);
  }
  const h = headerParser.parse(offset === 0 ? buf : buf.subarray(offset, offset + OFP_HEADER_LEN)) as OfpHeader;
  if (h.length < OFP_HEADER_LEN) {
    throw new OpenFlowDecodeError('OFPBRC_BAD_LEN', `ofp_header.length ${h.length} is below 8`, 2);
  }
  return h;
}

/**
 * Starts a message in `w`: writes an ofp_header with a zero length and returns the header's position, to be
 * passed to {@link endMessage} once the body is written.
 */
export function beginMessage(w: Writer, version: number, type: number, xid: number): number {
  const start = w.pos;
  w.ensure(OFP_HEADER_LEN);
  const b = w.buf;
  b[start] = version;
  b[start + 1] = type;
  b[start + 2] = 0;
  b[start + 3] = 0;
  b.writeUInt32BE(xid >>> 0, start + 4);
  w.pos = start + OFP_HEADER_LEN;
  return start;
}

/**
 * Back-patches ofp_header.length of the message that starts at `start`. A message over 65535 bytes cannot be
 * described by the u16 length: that is an `OFPSDN_MSG_TOO_LARGE` error (the caller should split it, e.g. into
 * several multipart replies).
 */
export function endMessage(w: Writer, start: number, msgType?: string): void {
  const len = w.pos - start;
  if (len > OFP_MAX_MSG_LEN) {
    throw new OpenFlowDecodeError('OFPSDN_MSG_TOO_LARGE', `encoded message is ${len} bytes, over 65535`, 0, msgType);
  }
  w.buf.writeUInt16BE(len, start + 2);
}

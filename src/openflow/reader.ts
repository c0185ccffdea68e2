import { OpenFlowDecodeError, OpenFlowDecodeErrorCode } from './errors';

/**
 * A bounds-checked cursor over one OpenFlow message (or a TLV inside it).
 *
 * Every read checks what remains before touching the buffer, so a decoder never sees a RangeError from Buffer
 * and never reads past the end of the message: a short read throws {@link OpenFlowDecodeError} with code
 * `OFPSDN_TRUNCATED` (or the code the caller asks for) and the offset from the start of the message.
 *
 * `base` is the offset of `buf[start]` within the whole message, so nested readers report message offsets.
 */
export class Reader {
  /** Current position in `buf`. */
  pos: number;
  /** One past the last readable byte in `buf`. */
  readonly end: number;
  /** OpenFlow message type name, for error context. */
  msgType: string | undefined;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
    private readonly base = 0,
    msgType?: string,
  ) {
    if (start < 0 || end > buf.length || start > end) throw new RangeError('Reader window outside buffer');
    this.pos = start;
    this.end = end;
    this.msgType = msgType;
    this.origin = start;
  }

  private readonly origin: number;

  /** Bytes left in this reader's window. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Offset of the cursor from the start of the message. */
  get offset(): number {
    return this.base + (this.pos - this.origin);
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, what = 'field', code: OpenFlowDecodeErrorCode = 'OFPSDN_TRUNCATED'): void {
    if (n < 0 || this.pos + n > this.end) {
      throw this.error(code, `${what} needs ${n} bytes, ${this.end - this.pos} remain`);
    }
  }

  /** Builds an error at the current offset. */
  error(code: OpenFlowDecodeErrorCode, message: string, offset = this.offset): OpenFlowDecodeError {
    return new OpenFlowDecodeError(code, message, offset, this.msgType);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A copy of the next `n` bytes, for values that outlive the receive buffer. */
  copy(n: number, what = 'bytes'): Buffer {
    return Buffer.from(this.bytes(n, what));
  }

  skip(n: number, what = 'padding'): void {
    this.need(n, what);
    this.pos += n;
  }

  /** NUL-padded fixed-width ASCII string (e.g. ofp_port.name, ofp_desc fields). */
  str(n: number, what = 'string'): string {
    const b = this.bytes(n, what);
    const nul = b.indexOf(0);
    return b.toString('latin1', 0, nul < 0 ? n : nul);
  }

  /**
   * A sub-reader over the next `len` bytes; this reader moves past them. `code` is what a `len` beyond the
   * window is reported as (e.g. OFPBAC_BAD_LEN for an action whose length overruns the action list).
   */
  sub(len: number, what = 'TLV', code: OpenFlowDecodeErrorCode = 'OFPSDN_TRUNCATED'): Reader {
    this.need(len, what, code);
    const r = new Reader(this.buf, this.pos, this.pos + len, this.offset, this.msgType);
    this.pos += len;
    return r;
  }

  /**
   * Checks the 4-byte type/length header at the cursor of a TLV whose length includes the header and must be a
   * positive multiple of 8 and fit in what remains (OpenFlow 1.3 actions, A.2.5, and instructions, A.2.4), and
   * returns that length; the cursor does not move. `code` is the family's BAD_LEN code.
   */
  tlvLength8(what: string, code: OpenFlowDecodeErrorCode): number {
    if (this.remaining < 4) throw this.error(code, `${what} header needs 4 bytes, ${this.remaining} remain`);
    const type = this.peekU16();
    const len = this.peekU16(2);
    if (len < 8 || len % 8 !== 0) throw this.error(code, `${what} type ${type} length ${len} is not a positive multiple of 8`);
    if (len > this.remaining) throw this.error(code, `${what} type ${type} length ${len} exceeds the ${this.remaining} bytes left`);
    return len;
  }

  peekU16(at = 0): number {
    this.need(at + 2);
    return this.buf.readUInt16BE(this.pos + at);
  }

  peekU32(at = 0): number {
    this.need(at + 4);
    return this.buf.readUInt32BE(this.pos + at);
  }

  /** Checks a count read from the wire against what remains: `count * minSize` bytes must fit. */
  checkCount(count: number, minSize: number, what: string, cap = Infinity): void {
    if (count > cap || count * minSize > this.remaining) {
      throw this.error('OFPSDN_BAD_COUNT', `${what} count ${count} exceeds what remains (${this.remaining} bytes)`);
    }
  }
}

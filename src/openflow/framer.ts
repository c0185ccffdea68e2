/**
 * Incremental OpenFlow stream framer.
 *
 * An OpenFlow channel (OpenFlow 1.3.5 section 6.1: TCP/TLS, or a unix socket for Open vSwitch's `.mgmt`) is a
 * byte stream of messages, each starting with an 8-byte ofp_header whose u16 `length` covers the whole
 * message. The framer cuts that stream into messages however it is chunked. It never trusts the length field:
 * a length below 8 is `OFPBRC_BAD_LEN`, a length over the configured cap is `OFPSDN_MSG_TOO_LARGE`. Either error
 * leaves the stream unsynchronisable, so the framer then stays failed and rethrows it. Bad input loses nothing:
 * the error ({@link OpenFlowFramingError}) carries every whole message that preceded the bad header.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { OpenFlowDecodeError } from './errors';
import { OFP_HEADER_LEN, OFP_MAX_MSG_LEN } from './types';

/**
 * What {@link OpenFlowFramer.push} throws on a bad length: an {@link OpenFlowDecodeError} (`OFPBRC_BAD_LEN` /
 * `OFPSDN_MSG_TOO_LARGE`, offset 2 = the length field) that also carries the whole messages the same push cut
 * before the bad header, which the caller has not received otherwise: bad input loses nothing.
 */
export class OpenFlowFramingError extends OpenFlowDecodeError {
  /** Whole messages that preceded the bad header in the push that threw (empty on later pushes). */
  readonly messages: readonly Buffer[];
  /** The code, narrowed to the two a framer raises. */
  readonly framingCode: 'OFPBRC_BAD_LEN' | 'OFPSDN_MSG_TOO_LARGE';
  /** What was wrong, without the code and offset decoration of `message`. */
  readonly detail: string;

  constructor(code: 'OFPBRC_BAD_LEN' | 'OFPSDN_MSG_TOO_LARGE', detail: string, messages: readonly Buffer[] = []) {
    super(code, detail, 2);
    this.framingCode = code;
    this.detail = detail;
    this.messages = messages;
  }
}

/** Options of {@link OpenFlowFramer}. */
export interface OpenFlowFramerOptions {
  /**
   * Largest message accepted, in bytes (default 65535, the most the u16 length can say). A lower cap bounds
   * what one peer can make us buffer.
   */
  maxMessageLength?: number;
}

/**
 * Splits a byte stream into whole OpenFlow messages.
 *
 * ```ts
 * const framer = new OpenFlowFramer();
 * socket.on('data', (chunk) => { for (const msg of framer.push(chunk)) handle(decodeMessage(msg)); });
 * ```
 *
 * Returned messages may be views into the pushed chunk (no copy when a message lies inside one chunk); a caller
 * that keeps a message after the chunk's memory is reused must copy it.
 */
export class OpenFlowFramer {
  private readonly cap: number;
  /** Chunks of an incomplete message carried over between pushes (copied, so callers may reuse theirs). */
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Length of the pending message once its header's length field has arrived, else 0. */
  private need = 0;
  private failed: OpenFlowFramingError | null = null;
  /** Bytes consumed from the stream before the current pending data (for error messages). */
  private streamOffset = 0;

  constructor(opts: OpenFlowFramerOptions = {}) {
    const cap = opts.maxMessageLength ?? OFP_MAX_MSG_LEN;
    if (!Number.isInteger(cap) || cap < OFP_HEADER_LEN || cap > OFP_MAX_MSG_LEN) {
      throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `maxMessageLength ${cap} must be an integer in 8..65535`);
    }
    this.cap = cap;
  }

  /** Number of buffered bytes that do not yet form a whole message. */
  get bufferedBytes(): number {
    return this.pendingLen;
  }

  /** Whether the stream hit a framing error (every later push rethrows it). */
  get isFailed(): boolean {
    return this.failed !== null;
  }

  /** The framing error the stream hit, or null. */
  get error(): OpenFlowDecodeError | null {
    return this.failed;
  }

  /**
   * Adds `chunk` to the stream and returns every message it completes, in order. On a bad length it throws an
   * {@link OpenFlowFramingError} (`OFPBRC_BAD_LEN` / `OFPSDN_MSG_TOO_LARGE`) at once, whose `messages` are the
   * whole messages this push cut before the bad header: handle those, then the error. The framer then stays
   * failed: every later push throws an error with the same code (and no messages) until {@link reset}.
   *
   * Cost is linear in the bytes pushed, however the stream is chunked: partial messages are kept as a list
   * and joined once, when the message is complete.
   */
  push(chunk: Buffer): Buffer[] {
    // Same error again, without the messages already handed over with the first throw.
    if (this.failed) throw new OpenFlowFramingError(this.failed.framingCode, this.failed.detail);
    if (chunk.length === 0) return [];
    let buf = chunk;
    if (this.pendingLen > 0) {
      this.pending.push(Buffer.from(chunk));
      this.pendingLen += chunk.length;
      if (this.need === 0 && this.pendingLen >= 4) {
        const head = Buffer.concat(this.pending, 4);
        this.need = head.readUInt16BE(2);
        this.check(this.need, 0);
      }
      if (this.need === 0 || this.pendingLen < this.need) return [];
      buf = Buffer.concat(this.pending, this.pendingLen);
      this.pending = [];
      this.pendingLen = 0;
      this.need = 0;
    }
    const out: Buffer[] = [];
    let pos = 0;
    const n = buf.length;
    while (n - pos >= 4) {
      const len = buf.readUInt16BE(pos + 2);
      this.check(len, pos, out);
      if (n - pos < len) {
        this.need = len;
        break;
      }
      out.push(buf.subarray(pos, pos + len));
      pos += len;
    }
    this.streamOffset += pos;
    if (pos < n) {
      // Copy the tail: the caller may reuse `chunk` once we return.
      const tail = Buffer.from(buf.subarray(pos));
      this.pending = [tail];
      this.pendingLen = tail.length;
    }
    return out;
  }

  /** Forgets buffered bytes and any failure (e.g. for a new connection). */
  reset(): void {
    this.pending = [];
    this.pendingLen = 0;
    this.need = 0;
    this.failed = null;
    this.streamOffset = 0;
  }

  /**
   * Throws (and records) the framing error if `len`, read at `pos` of the current data, is not acceptable;
   * `before` are the whole messages this push already cut, handed over with the error.
   */
  private check(len: number, pos: number, before: readonly Buffer[] = []): void {
    if (len >= OFP_HEADER_LEN && len <= this.cap) return;
    const at = this.streamOffset + pos;
    this.pending = [];
    this.pendingLen = 0;
    this.need = 0;
    this.failed =
      len < OFP_HEADER_LEN
        ? new OpenFlowFramingError('OFPBRC_BAD_LEN', `ofp_header.length ${len} is below 8 (stream offset ${at})`, before)
        : new OpenFlowFramingError(
            'OFPSDN_MSG_TOO_LARGE',
            `ofp_header.length ${len} exceeds the cap of ${this.cap} bytes (stream offset ${at})`,
            before,
          );
    throw this.failed;
  }
}

/**
 * The framer as an rxjs operator: a stream of byte chunks in, whole messages out. A framing error errors the
 * output stream with the {@link OpenFlowDecodeError}; each subscription gets its own framer.
 *
 * ```ts
 * fromEvent<Buffer>(socket, 'data').pipe(openflowFrames(), map((b) => decodeMessage(b)))
 * ```
 */
export function openflowFrames(opts: OpenFlowFramerOptions = {}): OperatorFunction<Buffer, Buffer> {
  return (source) =>
    new Observable<Buffer>((sub) => {
      const framer = new OpenFlowFramer(opts);
      return source.subscribe({
        next(chunk) {
          let out: Buffer[];
          try {
            out = framer.push(chunk);
          } catch (e) {
            // The whole messages before the bad header first, then the error, once.
            if (e instanceof OpenFlowFramingError) for (const m of e.messages) sub.next(m);
            sub.error(e);
            return;
          }
          for (const m of out) sub.next(m);
        },
        error: (e: unknown) => sub.error(e),
        complete: () => sub.complete(),
      });
    });
}

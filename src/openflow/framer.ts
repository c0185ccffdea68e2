/**
 * Incremental OpenFlow stream framer.
 *
 * An OpenFlow channel (OpenFlow 1.3.5 section 6.1: TCP/TLS, or a unix socket for Open vSwitch's `.mgmt`) is a
 * byte stream of messages, each starting with an 8-byte ofp_header whose u16 `length` covers the whole
 * message. The framer cuts that stream into messages however it is chunked. It never trusts the length field:
 * a length below 8 is `OFPBRC_BAD_LEN`, a length over the configured cap is `OFPSDN_MSG_TOO_LARGE`. Either error
 * leaves the stream unsynchronisable, so the framer then stays failed and rethrows the same error. Bad input
 * loses nothing: every whole message that precedes the bad header is delivered first (see {@link OpenFlowFramer.push}).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { OpenFlowDecodeError } from './errors';
import { OFP_HEADER_LEN, OFP_MAX_MSG_LEN } from './types';

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
  private failed: OpenFlowDecodeError | null = null;
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

  /**
   * The framing error the stream hit, or null. Set as soon as the bad header is seen, also when
   * {@link push} returned the messages that preceded it instead of throwing: a caller that must act at once
   * (close the connection) checks this after handling the returned messages.
   */
  get error(): OpenFlowDecodeError | null {
    return this.failed;
  }

  /**
   * Adds `chunk` to the stream and returns every message it completes, in order. On a bad length
   * (`OFPBRC_BAD_LEN` / `OFPSDN_MSG_TOO_LARGE`) nothing that precedes it is lost: if this chunk completed whole
   * messages before the bad header, they are returned and the framer is marked failed ({@link error} is set);
   * the error is thrown by the next push. If no message precedes it in this push, the
   * {@link OpenFlowDecodeError} is thrown at once. A failed framer rethrows the same error on every push until
   * {@link reset}.
   *
   * Cost is linear in the bytes pushed, however the stream is chunked: partial messages are kept as a list
   * and joined once, when the message is complete.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
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
      if (len < OFP_HEADER_LEN || len > this.cap) {
        if (out.length === 0) this.check(len, pos); // throws
        // Deliver what precedes the bad header now; the error surfaces on the next push (and via `error`).
        this.failed = this.lengthError(len, pos);
        this.streamOffset += pos;
        this.pending = [];
        this.pendingLen = 0;
        this.need = 0;
        return out;
      }
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

  /** Throws (and records) the framing error if `len`, read at `pos` of the current data, is not acceptable. */
  private check(len: number, pos: number): void {
    if (len >= OFP_HEADER_LEN && len <= this.cap) return;
    this.failed = this.lengthError(len, pos);
    throw this.failed;
  }

  private lengthError(len: number, pos: number): OpenFlowDecodeError {
    const at = this.streamOffset + pos;
    return len < OFP_HEADER_LEN
      ? new OpenFlowDecodeError('OFPBRC_BAD_LEN', `ofp_header.length ${len} is below 8 (stream offset ${at})`, 2)
      : new OpenFlowDecodeError(
          'OFPSDN_MSG_TOO_LARGE',
          `ofp_header.length ${len} exceeds the cap of ${this.cap} bytes (stream offset ${at})`,
          2,
        );
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
            sub.error(e);
            return;
          }
          for (const m of out) sub.next(m);
          // Messages before a bad header were delivered above; now the error, once.
          const err = framer.error;
          if (err) sub.error(err);
        },
        error: (e: unknown) => sub.error(e),
        complete: () => sub.complete(),
      });
    });
}

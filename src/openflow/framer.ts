/**
 * Incremental OpenFlow stream framer.
 *
 * An OpenFlow channel (OpenFlow 1.3.5 section 6.1: TCP/TLS, or a unix socket for Open vSwitch's `.mgmt`) is a
 * byte stream of messages, each starting with an 8-byte ofp_header whose u16 `length` covers the whole
 * message. The framer cuts that stream into messages however it is chunked. It never trusts the length field:
 * a length below 8 is `OFPBRC_BAD_LEN`, a length over the configured cap is `OFPSDN_MSG_TOO_LARGE`. Either error
 * leaves the stream unsynchronisable, so the framer then stays failed and rethrows the same error.
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
   * Adds `chunk` to the stream and returns every message it completes, in order. Throws
   * {@link OpenFlowDecodeError} (`OFPBRC_BAD_LEN` / `OFPSDN_MSG_TOO_LARGE`) on a bad length; messages completed
   * before the bad one in the same chunk are lost with it, since the connection must be closed anyway.
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
      this.check(len, pos);
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

  private check(len: number, pos: number): void {
    if (len < OFP_HEADER_LEN) {
      this.failed = new OpenFlowDecodeError(
        'OFPBRC_BAD_LEN',
        `ofp_header.length ${len} is below 8 (stream offset ${this.streamOffset + pos})`,
        2,
      );
      throw this.failed;
    }
    if (len > this.cap) {
      this.failed = new OpenFlowDecodeError(
        'OFPSDN_MSG_TOO_LARGE',
        `ofp_header.length ${len} exceeds the cap of ${this.cap} bytes (stream offset ${this.streamOffset + pos})`,
        2,
      );
      throw this.failed;
    }
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
        },
        error: (e: unknown) => sub.error(e),
        complete: () => sub.complete(),
      });
    });
}

/**
 * Incremental splitter for the OVSDB byte stream.
 *
 * RFC 7047 section 4 runs JSON-RPC over a stream "consisting of a sequence of JSON texts" with no length
 * prefix and no delimiter: a message ends where its top-level object (or array) closes. The splitter keeps
 * its scanner state (nesting depth, inside-string, after-backslash) across chunks, so each byte is scanned
 * exactly once however the stream is cut; it works on bytes, so a UTF-8 sequence split across reads is
 * reassembled before decoding. It enforces a maximum message size and nesting depth.
 *
 * Integers beyond 2^53 (e.g. Interface statistics, RFC 7047 `integer` is 64-bit) cannot survive
 * `JSON.parse`. While scanning, the splitter notes whether a message holds a numeric literal of 16 or more
 * digits; only such messages take a slower parser that decodes unsafe integers as `bigint`.
 * {@link ovsdbJsonStringify} writes `bigint`s back as bare integers.
 */
import { OvsdbFramingError } from './errors';

/** Limits of {@link OvsdbJsonFramer}. */
export interface OvsdbJsonFramerOptions {
  /** Largest accepted JSON text in bytes (default 64 MiB). */
  maxMessageBytes?: number;
  /** Deepest accepted nesting of objects/arrays (default 128). */
  maxDepth?: number;
}

export const OVSDB_DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const OVSDB_DEFAULT_MAX_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits a byte stream into JSON texts and parses them. Feed chunks with {@link push}; it returns the
 * complete values found so far. After an {@link OvsdbFramingError} the framer is dead: every later call
 * throws the same error.
 */
export class OvsdbJsonFramer {
  readonly maxMessageBytes: number;
  readonly maxDepth: number;

  /** Chunks (or chunk tails) holding the current, incomplete message. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Scanner state carried across chunks. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  private digitRun = 0;
  private longNumber = false;
  /** Bytes consumed from the stream before the current chunk (for error offsets). */
  private streamOffset = 0;
  private failed: OvsdbFramingError | undefined;

  constructor(opts: OvsdbJsonFramerOptions = {}) {
    this.maxMessageBytes = opts.maxMessageBytes ?? OVSDB_DEFAULT_MAX_MESSAGE_BYTES;
    this.maxDepth = opts.maxDepth ?? OVSDB_DEFAULT_MAX_DEPTH;
  }

  /** Bytes of an incomplete message currently buffered. */
  get pendingBytes(): number {
    return this.partsBytes;
  }

  /**
   * Scans `chunk` and returns every JSON text completed by it, parsed. Throws {@link OvsdbFramingError}
   * (OVSDB_BAD_JSON, OVSDB_MSG_TOO_LARGE, OVSDB_TOO_DEEP) on the first bad message.
   */
  push(chunk: Uint8Array): unknown[] {
    if (this.failed) throw this.failed;
    try {
      return this.scan(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      if (e instanceof OvsdbFramingError) this.failed = e;
      throw e;
    }
  }

  private scan(buf: Buffer): unknown[] {
    const out: unknown[] = [];
    const n = buf.length;
    let start = 0; // start of the current message's bytes within buf (if depth > 0)
    let i = 0;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let digitRun = this.digitRun;
    const maxDepth = this.maxDepth;
    let bs = -2; // position of the next backslash in buf (-1: none left; -2: not searched yet)

    while (i < n) {
      if (depth === 0) {
        // Between messages: skip JSON whitespace; a message must start with '{' or '['.
        const c = buf[i];
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
          i++;
          continue;
        }
        if (c !== LBRACE && c !== LBRACKET) {
          throw new OvsdbFramingError(
            'OVSDB_BAD_JSON',
            `unexpected byte 0x${c.toString(16).padStart(2, '0')} between messages (a message must be a JSON object or array)`,
            this.streamOffset + i,
          );
        }
        depth = 1;
        start = i;
        i++;
        this.longNumber = false;
        digitRun = 0;
        continue;
      }
      if (inString) {
        // Jump to the closing quote with native searches (memchr) instead of a byte loop; a backslash
        // before it escapes the next byte (RFC 8259 section 7), which may be a quote.
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        let q = buf.indexOf(QUOTE, i);
        if (bs !== -1 && bs < i) bs = buf.indexOf(BACKSLASH, i);
        while (bs !== -1 && (q === -1 || bs < q)) {
          i = bs + 2;
          if (i > n) break; // the chunk ends with the backslash
          if (q !== -1 && q < i) q = buf.indexOf(QUOTE, i); // that quote was escaped
          bs = buf.indexOf(BACKSLASH, i);
        }
        if (i > n) {
          escaped = true;
          i = n;
        } else if (q === -1) i = n;
        else {
          inString = false;
          i = q + 1;
        }
        continue;
      }
      const c = buf[i];
      if (c >= 0x30 && c <= 0x39) {
        if (++digitRun === 16) this.longNumber = true;
        i++;
        continue;
      }
      digitRun = 0;
      if (c === QUOTE) inString = true;
      else if (c === LBRACE || c === LBRACKET) {
        if (++depth > maxDepth) {
          throw new OvsdbFramingError('OVSDB_TOO_DEEP', `nesting deeper than ${maxDepth}`, this.streamOffset + i, {
            maxDepth,
          });
        }
      } else if (c === RBRACE || c === RBRACKET) {
        if (--depth === 0) {
          const end = i + 1;
          const size = this.partsBytes + (end - start);
          if (size > this.maxMessageBytes) this.tooLarge(size, this.streamOffset + i);
          let bytes: Buffer;
          if (this.parts.length === 0) bytes = buf.subarray(start, end);
          else {
            this.parts.push(buf.subarray(start, end));
            bytes = Buffer.concat(this.parts, size);
            this.parts = [];
            this.partsBytes = 0;
          }
          out.push(this.decode(bytes, this.streamOffset + end - size));
          i = end;
          continue;
        }
      }
      i++;
    }
    // Keep the unfinished message's bytes; check its size now so a huge message fails early.
    if (depth > 0) {
      const tail = buf.subarray(start);
      if (this.partsBytes + tail.length > this.maxMessageBytes) this.tooLarge(this.partsBytes + tail.length, this.streamOffset + n);
      // Copy: the caller may reuse its buffer.
      this.parts.push(Buffer.from(tail));
      this.partsBytes += tail.length;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.digitRun = digitRun;
    this.streamOffset += n;
    return out;
  }

  private tooLarge(size: number, offset: number): never {
    throw new OvsdbFramingError(
      'OVSDB_MSG_TOO_LARGE',
      `message of at least ${size} bytes exceeds the limit of ${this.maxMessageBytes}`,
      offset,
      { maxMessageBytes: this.maxMessageBytes },
    );
  }

  private decode(bytes: Buffer, offset: number): unknown {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new OvsdbFramingError('OVSDB_BAD_JSON', 'message is not valid UTF-8', offset);
    }
    try {
      return this.longNumber ? ovsdbJsonParse(text) : JSON.parse(text);
    } catch (e) {
      throw new OvsdbFramingError('OVSDB_BAD_JSON', `malformed JSON: ${(e as Error).message}`, offset, {
        excerpt: text.length > 120 ? `${text.slice(0, 120)}...` : text,
      });
    }
  }
}

// ------------------------------------------------------------------------------------------------------
// Slow path: a JSON parser that keeps integers outside the safe range exact as bigint.

/**
 * Parses one JSON text (RFC 8259) like `JSON.parse`, except that an integer literal (no fraction, no
 * exponent) whose value is not a safe integer is returned as a `bigint`. Throws `SyntaxError` on bad input.
 * Nesting depth is bounded by the caller (the framer checks it before calling).
 */
export function ovsdbJsonParse(text: string): unknown {
  const p = new BigJsonParser(text);
  p.ws();
  const v = p.value();
  p.ws();
  if (p.pos !== text.length) p.fail('unexpected data after JSON value');
  return v;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class BigJsonParser {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(msg: string): never {
    throw new SyntaxError(`${msg} at position ${this.pos}`);
  }

  ws(): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  value(): unknown {
    const s = this.s;
    const c = s.charCodeAt(this.pos);
    if (c === LBRACE) {
      this.pos++;
      const obj: Record<string, unknown> = {};
      this.ws();
      if (s.charCodeAt(this.pos) === RBRACE) {
        this.pos++;
        return obj;
      }
      for (;;) {
        this.ws();
        if (s.charCodeAt(this.pos) !== QUOTE) this.fail('expected string key');
        const k = this.string();
        this.ws();
        if (s.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
        this.pos++;
        this.ws();
        const v = this.value();
        // Like JSON.parse: an own property even for "__proto__".
        if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
        else obj[k] = v;
        this.ws();
        const d = s.charCodeAt(this.pos++);
        if (d === RBRACE) return obj;
        if (d !== 0x2c) {
          this.pos--;
          this.fail("expected ',' or '}'");
        }
      }
    }
    if (c === LBRACKET) {
      this.pos++;
      const arr: unknown[] = [];
      this.ws();
      if (s.charCodeAt(this.pos) === RBRACKET) {
        this.pos++;
        return arr;
      }
      for (;;) {
        this.ws();
        arr.push(this.value());
        this.ws();
        const d = s.charCodeAt(this.pos++);
        if (d === RBRACKET) return arr;
        if (d !== 0x2c) {
          this.pos--;
          this.fail("expected ',' or ']'");
        }
      }
    }
    if (c === QUOTE) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (s.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (s.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    if (s.startsWith('null', this.pos)) {
      this.pos += 4;
      return null;
    }
    return this.fail('unexpected character');
  }

  string(): string {
    // Find the closing quote. A string without escapes is sliced as is; one with escapes is handed to
    // JSON.parse, which also rejects bad escapes. Control characters are invalid either way (RFC 8259 7).
    const s = this.s;
    const start = this.pos;
    let p = start + 1;
    let plain = true;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        plain = false;
        p += 2;
      } else if (c < 0x20 || Number.isNaN(c)) {
        this.pos = p;
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string');
      } else p++;
    }
    this.pos = p + 1;
    return plain ? s.slice(start + 1, p) : (JSON.parse(s.slice(start, p + 1)) as string);
  }

  number(): number | bigint {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.s);
    if (!m) return this.fail('bad number');
    this.pos += m[0].length;
    const lit = m[0];
    const n = Number(lit);
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n)) return BigInt(lit);
    return n;
  }
}

// ------------------------------------------------------------------------------------------------------
// Encoding.

/**
 * Serializes a value as one JSON text. `bigint`s are written as bare integer literals (RFC 7047 `integer`
 * is 64-bit). The common case (no bigint) is a single `JSON.stringify`.
 */
export function ovsdbJsonStringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e;
  }
  return encodeSlow(value, 0);
}

function encodeSlow(v: unknown, depth: number): string {
  if (depth > 1000) throw new RangeError('value nested too deeply to encode');
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) {
    return `[${v.map((x) => (x === undefined || typeof x === 'function' ? 'null' : encodeSlow(x, depth + 1))).join(',')}]`;
  }
  if (typeof v === 'object' && v !== null) {
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      return encodeSlow((v as { toJSON: () => unknown }).toJSON(), depth + 1);
    }
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      parts.push(`${JSON.stringify(k)}:${encodeSlow(x, depth + 1)}`);
    }
    return `{${parts.join(',')}}`;
  }
  const s = JSON.stringify(v);
  return s === undefined ? 'null' : s;
}

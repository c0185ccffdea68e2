import fc from 'fast-check';
import { OvsdbFramingError } from '../../../src/ovsdb/errors';
import { OvsdbJsonFramer, ovsdbJsonParse, ovsdbJsonStringify } from '../../../src/ovsdb/framer';

const sample = [
  { id: 1, method: 'echo', params: ['a "quoted" } ] { [ string', 'back\\slash\\', '\u00e9\u4e2d\ud83d\ude00'] },
  { id: null, method: 'update2', params: ['m1', { Interface: { u1: { modify: { statistics: ['map', [['rx_bytes', 18446744073709551615n]]] } } } }] },
  [1, 2.5, -3e-7, true, false, null, {}, [], ''],
  { result: { rows: [{ n: 9007199254740993n, m: -9223372036854775808n, small: 1234567890123456 }] }, error: null, id: 7 },
];

function bytesOf(values: unknown[], sep = ''): Buffer {
  return Buffer.from(values.map((v) => ovsdbJsonStringify(v)).join(sep), 'utf8');
}

function feed(framer: OvsdbJsonFramer, buf: Buffer, cuts: number[]): unknown[] {
  const out: unknown[] = [];
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    out.push(...framer.push(buf.subarray(prev, c)));
    prev = c;
  }
  return out;
}

describe('OvsdbJsonFramer', () => {
  const stream = bytesOf(sample, '\n ');

  it('splits back-to-back JSON texts with no delimiter, big integers exact', () => {
    const f = new OvsdbJsonFramer();
    expect(f.push(bytesOf(sample))).toEqual(sample);
    expect(f.pendingBytes).toBe(0);
  });

  it('gives the same result fed one byte at a time (multi-byte UTF-8 split across reads)', () => {
    const f = new OvsdbJsonFramer();
    const out: unknown[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...f.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(sample);
  });

  it('gives the same result split at every offset into two chunks', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(feed(new OvsdbJsonFramer(), stream, [cut])).toEqual(sample);
    }
  });

  it('gives the same result for random chunkings (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(feed(new OvsdbJsonFramer(), stream, [...cuts].sort((a, b) => a - b))).toEqual(sample);
      }),
    );
  });

  it('round-trips arbitrary JSON values (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue())), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 7 }), (values, step) => {
        const buf = bytesOf(values);
        const f = new OvsdbJsonFramer();
        const out: unknown[] = [];
        for (let i = 0; i < buf.length; i += step) out.push(...f.push(buf.subarray(i, i + step)));
        // Integral doubles beyond 2^53 come back as bigint (the wire cannot tell them apart); compare as text.
        expect(ovsdbJsonStringify(out)).toBe(JSON.stringify(values));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps long integers exact and decodes unsafe ones as bigint only', () => {
    const f = new OvsdbJsonFramer();
    const [v] = f.push(Buffer.from('[9007199254740991, 9007199254740992, -9007199254740993, 12345678901234567890, 1.5e300, 0.1234567890123456]'));
    expect(v).toEqual([9007199254740991, 9007199254740992n, -9007199254740993n, 12345678901234567890n, 1.5e300, 0.1234567890123456]);
  });

  it('re-encodes bigint as bare integers', () => {
    expect(ovsdbJsonStringify({ a: [1n << 64n, 'x', null, { b: -5n }] })).toBe('{"a":[18446744073709551616,"x",null,{"b":-5}]}');
    expect(ovsdbJsonParse(ovsdbJsonStringify({ n: 18446744073709551615n }))).toEqual({ n: 18446744073709551615n });
  });

  it('slow parser agrees with JSON.parse on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (v, str) => {
        const text = JSON.stringify([v, str, { [str]: v }]);
        expect(ovsdbJsonStringify(ovsdbJsonParse(text))).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { numRuns: 300 },
    );
  });

  it('slow parser rejects what JSON.parse rejects', () => {
    for (const bad of ['[1,]', '{"a" 1}', '[01234567890123456789]', '["\u0001"]', '[tru]', '{"a":1}x', '["abc', '[-]']) {
      expect(() => ovsdbJsonParse(bad)).toThrow(SyntaxError);
    }
  });

  function expectFramingError(fn: () => unknown, code: string): OvsdbFramingError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(OvsdbFramingError);
      expect((e as OvsdbFramingError).code).toBe(code);
      return e as OvsdbFramingError;
    }
    throw new Error('expected a framing error');
  }

  it('rejects malformed JSON with OVSDB_BAD_JSON and stays failed', () => {
    const f = new OvsdbJsonFramer();
    const e = expectFramingError(() => f.push(Buffer.from('{"id":1,"result":[1,,2]}')), 'OVSDB_BAD_JSON');
    expect(e.offset).toBe(0);
    // The same error again: it is surfaced, the framer never recovers mid-stream.
    expect(() => f.push(Buffer.from('{}'))).toThrow(e);
  });

  it('rejects a stream that does not start with an object or array', () => {
    expectFramingError(() => new OvsdbJsonFramer().push(Buffer.from('{} 42')), 'OVSDB_BAD_JSON');
    expectFramingError(() => new OvsdbJsonFramer().push(Buffer.from('"str"')), 'OVSDB_BAD_JSON');
  });

  it('rejects invalid UTF-8', () => {
    expectFramingError(() => new OvsdbJsonFramer().push(Buffer.from([0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d])), 'OVSDB_BAD_JSON');
  });

  it('rejects an oversized message as soon as the buffered bytes exceed the cap, across chunks', () => {
    const f = new OvsdbJsonFramer({ maxMessageBytes: 100 });
    expect(f.push(Buffer.from(`[${'1,'.repeat(40)}1]`))).toHaveLength(1); // 83 bytes: fine
    f.push(Buffer.from(`["${'x'.repeat(60)}`));
    expectFramingError(() => f.push(Buffer.from('y'.repeat(60))), 'OVSDB_MSG_TOO_LARGE');
  });

  it('rejects an oversized message delivered complete in one chunk', () => {
    expectFramingError(() => new OvsdbJsonFramer({ maxMessageBytes: 10 }).push(Buffer.from('["0123456789"]')), 'OVSDB_MSG_TOO_LARGE');
  });

  it('rejects nesting deeper than the cap without recursion (no RangeError even for 1e6 levels)', () => {
    const f = new OvsdbJsonFramer({ maxDepth: 8 });
    expect(f.push(Buffer.from('[[[[[[[[1]]]]]]]]'))).toEqual([[[[[[[[[1]]]]]]]]]);
    expectFramingError(() => f.push(Buffer.from('[[[[[[[[[1]]]]]]]]]')), 'OVSDB_TOO_DEEP');
    expectFramingError(() => new OvsdbJsonFramer().push(Buffer.from('['.repeat(1_000_000))), 'OVSDB_TOO_DEEP');
  });

  it('does not count brackets inside strings (with escaped quotes and backslashes)', () => {
    const f = new OvsdbJsonFramer({ maxDepth: 2 });
    const v = { s: '[[[[{{{{\\"]]]', t: '\\' };
    expect(f.push(Buffer.from(JSON.stringify(v)))).toEqual([v]);
  });

  it('scans linearly: 2000 one-byte chunks of a large message take no quadratic time', () => {
    const big = Buffer.from(JSON.stringify({ rows: Array.from({ length: 20000 }, (_, i) => ({ i, s: 'abcdefgh' })) }));
    const f = new OvsdbJsonFramer();
    const step = Math.ceil(big.length / 2000);
    const t0 = process.hrtime.bigint();
    let out: unknown[] = [];
    for (let i = 0; i < big.length; i += step) out = out.concat(f.push(big.subarray(i, i + step)));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(out).toHaveLength(1);
    expect(ms).toBeLessThan(2000);
  });
});

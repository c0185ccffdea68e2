/** The documented fast paths return exactly what the general decoders return. */
import fc from 'fast-check';
import { Reader } from '../../../src/openflow/reader';
import { Writer } from '../../../src/openflow/writer';
import { decodeMatch, encodeMatch } from '../../../src/openflow/match';
import { decodeInPortMatchFast } from '../../../src/openflow/msg/packet';
import { readU64At, writeU64At } from '../../../src/openflow/msg/common';
import { matchArb, u32 } from './msg-arbitraries';

describe('fast paths', () => {
  it('decodeInPortMatchFast agrees with decodeMatch, or declines', () => {
    fc.assert(
      fc.property(fc.oneof(matchArb, u32.map((p) => [{ field: 'in_port', value: p }])), (m) => {
        const w = new Writer();
        encodeMatch(w, m);
        const buf = w.toBuffer();
        const fast = decodeInPortMatchFast(new Reader(buf));
        const r = new Reader(buf);
        const general = decodeMatch(r);
        if (fast !== undefined) {
          expect(fast).toEqual(general);
          expect(m.length === 1 && m[0]!.field === 'in_port').toBe(true);
        } else {
          expect(m.length === 1 && m[0]!.field === 'in_port').toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('declines non-zero padding', () => {
    const buf = Buffer.from('0001000c80000004000000010000ff00', 'hex');
    expect(decodeInPortMatchFast(new Reader(buf))).toBeUndefined();
  });

  it('readU64At/writeU64At round-trip every magnitude', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
        const b = Buffer.alloc(8);
        writeU64At(b, 0, v);
        expect(b.readBigUInt64BE(0)).toBe(v);
        expect(readU64At(b, 0)).toBe(v);
      }),
    );
    const b = Buffer.alloc(8, 0xff);
    expect(readU64At(b, 0)).toBe(0xffffffffffffffffn);
  });
});

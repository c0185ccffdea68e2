/**
 * Random and mutated bytes never make the decoder throw anything but OpenFlowDecodeError (no RangeError, no
 * TypeError, no hang), and whatever does decode re-encodes.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage, encodeMessage, formatMessage } from '../../../src/openflow/dispatch';
import { OpenFlowDecodeError } from '../../../src/openflow/errors';
import { anyMessageArb } from './helpers/msg-arbitraries';

const captured = (
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/openflow/captured.json'), 'utf8')) as { hex: string }[]
)
  .map((f) => Buffer.from(f.hex, 'hex'))
  .filter((b) => b.length < 4096);

/** Decodes; a decoded message must encode and format; any throw must be an OpenFlowDecodeError. */
function check(buf: Buffer): void {
  let m;
  try {
    m = decodeMessage(buf);
  } catch (e) {
    if (!(e instanceof OpenFlowDecodeError)) throw e;
    expect(typeof e.code).toBe('string');
    expect(e.offset).toBeGreaterThanOrEqual(0);
    return;
  }
  formatMessage(m);
  try {
    encodeMessage(m);
  } catch (e) {
    // A decoded value may be unencodable only by an OpenFlowDecodeError (e.g. a field B refuses to re-encode).
    if (!(e instanceof OpenFlowDecodeError)) throw e;
  }
}

/** Sets ofp_header.length to the buffer length so the body decoders, not the length check, see the bytes. */
function fixLength(b: Buffer): Buffer {
  if (b.length >= 4 && b.length <= 0xffff) b.writeUInt16BE(b.length, 2);
  return b;
}

describe('decoder robustness', () => {
  it('random bodies behind a valid 1.3 header of every type', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 31 }), fc.uint8Array({ maxLength: 300 }), (type, body) => {
        const b = Buffer.alloc(8 + body.length);
        b[0] = 4;
        b[1] = type;
        Buffer.from(body).copy(b, 8);
        check(fixLength(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('random experimenter and multipart bodies (known ids and subtypes)', () => {
    // ofp_header + experimenter id + subtype of each modelled extension (NX 16, 20, 30, 28; ONF 2300, 2301).
    const heads = [
      '0404000000000000 00002320 00000010', '0404000000000000 00002320 00000014', '0404000000000000 00002320 0000001e',
      '0404000000000000 00002320 0000001c', '0404000000000000 4f4e4600 000008fc', '0404000000000000 4f4e4600 000008fd',
    ].map((h) => Buffer.from(h.replace(/ /g, ''), 'hex'));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...heads),
          fc.integer({ min: 0, max: 14 }).map((t) => {
            const b = Buffer.alloc(16);
            b[0] = 4;
            b[1] = 18 + (t & 1);
            b.writeUInt16BE(t, 8);
            return b;
          }),
        ),
        fc.uint8Array({ maxLength: 300 }),
        (head, body) => check(fixLength(Buffer.concat([head, Buffer.from(body)]))),
      ),
      { numRuns: 3000 },
    );
  });

  it('captured OVS messages with random bytes overwritten, or truncated', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...captured),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.nat(),
        (orig, edits, truncate, cut) => {
          let b = Buffer.from(orig);
          for (const [at, v] of edits) b[8 + (at % Math.max(1, b.length - 8))] = v;
          if (truncate) b = b.subarray(0, 8 + (cut % Math.max(1, b.length - 7)));
          check(fixLength(Buffer.from(b)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('encoded random messages with random bytes overwritten (lengths and counts included)', () => {
    fc.assert(
      fc.property(anyMessageArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (m, edits) => {
        let b: Buffer;
        try {
          b = Buffer.from(encodeMessage(m));
        } catch {
          return; // e.g. a generated message over 65535 bytes
        }
        for (const [at, v] of edits) b[2 + (at % (b.length - 2))] = v;
        check(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('completely random buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (a) => check(Buffer.from(a))),
      { numRuns: 2000 },
    );
  });
});

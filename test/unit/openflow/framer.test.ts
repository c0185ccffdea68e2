import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { OpenFlowFramer, openflowFrames } from '../../../src/openflow/framer';
import { OpenFlowDecodeError } from '../../../src/openflow/errors';
import { decodeMessage } from '../../../src/openflow/dispatch';

const captured = (
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/openflow/captured.json'), 'utf8')) as { hex: string }[]
).map((f) => Buffer.from(f.hex, 'hex'));
/** A stream of real messages of many sizes (the table-features reply is near 64 KiB). */
const stream = Buffer.concat(captured);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof OpenFlowDecodeError) return e.code;
    throw e;
  }
  return undefined;
}

describe('OpenFlowFramer', () => {
  it('cuts a whole stream in one push into the original messages', () => {
    const out = new OpenFlowFramer().push(stream);
    expect(out.map((b) => b.toString('hex'))).toEqual(captured.map((b) => b.toString('hex')));
  });

  it('yields the same messages when the stream is split at every offset (two chunks)', () => {
    // 25 messages of every family (the near-64 KiB table-features reply is covered by the other cases).
    const first = captured.filter((b) => b.length < 600).slice(0, 25);
    const s = Buffer.concat(first);
    const want = first.map((b) => b.toString('hex'));
    for (let cut = 0; cut <= s.length; cut++) {
      const f = new OpenFlowFramer();
      const got = [...f.push(s.subarray(0, cut)), ...f.push(s.subarray(cut))].map((b) => b.toString('hex'));
      expect(got).toEqual(want);
      expect(f.bufferedBytes).toBe(0);
    }
  });

  it('yields the same messages byte by byte', () => {
    const f = new OpenFlowFramer();
    const got: string[] = [];
    for (let i = 0; i < stream.length; i++) for (const m of f.push(stream.subarray(i, i + 1))) got.push(m.toString('hex'));
    expect(got).toEqual(captured.map((b) => b.toString('hex')));
  });

  it('yields the same messages for random chunkings (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 200 }), (sizes) => {
        const f = new OpenFlowFramer();
        const got: Buffer[] = [];
        let pos = 0;
        let i = 0;
        while (pos < stream.length) {
          const n = sizes[i++ % sizes.length]!;
          got.push(...f.push(stream.subarray(pos, pos + n)));
          pos += n;
        }
        expect(got.length).toBe(captured.length);
        expect(Buffer.concat(got).equals(stream)).toBe(true);
        // Each framed message decodes on its own.
        for (const m of got.slice(0, 5)) decodeMessage(m);
      }),
      { numRuns: 30 },
    );
  });

  it('returned messages stay valid after the caller reuses its chunk buffer', () => {
    const f = new OpenFlowFramer();
    const msg = captured[0]!;
    const chunk = Buffer.from(msg.subarray(0, 5));
    f.push(chunk);
    chunk.fill(0xee); // caller reuses its buffer
    const [out] = f.push(Buffer.from(msg.subarray(5)));
    expect(out!.equals(msg)).toBe(true);
  });

  it('rejects a length below 8 with OFPBRC_BAD_LEN, and stays failed', () => {
    const f = new OpenFlowFramer();
    const bad = Buffer.from('04000004000000010000', 'hex');
    expect(codeOf(() => f.push(bad))).toBe('OFPBRC_BAD_LEN');
    expect(f.isFailed).toBe(true);
    expect(codeOf(() => f.push(captured[0]!))).toBe('OFPBRC_BAD_LEN');
    f.reset();
    expect(f.push(captured[0]!)).toHaveLength(1);
  });

  it('delivers every whole message before a bad header in the same chunk, then surfaces the error once', () => {
    const [a, b] = [captured[0]!, captured[1]!];
    const bad = Buffer.from('0400000300000001', 'hex');
    const f = new OpenFlowFramer();
    const got = f.push(Buffer.concat([a, b, bad]));
    expect(got.map((m) => m.toString('hex'))).toEqual([a.toString('hex'), b.toString('hex')]);
    expect(f.isFailed).toBe(true);
    expect(f.error).toMatchObject({ code: 'OFPBRC_BAD_LEN' });
    expect(f.error!.message).toContain(`stream offset ${a.length + b.length}`);
    expect(codeOf(() => f.push(Buffer.alloc(0)))).toBe('OFPBRC_BAD_LEN');
    // Same through a carried-over partial message: the first message completes across the two pushes.
    const g = new OpenFlowFramer({ maxMessageLength: 1024 });
    const tooBig = Buffer.from('0400ffff00000001', 'hex');
    expect(g.push(a.subarray(0, 3))).toEqual([]);
    expect(g.push(Buffer.concat([a.subarray(3), b, tooBig])).map((m) => m.toString('hex'))).toEqual([
      a.toString('hex'),
      b.toString('hex'),
    ]);
    expect(g.error).toMatchObject({ code: 'OFPSDN_MSG_TOO_LARGE' });
  });

  it('detects a bad length as soon as the length field has arrived', () => {
    const f = new OpenFlowFramer();
    expect(f.push(Buffer.from('0400', 'hex'))).toEqual([]);
    expect(codeOf(() => f.push(Buffer.from('0003', 'hex')))).toBe('OFPBRC_BAD_LEN');
  });

  it('rejects a message over the configured cap with OFPSDN_MSG_TOO_LARGE', () => {
    const f = new OpenFlowFramer({ maxMessageLength: 1024 });
    const big = Buffer.alloc(2000);
    big.writeUInt8(4, 0);
    big.writeUInt16BE(2000, 2);
    expect(codeOf(() => f.push(big.subarray(0, 4)))).toBe('OFPSDN_MSG_TOO_LARGE');
    // At the cap is fine.
    const ok = Buffer.alloc(1024);
    ok.writeUInt8(4, 0);
    ok.writeUInt8(2, 1);
    ok.writeUInt16BE(1024, 2);
    expect(new OpenFlowFramer({ maxMessageLength: 1024 }).push(ok)).toHaveLength(1);
  });

  it('rejects a cap outside 8..65535', () => {
    expect(codeOf(() => new OpenFlowFramer({ maxMessageLength: 4 }))).toBe('OFPSDN_BAD_VALUE');
    expect(codeOf(() => new OpenFlowFramer({ maxMessageLength: 70000 }))).toBe('OFPSDN_BAD_VALUE');
  });

  it('never throws anything but OpenFlowDecodeError on random bytes, and never loses bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 50 }), (bytes, chunk) => {
        const f = new OpenFlowFramer();
        const b = Buffer.from(bytes);
        let framed = 0;
        try {
          for (let i = 0; i < b.length; i += chunk) for (const m of f.push(b.subarray(i, i + chunk))) framed += m.length;
          // A bad header after delivered messages fails the framer without a throw (the next push throws).
          if (f.isFailed) expect(f.error).toBeInstanceOf(OpenFlowDecodeError);
          else expect(framed + f.bufferedBytes).toBe(b.length);
        } catch (e) {
          expect(e).toBeInstanceOf(OpenFlowDecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('openflowFrames (rxjs operator)', () => {
  it('turns chunks into messages, and a framing error into a stream error', async () => {
    const msgs = captured.slice(0, 6);
    const s = Buffer.concat(msgs);
    const chunks = [s.subarray(0, 5), s.subarray(5, 31), s.subarray(31)];
    const out = await lastValueFrom(from(chunks).pipe(openflowFrames(), toArray()));
    expect(out.map((b) => b.toString('hex'))).toEqual(msgs.map((b) => b.toString('hex')));
    await expect(lastValueFrom(from([Buffer.from('04000002', 'hex')]).pipe(openflowFrames()))).rejects.toMatchObject({
      code: 'OFPBRC_BAD_LEN',
    });
  });

  it('emits the messages that precede a bad header in the same chunk, then errors once', async () => {
    const [a, b] = [captured[0]!, captured[1]!];
    const seen: string[] = [];
    const errors: unknown[] = [];
    await new Promise<void>((resolve) => {
      from([Buffer.concat([a, b, Buffer.from('04000001', 'hex')]), a])
        .pipe(openflowFrames())
        .subscribe({
          next: (m) => seen.push(m.toString('hex')),
          error: (e: unknown) => {
            errors.push(e);
            resolve();
          },
          complete: () => resolve(),
        });
    });
    expect(seen).toEqual([a.toString('hex'), b.toString('hex')]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'OFPBRC_BAD_LEN' });
  });
});

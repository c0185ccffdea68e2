/**
 * The documented fast paths (src/openflow/msg/fastpath.ts) give exactly what the general codecs give, or
 * decline; on random, invalid and mutated input.
 */
import fc from 'fast-check';
import { Reader } from '../../../src/openflow/reader';
import { Writer } from '../../../src/openflow/writer';
import { decodeMatch, encodeMatch, type Match } from '../../../src/openflow/match';
import { decodeInstructions, encodeInstructions, type Instruction } from '../../../src/openflow/instructions';
import type { Action } from '../../../src/openflow/actions';
import {
  fastDecodeInstructions,
  fastDecodeMatch,
  fastEncodeInstructions,
  fastEncodeMatch,
} from '../../../src/openflow/msg/fastpath';
import { readU64At, writeU64At } from '../../../src/openflow/msg/common';
import { actionArb, instructionsArb, matchArb, u16, u32, u64, u8 } from './helpers/msg-arbitraries';

const FIELDS = [
  'in_port', 'metadata', 'eth_src', 'eth_dst', 'eth_type', 'ip_proto', 'ipv4_src', 'ipv4_dst', 'tcp_src', 'tcp_dst',
  'udp_src', 'udp_dst', 'tun_id', 'pkt_mark', 'reg0', 'reg7', 'reg15', 'vlan_vid', 'ct_state', 'ipv6_src', 'xreg1',
  'no_such_field',
];
const anyValue = fc.oneof(
  fc.constantFrom(0x0800, 0x86dd, 0x0806, 6, 17, 1, 0),
  u8,
  u16,
  u32,
  fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  u64,
  fc.integer({ min: -5, max: -1 }),
  fc.constant(1.5),
);
const entryArb = fc.record(
  { field: fc.constantFrom(...FIELDS), value: anyValue, mask: anyValue },
  { requiredKeys: ['field', 'value'] },
);
/** Mostly-valid matches (the arbitraries' templates) mixed with arbitrary, often invalid, entry lists. */
const wildMatch: fc.Arbitrary<Match> = fc.oneof(matchArb, fc.array(entryArb, { maxLength: 6 }) as fc.Arbitrary<Match>);

const wildAction: fc.Arbitrary<Action> = fc.oneof(
  actionArb,
  fc.record({ type: fc.constant('set_field' as const), field: fc.constantFrom(...FIELDS), value: anyValue }) as fc.Arbitrary<Action>,
  fc.record({
    type: fc.constant('load' as const),
    dst: fc.record({ field: fc.constantFrom(...FIELDS), ofs: fc.integer({ min: 0, max: 70 }), nBits: fc.integer({ min: 0, max: 70 }) }),
    value: fc.oneof(u64, fc.bigInt({ min: 0n, max: 300n })),
  }) as fc.Arbitrary<Action>,
  fc.record({ type: fc.constant('output' as const), port: anyValue, maxLen: anyValue }) as fc.Arbitrary<Action>,
);
const wildInstructions: fc.Arbitrary<Instruction[]> = fc.oneof(
  instructionsArb,
  fc.array(
    fc.oneof(
      fc.record({ type: fc.constantFrom('apply_actions' as const, 'write_actions' as const), actions: fc.array(wildAction, { maxLength: 4 }) }),
      fc.record({ type: fc.constant('goto_table' as const), tableId: anyValue }) as fc.Arbitrary<Instruction>,
    ),
    { maxLength: 3 },
  ),
);

function generic<T>(fn: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: fn() };
  } catch {
    return { ok: false };
  }
}

function mutate(buf: Buffer, edits: [number, number][]): Buffer {
  const b = Buffer.from(buf);
  for (const [at, v] of edits) if (b.length) b[at % b.length] = v;
  return b;
}
const editsArb = fc.array(fc.tuple(fc.nat(), u8), { maxLength: 3 });

describe('match fast path', () => {
  it('encodes exactly like encodeMatch, or declines without writing', () => {
    fc.assert(
      fc.property(wildMatch, (m) => {
        const wf = new Writer(8);
        wf.u8(0xaa);
        const took = fastEncodeMatch(wf, m);
        const g = generic(() => {
          const w = new Writer(8);
          encodeMatch(w, m);
          return w.toBuffer();
        });
        if (took) {
          expect(g.ok).toBe(true);
          expect(wf.toBuffer().subarray(1).toString('hex')).toBe((g as { value: Buffer }).value.toString('hex'));
        } else {
          expect(wf.pos).toBe(1);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('decodes exactly like decodeMatch (same value, same bytes consumed), or declines', () => {
    fc.assert(
      fc.property(wildMatch, editsArb, u8, (m, edits, extra) => {
        const g0 = generic(() => {
          const w = new Writer(8);
          encodeMatch(w, m);
          w.u8(extra);
          return w.toBuffer();
        });
        if (!g0.ok) return;
        const buf = mutate(g0.value, edits);
        const rf = new Reader(buf);
        const fast = fastDecodeMatch(rf);
        const rg = new Reader(buf);
        const g = generic(() => decodeMatch(rg));
        if (fast !== undefined) {
          expect(g.ok).toBe(true);
          expect(fast).toEqual((g as { value: Match }).value);
          expect(rf.pos).toBe(rg.pos);
        } else {
          expect(rf.pos).toBe(0);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('instructions fast path', () => {
  it('encodes exactly like encodeInstructions, or declines without writing', () => {
    fc.assert(
      fc.property(wildInstructions, (list) => {
        const wf = new Writer(8);
        const took = fastEncodeInstructions(wf, list);
        const g = generic(() => {
          const w = new Writer(8);
          encodeInstructions(w, list);
          return w.toBuffer();
        });
        if (took) {
          expect(g.ok).toBe(true);
          expect(wf.toBuffer().toString('hex')).toBe((g as { value: Buffer }).value.toString('hex'));
        } else {
          expect(wf.pos).toBe(0);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('decodes exactly like decodeInstructions, or declines', () => {
    fc.assert(
      fc.property(wildInstructions, editsArb, (list, edits) => {
        const g0 = generic(() => {
          const w = new Writer(8);
          encodeInstructions(w, list);
          return w.toBuffer();
        });
        if (!g0.ok) return;
        const buf = mutate(g0.value, edits);
        const rf = new Reader(buf);
        const fast = fastDecodeInstructions(rf);
        const g = generic(() => decodeInstructions(new Reader(buf)));
        if (fast !== undefined) {
          expect(g.ok).toBe(true);
          expect(fast).toEqual((g as { value: Instruction[] }).value);
          expect(rf.pos).toBe(buf.length);
        } else {
          expect(rf.pos).toBe(0);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('the benchmark flow (issue 2, message (a)) takes the fast paths', () => {
  const match: Match = [
    { field: 'in_port', value: 1 },
    { field: 'eth_type', value: 0x0800 },
    { field: 'ipv4_dst', value: 0x0af40200, mask: 0xffffff00 },
    { field: 'tun_id', value: 5n },
  ];
  const instructions: Instruction[] = [
    {
      type: 'apply_actions',
      actions: [
        { type: 'set_field', field: 'tun_id', value: 100n },
        { type: 'load', dst: { field: 'reg0', ofs: 0, nBits: 32 }, value: 5n },
        { type: 'output', port: 2, maxLen: 0 },
      ],
    },
    { type: 'goto_table', tableId: 1 },
  ];

  it('both ways', () => {
    const w = new Writer();
    expect(fastEncodeMatch(w, match)).toBe(true);
    expect(fastEncodeInstructions(w, instructions)).toBe(true);
    const r = new Reader(w.toBuffer());
    expect(fastDecodeMatch(r)).toEqual(match);
    expect(fastDecodeInstructions(r)).toEqual(instructions);
  });
});

describe('u64 helpers', () => {
  it('readU64At/writeU64At round-trip every magnitude', () => {
    fc.assert(
      fc.property(u64, (v) => {
        const b = Buffer.alloc(8);
        writeU64At(b, 0, v);
        expect(b.readBigUInt64BE(0)).toBe(v);
        expect(readU64At(b, 0)).toBe(v);
      }),
    );
    expect(readU64At(Buffer.alloc(8, 0xff), 0)).toBe(0xffffffffffffffffn);
  });
});

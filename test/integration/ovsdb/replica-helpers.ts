/** Helpers shared by the replica equality tests (not a test file). */
import type { OvsdbClient } from '../../../src/ovsdb/client';
import { type OpenVSwitchDb, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';
import { Transaction } from '../../../src/ovsdb/transaction';

type Db = OpenVSwitchDb;

/** Every row of `tables` read with a plain `select` (no monitor, no diffs), decoded; `_version` left out. */
export async function selectAll(
  client: OvsdbClient,
  tables: readonly (keyof Db)[],
): Promise<Record<string, Record<string, Record<string, unknown>>>> {
  const txn = new Transaction<Db>(openVSwitchSchema());
  const refs = tables.map((t) => txn.select(t, []));
  const res = await txn.execute(client);
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  tables.forEach((t, i) => {
    out[t] = {};
    for (const r of res.rows(refs[i]) as Record<string, unknown>[]) {
      const { _version: _v, ...rest } = r;
      out[t][r._uuid as string] = rest;
    }
  });
  return out;
}

/** Canonical form for comparison: sets sorted, maps as sorted entries, bigints as text. */
export function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (v instanceof Map) return canon(Object.fromEntries(v));
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canon(x)]));
  return v;
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

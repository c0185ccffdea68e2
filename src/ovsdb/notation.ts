/**
 * RFC 7047 section 5.1 ("Notation") values, conditions and mutations.
 *
 * ## Wire form (what travels in JSON-RPC)
 * - `<atom>`: a JSON string, number or boolean, or `["uuid", "<uuid>"]` / `["named-uuid", "<id>"]`.
 * - `<set>`: `["set", [<atom>...]]`, or a bare `<atom>` for a set of exactly one element.
 * - `<map>`: `["map", [[<atom>, <atom>]...]]`.
 * Integers beyond 2^53 arrive as `bigint` from the framer and stay `bigint`.
 *
 * ## Friendly form (what the library hands you), chosen per column type (see `schema.ts`)
 * - a UUID atom is its lower-case text, `"550e8400-e29b-41d4-a716-446655440000"`. When a value is encoded for a
 *   uuid-typed column, a string that is not a UUID is taken as a named-uuid (RFC 7047 5.2.1 `uuid-name`), so
 *   `{ interfaces: ['iface0'] }` refers to the row inserted with `uuid-name: "iface0"` in the same transaction;
 * - an integer is a `number`, or a `bigint` when it is outside the safe range (+-2^53);
 * - a column with `min: 1, max: 1` is its atom; `min: 0, max: 1` is the atom or `null` when empty;
 *   `max > 1` is an array of atoms; a map column is a `Record<string, V>` when its keys are strings and a
 *   `Map<K, V>` otherwise.
 */

import { OvsdbError } from './errors';

/** `["uuid", "..."]`: a reference to an existing row (RFC 7047 5.1). */
export type WireUuid = ['uuid', string];
/** `["named-uuid", "..."]`: a reference to a row inserted in the same transaction (RFC 7047 5.1). */
export type WireNamedUuid = ['named-uuid', string];
/** RFC 7047 `<atom>` on the wire. */
export type WireAtom = string | number | bigint | boolean | WireUuid | WireNamedUuid;
/** RFC 7047 `<set>` on the wire. */
export type WireSet = ['set', WireAtom[]];
/** RFC 7047 `<map>` on the wire. */
export type WireMap = ['map', [WireAtom, WireAtom][]];
/** RFC 7047 `<value>`: an atom, a set or a map. */
export type WireValue = WireAtom | WireSet | WireMap;
/** A row on the wire: column name to `<value>` (RFC 7047 5.1 `<row>`). */
export type WireRow = Record<string, WireValue>;

/** A friendly atom (see the module comment). */
export type Atom = string | number | bigint | boolean;

/** Stable codes of {@link OvsdbNotationError}. */
export type OvsdbNotationErrorCode = 'OVSDB_BAD_NOTATION';

/** A JSON value that is not valid RFC 7047 notation where notation was expected. An {@link OvsdbError}. */
export class OvsdbNotationError extends OvsdbError {
  override readonly name = 'OvsdbNotationError';
  declare readonly code: OvsdbNotationErrorCode;
  constructor(
    message: string,
    /** The offending JSON value. */
    readonly value: unknown,
  ) {
    super('OVSDB_BAD_NOTATION', `${message}: ${previewOvsdbValue(value)}`, { value });
  }
}

/** Short printable form of a value for error messages (bigint-safe, truncated). */
export function previewOvsdbValue(value: unknown, max = 120): string {
  let s: string;
  try {
    s = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** RFC 7047 5.1 `<id>`: the syntax of a uuid-name. */
const ID_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** True for the text form of a UUID (RFC 4122 layout, as RFC 7047 `<uuid>`). */
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && s.length === 36 && UUID_RE.test(s);
}

/** True for a valid `uuid-name` (RFC 7047 5.1 `<id>`: `[a-zA-Z_][a-zA-Z0-9_]*`). */
export function isUuidName(s: unknown): s is string {
  return typeof s === 'string' && ID_RE.test(s);
}

/** `["uuid", u]`. */
export function wireUuid(u: string): WireUuid {
  return ['uuid', u];
}

/** `["named-uuid", name]`. */
export function wireNamedUuid(name: string): WireNamedUuid {
  return ['named-uuid', name];
}

/** True for a JSON value shaped `["uuid", "<uuid>"]`. */
export function isWireUuid(v: unknown): v is WireUuid {
  return Array.isArray(v) && v.length === 2 && v[0] === 'uuid' && typeof v[1] === 'string';
}

/** True for a JSON value shaped `["named-uuid", "<id>"]`. */
export function isWireNamedUuid(v: unknown): v is WireNamedUuid {
  return Array.isArray(v) && v.length === 2 && v[0] === 'named-uuid' && typeof v[1] === 'string';
}

/**
 * Schema-less decoding of a wire `<value>`, for callers without a schema (e.g. `ovs-sdn` diagnostics): uuids
 * become their text, sets become arrays (a bare atom stays an atom), maps become `Map`s.
 * Throws {@link OvsdbNotationError} on anything that is not notation.
 */
export function fromWireLoose(v: unknown): Atom | Atom[] | Map<Atom, Atom> {
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new OvsdbNotationError('not RFC 7047 notation', v);
    const [tag, body] = v as [unknown, unknown];
    if (tag === 'uuid' || tag === 'named-uuid') {
      if (typeof body !== 'string') throw new OvsdbNotationError('uuid body is not a string', v);
      return body;
    }
    if (tag === 'set') {
      if (!Array.isArray(body)) throw new OvsdbNotationError('set body is not an array', v);
      return body.map((a) => looseAtom(a));
    }
    if (tag === 'map') {
      if (!Array.isArray(body)) throw new OvsdbNotationError('map body is not an array', v);
      const m = new Map<Atom, Atom>();
      for (const pair of body) {
        if (!Array.isArray(pair) || pair.length !== 2) throw new OvsdbNotationError('map pair is not [k, v]', pair);
        m.set(looseAtom(pair[0]), looseAtom(pair[1]));
      }
      return m;
    }
    throw new OvsdbNotationError('unknown notation tag', v);
  }
  return looseAtom(v);
}

function looseAtom(v: unknown): Atom {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new OvsdbNotationError('non-finite number', v);
      return v;
    default:
      if (isWireUuid(v) || isWireNamedUuid(v)) return v[1];
      throw new OvsdbNotationError('not an atom', v);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Conditions (RFC 7047 5.1 <condition>) and mutations (RFC 7047 5.1 <mutation>)
// ---------------------------------------------------------------------------------------------------------

/** RFC 7047 5.1 `<function>` of a condition. */
export type ConditionFunction = '<' | '<=' | '==' | '!=' | '>=' | '>' | 'includes' | 'excludes';
/** RFC 7047 5.1 `<mutator>` of a mutation. */
export type Mutator = '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete';

/**
 * A condition in friendly form: `[column, function, value]`; the value is in the column's friendly form
 * (for `_uuid`, a UUID string). Encoded against the schema by the transaction builder / {@link encodeCondition}.
 * `true`/`false` are the monitor_cond constant conditions (OVS extension to RFC 7047: `[true]`/`[false]`).
 */
export type Condition<C extends string = string> = readonly [C, ConditionFunction, unknown] | boolean;
/** A mutation in friendly form: `[column, mutator, value]`. */
export type Mutation<C extends string = string> = readonly [C, Mutator, unknown];

const CONDITION_FUNCTIONS: ReadonlySet<string> = new Set(['<', '<=', '==', '!=', '>=', '>', 'includes', 'excludes']);
const MUTATORS: ReadonlySet<string> = new Set(['+=', '-=', '*=', '/=', '%=', 'insert', 'delete']);

/** True for an RFC 7047 condition function name. */
export function isConditionFunction(s: unknown): s is ConditionFunction {
  return typeof s === 'string' && CONDITION_FUNCTIONS.has(s);
}

/** True for an RFC 7047 mutator name. */
export function isMutator(s: unknown): s is Mutator {
  return typeof s === 'string' && MUTATORS.has(s);
}

/** Condition helpers: `where.eq('name', 'br0')` is `['name', '==', 'br0']`. */
export const where = {
  eq: <C extends string>(c: C, v: unknown): Condition<C> => [c, '==', v],
  ne: <C extends string>(c: C, v: unknown): Condition<C> => [c, '!=', v],
  lt: <C extends string>(c: C, v: unknown): Condition<C> => [c, '<', v],
  le: <C extends string>(c: C, v: unknown): Condition<C> => [c, '<=', v],
  gt: <C extends string>(c: C, v: unknown): Condition<C> => [c, '>', v],
  ge: <C extends string>(c: C, v: unknown): Condition<C> => [c, '>=', v],
  includes: <C extends string>(c: C, v: unknown): Condition<C> => [c, 'includes', v],
  excludes: <C extends string>(c: C, v: unknown): Condition<C> => [c, 'excludes', v],
  /** `_uuid == u`. */
  uuid: (u: string): Condition<'_uuid'> => ['_uuid', '==', u],
};

/** Mutation helpers: `mutate.insert('ports', ['p0'])` is `['ports', 'insert', ['p0']]`. */
export const mutate = {
  add: <C extends string>(c: C, v: number | bigint): Mutation<C> => [c, '+=', v],
  sub: <C extends string>(c: C, v: number | bigint): Mutation<C> => [c, '-=', v],
  mul: <C extends string>(c: C, v: number | bigint): Mutation<C> => [c, '*=', v],
  div: <C extends string>(c: C, v: number | bigint): Mutation<C> => [c, '/=', v],
  mod: <C extends string>(c: C, v: number | bigint): Mutation<C> => [c, '%=', v],
  /** Insert elements into a set column, or key/value pairs into a map column (existing keys are kept). */
  insert: <C extends string>(c: C, v: unknown): Mutation<C> => [c, 'insert', v],
  /** Delete elements from a set; from a map, either the given keys (an array) or the given pairs. */
  delete: <C extends string>(c: C, v: unknown): Mutation<C> => [c, 'delete', v],
};

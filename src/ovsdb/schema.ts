/**
 * OVSDB database schemas (RFC 7047 section 3.2), parsed from a `.ovsschema` file or a `get_schema` reply,
 * and the schema-driven conversion between wire notation and friendly values (see `notation.ts`), which
 * validates every value before it is sent: atomic type, `enum`, `minInteger`/`maxInteger`,
 * `minReal`/`maxReal`, `minLength`/`maxLength`, uuid or uuid-name for references, and the set/map size
 * `min`/`max`. A failure is an {@link OvsdbSchemaError} naming the table, the column and the value.
 */
import {
  Atom,
  Condition,
  Mutation,
  WireAtom,
  WireRow,
  WireValue,
  isConditionFunction,
  isMutator,
  isUuid,
  isUuidName,
  isWireNamedUuid,
  isWireUuid,
  previewOvsdbValue,
  fromWireLoose,
} from './notation';
import { OvsdbError, type OvsdbErrorCode } from './errors';

/** Stable codes of {@link OvsdbSchemaError}. */
export type OvsdbSchemaErrorCode = Extract<
  OvsdbErrorCode,
  /** The schema document itself is malformed (RFC 7047 3.2). */
  | 'OVSDB_SCHEMA_INVALID'
  /** A table that the schema does not have. */
  | 'OVSDB_UNKNOWN_TABLE'
  /** A column that the table does not have. */
  | 'OVSDB_UNKNOWN_COLUMN'
  /** A value of the wrong shape or atomic type for its column. */
  | 'OVSDB_TYPE_MISMATCH'
  /** A value of the right type that breaks a constraint: enum, range, length, set/map size, duplicate. */
  | 'OVSDB_CONSTRAINT_VIOLATION'
  /** A write to a column that the database does not let clients write (`_uuid`, `_version`, mutable:false). */
  | 'OVSDB_COLUMN_NOT_WRITABLE'
  /** A condition or mutation that does not apply to the column's type (e.g. `<` on a string, `+=` on a map). */
  | 'OVSDB_BAD_OPERATOR'
>;

/**
 * A schema problem or a value that fails validation against the schema (found BEFORE anything is sent);
 * names table, column and value. An {@link OvsdbError}.
 */
export class OvsdbSchemaError extends OvsdbError {
  override readonly name = 'OvsdbSchemaError';
  declare readonly code: OvsdbSchemaErrorCode;
  /** Where: the table, column and offending value (as far as known). */
  declare readonly context: { readonly table?: string; readonly column?: string; readonly value?: unknown };
  constructor(
    /** Stable error code. */
    code: OvsdbSchemaErrorCode,
    message: string,
    /** Where: the table, column and offending value (as far as known). */
    context: { table?: string; column?: string; value?: unknown } = {},
  ) {
    const where = [context.table, context.column].filter((x) => x !== undefined).join('.');
    super(
      code,
      `${where ? `${where}: ` : ''}${message}${'value' in context ? ` (value ${previewOvsdbValue(context.value)})` : ''}`,
      context,
    );
  }
  get table(): string | undefined {
    return this.context.table;
  }
  get column(): string | undefined {
    return this.context.column;
  }
  get value(): unknown {
    return this.context.value;
  }
}

/** RFC 7047 `<atomic-type>`. */
export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';
const ATOMIC_TYPES: ReadonlySet<string> = new Set(['integer', 'real', 'boolean', 'string', 'uuid']);

/** RFC 7047 `<base-type>`, parsed. Integer bounds are numbers (bigint beyond 2^53). */
export interface BaseType {
  readonly type: AtomicType;
  /** Allowed values (friendly atoms), when the schema gives an `enum`. */
  readonly enum?: readonly Atom[];
  readonly minInteger?: number | bigint;
  readonly maxInteger?: number | bigint;
  readonly minReal?: number;
  readonly maxReal?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** For uuid: the table that this column refers to. */
  readonly refTable?: string;
  /** For uuid with refTable: `strong` (default) or `weak`. */
  readonly refType?: 'strong' | 'weak';
}

/** How a column's friendly value looks (see `notation.ts`). */
export type ColumnKind = 'scalar' | 'optional' | 'set' | 'map';

/** RFC 7047 `<type>`, parsed. `max` is `Infinity` for `"unlimited"`. */
export interface ColumnType {
  readonly key: BaseType;
  readonly value?: BaseType;
  readonly min: number;
  readonly max: number;
  readonly kind: ColumnKind;
}

/** RFC 7047 `<column-schema>`, parsed, with its compiled encoder and decoder. */
export interface ColumnSchema {
  readonly table: string;
  readonly name: string;
  readonly type: ColumnType;
  /** `ephemeral: true`: not persisted (RFC 7047 3.2). */
  readonly ephemeral: boolean;
  /** `mutable: false`: cannot be changed after insert (OVS extension, default true). */
  readonly mutable: boolean;
  /** Friendly value -> wire `<value>`, validated; throws {@link OvsdbSchemaError}. */
  encode(value: unknown): WireValue;
  /** Wire `<value>` -> friendly value; throws {@link OvsdbSchemaError} on malformed notation. */
  decode(wire: unknown): unknown;
}

/** RFC 7047 `<table-schema>`, parsed. */
export interface TableSchema {
  readonly name: string;
  /** All columns including the implicit `_uuid` and `_version`. */
  readonly columns: ReadonlyMap<string, ColumnSchema>;
  /** `maxRows` (Infinity when absent). */
  readonly maxRows: number;
  /** `isRoot`: rows not reachable from a root table by strong references are garbage-collected. */
  readonly isRoot: boolean;
  /** Column sets whose values are unique within the table. */
  readonly indexes: readonly (readonly string[])[];
  /** The column or throws `OVSDB_UNKNOWN_COLUMN`. */
  column(name: string): ColumnSchema;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Normalises an integer: a bigint within the safe range becomes a number. */
export function normalizeInteger(v: number | bigint): number | bigint {
  if (typeof v === 'bigint' && v <= MAX_SAFE && v >= -MAX_SAFE) return Number(v);
  return v;
}

function isIntegerValue(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

function codePointLength(s: string): number {
  // Fast path: no surrogates means one code unit per code point.
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n--;
      i++;
    }
  }
  return n;
}

function lt(a: number | bigint, b: number | bigint): boolean {
  return typeof a === typeof b ? a < b : BigInt(a) < BigInt(b);
}

type Ctx = { table: string; column: string };

function fail(code: OvsdbSchemaErrorCode, ctx: Ctx, message: string, value: unknown): never {
  throw new OvsdbSchemaError(code, message, { table: ctx.table, column: ctx.column, value });
}

/** Friendly atom -> wire atom, checking type and constraints. */
function encodeAtom(base: BaseType, enumSet: ReadonlySet<unknown> | undefined, v: unknown, ctx: Ctx): WireAtom {
  let out: WireAtom;
  switch (base.type) {
    case 'integer': {
      if (!isIntegerValue(v)) fail('OVSDB_TYPE_MISMATCH', ctx, 'expected an integer', v);
      const n = normalizeInteger(v);
      if (base.minInteger !== undefined && lt(n, base.minInteger))
        fail('OVSDB_CONSTRAINT_VIOLATION', ctx, `integer below minInteger ${base.minInteger}`, v);
      if (base.maxInteger !== undefined && lt(base.maxInteger, n))
        fail('OVSDB_CONSTRAINT_VIOLATION', ctx, `integer above maxInteger ${base.maxInteger}`, v);
      out = n;
      break;
    }
    case 'real': {
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) fail('OVSDB_TYPE_MISMATCH', ctx, 'expected a finite real', v);
      if (base.minReal !== undefined && n < base.minReal)
        fail('OVSDB_CONSTRAINT_VIOLATION', ctx, `real below minReal ${base.minReal}`, v);
      if (base.maxReal !== undefined && n > base.maxReal)
        fail('OVSDB_CONSTRAINT_VIOLATION', ctx, `real above maxReal ${base.maxReal}`, v);
      out = n;
      break;
    }
    case 'boolean':
      if (typeof v !== 'boolean') fail('OVSDB_TYPE_MISMATCH', ctx, 'expected a boolean', v);
      out = v;
      break;
    case 'string': {
      if (typeof v !== 'string') fail('OVSDB_TYPE_MISMATCH', ctx, 'expected a string', v);
      if (base.minLength !== undefined || base.maxLength !== undefined) {
        const len = codePointLength(v);
        if (base.minLength !== undefined && len < base.minLength)
          fail('OVSDB_CONSTRAINT_VIOLATION', ctx, `string shorter than minLength ${base.minLength}`, v);
        if (base.maxLength !== undefined && len > base.maxLength)
          fail('OVSDB_CONSTRAINT_VIOLATION', ctx, `string longer than maxLength ${base.maxLength}`, v);
      }
      out = v;
      break;
    }
    case 'uuid':
      if (typeof v === 'string') {
        if (isUuid(v)) out = ['uuid', v.toLowerCase()];
        else if (isUuidName(v)) out = ['named-uuid', v];
        else fail('OVSDB_TYPE_MISMATCH', ctx, 'expected a UUID or a uuid-name', v);
      } else if (isWireUuid(v) && isUuid(v[1])) out = ['uuid', v[1].toLowerCase()];
      else if (isWireNamedUuid(v) && isUuidName(v[1])) out = v;
      else fail('OVSDB_TYPE_MISMATCH', ctx, 'expected a UUID or a uuid-name', v);
      break;
  }
  if (enumSet && !enumSet.has(typeof out === 'object' ? out[1] : out))
    fail('OVSDB_CONSTRAINT_VIOLATION', ctx, `not one of the allowed values ${previewOvsdbValue(base.enum)}`, v);
  return out;
}

/** Wire atom -> friendly atom, checking the atomic type only (the server enforces constraints). */
function decodeAtom(type: AtomicType, w: unknown, ctx: Ctx): Atom {
  switch (type) {
    case 'integer':
      if (typeof w === 'number' && Number.isInteger(w)) return w;
      if (typeof w === 'bigint') return normalizeInteger(w);
      break;
    case 'real':
      if (typeof w === 'number') return w;
      if (typeof w === 'bigint') return Number(w);
      break;
    case 'boolean':
      if (typeof w === 'boolean') return w;
      break;
    case 'string':
      if (typeof w === 'string') return w;
      break;
    case 'uuid':
      if (Array.isArray(w) && w.length === 2 && w[0] === 'uuid' && typeof w[1] === 'string') return w[1];
      break;
  }
  return fail('OVSDB_TYPE_MISMATCH', ctx, `expected a wire ${type} atom`, w);
}

/** Key of a friendly atom for duplicate detection in sets and maps. */
function atomKey(w: WireAtom): unknown {
  return typeof w === 'object' ? w[1] : w;
}

function parseBaseType(json: unknown, where: string): BaseType {
  if (typeof json === 'string') {
    if (!ATOMIC_TYPES.has(json)) throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', `${where}: unknown atomic type`, { value: json });
    return { type: json as AtomicType };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', `${where}: base type is not a string or object`, { value: json });
  const o = json as Record<string, unknown>;
  if (typeof o.type !== 'string' || !ATOMIC_TYPES.has(o.type))
    throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', `${where}: unknown atomic type`, { value: o.type });
  const type = o.type as AtomicType;
  const out: { -readonly [K in keyof BaseType]: BaseType[K] } = { type };
  const num = (k: string, int: boolean): number | bigint | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (int ? !isIntegerValue(v) : typeof v !== 'number')
      throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', `${where}: ${k} is not a number`, { value: v });
    return int ? normalizeInteger(v as number | bigint) : (v as number);
  };
  if (type === 'integer') {
    out.minInteger = num('minInteger', true);
    out.maxInteger = num('maxInteger', true);
  } else if (type === 'real') {
    out.minReal = num('minReal', false) as number | undefined;
    out.maxReal = num('maxReal', false) as number | undefined;
  } else if (type === 'string') {
    out.minLength = num('minLength', true) as number | undefined;
    out.maxLength = num('maxLength', true) as number | undefined;
  } else if (type === 'uuid') {
    if (o.refTable !== undefined) {
      if (typeof o.refTable !== 'string')
        throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', `${where}: refTable is not a string`, { value: o.refTable });
      out.refTable = o.refTable;
      if (o.refType !== undefined && o.refType !== 'strong' && o.refType !== 'weak')
        throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', `${where}: refType is not strong/weak`, { value: o.refType });
      out.refType = (o.refType as 'strong' | 'weak' | undefined) ?? 'strong';
    }
  }
  if (o.enum !== undefined) {
    // The enum is a <value> of the atomic type: a bare atom or ["set", [...]].
    const ctx = { table: where, column: 'enum' };
    const e = o.enum;
    const items: unknown[] = Array.isArray(e) && e[0] === 'set' && Array.isArray(e[1]) ? (e[1] as unknown[]) : [e];
    out.enum = items.map((a) => decodeAtom(type, a, ctx));
  }
  for (const k of Object.keys(out) as (keyof BaseType)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** Parses an RFC 7047 `<type>`. */
export function parseColumnType(json: unknown, where = 'type'): ColumnType {
  if (typeof json === 'string') return { key: parseBaseType(json, where), min: 1, max: 1, kind: 'scalar' };
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', `${where}: type is not a string or object`, { value: json });
  const o = json as Record<string, unknown>;
  const key = parseBaseType(o.key, `${where}.key`);
  const value = o.value === undefined ? undefined : parseBaseType(o.value, `${where}.value`);
  const min = o.min === undefined ? 1 : o.min;
  const max = o.max === undefined ? 1 : o.max === 'unlimited' ? Infinity : o.max;
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 0 || min > 1)
    throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', `${where}: min must be 0 or 1`, { value: o.min });
  if (typeof max !== 'number' || (max !== Infinity && !Number.isInteger(max)) || max < 1 || max < min)
    throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', `${where}: bad max`, { value: o.max });
  const kind: ColumnKind = value ? 'map' : max === 1 ? (min === 1 ? 'scalar' : 'optional') : 'set';
  return value ? { key, value, min, max, kind } : { key, min, max, kind };
}

/** Compiles a column's encoder/decoder. Exported for tests and for conditions on synthetic types. */
export function compileColumn(
  table: string,
  name: string,
  type: ColumnType,
  flags: { ephemeral?: boolean; mutable?: boolean } = {},
): ColumnSchema {
  const ctx: Ctx = { table, column: name };
  const keyEnum = type.key.enum ? new Set<unknown>(type.key.enum) : undefined;
  const valEnum = type.value?.enum ? new Set<unknown>(type.value.enum) : undefined;
  const key = type.key;
  const val = type.value;
  const stringKeys = key.type === 'string';

  const checkSize = (n: number, v: unknown): void => {
    if (n < type.min) fail('OVSDB_CONSTRAINT_VIOLATION', ctx, `needs at least ${type.min} element(s)`, v);
    if (n > type.max) fail('OVSDB_CONSTRAINT_VIOLATION', ctx, `allows at most ${type.max} element(s)`, v);
  };

  let encode: (v: unknown) => WireValue;
  let decode: (w: unknown) => unknown;

  switch (type.kind) {
    case 'scalar':
      encode = (v) => encodeAtom(key, keyEnum, v, ctx);
      decode = (w) => {
        if (Array.isArray(w) && w[0] === 'set') {
          const items = w[1] as unknown;
          if (Array.isArray(items) && items.length === 1) return decodeAtom(key.type, items[0], ctx);
          fail('OVSDB_TYPE_MISMATCH', ctx, 'expected exactly one atom', w);
        }
        return decodeAtom(key.type, w, ctx);
      };
      break;
    case 'optional':
      encode = (v) => {
        if (v === null || v === undefined) return ['set', []];
        if (Array.isArray(v) && !isWireUuid(v) && !isWireNamedUuid(v)) {
          checkSize(v.length, v);
          return ['set', v.map((a) => encodeAtom(key, keyEnum, a, ctx))];
        }
        return encodeAtom(key, keyEnum, v, ctx);
      };
      decode = (w) => {
        if (Array.isArray(w) && w[0] === 'set') {
          const items = w[1] as unknown;
          if (!Array.isArray(items) || items.length > 1) fail('OVSDB_TYPE_MISMATCH', ctx, 'expected zero or one atom', w);
          return items.length === 0 ? null : decodeAtom(key.type, items[0], ctx);
        }
        return decodeAtom(key.type, w, ctx);
      };
      break;
    case 'set':
      encode = (v) => {
        let items: unknown[];
        if (Array.isArray(v) && !isWireUuid(v) && !isWireNamedUuid(v)) items = v;
        else if (v instanceof Set) items = [...(v as Set<unknown>)];
        else fail('OVSDB_TYPE_MISMATCH', ctx, 'expected an array (or Set) of atoms', v);
        checkSize(items.length, v);
        const out: WireAtom[] = new Array<WireAtom>(items.length);
        const seen = new Set<unknown>();
        for (let i = 0; i < items.length; i++) {
          const a = encodeAtom(key, keyEnum, items[i], ctx);
          const k = atomKey(a);
          if (seen.has(k)) fail('OVSDB_CONSTRAINT_VIOLATION', ctx, 'duplicate element in set', items[i]);
          seen.add(k);
          out[i] = a;
        }
        return ['set', out];
      };
      decode = (w) => {
        if (Array.isArray(w) && w[0] === 'set') {
          const items = w[1] as unknown;
          if (!Array.isArray(items) || w.length !== 2) fail('OVSDB_TYPE_MISMATCH', ctx, 'malformed set', w);
          const out = new Array<Atom>(items.length);
          for (let i = 0; i < items.length; i++) out[i] = decodeAtom(key.type, items[i], ctx);
          return out;
        }
        return [decodeAtom(key.type, w, ctx)];
      };
      break;
    case 'map': {
      const v0 = val as BaseType;
      encode = (v) => {
        let pairs: [unknown, unknown][];
        if (v instanceof Map) pairs = [...(v as Map<unknown, unknown>)];
        else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
          if (!stringKeys) fail('OVSDB_TYPE_MISMATCH', ctx, `expected a Map (keys are ${key.type})`, v);
          pairs = Object.entries(v as Record<string, unknown>);
        } else fail('OVSDB_TYPE_MISMATCH', ctx, 'expected a map (Record or Map)', v);
        checkSize(pairs.length, v);
        const seen = new Set<unknown>();
        const out: [WireAtom, WireAtom][] = new Array<[WireAtom, WireAtom]>(pairs.length);
        for (let i = 0; i < pairs.length; i++) {
          const k = encodeAtom(key, keyEnum, pairs[i][0], ctx);
          const kk = atomKey(k);
          if (seen.has(kk)) fail('OVSDB_CONSTRAINT_VIOLATION', ctx, 'duplicate key in map', pairs[i][0]);
          seen.add(kk);
          out[i] = [k, encodeAtom(v0, valEnum, pairs[i][1], ctx)];
        }
        return ['map', out];
      };
      decode = (w) => {
        if (!Array.isArray(w) || w.length !== 2 || w[0] !== 'map' || !Array.isArray(w[1]))
          fail('OVSDB_TYPE_MISMATCH', ctx, 'expected ["map", [...]]', w);
        const pairs = w[1] as unknown[];
        if (stringKeys) {
          const out: Record<string, unknown> = {};
          for (const p of pairs) {
            if (!Array.isArray(p) || p.length !== 2) fail('OVSDB_TYPE_MISMATCH', ctx, 'map pair is not [key, value]', p);
            const k = p[0];
            if (typeof k !== 'string') fail('OVSDB_TYPE_MISMATCH', ctx, 'expected a string key', p);
            // Guard against prototype keys in a plain object: define, do not assign.
            Object.defineProperty(out, k, {
              value: decodeAtom(v0.type, p[1], ctx),
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          return out;
        }
        const out = new Map<Atom, Atom>();
        for (const p of pairs) {
          if (!Array.isArray(p) || p.length !== 2) fail('OVSDB_TYPE_MISMATCH', ctx, 'map pair is not [key, value]', p);
          out.set(decodeAtom(key.type, p[0], ctx), decodeAtom(v0.type, p[1], ctx));
        }
        return out;
      };
      break;
    }
  }
  return {
    table,
    name,
    type,
    ephemeral: flags.ephemeral ?? false,
    mutable: flags.mutable ?? true,
    encode,
    decode,
  };
}

const UUID_TYPE: ColumnType = { key: { type: 'uuid' }, min: 1, max: 1, kind: 'scalar' };

class TableSchemaImpl implements TableSchema {
  constructor(
    readonly name: string,
    readonly columns: ReadonlyMap<string, ColumnSchema>,
    readonly maxRows: number,
    readonly isRoot: boolean,
    readonly indexes: readonly (readonly string[])[],
  ) {}
  column(name: string): ColumnSchema {
    const c = this.columns.get(name);
    if (!c) throw new OvsdbSchemaError('OVSDB_UNKNOWN_COLUMN', 'no such column', { table: this.name, column: name });
    return c;
  }
}

/** Options of {@link DatabaseSchema.encodeRow}. */
export interface EncodeRowOptions {
  /** The row is for `update`: refuse immutable columns (`mutable: false`). Default false (insert). */
  update?: boolean;
}

/**
 * A parsed RFC 7047 database schema. Create with {@link DatabaseSchema.parse} from a `.ovsschema` document
 * or a `get_schema` reply.
 */
export class DatabaseSchema {
  private constructor(
    readonly name: string,
    readonly version: string,
    readonly cksum: string | undefined,
    readonly tables: ReadonlyMap<string, TableSchema>,
    /** The JSON document this schema was parsed from. */
    readonly json: unknown,
  ) {}

  /** Parses a schema document; throws `OVSDB_SCHEMA_INVALID` naming what is wrong. */
  static parse(json: unknown): DatabaseSchema {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'schema is not an object', { value: json });
    const o = json as Record<string, unknown>;
    if (typeof o.name !== 'string') throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'schema has no name', { value: o.name });
    if (o.version !== undefined && typeof o.version !== 'string')
      throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'version is not a string', { value: o.version });
    if (typeof o.tables !== 'object' || o.tables === null || Array.isArray(o.tables))
      throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'schema has no tables object', { value: o.tables });
    const tables = new Map<string, TableSchema>();
    for (const [tname, tjson] of Object.entries(o.tables as Record<string, unknown>)) {
      if (typeof tjson !== 'object' || tjson === null || Array.isArray(tjson))
        throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'table schema is not an object', { table: tname, value: tjson });
      const t = tjson as Record<string, unknown>;
      if (typeof t.columns !== 'object' || t.columns === null || Array.isArray(t.columns))
        throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'table has no columns object', { table: tname, value: t.columns });
      const columns = new Map<string, ColumnSchema>();
      columns.set('_uuid', compileColumn(tname, '_uuid', UUID_TYPE, { mutable: false }));
      columns.set('_version', compileColumn(tname, '_version', UUID_TYPE, { mutable: false }));
      for (const [cname, cjson] of Object.entries(t.columns as Record<string, unknown>)) {
        if (cname.startsWith('_') || typeof cjson !== 'object' || cjson === null)
          throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'bad column schema', { table: tname, column: cname, value: cjson });
        const c = cjson as Record<string, unknown>;
        const type = parseColumnType(c.type, `${tname}.${cname}`);
        columns.set(
          cname,
          compileColumn(tname, cname, type, { ephemeral: c.ephemeral === true, mutable: c.mutable !== false }),
        );
      }
      const maxRows = t.maxRows === undefined ? Infinity : t.maxRows;
      if (typeof maxRows !== 'number' || maxRows < 1)
        throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'bad maxRows', { table: tname, value: t.maxRows });
      const indexes = t.indexes ?? [];
      if (!Array.isArray(indexes) || !indexes.every((ix) => Array.isArray(ix) && ix.every((c) => columns.has(c))))
        throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'bad indexes', { table: tname, value: t.indexes });
      tables.set(tname, new TableSchemaImpl(tname, columns, maxRows, t.isRoot === true, indexes as string[][]));
    }
    // Every refTable must name a table of this schema.
    for (const t of tables.values())
      for (const c of t.columns.values())
        for (const b of [c.type.key, c.type.value])
          if (b?.refTable !== undefined && !tables.has(b.refTable))
            throw new OvsdbSchemaError('OVSDB_SCHEMA_INVALID', 'refTable names no table', {
              table: t.name,
              column: c.name,
              value: b.refTable,
            });
    return new DatabaseSchema(o.name, (o.version as string | undefined) ?? '', typeof o.cksum === 'string' ? o.cksum : undefined, tables, json);
  }

  /** The table or throws `OVSDB_UNKNOWN_TABLE`. */
  table(name: string): TableSchema {
    const t = this.tables.get(name);
    if (!t) throw new OvsdbSchemaError('OVSDB_UNKNOWN_TABLE', `no table in ${this.name}`, { table: name });
    return t;
  }

  /**
   * Validates a friendly (partial) row and converts it to a wire `<row>`. Columns whose value is `undefined`
   * are left out. Refuses `_uuid`/`_version` and, with `update`, immutable columns.
   */
  encodeRow(table: string, row: Record<string, unknown>, opts: EncodeRowOptions = {}): WireRow {
    const t = this.table(table);
    const out: WireRow = {};
    for (const cname in row) {
      const v = row[cname];
      if (v === undefined) continue;
      const c = t.column(cname);
      if (cname === '_uuid' || cname === '_version' || (opts.update && !c.mutable))
        throw new OvsdbSchemaError('OVSDB_COLUMN_NOT_WRITABLE', 'column cannot be written', { table, column: cname, value: v });
      out[cname] = c.encode(v);
    }
    return out;
  }

  /** Converts a wire `<row>` (all or some columns) to a friendly row; unknown columns are decoded loosely. */
  decodeRow(table: string, wire: unknown): Record<string, unknown> {
    const t = this.table(table);
    if (typeof wire !== 'object' || wire === null || Array.isArray(wire))
      throw new OvsdbSchemaError('OVSDB_TYPE_MISMATCH', 'row is not an object', { table, value: wire });
    const out: Record<string, unknown> = {};
    const w = wire as Record<string, unknown>;
    for (const cname in w) {
      const c = t.columns.get(cname);
      out[cname] = c ? c.decode(w[cname]) : looseOrThrow(table, cname, w[cname]);
    }
    return out;
  }

  /**
   * Encodes a condition against the column's type (RFC 7047 5.1 `<condition>`): ordering functions only on
   * integer/real columns with at most one element; `includes`/`excludes` accept any subset (min relaxed to 0).
   */
  encodeCondition(table: string, cond: Condition): unknown {
    if (typeof cond === 'boolean') return cond;
    if (!Array.isArray(cond) || cond.length !== 3)
      throw new OvsdbSchemaError('OVSDB_BAD_OPERATOR', 'condition is not [column, function, value]', { table, value: cond });
    const [cname, fn, value] = cond;
    const c = this.table(table).column(cname);
    if (!isConditionFunction(fn))
      throw new OvsdbSchemaError('OVSDB_BAD_OPERATOR', `unknown condition function ${String(fn)}`, { table, column: cname, value: fn });
    const t = c.type;
    if (fn === '<' || fn === '<=' || fn === '>' || fn === '>=') {
      if ((t.key.type !== 'integer' && t.key.type !== 'real') || t.max !== 1 || t.value)
        throw new OvsdbSchemaError('OVSDB_BAD_OPERATOR', `${fn} needs an integer or real column`, { table, column: cname, value });
      return [cname, fn, compileColumn(table, cname, { ...t, min: 1, kind: 'scalar' }).encode(value)];
    }
    if (fn === 'includes' || fn === 'excludes') {
      if (t.min === 0) return [cname, fn, c.encode(value)];
      const relaxed: ColumnType = t.max === 1 && !t.value ? { ...t, min: 0, kind: 'optional' } : { ...t, min: 0 };
      return [cname, fn, compileColumn(table, cname, relaxed).encode(value)];
    }
    return [cname, fn, c.encode(value)];
  }

  /**
   * Encodes a mutation (RFC 7047 5.1 `<mutation>`): arithmetic mutators on integer/real columns (the argument
   * is one atom, without range constraints); `insert`/`delete` on sets and maps (the argument is a set or map
   * of any size; `delete` on a map also takes an array of keys).
   */
  encodeMutation(table: string, m: Mutation): unknown {
    if (!Array.isArray(m) || m.length !== 3)
      throw new OvsdbSchemaError('OVSDB_BAD_OPERATOR', 'mutation is not [column, mutator, value]', { table, value: m });
    const [cname, mutator, value] = m;
    const c = this.table(table).column(cname);
    if (!isMutator(mutator))
      throw new OvsdbSchemaError('OVSDB_BAD_OPERATOR', `unknown mutator ${String(mutator)}`, { table, column: cname, value: mutator });
    if (cname === '_uuid' || cname === '_version' || !c.mutable)
      throw new OvsdbSchemaError('OVSDB_COLUMN_NOT_WRITABLE', 'column cannot be mutated', { table, column: cname, value });
    const t = c.type;
    if (mutator === 'insert' || mutator === 'delete') {
      if (t.kind === 'scalar')
        throw new OvsdbSchemaError('OVSDB_BAD_OPERATOR', `${mutator} needs a set or map column`, { table, column: cname, value });
      if (t.value && mutator === 'delete' && (Array.isArray(value) || value instanceof Set)) {
        const keys: ColumnType = { key: t.key, min: 0, max: Infinity, kind: 'set' };
        return [cname, mutator, compileColumn(table, cname, keys).encode(value)];
      }
      const anySize: ColumnType = { ...t, min: 0, max: Infinity, kind: t.value ? 'map' : 'set' };
      const v = !t.value && !Array.isArray(value) && !(value instanceof Set) ? [value] : value;
      return [cname, mutator, compileColumn(table, cname, anySize).encode(v)];
    }
    if ((t.key.type !== 'integer' && t.key.type !== 'real') || t.value)
      throw new OvsdbSchemaError('OVSDB_BAD_OPERATOR', `${mutator} needs an integer or real column`, { table, column: cname, value });
    if (mutator === '%=' && t.key.type !== 'integer')
      throw new OvsdbSchemaError('OVSDB_BAD_OPERATOR', '%= needs an integer column', { table, column: cname, value });
    const plain: ColumnType = { key: { type: t.key.type }, min: 1, max: 1, kind: 'scalar' };
    return [cname, mutator, compileColumn(table, cname, plain).encode(value)];
  }
}

function looseOrThrow(table: string, column: string, w: unknown): unknown {
  try {
    return fromWireLoose(w);
  } catch (e) {
    throw new OvsdbSchemaError('OVSDB_TYPE_MISMATCH', (e as Error).message, { table, column, value: w });
  }
}

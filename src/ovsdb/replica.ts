/**
 * A monitor-backed, in-memory replica of some tables of an OVSDB database.
 *
 * ## Protocol
 * The replica registers one monitor on an {@link OvsdbClient}: `monitor_cond_since` (OVS extension,
 * ovsdb-server(7)) where the server has it, else `monitor_cond`; both deliver `update2` notifications whose
 * row updates are `initial`/`insert` (the row, default-valued columns left out), `modify` (only the changed
 * columns: for sets and maps the elements to toggle, ovsdb-server(7) "update2 notification") or `delete`.
 *
 * ## Consistency
 * Updates are applied synchronously, as they arrive, one notification (= one committed transaction) at a
 * time, so {@link Replica.snapshot} is always a transaction-consistent state. Snapshots are immutable and
 * cheap (tables are copied on write, only when a snapshot still shares them).
 *
 * ## Read-your-writes
 * ovsdb-server sends the monitor updates a transaction causes before it sends that transaction's reply,
 * on the same connection (ovsdb/jsonrpc-server.c flushes monitors before replying). The client dispatches
 * messages in order and the replica applies updates synchronously, so when a `transact` on the replica's
 * client resolves, the replica already reflects it. (A transaction sent on ANOTHER connection gives no such
 * guarantee: use {@link Replica.waitFor}.)
 *
 * ## Change streams, and slow subscribers
 * - {@link Replica.changes$} emits one {@link ChangeBatch} per applied update, synchronously, after the
 *   state is updated: every change, in order; nothing is dropped.
 * - {@link Replica.state$} emits the snapshot after each batch (starting with the current one).
 * - {@link Replica.watch} is for consumers that process asynchronously: the handler is never called
 *   concurrently; changes that arrive while it runs are CONFLATED into one net batch (insert then update =
 *   insert of the final row; update then delete = delete of the original row; insert then delete = nothing)
 *   delivered when it finishes. Applying the batches in order to the first state yields the current state,
 *   so no change is silently lost.
 *
 * ## Reconnect
 * The client re-sends the monitor after a reconnect. With `monitor_cond_since` and a server that kept the
 * history (clustered databases), the reply holds only the changes since the last transaction seen, applied
 * as usual. Otherwise the reply is a full dump: the replica replaces its state and emits one batch with only
 * the differences from what it held (`resync: true`).
 */
import { Observable, Subject } from 'rxjs';
import { OvsdbClient, OvsdbMonitor, OvsdbMonitorEvent } from './client';
import { OvsdbConnectionClosedError, OvsdbError, type OvsdbErrorCode, OvsdbTimeoutError, OvsdbUnknownMethodError } from './errors';
import { Condition, previewOvsdbValue } from './notation';
import { ColumnSchema, DatabaseSchema, TableSchema } from './schema';
import { DbRows, TableName, Transaction, TransactionResult } from './transaction';

/** What to monitor in one table. */
export interface ReplicaTableSpec {
  /** Columns to replicate (default: all). `_uuid` is always there. */
  columns?: readonly string[];
  /** monitor_cond conditions (default: all rows). */
  where?: readonly Condition[];
  /**
   * Extra lookup indexes (column lists) besides the schema's own `indexes`; their columns must be replicated.
   * Unlike the schema's indexes they need not be unique: {@link ReplicaSnapshot.lookup} then returns one of
   * the matching rows and {@link ReplicaSnapshot.lookupAll} all of them.
   */
  indexes?: readonly (readonly string[])[];
}

/** Options of {@link Replica.start}. */
export interface ReplicaOptions<D extends DbRows> {
  /** Tables to replicate: `true` for all columns, or a {@link ReplicaTableSpec}. */
  tables: { [T in TableName<D>]?: true | ReplicaTableSpec };
  /** Database name (default: the schema's name). */
  db?: string;
  /** Monitor method (default `monitor_cond_since`, falling back to `monitor_cond` if the server lacks it). */
  method?: 'monitor_cond' | 'monitor_cond_since';
}

/** A replicated row: the monitored columns plus `_uuid`. */
export type ReplicaRow<D extends DbRows, T extends TableName<D>> = Readonly<D[T]> & { readonly _uuid: string };

/** One row change of table T. */
export type TableRowChange<D extends DbRows, T extends TableName<D>> =
  | { readonly kind: 'insert'; readonly table: T; readonly uuid: string; readonly new: ReplicaRow<D, T> }
  | { readonly kind: 'update'; readonly table: T; readonly uuid: string; readonly old: ReplicaRow<D, T>; readonly new: ReplicaRow<D, T> }
  | { readonly kind: 'delete'; readonly table: T; readonly uuid: string; readonly old: ReplicaRow<D, T> };

/** One row change; a union over the tables, so that testing `change.table` narrows the row type. */
export type RowChange<D extends DbRows = DbRows, T extends TableName<D> = TableName<D>> = T extends TableName<D>
  ? TableRowChange<D, T>
  : never;

/** The changes of one update (one committed transaction), or of a re-sync after a reconnect. */
export interface ChangeBatch<D extends DbRows = DbRows> {
  readonly changes: readonly RowChange<D>[];
  /** True for the batch emitted after a reconnect (a re-dump difference, or the changes since, when resumed). */
  readonly resync: boolean;
  /** True when the reconnect resumed with monitor_cond_since (the server kept the history): no re-dump. */
  readonly resumed: boolean;
  /** {@link ReplicaSnapshot.seq} after this batch. */
  readonly seq: number;
}

/** Stable codes of {@link OvsdbReplicaError}. */
export type OvsdbReplicaErrorCode = Extract<
  OvsdbErrorCode,
  'OVSDB_REPLICA_BAD_UPDATE' | 'OVSDB_REPLICA_CLOSED' | 'OVSDB_NO_INDEX' | 'OVSDB_NOT_REPLICATED'
>;

/**
 * A replica problem: a malformed update from the server (OVSDB_REPLICA_BAD_UPDATE), use after close
 * (OVSDB_REPLICA_CLOSED), a lookup without an index (OVSDB_NO_INDEX) or on a table that is not replicated
 * (OVSDB_NOT_REPLICATED). An {@link OvsdbError}.
 */
export class OvsdbReplicaError extends OvsdbError {
  override readonly name = 'OvsdbReplicaError';
  declare readonly code: OvsdbReplicaErrorCode;
  constructor(code: OvsdbReplicaErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, context, options);
  }
}

/**
 * index key -> uuid, or the uuids of every row with that key (non-unique extra indexes). The arrays are
 * never mutated (replaced on change), so a snapshot's shallow copy of the map stays valid.
 */
type IndexMap = Map<string, string | readonly string[]>;

function indexAdd(m: IndexMap, k: string, uuid: string): void {
  const v = m.get(k);
  if (v === undefined) m.set(k, uuid);
  else if (typeof v === 'string') {
    if (v !== uuid) m.set(k, [v, uuid]);
  } else if (!v.includes(uuid)) m.set(k, [...v, uuid]);
}

function indexRemove(m: IndexMap, k: string, uuid: string): void {
  const v = m.get(k);
  if (v === uuid) m.delete(k);
  else if (v !== undefined && typeof v !== 'string') {
    const rest = v.filter((x) => x !== uuid);
    if (rest.length !== v.length) m.set(k, rest.length === 1 ? rest[0] : rest);
  }
}

interface TableState {
  rows: Map<string, Record<string, unknown>>;
  /** index name (columns joined) -> key -> uuid */
  indexes: Map<string, IndexMap>;
  /** True while a snapshot shares these maps (copy before the next write). */
  shared: boolean;
}

interface TableInfo {
  schema: TableSchema;
  columns: ColumnSchema[];
  defaults: Record<string, unknown>;
  indexes: (readonly string[])[];
}

function indexName(cols: readonly string[]): string {
  return cols.join('\u0000');
}

/** Key of an atom or value for an index (order-insensitive for sets, stable for maps). */
function valueKey(v: unknown): string {
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'number' || typeof v === 'bigint') return `n${v}`;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v === null || v === undefined) return 'z';
  if (Array.isArray(v)) return `[${v.map(valueKey).sort().join(',')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${valueKey(k)}:${valueKey(x)}`).sort().join(',')}}`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${valueKey(k)}:${valueKey(x)}`).sort().join(',')}}`;
}

function indexKey(row: Record<string, unknown>, cols: readonly string[]): string {
  if (cols.length === 1) return valueKey(row[cols[0]]);
  return cols.map((c) => valueKey(row[c])).join('\u0001');
}

/** Deep equality of two friendly values (sets order-insensitive). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return (typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')
      ? BigInt(a) === BigInt(b)
      : false;
  }
  return valueKey(a) === valueKey(b);
}

function rowsEqual(a: Record<string, unknown>, b: Record<string, unknown>, cols: ColumnSchema[]): boolean {
  for (const c of cols) if (!valuesEqual(a[c.name], b[c.name])) return false;
  return true;
}

function defaultValue(c: ColumnSchema): unknown {
  const t = c.type;
  switch (t.kind) {
    case 'optional':
      return null;
    case 'set':
      return [];
    case 'map':
      return t.key.type === 'string' ? {} : new Map();
    case 'scalar':
      switch (t.key.type) {
        case 'integer':
        case 'real':
          return 0;
        case 'boolean':
          return false;
        case 'string':
          return '';
        case 'uuid':
          return '00000000-0000-0000-0000-000000000000';
      }
  }
}

/** Copies a default (arrays and maps must not be shared between rows). */
function freshDefault(v: unknown): unknown {
  if (Array.isArray(v)) return [];
  if (v instanceof Map) return new Map();
  if (typeof v === 'object' && v !== null) return {};
  return v;
}

/** Applies an update2 `modify` diff for one column (ovsdb-server(7); python ovs.db.data.Datum.diff). */
function applyDiff(c: ColumnSchema, old: unknown, diff: unknown): unknown {
  const t = c.type;
  const d = c.decode(diff);
  if (t.kind === 'scalar') return d;
  if (t.kind === 'optional') return d; // n_max == 1: the diff is the new value (empty = cleared)
  if (t.kind === 'set') {
    const cur = (old as unknown[]) ?? [];
    const toggle = new Map<string, unknown>();
    for (const x of d as unknown[]) toggle.set(valueKey(x), x);
    const out: unknown[] = [];
    for (const x of cur) {
      const k = valueKey(x);
      if (toggle.has(k)) toggle.delete(k);
      else out.push(x);
    }
    for (const x of toggle.values()) out.push(x);
    return out;
  }
  // map: same key and value -> removed; otherwise added or replaced.
  if (d instanceof Map) {
    const out = new Map(old as Map<unknown, unknown>);
    for (const [k, v] of d) {
      if (out.has(k) && valuesEqual(out.get(k), v)) out.delete(k);
      else out.set(k, v);
    }
    return out;
  }
  const out: Record<string, unknown> = { ...(old as Record<string, unknown>) };
  for (const k of Object.keys(d as Record<string, unknown>)) {
    const v = (d as Record<string, unknown>)[k];
    if (Object.prototype.hasOwnProperty.call(out, k) && valuesEqual(out[k], v)) delete out[k];
    else Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** An immutable, transaction-consistent view of the replica. */
export class ReplicaSnapshot<D extends DbRows = DbRows> {
  /** @internal */
  constructor(
    /** Number of updates applied when this snapshot was taken. */
    readonly seq: number,
    private readonly tables: ReadonlyMap<string, TableState>,
    private readonly info: ReadonlyMap<string, TableInfo>,
  ) {}

  private state(table: string): TableState {
    const s = this.tables.get(table);
    if (!s) throw new OvsdbReplicaError('OVSDB_NOT_REPLICATED', `table ${table} is not replicated`, { table });
    return s;
  }

  /** The rows of a table, by UUID. */
  rows<T extends TableName<D>>(table: T): ReadonlyMap<string, ReplicaRow<D, T>> {
    return this.state(table).rows as unknown as ReadonlyMap<string, ReplicaRow<D, T>>;
  }

  /** A row by UUID. */
  get<T extends TableName<D>>(table: T, uuid: string): ReplicaRow<D, T> | undefined {
    return this.state(table).rows.get(uuid) as ReplicaRow<D, T> | undefined;
  }

  /** Rows that satisfy `pred`. */
  find<T extends TableName<D>>(table: T, pred: (row: ReplicaRow<D, T>) => boolean): ReplicaRow<D, T>[] {
    const out: ReplicaRow<D, T>[] = [];
    for (const r of this.rows(table).values()) if (pred(r)) out.push(r);
    return out;
  }

  /**
   * The row whose indexed columns equal `key`, e.g. `lookup('Bridge', { name: 'br0' })`. The key's columns
   * must form an index: one of the schema's `indexes` or one given in the replica options.
   */
  lookup<T extends TableName<D>>(table: T, key: Partial<D[T]>): ReplicaRow<D, T> | undefined {
    const [first] = this.lookupUuids(table, key);
    return first === undefined ? undefined : (this.state(table).rows.get(first) as ReplicaRow<D, T>);
  }

  /** Every row whose indexed columns equal `key` (for a non-unique extra index; see {@link lookup}). */
  lookupAll<T extends TableName<D>>(table: T, key: Partial<D[T]>): ReplicaRow<D, T>[] {
    const rows = this.state(table).rows;
    return this.lookupUuids(table, key).map((u) => rows.get(u) as ReplicaRow<D, T>);
  }

  private lookupUuids(table: string, key: object): readonly string[] {
    const s = this.state(table);
    const cols = Object.keys(key);
    const info = this.info.get(table) as TableInfo;
    const ix = info.indexes.find((i) => i.length === cols.length && i.every((c) => cols.includes(c)));
    if (!ix) throw new OvsdbReplicaError('OVSDB_NO_INDEX', `no index on ${table}(${cols.join(', ')})`, { table, columns: cols });
    const v = s.indexes.get(indexName(ix))?.get(indexKey(key as Record<string, unknown>, ix));
    return v === undefined ? [] : typeof v === 'string' ? [v] : v;
  }

  /** Plain copy of all replicated rows: `{table: {uuid: row}}` (for comparisons and debugging). */
  toJSON(): Record<string, Record<string, Record<string, unknown>>> {
    const out: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const [t, s] of this.tables) out[t] = Object.fromEntries(s.rows);
    return out;
  }
}

/** Options of {@link Replica.transact}. */
export interface ReplicaTransactOptions {
  /** Attempts before giving up on repeated verify failures (default 10). */
  maxAttempts?: number;
  /** Time to wait for the replica to change after a verify failure, ms (default 10 s). */
  changeTimeoutMs?: number;
}

/**
 * A live replica of some tables of one database; see the module comment for the guarantees.
 * Create with {@link Replica.start}; {@link Replica.close} cancels the monitor (the client stays open).
 */
export class Replica<D extends DbRows = DbRows> {
  private readonly tables = new Map<string, TableState>();
  private readonly info = new Map<string, TableInfo>();
  private seqNo = 0;
  private snap: ReplicaSnapshot<D> | undefined;
  private readonly changesSubject = new Subject<ChangeBatch<D>>();
  private readonly errorsSubject = new Subject<Error>();
  private readonly waiters = new Set<() => void>();
  private monitor: OvsdbMonitor | undefined;
  private closed = false;

  /** Every applied update as one batch, in order, emitted after the state changed. */
  readonly changes$: Observable<ChangeBatch<D>> = this.changesSubject.asObservable();
  /** Malformed updates that the replica could not apply (the replica keeps the rest). */
  readonly errors$: Observable<Error> = this.errorsSubject.asObservable();
  /** The current snapshot, then the snapshot after each batch. */
  readonly state$: Observable<ReplicaSnapshot<D>> = new Observable<ReplicaSnapshot<D>>((sub) => {
    sub.next(this.snapshot());
    const s = this.changesSubject.subscribe({
      next: () => sub.next(this.snapshot()),
      error: (e) => sub.error(e),
      complete: () => sub.complete(),
    });
    return () => s.unsubscribe();
  });

  private constructor(
    /** The client the monitor runs on (also used by {@link transact}). */
    readonly client: OvsdbClient,
    readonly schema: DatabaseSchema,
    readonly db: string,
  ) {}

  /**
   * Monitors the given tables and resolves once the initial contents are loaded. Throws
   * {@link OvsdbSchemaError} for unknown tables/columns, or the client's error if the monitor fails.
   */
  static async start<D extends DbRows>(client: OvsdbClient, schema: DatabaseSchema, opts: ReplicaOptions<D>): Promise<Replica<D>> {
    const r = new Replica<D>(client, schema, opts.db ?? schema.name);
    const requests: Record<string, unknown> = {};
    for (const [name, spec0] of Object.entries(opts.tables) as [string, true | ReplicaTableSpec | undefined][]) {
      if (!spec0) continue;
      const spec: ReplicaTableSpec = spec0 === true ? {} : spec0;
      const ts = schema.table(name);
      const colNames = spec.columns ? [...new Set(spec.columns.filter((c) => c !== '_uuid'))] : [...ts.columns.keys()].filter((c) => !c.startsWith('_'));
      const columns = colNames.map((c) => ts.column(c));
      const defaults: Record<string, unknown> = {};
      for (const c of columns) defaults[c.name] = defaultValue(c);
      for (const ix of spec.indexes ?? []) {
        for (const c of ix) {
          if (c === '_uuid') continue;
          ts.column(c);
          if (!colNames.includes(c))
            throw new OvsdbReplicaError('OVSDB_NO_INDEX', `index column ${name}.${c} is not replicated`, { table: name, column: c, index: [...ix] });
        }
      }
      // The schema's indexes whose columns are all replicated, then the extra ones.
      const indexes = [...ts.indexes, ...(spec.indexes ?? [])].filter((ix) => ix.every((c) => c === '_uuid' || colNames.includes(c)));
      r.info.set(name, { schema: ts, columns, defaults, indexes });
      r.tables.set(name, { rows: new Map(), indexes: new Map(indexes.map((ix) => [indexName(ix), new Map()])), shared: false });
      const req: Record<string, unknown> = { columns: colNames };
      if (spec.where) req.where = spec.where.map((c) => schema.encodeCondition(name, c));
      requests[name] = req;
    }
    let method = opts.method ?? 'monitor_cond_since';
    let m: OvsdbMonitor;
    try {
      m = await client.monitor(r.db, requests, { method });
    } catch (e) {
      if (!(e instanceof OvsdbUnknownMethodError) || method !== 'monitor_cond_since') throw e;
      method = 'monitor_cond';
      m = await client.monitor(r.db, requests, { method });
    }
    r.monitor = m;
    m.events.subscribe({
      next: (ev) => r.onEvent(ev),
      error: (e: unknown) => r.shutdown(e instanceof Error ? e : new Error(String(e))),
      complete: () => r.shutdown(undefined),
    });
    return r;
  }

  /** Number of updates applied so far (increases by one per update notification or re-sync). */
  get seq(): number {
    return this.seqNo;
  }

  /** The monitor method in use. */
  get method(): string | undefined {
    return this.monitor?.method;
  }

  /** The current state; O(number of tables). */
  snapshot(): ReplicaSnapshot<D> {
    if (!this.snap || this.snap.seq !== this.seqNo) {
      for (const s of this.tables.values()) s.shared = true;
      this.snap = new ReplicaSnapshot<D>(this.seqNo, new Map(this.tables), this.info);
    }
    return this.snap;
  }

  /**
   * Calls `handler` with changes, never concurrently; changes that arrive while an asynchronous handler runs
   * are conflated into one net batch for its next call (see the module comment). Returns an unsubscribe
   * function.
   */
  watch(handler: (changes: readonly RowChange<D>[], snapshot: ReplicaSnapshot<D>) => void | Promise<void>): () => void {
    let running = false;
    let pending = new Map<string, RowChange<D>>();
    let stopped = false;
    const drain = (): void => {
      if (stopped || running || pending.size === 0) return;
      const batch = [...pending.values()];
      pending = new Map();
      running = true;
      let r: void | Promise<void>;
      try {
        r = handler(batch, this.snapshot());
      } catch (e) {
        running = false;
        this.errorsSubject.next(e instanceof Error ? e : new Error(String(e)));
        drain();
        return;
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        (r as Promise<void>).then(
          () => {
            running = false;
            drain();
          },
          (e: unknown) => {
            running = false;
            this.errorsSubject.next(e instanceof Error ? e : new Error(String(e)));
            drain();
          },
        );
      } else {
        running = false;
        drain();
      }
    };
    const sub = this.changesSubject.subscribe((b) => {
      for (const c of b.changes) {
        const key = `${c.table}\u0000${c.uuid}`;
        const prev = pending.get(key);
        const merged = conflate(
          prev as TableRowChange<D, TableName<D>> | undefined,
          c as TableRowChange<D, TableName<D>>,
        ) as RowChange<D> | undefined;
        if (merged) pending.set(key, merged);
        else pending.delete(key);
      }
      drain();
    });
    return () => {
      stopped = true;
      sub.unsubscribe();
    };
  }

  /**
   * Resolves with the first truthy value of `pred(snapshot)`, evaluated now and after every update; rejects
   * with {@link OvsdbTimeoutError} after `timeoutMs` (default 30 s), or if the replica closes.
   */
  waitFor<R>(pred: (s: ReplicaSnapshot<D>) => R | undefined | null | false, timeoutMs = 30_000): Promise<R> {
    const first = pred(this.snapshot());
    if (first) return Promise.resolve(first);
    if (this.closed) return Promise.reject(new OvsdbReplicaError('OVSDB_REPLICA_CLOSED', 'replica is closed'));
    return new Promise<R>((resolve, reject) => {
      const check = (): void => {
        if (this.closed) {
          done();
          reject(new OvsdbReplicaError('OVSDB_REPLICA_CLOSED', 'replica closed while waiting'));
          return;
        }
        let v: R | undefined | null | false;
        try {
          v = pred(this.snapshot());
        } catch (e) {
          done();
          reject(e);
          return;
        }
        if (v) {
          done();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new OvsdbTimeoutError(`replica condition not met within ${timeoutMs} ms`, { db: this.db, timeoutMs }));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /** Resolves once {@link seq} is greater than `afterSeq` (at once if it already is). */
  changedSince(afterSeq: number, timeoutMs = 30_000): Promise<number> {
    return this.waitFor((s) => (s.seq > afterSeq ? s.seq : undefined), timeoutMs);
  }

  /**
   * Builds a transaction from the current snapshot with `build`, sends it on the replica's client and, when
   * it fails because a {@link Transaction.verify} found the replica stale, waits for the replica to change
   * (the update that made it stale), rebuilds from the new snapshot and retries, as OVS's IDLs do
   * (TXN_TRY_AGAIN). Never sleeps blindly. Resolves with what `build` returned and the typed result; when it
   * resolves, the replica already reflects the transaction (read-your-writes).
   */
  async transact<V>(
    build: (txn: Transaction<D>, snapshot: ReplicaSnapshot<D>) => V,
    opts: ReplicaTransactOptions = {},
  ): Promise<{ value: V; result: TransactionResult; attempts: number }> {
    const max = opts.maxAttempts ?? 10;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new OvsdbReplicaError('OVSDB_REPLICA_CLOSED', 'replica is closed');
      const snap = this.snapshot();
      const txn = new Transaction<D>(this.schema, this.db);
      const value = build(txn, snap);
      try {
        const result = await txn.execute(this.client);
        return { value, result, attempts: attempt };
      } catch (e) {
        if (!txn.isVerifyFailure(e) || attempt >= max) throw e;
        await this.changedSince(snap.seq, opts.changeTimeoutMs ?? 10_000);
      }
    }
  }

  /**
   * `monitor_cond_change` (OVS extension, ovsdb-server(7)): replaces the conditions of some replicated tables
   * (`[]` or `[true]`: all rows). ovsdb-server sends the rows that leave the monitored set (`delete`) and those
   * that enter it (`insert`) before its reply, so when this resolves the replica reflects the new conditions;
   * those changes are emitted on {@link changes$} like any update.
   */
  async changeConditions(conds: { [T in TableName<D>]?: readonly Condition[] }): Promise<void> {
    const m = this.monitor;
    if (!m || this.closed) throw new OvsdbReplicaError('OVSDB_REPLICA_CLOSED', 'replica is closed');
    const wheres: Record<string, unknown[]> = {};
    for (const [table, where] of Object.entries(conds) as [string, readonly Condition[] | undefined][]) {
      if (!where) continue;
      if (!this.info.has(table)) throw new OvsdbReplicaError('OVSDB_NOT_REPLICATED', `table ${table} is not replicated`, { table });
      wheres[table] = where.length ? where.map((c) => this.schema.encodeCondition(table, c)) : [true];
    }
    // The client sends only the conditions and keeps each table's columns for a re-sent monitor.
    await m.change(Object.fromEntries(Object.entries(wheres).map(([t, w]) => [t, { where: w }])));
  }

  /** Cancels the monitor (`monitor_cancel`) and completes the streams. The client stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    const m = this.monitor;
    this.shutdown(undefined);
    if (m) {
      try {
        await m.cancel();
      } catch (e) {
        if (!(e instanceof OvsdbConnectionClosedError)) throw e;
      }
    }
  }

  private shutdown(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiters]) w();
    if (err) this.changesSubject.error(err);
    else this.changesSubject.complete();
    this.errorsSubject.complete();
  }

  // ------------------------------------------------------------------------------------------------------

  private writable(table: string): TableState {
    const s = this.tables.get(table) as TableState;
    if (!s.shared) return s;
    const copy: TableState = {
      rows: new Map(s.rows),
      indexes: new Map([...s.indexes].map(([k, v]) => [k, new Map(v)])),
      shared: false,
    };
    this.tables.set(table, copy);
    return copy;
  }

  private onEvent(ev: OvsdbMonitorEvent): void {
    if (this.closed) return;
    let changes: RowChange<D>[];
    let resync = false;
    const resumed = ev.kind === 'initial' && ev.resync && ev.found;
    try {
      if (ev.kind === 'initial' && ev.resync && !ev.found) {
        changes = this.replaceAll(ev.updates);
        resync = true;
      } else {
        changes = this.applyUpdate2(ev.updates);
        resync = ev.kind === 'initial' && ev.resync;
      }
    } catch (e) {
      this.errorsSubject.next(
        e instanceof OvsdbReplicaError
          ? e
          : new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', `cannot apply update: ${(e as Error).message}`, { update: previewOvsdbValue(ev.updates) }, { cause: e }),
      );
      return;
    }
    this.seqNo++;
    const isFirst = ev.kind === 'initial' && !ev.resync;
    if (!isFirst) this.changesSubject.next({ changes, resync, resumed, seq: this.seqNo });
    for (const w of [...this.waiters]) w();
  }

  /** Decodes an update2 `<table-updates2>` into row operations, then applies them (all or nothing). */
  private applyUpdate2(updates: Record<string, unknown>): RowChange<D>[] {
    if (typeof updates !== 'object' || updates === null || Array.isArray(updates))
      throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'table-updates is not an object', { update: previewOvsdbValue(updates) });
    // Decode everything first so that a malformed update changes nothing.
    const planned: { table: string; uuid: string; next: Record<string, unknown> | undefined }[] = [];
    for (const table of Object.keys(updates)) {
      const info = this.info.get(table);
      if (!info) continue; // not ours
      const tu = updates[table];
      if (typeof tu !== 'object' || tu === null || Array.isArray(tu))
        throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'table-update is not an object', { table });
      const state = this.tables.get(table) as TableState;
      const pendingRows = new Map<string, Record<string, unknown> | undefined>();
      for (const uuid of Object.keys(tu)) {
        const ru = (tu as Record<string, unknown>)[uuid] as Record<string, unknown> | null;
        if (typeof ru !== 'object' || ru === null)
          throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'row-update is not an object', { table, uuid });
        const cur = pendingRows.has(uuid) ? pendingRows.get(uuid) : state.rows.get(uuid);
        let next: Record<string, unknown> | undefined;
        if ('initial' in ru || 'insert' in ru) {
          next = this.fullRow(info, uuid, ru.initial ?? ru.insert);
        } else if ('modify' in ru) {
          if (!cur) throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'modify of an unknown row', { table, uuid });
          const diff = ru.modify as Record<string, unknown>;
          if (typeof diff !== 'object' || diff === null || Array.isArray(diff))
            throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'modify is not an object', { table, uuid });
          next = { ...cur };
          for (const cname of Object.keys(diff)) {
            const c = info.schema.columns.get(cname);
            if (!c || !(cname in info.defaults)) continue;
            next[cname] = applyDiff(c, cur[cname], diff[cname]);
          }
        } else if ('delete' in ru) {
          next = undefined;
        } else {
          throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'row-update has no initial/insert/modify/delete', { table, uuid });
        }
        pendingRows.set(uuid, next);
        planned.push({ table, uuid, next });
      }
    }
    const changes: RowChange<D>[] = [];
    for (const p of planned) {
      const c = this.setRow(p.table, p.uuid, p.next);
      if (c) changes.push(c);
    }
    return changes;
  }

  private fullRow(info: TableInfo, uuid: string, wire: unknown): Record<string, unknown> {
    if (typeof wire !== 'object' || wire === null || Array.isArray(wire))
      throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'row is not an object', { table: info.schema.name, uuid });
    const w = wire as Record<string, unknown>;
    const row: Record<string, unknown> = { _uuid: uuid };
    for (const c of info.columns) {
      const v = w[c.name];
      row[c.name] = v === undefined ? freshDefault(info.defaults[c.name]) : c.decode(v);
    }
    return row;
  }

  /** Sets (or deletes) one row, maintaining indexes; returns the change, if any. */
  private setRow(table: string, uuid: string, next: Record<string, unknown> | undefined): RowChange<D> | undefined {
    const info = this.info.get(table) as TableInfo;
    const old = (this.tables.get(table) as TableState).rows.get(uuid);
    if (!old && !next) return undefined;
    if (old && next && rowsEqual(old, next, info.columns)) return undefined;
    const s = this.writable(table); // copy-on-write only when something changes
    for (const ix of info.indexes) {
      const m = s.indexes.get(indexName(ix)) as IndexMap;
      if (old) indexRemove(m, indexKey(old, ix), uuid);
      if (next) indexAdd(m, indexKey(next, ix), uuid);
    }
    if (next) s.rows.set(uuid, next);
    else s.rows.delete(uuid);
    type Row = ReplicaRow<D, TableName<D>>;
    const t = table as TableName<D>;
    let c: TableRowChange<D, TableName<D>>;
    if (!old) c = { kind: 'insert', table: t, uuid, new: next as Row };
    else if (!next) c = { kind: 'delete', table: t, uuid, old: old as Row };
    else c = { kind: 'update', table: t, uuid, old: old as Row, new: next as Row };
    return c as unknown as RowChange<D>;
  }

  /** A full dump after reconnect: replace every table, return only the differences. */
  private replaceAll(updates: Record<string, unknown>): RowChange<D>[] {
    if (typeof updates !== 'object' || updates === null || Array.isArray(updates))
      throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'table-updates is not an object', { update: previewOvsdbValue(updates) });
    const fresh = new Map<string, Map<string, Record<string, unknown>>>();
    for (const [table, info] of this.info) {
      const rows = new Map<string, Record<string, unknown>>();
      const tu = updates[table];
      if (tu !== undefined) {
        if (typeof tu !== 'object' || tu === null || Array.isArray(tu))
          throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'table-update is not an object', { table });
        for (const uuid of Object.keys(tu)) {
          const ru = (tu as Record<string, unknown>)[uuid] as Record<string, unknown> | null;
          const body = ru && (ru.initial ?? ru.insert);
          if (!body) throw new OvsdbReplicaError('OVSDB_REPLICA_BAD_UPDATE', 'dump row is not initial/insert', { table, uuid });
          rows.set(uuid, this.fullRow(info, uuid, body));
        }
      }
      fresh.set(table, rows);
    }
    const changes: RowChange<D>[] = [];
    for (const [table, rows] of fresh) {
      const s = this.tables.get(table) as TableState;
      for (const uuid of [...s.rows.keys()]) if (!rows.has(uuid)) pushDefined(changes, this.setRow(table, uuid, undefined));
      for (const [uuid, row] of rows) pushDefined(changes, this.setRow(table, uuid, row));
    }
    return changes;
  }
}

function pushDefined<T>(arr: T[], v: T | undefined): void {
  if (v !== undefined) arr.push(v);
}

/** Merges a pending change with a newer one for the same row (see {@link Replica.watch}). */
function conflate<D extends DbRows>(
  prev: TableRowChange<D, TableName<D>> | undefined,
  next: TableRowChange<D, TableName<D>>,
): TableRowChange<D, TableName<D>> | undefined {
  if (!prev) return next;
  const { table, uuid } = next;
  if (prev.kind === 'insert') {
    if (next.kind === 'delete') return undefined;
    return { kind: 'insert', table, uuid, new: next.new };
  }
  if (prev.kind === 'update') {
    if (next.kind === 'delete') return { kind: 'delete', table, uuid, old: prev.old };
    return { kind: 'update', table, uuid, old: prev.old, new: next.new };
  }
  // prev delete: the row came back (same uuid is not reused by OVSDB, but handle it)
  if (next.kind === 'insert') return { kind: 'update', table, uuid, old: prev.old, new: next.new };
  return next;
}


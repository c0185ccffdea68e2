/**
 * Typed transaction builder for RFC 7047 `transact` (section 4.1.3) and its operations (section 5.2:
 * insert, select, update, mutate, delete, wait, commit, abort, comment, assert).
 *
 * Every value, condition and mutation is validated against the schema when the operation is added, so a bad
 * value fails with an {@link OvsdbSchemaError} naming table, column and value before anything is sent. The
 * reply is checked with the client's error mapping: an operation error rejects with the
 * {@link OvsdbTransactionError} subclass for its RFC 7047 error string, carrying `opIndex`.
 *
 * ```ts
 * const txn = new Transaction<OpenVSwitchDb>(openVSwitchSchema());
 * const port = txn.insert('Port', { name: 'p0', interfaces: [txn.insert('Interface', { name: 'p0' }).uuidName] });
 * txn.mutate('Bridge', [where.eq('name', 'br0')], [mutate.insert('ports', [port.uuidName])]);
 * const res = await txn.execute(client);
 * res.uuid(port); // the new Port row's UUID
 * ```
 */
import { transactionErrorFromResult, OvsdbTimedOutError } from './errors';
import { Condition, Mutation, WireRow } from './notation';
import { DatabaseSchema, OvsdbSchemaError } from './schema';

/** What {@link Transaction.execute} needs from a client: RFC 7047 4.1.3 `transact`. */
export interface OvsdbTransactor {
  /** Sends `["<db>", op...]` and resolves with the reply's result array (or rejects with a typed error). */
  transact(db: string, ops: readonly unknown[]): Promise<unknown>;
}

/** A row type map: table name to row type (e.g. the generated `OpenVSwitchDb`). */
export type DbRows = object;
/** Table names of a row type map. */
export type TableName<D extends DbRows> = Extract<keyof D, string>;
/** Column names of a table. */
export type ColumnOf<D extends DbRows, T extends TableName<D>> = Extract<keyof D[T], string>;
/** A row of table T, every column optional (what insert/update take and select returns). */
export type PartialRow<D extends DbRows, T extends TableName<D>> = Partial<D[T]>;
/** The writable part of a row (no `_uuid`/`_version`). */
export type WritableRow<D extends DbRows, T extends TableName<D>> = Omit<PartialRow<D, T>, '_uuid' | '_version'>;

/** Reference to an `insert` operation: use {@link uuidName} as a value in other operations of the same txn. */
export interface InsertRef<T extends string = string> {
  readonly kind: 'insert';
  readonly index: number;
  readonly table: T;
  /** The operation's `uuid-name` (RFC 7047 5.2.1); a reference value for uuid columns in this transaction. */
  readonly uuidName: string;
}
/** Reference to a `select` operation; its result is the selected rows. */
export interface SelectRef<R = unknown> {
  readonly kind: 'select';
  readonly index: number;
  readonly table: string;
  /** Phantom: the row type. */
  readonly _row?: R;
}
/** Reference to an `update`, `mutate` or `delete` operation; its result is the number of rows matched. */
export interface CountRef {
  readonly kind: 'count';
  readonly index: number;
  readonly table: string;
}

/** A wait operation (RFC 7047 5.2.6) that {@link Transaction.verify} added: a failure means "try again". */
interface VerifyMark {
  index: number;
}

/** Options of {@link Transaction.wait}. */
export interface WaitOptions {
  /** `==` (default): wait until the selected rows equal `rows`; `!=`: until they differ. */
  until?: '==' | '!=';
  /** Milliseconds the server waits before failing with "timed out" (default 0: check once). */
  timeoutMs?: number;
}

/** The typed outcome of an executed {@link Transaction}. */
export class TransactionResult {
  constructor(
    private readonly schema: DatabaseSchema,
    /** The reply's result array as received (one element per operation). */
    readonly raw: readonly unknown[],
  ) {}

  /** UUID of the row an insert created. */
  uuid(ref: InsertRef): string {
    const r = this.raw[ref.index] as { uuid?: unknown } | null;
    const u = r && Array.isArray(r.uuid) && r.uuid[0] === 'uuid' ? r.uuid[1] : undefined;
    if (typeof u !== 'string') throw malformed(ref.index, r);
    return u;
  }

  /** Rows a select returned, decoded to friendly values. */
  rows<R>(ref: SelectRef<R>): R[] {
    const r = this.raw[ref.index] as { rows?: unknown } | null;
    if (!r || !Array.isArray(r.rows)) throw malformed(ref.index, r);
    return r.rows.map((w) => this.schema.decodeRow(ref.table, w) as R);
  }

  /** Number of rows an update, mutate or delete matched. */
  count(ref: CountRef): number {
    const r = this.raw[ref.index] as { count?: unknown } | null;
    if (!r || typeof r.count !== 'number') throw malformed(ref.index, r);
    return r.count;
  }
}

function malformed(index: number, r: unknown): Error {
  return new OvsdbSchemaError('OVSDB_TYPE_MISMATCH', `malformed result for operation ${index}`, { value: r });
}

/**
 * Builds one `transact` request. Methods add operations in order and return references for typed results.
 * `D` is a table-to-row map (e.g. the generated `OpenVSwitchDb`); with the default, tables and columns are
 * plain strings.
 */
export class Transaction<D extends DbRows = Record<string, Record<string, unknown>>> {
  /** The operations as they will be sent (wire JSON). */
  readonly ops: Record<string, unknown>[] = [];
  private readonly names = new Set<string>();
  private nameCounter = 0;
  private readonly verifies: VerifyMark[] = [];

  constructor(
    readonly schema: DatabaseSchema,
    /** Database name (default: the schema's name). */
    readonly db: string = schema.name,
  ) {}

  /** Number of operations so far. */
  get length(): number {
    return this.ops.length;
  }

  private encodeWhere(table: string, where: readonly Condition[]): unknown[] {
    return where.map((c) => this.schema.encodeCondition(table, c));
  }

  private checkColumns(table: string, columns: readonly string[] | undefined): void {
    if (columns) for (const c of columns) this.schema.table(table).column(c);
  }

  /**
   * RFC 7047 5.2.1 insert. `uuidName` (default: a fresh `row<N>`) lets other operations of this transaction
   * refer to the new row; the reference's `uuidName` is that value.
   */
  insert<T extends TableName<D>>(table: T, row: WritableRow<D, T>, uuidName?: string): InsertRef<T> {
    let name = uuidName;
    if (name === undefined) {
      do name = `row${++this.nameCounter}`;
      while (this.names.has(name));
    }
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
      throw new OvsdbSchemaError('OVSDB_TYPE_MISMATCH', 'uuid-name must match [a-zA-Z_][a-zA-Z0-9_]*', { table, value: name });
    if (this.names.has(name))
      throw new OvsdbSchemaError('OVSDB_CONSTRAINT_VIOLATION', 'duplicate uuid-name in this transaction', { table, value: name });
    this.names.add(name);
    const wire: WireRow = this.schema.encodeRow(table, row as Record<string, unknown>);
    this.ops.push({ op: 'insert', table, row: wire, 'uuid-name': name });
    return { kind: 'insert', index: this.ops.length - 1, table, uuidName: name };
  }

  /** RFC 7047 5.2.2 select: rows of `table` matching all conditions; only `columns` if given. */
  select<T extends TableName<D>, C extends ColumnOf<D, T> = ColumnOf<D, T>>(
    table: T,
    where: readonly Condition<ColumnOf<D, T>>[],
    columns?: readonly C[],
  ): SelectRef<Pick<D[T], C>> {
    this.checkColumns(table, columns);
    const op: Record<string, unknown> = { op: 'select', table, where: this.encodeWhere(table, where) };
    if (columns) op.columns = [...columns];
    this.ops.push(op);
    return { kind: 'select', index: this.ops.length - 1, table };
  }

  /** RFC 7047 5.2.3 update: set the given columns on every matching row. */
  update<T extends TableName<D>>(table: T, where: readonly Condition<ColumnOf<D, T>>[], row: WritableRow<D, T>): CountRef {
    const wire = this.schema.encodeRow(table, row as Record<string, unknown>, { update: true });
    this.ops.push({ op: 'update', table, where: this.encodeWhere(table, where), row: wire });
    return { kind: 'count', index: this.ops.length - 1, table };
  }

  /** RFC 7047 5.2.4 mutate: apply mutations to every matching row. */
  mutate<T extends TableName<D>>(
    table: T,
    where: readonly Condition<ColumnOf<D, T>>[],
    mutations: readonly Mutation<ColumnOf<D, T>>[],
  ): CountRef {
    const ms = mutations.map((m) => this.schema.encodeMutation(table, m));
    this.ops.push({ op: 'mutate', table, where: this.encodeWhere(table, where), mutations: ms });
    return { kind: 'count', index: this.ops.length - 1, table };
  }

  /** RFC 7047 5.2.5 delete: delete every matching row. */
  delete<T extends TableName<D>>(table: T, where: readonly Condition<ColumnOf<D, T>>[]): CountRef {
    this.ops.push({ op: 'delete', table, where: this.encodeWhere(table, where) });
    return { kind: 'count', index: this.ops.length - 1, table };
  }

  /**
   * RFC 7047 5.2.6 wait: the rows matching `where`, projected to `columns`, must equal (`until: '=='`) or
   * differ from (`'!='`) `rows`; the server waits up to `timeoutMs` and otherwise fails the transaction
   * with "timed out" ({@link OvsdbTimedOutError}).
   */
  wait<T extends TableName<D>>(
    table: T,
    where: readonly Condition<ColumnOf<D, T>>[],
    columns: readonly ColumnOf<D, T>[],
    rows: readonly PartialRow<D, T>[],
    opts: WaitOptions = {},
  ): number {
    this.checkColumns(table, columns);
    const t = this.schema.table(table);
    const wireRows = rows.map((r) => {
      const out: WireRow = {};
      for (const c of columns) out[c] = t.column(c).encode((r as Record<string, unknown>)[c]);
      return out;
    });
    const op: Record<string, unknown> = {
      op: 'wait',
      timeout: opts.timeoutMs ?? 0,
      table,
      where: this.encodeWhere(table, where),
      columns: [...columns],
      until: opts.until ?? '==',
      rows: wireRows,
    };
    this.ops.push(op);
    return this.ops.length - 1;
  }

  /**
   * Optimistic concurrency, as OVS's IDLs do it (`ovsdb_idl_txn_verify`): asserts that the row `uuid` still
   * has the values `row` (as read from the replica) in `columns`. If another client changed them first, the
   * transaction fails at this operation and {@link isVerifyFailure} is true for the error: rebuild from the
   * updated replica and retry (see `Replica.transact`).
   */
  verify<T extends TableName<D>>(table: T, uuid: string, columns: readonly ColumnOf<D, T>[], row: PartialRow<D, T>): number {
    const index = this.wait(table, [['_uuid', '==', uuid]] as unknown as Condition<ColumnOf<D, T>>[], columns, [row]);
    this.verifies.push({ index });
    return index;
  }

  /**
   * Like {@link verify} for a set of rows: asserts that the rows matching `where`, projected to `columns`,
   * are exactly `rows` (e.g. `[]`: "no Bridge named br0 exists yet"). A failure is a verify failure.
   */
  verifyWhere<T extends TableName<D>>(
    table: T,
    where: readonly Condition<ColumnOf<D, T>>[],
    columns: readonly ColumnOf<D, T>[],
    rows: readonly PartialRow<D, T>[],
  ): number {
    const index = this.wait(table, where, columns, rows);
    this.verifies.push({ index });
    return index;
  }

  /** RFC 7047 5.2.7 commit: with `durable`, the reply waits until the change is on stable storage. */
  commit(durable = false): number {
    this.ops.push({ op: 'commit', durable });
    return this.ops.length - 1;
  }

  /** RFC 7047 5.2.8 abort: the transaction fails with "aborted" ({@link OvsdbAbortedError}). */
  abort(): number {
    this.ops.push({ op: 'abort' });
    return this.ops.length - 1;
  }

  /** RFC 7047 5.2.9 comment: recorded in the database log (shown by `ovsdb-tool show-log`). */
  comment(text: string): number {
    this.ops.push({ op: 'comment', comment: text });
    return this.ops.length - 1;
  }

  /** RFC 7047 5.2.10 assert: fails with "not owner" unless this session owns `lock`. */
  assert(lock: string): number {
    this.ops.push({ op: 'assert', lock });
    return this.ops.length - 1;
  }

  /** The `transact` params: `[db, op...]` (RFC 7047 4.1.3). */
  toJSON(): unknown[] {
    return [this.db, ...this.ops];
  }

  /**
   * True when `err` is the failure of one of this transaction's {@link verify} operations (RFC 7047 5.2.6
   * "timed out" at that operation's index): the replica was stale, so the caller should wait for it to
   * catch up, rebuild and retry.
   */
  isVerifyFailure(err: unknown): boolean {
    return err instanceof OvsdbTimedOutError && this.verifies.some((v) => v.index === err.opIndex);
  }

  /**
   * Sends the transaction (one `transact` request; an empty transaction is not sent) and checks the reply.
   * Rejects with the {@link OvsdbTransactionError} subclass of the first failing operation.
   */
  async execute(client: OvsdbTransactor): Promise<TransactionResult> {
    if (this.ops.length === 0) return new TransactionResult(this.schema, []);
    const result = await client.transact(this.db, this.ops);
    const err = transactionErrorFromResult(result, this.ops);
    if (err) throw err;
    return new TransactionResult(this.schema, result as unknown[]);
  }
}

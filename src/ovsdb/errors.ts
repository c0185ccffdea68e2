/**
 * Errors raised by the OVSDB client.
 *
 * Every error is an {@link OvsdbError} with a stable `code` and a `context` object. The classes here fall in
 * four groups (the schema, notation, replica and vswitch layers add their own subclasses: `OvsdbSchemaError`,
 * `OvsdbNotationError`, `OvsdbReplicaError`, `VswitchError`, `VswitchInterfaceError`):
 * - transport and framing ({@link OvsdbEndpointError}, {@link OvsdbFramingError},
 *   {@link OvsdbConnectionClosedError}, {@link OvsdbTimeoutError}, {@link OvsdbProtocolError});
 * - an error reply to a JSON-RPC request ({@link OvsdbRpcError} and its subclasses for the method-level errors
 *   RFC 7047 and ovsdb-server use: "unknown database", "syntax error", "unknown method", ...);
 * - one class per RFC 7047 section 4.1.3 transaction error ("constraint violation", "referential integrity
 *   violation", ...), all subclasses of {@link OvsdbTransactionError}, carrying the failing operation's index;
 * - {@link transactionErrorFromResult} maps a transact reply to the right class.
 */

/** Stable codes of {@link OvsdbError}. */
export type OvsdbErrorCode =
  // endpoint syntax
  | 'OVSDB_BAD_ENDPOINT'
  // framing (the JSON text stream)
  | 'OVSDB_MSG_TOO_LARGE'
  | 'OVSDB_TOO_DEEP'
  | 'OVSDB_BAD_JSON'
  // JSON-RPC envelope
  | 'OVSDB_BAD_MESSAGE'
  // connection
  | 'OVSDB_DISCONNECTED'
  | 'OVSDB_CONNECT_FAILED'
  | 'OVSDB_TLS'
  | 'OVSDB_TIMEOUT'
  | 'OVSDB_NOT_LEADER'
  // error replies (method level)
  | 'OVSDB_RPC_ERROR'
  | 'OVSDB_UNKNOWN_DATABASE'
  | 'OVSDB_SYNTAX_ERROR'
  | 'OVSDB_UNKNOWN_METHOD'
  | 'OVSDB_UNKNOWN_MONITOR'
  | 'OVSDB_DUPLICATE_MONITOR'
  | 'OVSDB_CANCELED'
  | 'OVSDB_LOCK_ERROR'
  // transaction errors (RFC 7047 4.1.3 and OVS extensions)
  | 'OVSDB_TXN_ERROR'
  | 'OVSDB_CONSTRAINT_VIOLATION'
  | 'OVSDB_REFERENTIAL_INTEGRITY_VIOLATION'
  | 'OVSDB_RESOURCES_EXHAUSTED'
  | 'OVSDB_IO_ERROR'
  | 'OVSDB_DUPLICATE_UUID_NAME'
  | 'OVSDB_DOMAIN_ERROR'
  | 'OVSDB_RANGE_ERROR'
  | 'OVSDB_TIMED_OUT'
  | 'OVSDB_NOT_SUPPORTED'
  | 'OVSDB_ABORTED'
  | 'OVSDB_NOT_OWNER'
  | 'OVSDB_TXN_SYNTAX_ERROR'
  | 'OVSDB_UNKNOWN_TABLE'
  | 'OVSDB_UNKNOWN_COLUMN'
  | 'OVSDB_CONSTRAINT_ERROR'
  | 'OVSDB_NOT_ALLOWED'
  | 'OVSDB_DUPLICATE_UUID'
  | 'OVSDB_TXN_MALFORMED_RESULT'
  // monitors (client side)
  | 'OVSDB_MONITOR_OVERFLOW'
  // notation and schema checks before sending (OvsdbNotationError, OvsdbSchemaError in schema.ts); the
  // schema codes OVSDB_UNKNOWN_TABLE, OVSDB_UNKNOWN_COLUMN and OVSDB_CONSTRAINT_VIOLATION above are shared
  // with the server's transaction errors of the same meaning (tell them apart by class)
  | 'OVSDB_BAD_NOTATION'
  | 'OVSDB_SCHEMA_INVALID'
  | 'OVSDB_TYPE_MISMATCH'
  | 'OVSDB_COLUMN_NOT_WRITABLE'
  | 'OVSDB_BAD_OPERATOR'
  // replica (OvsdbReplicaError in replica.ts)
  | 'OVSDB_REPLICA_BAD_UPDATE'
  | 'OVSDB_REPLICA_CLOSED'
  | 'OVSDB_NO_INDEX'
  | 'OVSDB_NOT_REPLICATED'
  // vswitch operations (VswitchError, VswitchInterfaceError in vswitch.ts)
  | 'VSWITCH_NO_ROOT'
  | 'VSWITCH_NO_BRIDGE'
  | 'VSWITCH_NO_INTERFACE'
  | 'VSWITCH_PORT_CONFLICT'
  | 'VSWITCH_DUPLICATE_PORT'
  | 'VSWITCH_INTERFACE_FAILED';

/** Base class of every error the OVSDB layer raises. */
export class OvsdbError extends Error {
  override name = 'OvsdbError';
  /** Stable machine-readable code. */
  readonly code: OvsdbErrorCode;
  /** Where it happened: endpoint, method, request id, byte offset, ... (varies by class). */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: OvsdbErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
    this.context = context;
  }
}

/** An endpoint string that is not valid OVS syntax (`tcp:IP:PORT`, `unix:PATH`, ...). */
export class OvsdbEndpointError extends OvsdbError {
  override name = 'OvsdbEndpointError';
  constructor(message: string, readonly endpoint: string) {
    super('OVSDB_BAD_ENDPOINT', `${message} in endpoint ${JSON.stringify(endpoint)}`, { endpoint });
  }
}

/** Codes of {@link OvsdbFramingError}. */
export type OvsdbFramingErrorCode = 'OVSDB_MSG_TOO_LARGE' | 'OVSDB_TOO_DEEP' | 'OVSDB_BAD_JSON';

/**
 * The byte stream from the peer is not a sequence of JSON texts within the configured limits. A framing
 * error is fatal for the connection: it is closed and this error surfaced once.
 */
export class OvsdbFramingError extends OvsdbError {
  override name = 'OvsdbFramingError';
  declare readonly code: OvsdbFramingErrorCode;
  /** Offset (in bytes from the start of the stream) where the problem was detected. */
  readonly offset: number;
  constructor(code: OvsdbFramingErrorCode, message: string, offset: number, context: Record<string, unknown> = {}) {
    super(code, `${message} at stream byte ${offset}`, { ...context, offset });
    this.offset = offset;
  }
}

/** A well-formed JSON text that is not a valid JSON-RPC 1.0 message (RFC 7047 section 4). */
export class OvsdbProtocolError extends OvsdbError {
  override name = 'OvsdbProtocolError';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('OVSDB_BAD_MESSAGE', message, context);
  }
}

/** The connection closed (or was never open); every pending request fails with this. */
export class OvsdbConnectionClosedError extends OvsdbError {
  override name = 'OvsdbConnectionClosedError';
  constructor(message = 'connection closed', context: Record<string, unknown> = {}, cause?: unknown) {
    super('OVSDB_DISCONNECTED', message, context, cause === undefined ? undefined : { cause });
  }
}

/** Connecting (TCP/unix connect, TLS handshake) failed. */
export class OvsdbConnectError extends OvsdbError {
  override name = 'OvsdbConnectError';
  constructor(code: 'OVSDB_CONNECT_FAILED' | 'OVSDB_TLS', message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(code, message, context, cause === undefined ? undefined : { cause });
  }
}

/** A request got no answer in time. */
export class OvsdbTimeoutError extends OvsdbError {
  override name = 'OvsdbTimeoutError';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('OVSDB_TIMEOUT', message, context);
  }
}

/**
 * A monitor's events were not consumed: more than `maxBufferedEvents` waited for the first subscriber (or
 * for the end of a re-establishment). The client cancels the monitor (`monitor_cancel`) and ends its
 * `events` with this error, so memory stays bounded; monitor again to start over.
 */
export class OvsdbMonitorOverflowError extends OvsdbError {
  override name = 'OvsdbMonitorOverflowError';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('OVSDB_MONITOR_OVERFLOW', message, context);
  }
}

/** With `leaderOnly`, none of the remotes is the leader of a clustered database (or the leader was lost). */
export class OvsdbNotLeaderError extends OvsdbError {
  override name = 'OvsdbNotLeaderError';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('OVSDB_NOT_LEADER', message, context);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Error replies (RFC 7047 section 4: a response whose "error" member is not null).

/**
 * The server answered a request with an error. `error` is the server's error string (RFC 7047 section 3.1:
 * `"error": <string>`, optional `"details": <string>`); subclasses exist for the method-level errors the
 * client must distinguish.
 */
export class OvsdbRpcError extends OvsdbError {
  override name = 'OvsdbRpcError';
  /** The server's `error` member (e.g. `"unknown database"`), or its JSON text if it was not a string. */
  readonly error: string;
  /** The server's `details` member, if any. */
  readonly details: string | undefined;
  /** The whole `error` value as received. */
  readonly raw: unknown;
  /** The method of the failed request. */
  readonly method: string;

  constructor(method: string, raw: unknown, code: OvsdbErrorCode = 'OVSDB_RPC_ERROR') {
    const { error, details } = describeErrorValue(raw);
    super(code, `${method} failed: ${error}${details ? ` (${details})` : ''}`, { method, error, details });
    this.error = error;
    this.details = details;
    this.raw = raw;
    this.method = method;
  }
}

/** RFC 7047 4.1.1 / 4.1.2: the named database does not exist on the server. */
export class OvsdbUnknownDatabaseError extends OvsdbRpcError {
  override name = 'OvsdbUnknownDatabaseError';
  constructor(method: string, raw: unknown) {
    super(method, raw, 'OVSDB_UNKNOWN_DATABASE');
  }
}
/** The request's params were rejected ("syntax error" and other ovsdb-server parse errors). */
export class OvsdbSyntaxError extends OvsdbRpcError {
  override name = 'OvsdbSyntaxError';
  constructor(method: string, raw: unknown) {
    super(method, raw, 'OVSDB_SYNTAX_ERROR');
  }
}
/** The server does not implement the method ("unknown method"). */
export class OvsdbUnknownMethodError extends OvsdbRpcError {
  override name = 'OvsdbUnknownMethodError';
  constructor(method: string, raw: unknown) {
    super(method, raw, 'OVSDB_UNKNOWN_METHOD');
  }
}
/** monitor_cancel / monitor_cond_change named a monitor the server does not know ("unknown monitor"). */
export class OvsdbUnknownMonitorError extends OvsdbRpcError {
  override name = 'OvsdbUnknownMonitorError';
  constructor(method: string, raw: unknown) {
    super(method, raw, 'OVSDB_UNKNOWN_MONITOR');
  }
}
/** A monitor with that id already exists on the connection ("duplicate monitor ID"). */
export class OvsdbDuplicateMonitorError extends OvsdbRpcError {
  override name = 'OvsdbDuplicateMonitorError';
  constructor(method: string, raw: unknown) {
    super(method, raw, 'OVSDB_DUPLICATE_MONITOR');
  }
}
/** The request was canceled with `cancel` (RFC 7047 4.1.4: the server answers it with "canceled"). */
export class OvsdbCanceledError extends OvsdbRpcError {
  override name = 'OvsdbCanceledError';
  constructor(method: string, raw: unknown) {
    super(method, raw, 'OVSDB_CANCELED');
  }
}
/** lock/steal/unlock misuse (RFC 7047 4.1.8-4.1.10: e.g. "duplicate lock", locking twice on one session). */
export class OvsdbLockError extends OvsdbRpcError {
  override name = 'OvsdbLockError';
  constructor(method: string, raw: unknown) {
    super(method, raw, 'OVSDB_LOCK_ERROR');
  }
}

const RPC_ERROR_CLASSES: Record<string, new (method: string, raw: unknown) => OvsdbRpcError> = {
  'unknown database': OvsdbUnknownDatabaseError,
  'syntax error': OvsdbSyntaxError,
  'unknown method': OvsdbUnknownMethodError,
  'unknown monitor': OvsdbUnknownMonitorError,
  'duplicate monitor ID': OvsdbDuplicateMonitorError,
  canceled: OvsdbCanceledError,
  'duplicate lock': OvsdbLockError,
  'unknown lock': OvsdbLockError,
};

/**
 * ovsdb-server reports some method-level misuse as `"error": "syntax error"` and says what in `details`
 * (ovsdb/jsonrpc-server.c): these details select the more specific class.
 */
const SYNTAX_ERROR_DETAILS: ReadonlyArray<[RegExp, new (method: string, raw: unknown) => OvsdbRpcError]> = [
  [/^unknown monitor session/, OvsdbUnknownMonitorError],
  [/^duplicate monitor ID/, OvsdbDuplicateMonitorError],
  [/"unlock" before new "(lock|steal)"|"unlock" without "lock"|^duplicate lock|^unknown lock/, OvsdbLockError],
];

/**
 * Maps the `error` member of a JSON-RPC error response to the matching {@link OvsdbRpcError} subclass (for
 * ovsdb-server's `"syntax error"`, also by its `details`: unknown monitor session, duplicate monitor ID,
 * lock misuse).
 */
export function rpcErrorFromReply(method: string, raw: unknown): OvsdbRpcError {
  const { error, details } = describeErrorValue(raw);
  if (error === 'syntax error' && details !== undefined) {
    for (const [re, c] of SYNTAX_ERROR_DETAILS) if (re.test(details)) return new c(method, raw);
  }
  const cls = RPC_ERROR_CLASSES[error];
  return cls ? new cls(method, raw) : new OvsdbRpcError(method, raw);
}

// ---------------------------------------------------------------------------------------------------------
// Transaction errors (RFC 7047 section 4.1.3).

/**
 * A transaction failed. RFC 7047 4.1.3: the reply's result array has one element per operation; the
 * failing operation's element is `{"error": <string>, "details": <string>}` and the operations after it
 * are `null`. A commit-level failure (e.g. "referential integrity violation", "constraint violation" on
 * commit) comes as one extra element after the last operation: then {@link opIndex} equals `ops.length`
 * and {@link op} is undefined.
 */
export class OvsdbTransactionError extends OvsdbError {
  override name = 'OvsdbTransactionError';
  /** The server's error string, e.g. `"constraint violation"`. */
  readonly error: string;
  /** The server's `details` string, if any. */
  readonly details: string | undefined;
  /** Index of the failing operation in the request; `ops.length` for a commit-level error. */
  readonly opIndex: number;
  /** The failing operation as sent (undefined for a commit-level error). */
  readonly op: unknown;
  /** The whole result array as received. */
  readonly results: readonly unknown[];

  constructor(
    error: string,
    details: string | undefined,
    opIndex: number,
    op: unknown,
    results: readonly unknown[],
    code: OvsdbErrorCode = 'OVSDB_TXN_ERROR',
  ) {
    const opName = isObject(op) && typeof op.op === 'string' ? ` (${op.op})` : ' (commit)';
    super(code, `transaction failed at operation ${opIndex}${opName}: ${error}${details ? `: ${details}` : ''}`, {
      error,
      details,
      opIndex,
    });
    this.error = error;
    this.details = details;
    this.opIndex = opIndex;
    this.op = op;
    this.results = results;
  }
}

/** Constructor shape shared by the transaction error classes. */
export type OvsdbTransactionErrorClass = new (
  error: string,
  details: string | undefined,
  opIndex: number,
  op: unknown,
  results: readonly unknown[],
) => OvsdbTransactionError;

/** "constraint violation": a value violates its column's constraints (enum, min/max, set size) or a table's
 *  index / maxRows (RFC 7047 4.1.3). */
export class OvsdbConstraintViolationError extends OvsdbTransactionError {
  override name = 'OvsdbConstraintViolationError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_CONSTRAINT_VIOLATION');
  }
}
/** "referential integrity violation": a strong reference to a row that does not exist, or a delete of a row
 *  still strongly referenced (RFC 7047 4.1.3; reported after the last operation, at commit). */
export class OvsdbReferentialIntegrityError extends OvsdbTransactionError {
  override name = 'OvsdbReferentialIntegrityError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_REFERENTIAL_INTEGRITY_VIOLATION');
  }
}
/** "resources exhausted": the server ran out of memory or another resource (RFC 7047 4.1.3). */
export class OvsdbResourcesExhaustedError extends OvsdbTransactionError {
  override name = 'OvsdbResourcesExhaustedError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_RESOURCES_EXHAUSTED');
  }
}
/** "I/O error": the server could not commit to storage (RFC 7047 4.1.3). */
export class OvsdbIoError extends OvsdbTransactionError {
  override name = 'OvsdbIoError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_IO_ERROR');
  }
}
/** "duplicate uuid name": two inserts used the same `uuid-name` (RFC 7047 5.2.1). */
export class OvsdbDuplicateUuidNameError extends OvsdbTransactionError {
  override name = 'OvsdbDuplicateUuidNameError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_DUPLICATE_UUID_NAME');
  }
}
/** "domain error": a mutation's arithmetic is undefined, e.g. division by zero (RFC 7047 5.2.4). */
export class OvsdbDomainError extends OvsdbTransactionError {
  override name = 'OvsdbDomainError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_DOMAIN_ERROR');
  }
}
/** "range error": a mutation's result is out of range for the column's type (RFC 7047 5.2.4). */
export class OvsdbRangeError extends OvsdbTransactionError {
  override name = 'OvsdbRangeError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_RANGE_ERROR');
  }
}
/** "timed out": a `wait` operation's condition did not become true within its timeout (RFC 7047 5.2.6). */
export class OvsdbTimedOutError extends OvsdbTransactionError {
  override name = 'OvsdbTimedOutError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_TIMED_OUT');
  }
}
/** "not supported": the server does not support the operation (RFC 7047 4.1.3). */
export class OvsdbNotSupportedError extends OvsdbTransactionError {
  override name = 'OvsdbNotSupportedError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_NOT_SUPPORTED');
  }
}
/** "aborted": the transaction contained an `abort` operation (RFC 7047 5.2.8). */
export class OvsdbAbortedError extends OvsdbTransactionError {
  override name = 'OvsdbAbortedError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_ABORTED');
  }
}
/** "not owner": an `assert` operation named a lock this session does not own (RFC 7047 5.2.10). */
export class OvsdbNotOwnerError extends OvsdbTransactionError {
  override name = 'OvsdbNotOwnerError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_NOT_OWNER');
  }
}
/** "syntax error" inside a transaction: ovsdb-server could not parse an operation (OVS). */
export class OvsdbTxnSyntaxError extends OvsdbTransactionError {
  override name = 'OvsdbTxnSyntaxError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_TXN_SYNTAX_ERROR');
  }
}
/** "unknown table" (OVS): an operation named a table that is not in the schema. */
export class OvsdbUnknownTableError extends OvsdbTransactionError {
  override name = 'OvsdbUnknownTableError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_UNKNOWN_TABLE');
  }
}
/** "unknown column" (OVS): an insert/update row named a column that is not in the table (ovsdb-server sends
 *  "syntax error" for an unknown name in a `columns` list). */
export class OvsdbUnknownColumnError extends OvsdbTransactionError {
  override name = 'OvsdbUnknownColumnError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_UNKNOWN_COLUMN');
  }
}
/**
 * "constraint error" / "type mismatch": a datum that does not match the column type. (ovsdb-server 3.1
 * reports type mismatches inside a transaction as "syntax error" with the reason in `details`; these strings
 * are mapped for other servers.)
 */
export class OvsdbConstraintError extends OvsdbTransactionError {
  override name = 'OvsdbConstraintError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_CONSTRAINT_ERROR');
  }
}

/** "not allowed" (OVS): a write to a read-only database (the `_Server` database, or a server in read-only mode). */
export class OvsdbNotAllowedError extends OvsdbTransactionError {
  override name = 'OvsdbNotAllowedError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_NOT_ALLOWED');
  }
}
/** "duplicate uuid" (OVS): an insert with an explicit `uuid` that already exists in the table. */
export class OvsdbDuplicateUuidError extends OvsdbTransactionError {
  override name = 'OvsdbDuplicateUuidError';
  constructor(error: string, details: string | undefined, opIndex: number, op: unknown, results: readonly unknown[]) {
    super(error, details, opIndex, op, results, 'OVSDB_DUPLICATE_UUID');
  }
}

const TXN_ERROR_CLASSES: Record<string, OvsdbTransactionErrorClass> = {
  'constraint violation': OvsdbConstraintViolationError,
  'referential integrity violation': OvsdbReferentialIntegrityError,
  'resources exhausted': OvsdbResourcesExhaustedError,
  'I/O error': OvsdbIoError,
  'duplicate uuid name': OvsdbDuplicateUuidNameError,
  // ovsdb-server spells the RFC's "duplicate uuid name" with a hyphen.
  'duplicate uuid-name': OvsdbDuplicateUuidNameError,
  'duplicate uuid': OvsdbDuplicateUuidError,
  'not allowed': OvsdbNotAllowedError,
  'domain error': OvsdbDomainError,
  'range error': OvsdbRangeError,
  'timed out': OvsdbTimedOutError,
  'not supported': OvsdbNotSupportedError,
  aborted: OvsdbAbortedError,
  'not owner': OvsdbNotOwnerError,
  'syntax error': OvsdbTxnSyntaxError,
  'unknown table': OvsdbUnknownTableError,
  'unknown column': OvsdbUnknownColumnError,
  'constraint error': OvsdbConstraintError,
  'type mismatch': OvsdbConstraintError,
};

/** The RFC 7047 transaction error strings this library maps to their own classes. */
export const OVSDB_TRANSACTION_ERROR_STRINGS: readonly string[] = Object.keys(TXN_ERROR_CLASSES);

/** Builds the error class for one `{"error": ..., "details": ...}` result element. */
export function transactionError(
  error: string,
  details: string | undefined,
  opIndex: number,
  op: unknown,
  results: readonly unknown[],
): OvsdbTransactionError {
  const cls = TXN_ERROR_CLASSES[error];
  return cls ? new cls(error, details, opIndex, op, results) : new OvsdbTransactionError(error, details, opIndex, op, results);
}

/**
 * Checks a transact reply (RFC 7047 4.1.3). Returns `undefined` when every operation succeeded, otherwise the
 * error for the FIRST element that carries an `error` member: at index `i < ops.length` for an operation
 * error, or at `ops.length` (one extra trailing element) for a commit-level error. A result that is not an
 * array, or one with fewer elements than operations and no error, is reported as an
 * {@link OvsdbTransactionError} with code OVSDB_TXN_MALFORMED_RESULT.
 */
export function transactionErrorFromResult(results: unknown, ops: readonly unknown[]): OvsdbTransactionError | undefined {
  if (!Array.isArray(results)) {
    return new OvsdbTransactionError(
      'malformed result',
      `transact result is ${results === null ? 'null' : typeof results}, not an array`,
      0,
      ops[0],
      [],
      'OVSDB_TXN_MALFORMED_RESULT',
    );
  }
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    if (isObject(r) && 'error' in r && r.error !== null && r.error !== undefined) {
      const { error, details } = describeErrorValue(r);
      return transactionError(error, details, i, i < ops.length ? ops[i] : undefined, results);
    }
  }
  if (results.length < ops.length) {
    return new OvsdbTransactionError(
      'malformed result',
      `transact result has ${results.length} elements for ${ops.length} operations and no error`,
      results.length,
      ops[results.length],
      results,
      'OVSDB_TXN_MALFORMED_RESULT',
    );
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `error`/`details` from an error value: a string, or an object `{error, details}` (RFC 7047 3.1). */
function describeErrorValue(raw: unknown): { error: string; details: string | undefined } {
  if (typeof raw === 'string') return { error: raw, details: undefined };
  if (isObject(raw) && 'error' in raw) {
    const e = raw.error;
    const d = raw.details;
    return {
      error: typeof e === 'string' ? e : safeJson(e),
      details: d === undefined || d === null ? undefined : typeof d === 'string' ? d : safeJson(d),
    };
  }
  return { error: safeJson(raw), details: undefined };
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 200)}...` : s;
  } catch {
    return String(v);
  }
}

import {
  OVSDB_TRANSACTION_ERROR_STRINGS,
  OvsdbAbortedError,
  OvsdbCanceledError,
  OvsdbConstraintViolationError,
  OvsdbDomainError,
  OvsdbDuplicateUuidNameError,
  OvsdbError,
  OvsdbIoError,
  OvsdbNotOwnerError,
  OvsdbNotSupportedError,
  OvsdbRangeError,
  OvsdbReferentialIntegrityError,
  OvsdbResourcesExhaustedError,
  OvsdbRpcError,
  OvsdbSyntaxError,
  OvsdbTimedOutError,
  OvsdbTransactionError,
  OvsdbUnknownDatabaseError,
  OvsdbUnknownMethodError,
  rpcErrorFromReply,
  transactionErrorFromResult,
} from '../../../src/ovsdb/errors';

describe('transactionErrorFromResult', () => {
  const ops = [
    { op: 'insert', table: 'Bridge', row: {} },
    { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [] },
    { op: 'comment', comment: 'x' },
  ];

  it.each([
    ['constraint violation', OvsdbConstraintViolationError, 'OVSDB_CONSTRAINT_VIOLATION'],
    ['referential integrity violation', OvsdbReferentialIntegrityError, 'OVSDB_REFERENTIAL_INTEGRITY_VIOLATION'],
    ['resources exhausted', OvsdbResourcesExhaustedError, 'OVSDB_RESOURCES_EXHAUSTED'],
    ['I/O error', OvsdbIoError, 'OVSDB_IO_ERROR'],
    ['duplicate uuid name', OvsdbDuplicateUuidNameError, 'OVSDB_DUPLICATE_UUID_NAME'],
    ['domain error', OvsdbDomainError, 'OVSDB_DOMAIN_ERROR'],
    ['range error', OvsdbRangeError, 'OVSDB_RANGE_ERROR'],
    ['timed out', OvsdbTimedOutError, 'OVSDB_TIMED_OUT'],
    ['not supported', OvsdbNotSupportedError, 'OVSDB_NOT_SUPPORTED'],
    ['aborted', OvsdbAbortedError, 'OVSDB_ABORTED'],
    ['not owner', OvsdbNotOwnerError, 'OVSDB_NOT_OWNER'],
  ])('maps %j at an operation to its class with the op index', (error, cls, code) => {
    const results = [{ uuid: ['uuid', 'a'] }, { error, details: 'why' }, null];
    const e = transactionErrorFromResult(results, ops);
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(OvsdbTransactionError);
    expect(e).toBeInstanceOf(OvsdbError);
    expect(e!.code).toBe(code);
    expect(e!.opIndex).toBe(1);
    expect(e!.op).toBe(ops[1]);
    expect(e!.details).toBe('why');
    expect(e!.error).toBe(error);
    expect(e!.name).toBe((cls as { name: string }).name);
    expect(e!.message).toContain('operation 1 (mutate)');
  });

  it('maps a commit-level error after the last operation: opIndex = ops.length, no op', () => {
    const e = transactionErrorFromResult([{}, { count: 1 }, {}, { error: 'referential integrity violation', details: 'd' }], ops);
    expect(e).toBeInstanceOf(OvsdbReferentialIntegrityError);
    expect(e!.opIndex).toBe(3);
    expect(e!.op).toBeUndefined();
    expect(e!.message).toContain('(commit)');
  });

  it('returns undefined for a successful reply', () => {
    expect(transactionErrorFromResult([{ uuid: ['uuid', 'x'] }, { count: 0 }, {}], ops)).toBeUndefined();
  });

  it('keeps an unknown error string as the base class', () => {
    const e = transactionErrorFromResult([{ error: 'something new' }], ops);
    expect(e!.constructor).toBe(OvsdbTransactionError);
    expect(e!.code).toBe('OVSDB_TXN_ERROR');
  });

  it('reports malformed results instead of crashing', () => {
    expect(transactionErrorFromResult(null, ops)!.code).toBe('OVSDB_TXN_MALFORMED_RESULT');
    expect(transactionErrorFromResult({ a: 1 }, ops)!.code).toBe('OVSDB_TXN_MALFORMED_RESULT');
    const short = transactionErrorFromResult([{}], ops)!;
    expect(short.code).toBe('OVSDB_TXN_MALFORMED_RESULT');
    expect(short.opIndex).toBe(1);
    expect(transactionErrorFromResult([{ error: 42 }], ops)!.error).toBe('42');
  });

  it('lists every RFC 7047 4.1.3 error string', () => {
    for (const s of ['constraint violation', 'referential integrity violation', 'resources exhausted', 'I/O error', 'duplicate uuid name', 'domain error', 'range error', 'timed out', 'not supported', 'aborted', 'not owner']) {
      expect(OVSDB_TRANSACTION_ERROR_STRINGS).toContain(s);
    }
  });
});

describe('rpcErrorFromReply', () => {
  it.each([
    ['unknown database', OvsdbUnknownDatabaseError, 'OVSDB_UNKNOWN_DATABASE'],
    ['syntax error', OvsdbSyntaxError, 'OVSDB_SYNTAX_ERROR'],
    ['unknown method', OvsdbUnknownMethodError, 'OVSDB_UNKNOWN_METHOD'],
    ['canceled', OvsdbCanceledError, 'OVSDB_CANCELED'],
  ])('maps %j', (error, cls, code) => {
    const e = rpcErrorFromReply('transact', { error, details: 'x' });
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(OvsdbRpcError);
    expect(e.code).toBe(code);
    expect(e.method).toBe('transact');
    expect(e.details).toBe('x');
  });

  it('accepts a bare string and odd values', () => {
    expect(rpcErrorFromReply('m', 'unknown method')).toBeInstanceOf(OvsdbUnknownMethodError);
    const e = rpcErrorFromReply('m', { weird: 1n });
    expect(e.code).toBe('OVSDB_RPC_ERROR');
    expect(e.error).toBe('{"weird":"1"}');
  });
});

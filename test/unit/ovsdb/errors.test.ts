import {
  OVSDB_TRANSACTION_ERROR_STRINGS,
  OvsdbAbortedError,
  OvsdbCanceledError,
  OvsdbConstraintError,
  OvsdbConstraintViolationError,
  OvsdbDuplicateMonitorError,
  OvsdbDomainError,
  OvsdbDuplicateUuidNameError,
  OvsdbError,
  OvsdbIoError,
  OvsdbLockError,
  OvsdbNotOwnerError,
  OvsdbNotSupportedError,
  OvsdbRangeError,
  OvsdbReferentialIntegrityError,
  OvsdbResourcesExhaustedError,
  OvsdbRpcError,
  OvsdbSyntaxError,
  OvsdbTimedOutError,
  OvsdbTransactionError,
  OvsdbTxnSyntaxError,
  OvsdbUnknownColumnError,
  OvsdbUnknownDatabaseError,
  OvsdbUnknownMethodError,
  OvsdbUnknownMonitorError,
  rpcErrorFromReply,
  transactionErrorFromResult,
} from '../../../src/ovsdb/errors';
import { OvsdbNotationError, fromWireLoose } from '../../../src/ovsdb/notation';
import { OvsdbReplicaError } from '../../../src/ovsdb/replica';
import { OvsdbSchemaError } from '../../../src/ovsdb/schema';
import { openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';
import { Transaction } from '../../../src/ovsdb/transaction';
import { VswitchError, VswitchInterfaceError } from '../../../src/ovsdb/vswitch';

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
    ['syntax error', OvsdbTxnSyntaxError, 'OVSDB_TXN_SYNTAX_ERROR'],
    ['unknown column', OvsdbUnknownColumnError, 'OVSDB_UNKNOWN_COLUMN'],
    ['constraint error', OvsdbConstraintError, 'OVSDB_CONSTRAINT_ERROR'],
    ['type mismatch', OvsdbConstraintError, 'OVSDB_CONSTRAINT_ERROR'],
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
    ['unknown monitor', OvsdbUnknownMonitorError, 'OVSDB_UNKNOWN_MONITOR'],
    ['duplicate monitor ID', OvsdbDuplicateMonitorError, 'OVSDB_DUPLICATE_MONITOR'],
    ['duplicate lock', OvsdbLockError, 'OVSDB_LOCK_ERROR'],
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

describe('ovsdb-server\'s "syntax error" replies are refined by their details', () => {
  it.each([
    ['unknown monitor session', OvsdbUnknownMonitorError, 'OVSDB_UNKNOWN_MONITOR'],
    ['duplicate monitor ID', OvsdbDuplicateMonitorError, 'OVSDB_DUPLICATE_MONITOR'],
    ['must issue "unlock" before new "lock"', OvsdbLockError, 'OVSDB_LOCK_ERROR'],
    ['must issue "unlock" before new "steal"', OvsdbLockError, 'OVSDB_LOCK_ERROR'],
    ['unlock: "unlock" without "lock" or "steal"', OvsdbLockError, 'OVSDB_LOCK_ERROR'],
    ['something else', OvsdbSyntaxError, 'OVSDB_SYNTAX_ERROR'],
  ])('%j', (details, cls, code) => {
    const e = rpcErrorFromReply('m', { error: 'syntax error', details, syntax: '"x"' });
    expect(e.constructor).toBe(cls);
    expect(e.code).toBe(code);
    expect(e.context).toMatchObject({ method: 'm', error: 'syntax error', details });
  });
});

describe('every error of the other OVSDB modules is an OvsdbError with a stable code and context', () => {
  const schema = openVSwitchSchema();

  it('OvsdbSchemaError (validation before sending) keeps its instanceof and names table, column, value', () => {
    const e = (() => {
      try {
        schema.encodeRow('Bridge', { name: 5 });
      } catch (x) {
        return x;
      }
    })() as OvsdbSchemaError;
    expect(e).toBeInstanceOf(OvsdbSchemaError);
    expect(e).toBeInstanceOf(OvsdbError);
    expect(e.code).toBe('OVSDB_TYPE_MISMATCH');
    expect(e.context).toMatchObject({ table: 'Bridge', column: 'name', value: 5 });
    expect([e.table, e.column, e.value]).toEqual(['Bridge', 'name', 5]);
    expect(e.message).toMatch(/^OVSDB_TYPE_MISMATCH: Bridge\.name: /);
    const t = new Transaction(schema);
    t.insert('Bridge', { name: 'a' }, 'n');
    expect(() => t.insert('Bridge', { name: 'b' }, 'n')).toThrow(expect.objectContaining({ code: 'OVSDB_CONSTRAINT_VIOLATION' }));
    expect(() => schema.table('Nope')).toThrow(expect.objectContaining({ code: 'OVSDB_UNKNOWN_TABLE', context: { table: 'Nope' } }));
  });

  it('OvsdbNotationError', () => {
    const e = (() => {
      try {
        fromWireLoose(['frob', 1]);
      } catch (x) {
        return x;
      }
    })() as OvsdbNotationError;
    expect(e).toBeInstanceOf(OvsdbNotationError);
    expect(e).toBeInstanceOf(OvsdbError);
    expect(e.code).toBe('OVSDB_BAD_NOTATION');
    expect(e.context).toEqual({ value: ['frob', 1] });
  });

  it('OvsdbReplicaError, VswitchError, VswitchInterfaceError', () => {
    const r = new OvsdbReplicaError('OVSDB_NO_INDEX', 'no index', { table: 'T' });
    expect(r).toBeInstanceOf(OvsdbError);
    expect([r.code, r.context]).toEqual(['OVSDB_NO_INDEX', { table: 'T' }]);
    const v = new VswitchError('VSWITCH_NO_BRIDGE', 'no bridge named b', { bridge: 'b' });
    expect(v).toBeInstanceOf(OvsdbError);
    expect(v.message).toBe('VSWITCH_NO_BRIDGE: no bridge named b');
    const failed = [{ name: 'p', ofport: -1, error: 'could not open network device p (No such device)' }];
    const i = new VswitchInterfaceError({ changed: false, interfaces: failed, failed, attempts: 1 });
    expect(i).toBeInstanceOf(OvsdbError);
    expect(i.code).toBe('VSWITCH_INTERFACE_FAILED');
    expect(i.context).toMatchObject({ failed });
    expect(i.message).toContain('p (could not open network device p (No such device))');
  });
});

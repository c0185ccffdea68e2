/**
 * Every transaction error class provoked on a real ovsdb-server (Open_vSwitch schema, unix socket).
 *
 * ovsdb-server 3.1 never returns "resources exhausted" and returns "not supported" only internally (for a
 * `wait` without trigger support); those two are tested against a fake server below.
 * "I/O error" is provoked for real by running the server on a tiny tmpfs that is then filled up.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OvsdbClient } from '../../../src/ovsdb/client';
import {
  OvsdbAbortedError,
  OvsdbConnectionClosedError,
  OvsdbFramingError,
  OvsdbConstraintViolationError,
  OvsdbDomainError,
  OvsdbDuplicateMonitorError,
  OvsdbDuplicateUuidError,
  OvsdbDuplicateUuidNameError,
  OvsdbError,
  OvsdbIoError,
  OvsdbLockError,
  OvsdbNotAllowedError,
  OvsdbNotOwnerError,
  OvsdbNotSupportedError,
  OvsdbRangeError,
  OvsdbReferentialIntegrityError,
  OvsdbResourcesExhaustedError,
  OvsdbSyntaxError,
  OvsdbTimedOutError,
  OvsdbTransactionError,
  OvsdbTxnSyntaxError,
  OvsdbUnknownColumnError,
  OvsdbUnknownDatabaseError,
  OvsdbUnknownMethodError,
  OvsdbUnknownMonitorError,
} from '../../../src/ovsdb/errors';
import { Replica } from '../../../src/ovsdb/replica';
import { type OpenVSwitchDb, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';
import { Vswitch } from '../../../src/ovsdb/vswitch';
import { OvsdbJsonFramer } from '../../../src/ovsdb/framer';

const DB = 'Open_vSwitch';
let ovs: OvsInstance;
let client: OvsdbClient;

beforeAll(async () => {
  ovs = await OvsInstance.start({ vswitchd: false });
  client = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: false });
});
afterAll(async () => {
  await client?.close();
  await ovs?.stop();
});

async function txnError(ops: unknown[], c: OvsdbClient = client, db = DB): Promise<OvsdbTransactionError> {
  try {
    await c.transact(db, ops);
  } catch (e) {
    expect(e).toBeInstanceOf(OvsdbTransactionError);
    return e as OvsdbTransactionError;
  }
  throw new Error('transaction unexpectedly succeeded');
}

const comment = { op: 'comment', comment: 'first op, fine' };
const RANDOM_UUID = '1f7c8d3a-9a1b-4c55-8d2e-0123456789ab';

describe('transaction errors from a real ovsdb-server', () => {
  it('duplicate uuid name (two inserts with the same uuid-name)', async () => {
    const e = await txnError([
      comment,
      { op: 'insert', table: 'Bridge', row: { name: 'd1' }, 'uuid-name': 'x' },
      { op: 'insert', table: 'Bridge', row: { name: 'd2' }, 'uuid-name': 'x' },
    ]);
    expect(e).toBeInstanceOf(OvsdbDuplicateUuidNameError);
    expect(e.code).toBe('OVSDB_DUPLICATE_UUID_NAME');
    expect(e.opIndex).toBe(2);
    expect((e.op as { row: { name: string } }).row.name).toBe('d2');
    expect(e.results[3]).toBeUndefined();
  });

  it('duplicate uuid (insert with an explicit uuid twice; OVS extension)', async () => {
    const e = await txnError([
      { op: 'insert', table: 'Bridge', row: { name: 'u1' }, uuid: RANDOM_UUID },
      { op: 'insert', table: 'Bridge', row: { name: 'u2' }, uuid: RANDOM_UUID },
    ]);
    expect(e).toBeInstanceOf(OvsdbDuplicateUuidError);
    expect(e.opIndex).toBe(1);
  });

  it('referential integrity violation (strong reference to a missing row) at commit: opIndex = ops.length', async () => {
    const ops = [comment, { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['set', [['uuid', RANDOM_UUID]]]]] }];
    const e = await txnError(ops);
    expect(e).toBeInstanceOf(OvsdbReferentialIntegrityError);
    expect(e.code).toBe('OVSDB_REFERENTIAL_INTEGRITY_VIOLATION');
    expect(e.opIndex).toBe(ops.length);
    expect(e.op).toBeUndefined();
    expect(e.details).toContain(RANDOM_UUID);
  });

  it('constraint violation (a value outside the column enum)', async () => {
    const e = await txnError([
      comment,
      { op: 'insert', table: 'Bridge', row: { name: 'c1', fail_mode: 'bogus' }, 'uuid-name': 'b' },
    ]);
    expect(e).toBeInstanceOf(OvsdbConstraintViolationError);
    expect(e.opIndex).toBe(1);
    expect(e.details).toContain('bogus');
  });

  it('domain error (integer division by zero in a mutation)', async () => {
    const e = await txnError([{ op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['next_cfg', '/=', 0]] }]);
    expect(e).toBeInstanceOf(OvsdbDomainError);
    expect(e.opIndex).toBe(0);
  });

  it('range error (64-bit overflow in a mutation; the operand is a bigint sent exactly)', async () => {
    const e = await txnError([
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['next_cfg', '+=', 9223372036854775807n]] },
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['next_cfg', '+=', 9223372036854775807n]] },
    ]);
    expect(e).toBeInstanceOf(OvsdbRangeError);
    expect(e.opIndex).toBe(1);
  });

  it('timed out (wait with timeout 0 whose condition is false)', async () => {
    const e = await txnError([
      comment,
      { op: 'wait', table: 'Bridge', timeout: 0, where: [['name', '==', 'nope']], columns: ['name'], until: '==', rows: [{ name: 'nope' }] },
    ]);
    expect(e).toBeInstanceOf(OvsdbTimedOutError);
    expect(e.opIndex).toBe(1);
  });

  it('aborted (abort operation)', async () => {
    const e = await txnError([comment, comment, { op: 'abort' }]);
    expect(e).toBeInstanceOf(OvsdbAbortedError);
    expect(e.opIndex).toBe(2);
  });

  it('not owner (assert of a lock held by another client)', async () => {
    const other = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: false });
    try {
      await expect(other.lock('owned_elsewhere')).resolves.toEqual({ locked: true });
      expect((await client.lock('owned_elsewhere')).locked).toBe(false);
      const e = await txnError([{ op: 'assert', lock: 'owned_elsewhere' }, comment]);
      expect(e).toBeInstanceOf(OvsdbNotOwnerError);
      expect(e.opIndex).toBe(0);
      // The owner may assert it.
      await expect(other.transact(DB, [{ op: 'assert', lock: 'owned_elsewhere' }])).resolves.toEqual([{}]);
      await client.unlock('owned_elsewhere');
    } finally {
      await other.close();
    }
  });

  it('not allowed (writing to the read-only _Server database; OVS extension)', async () => {
    const e = await txnError([{ op: 'delete', table: 'Database', where: [] }], client, '_Server');
    expect(e).toBeInstanceOf(OvsdbNotAllowedError);
    expect(e.code).toBe('OVSDB_NOT_ALLOWED');
  });

  it('syntax errors inside a transaction and unknown tables are per-operation errors', async () => {
    expect(await txnError([comment, { op: 'frobnicate' }])).toBeInstanceOf(OvsdbTxnSyntaxError);
    // ovsdb-server reports an unknown table as a syntax error of that operation.
    const t = await txnError([comment, { op: 'select', table: 'NoSuchTable', where: [] }]);
    expect(t).toBeInstanceOf(OvsdbTxnSyntaxError);
    expect(t.opIndex).toBe(1);
    expect(t.details).toContain('NoSuchTable');
  });

  it('method-level errors: unknown database, unknown method, syntax error', async () => {
    await expect(client.transact('NoSuchDb', [comment])).rejects.toBeInstanceOf(OvsdbUnknownDatabaseError);
    await expect(client.request('frobnicate', [])).rejects.toBeInstanceOf(OvsdbUnknownMethodError);
    await expect(client.request('monitor_cond_change', [1])).rejects.toBeInstanceOf(OvsdbSyntaxError);
    // The session survived all of this.
    await expect(client.echo()).resolves.toEqual([]);
  });

  it('unknown column in an inserted row (OVS extension string "unknown column")', async () => {
    const e = await txnError([comment, { op: 'insert', table: 'Bridge', row: { nosuch: 5 } }]);
    expect(e).toBeInstanceOf(OvsdbUnknownColumnError);
    expect(e.code).toBe('OVSDB_UNKNOWN_COLUMN');
    expect(e.opIndex).toBe(1);
  });

  it('monitor and lock misuse: duplicate monitor ID, unknown monitor session, lock twice, unlock without lock', async () => {
    const m = await client.monitor(DB, { Bridge: { columns: ['name'] } }, { method: 'monitor' });
    try {
      // ovsdb-server sends these as "syntax error" with the reason in details.
      const dup = await client.request('monitor', [DB, m.id, { Bridge: { columns: ['name'] } }]).catch((x: unknown) => x);
      expect(dup).toBeInstanceOf(OvsdbDuplicateMonitorError);
      expect((dup as OvsdbError).code).toBe('OVSDB_DUPLICATE_MONITOR');
      const unk = await client.request('monitor_cond_change', ['no-such-monitor', 'x', {}]).catch((x: unknown) => x);
      expect(unk).toBeInstanceOf(OvsdbUnknownMonitorError);
      expect((unk as OvsdbError).code).toBe('OVSDB_UNKNOWN_MONITOR');
    } finally {
      await m.cancel();
    }
    await client.lock('twice');
    try {
      await expect(client.request('lock', ['twice'])).rejects.toMatchObject({ code: 'OVSDB_LOCK_ERROR', constructor: OvsdbLockError });
      await expect(client.request('steal', ['twice'])).rejects.toBeInstanceOf(OvsdbLockError);
    } finally {
      await client.unlock('twice');
    }
    const e = await client.request('unlock', ['never_locked']).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'OVSDB_LOCK_ERROR', details: expect.stringContaining('without') });
  });

  it('replica misuse: OVSDB_NO_INDEX, OVSDB_NOT_REPLICATED, OVSDB_REPLICA_CLOSED', async () => {
    const r = await Replica.start<OpenVSwitchDb>(client, openVSwitchSchema(), { tables: { Bridge: { columns: ['name', 'datapath_type'] } } });
    const snap = r.snapshot();
    expect(() => snap.lookup('Bridge', { datapath_type: 'netdev' })).toThrow(expect.objectContaining({ code: 'OVSDB_NO_INDEX' }));
    expect(() => snap.lookup('Port', { name: 'p' })).toThrow(expect.objectContaining({ code: 'OVSDB_NOT_REPLICATED' }));
    await expect(r.changeConditions({ Port: [] })).rejects.toMatchObject({ code: 'OVSDB_NOT_REPLICATED', context: { table: 'Port' } });
    const waiting = expect(r.waitFor((s) => s.rows('Bridge').size > 1000)).rejects.toMatchObject({ code: 'OVSDB_REPLICA_CLOSED' });
    await r.close();
    await waiting;
    await expect(r.transact(() => undefined)).rejects.toMatchObject({ code: 'OVSDB_REPLICA_CLOSED' });
    await expect(r.changeConditions({ Bridge: [] })).rejects.toBeInstanceOf(OvsdbError);
  });

  // Last in this describe: it deletes the Open_vSwitch row.
  it('vswitch on a database without its Open_vSwitch row: VSWITCH_NO_ROOT, nothing sent', async () => {
    const vs = await Vswitch.attach(client);
    try {
      await client.transact(DB, [{ op: 'delete', table: 'Open_vSwitch', where: [] }]);
      await vs.replica.waitFor((s) => s.rows('Open_vSwitch').size === 0);
      const seq = vs.replica.seq;
      await expect(vs.ensureBridge({ name: 'b0' })).rejects.toMatchObject({ code: 'VSWITCH_NO_ROOT', name: 'VswitchError' });
      await expect(vs.setManager(['ptcp:6640'])).rejects.toBeInstanceOf(OvsdbError);
      expect(vs.replica.seq).toBe(seq);
    } finally {
      await vs.close();
    }
  });
});

describe('I/O error on a real ovsdb-server whose disk is full', () => {
  it('maps the commit failure to OvsdbIoError', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'ovsdb-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
    let inst: OvsInstance | undefined;
    let c: OvsdbClient | undefined;
    try {
      inst = await OvsInstance.start({ vswitchd: false, dir: mnt });
      c = await OvsdbClient.connect(inst.dbEndpoint, { reconnect: false });
      // Fill the file system.
      try {
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(4 * 1024 * 1024));
      } catch {
        /* ENOSPC: full, as intended */
      }
      // A change to the root table (an unreferenced Bridge would be garbage-collected and never written).
      const big = 'x'.repeat(64 * 1024);
      const e = await txnError([{ op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['external_ids', 'insert', ['map', [['big', big]]]]] }], c);
      expect(e).toBeInstanceOf(OvsdbIoError);
      expect(e.code).toBe('OVSDB_IO_ERROR');
      expect(e.opIndex).toBe(1); // commit-level: after the last operation
    } finally {
      await c?.close();
      await inst?.stop();
      execFileSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});

describe('errors ovsdb-server never sends, from a fake server', () => {
  it.each([
    ['resources exhausted', OvsdbResourcesExhaustedError],
    ['not supported', OvsdbNotSupportedError],
  ])('%s', async (error, cls) => {
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-fake-'));
    const path = join(dir, 'fake.sock');
    const srv = net.createServer((s) => {
      const f = new OvsdbJsonFramer();
      s.on('data', (d) => {
        for (const m of f.push(d) as Array<{ id: number }>) {
          s.write(JSON.stringify({ id: m.id, result: [{}, { error, details: 'fake' }, null], error: null }));
        }
      });
    });
    await new Promise<void>((r) => srv.listen(path, r));
    const c = await OvsdbClient.connect(`unix:${path}`, { reconnect: false });
    try {
      const e = await txnError([comment, comment, comment], c);
      expect(e).toBeInstanceOf(cls);
      expect(e.opIndex).toBe(1);
      expect(e.details).toBe('fake');
    } finally {
      await c.close();
      await new Promise((r) => srv.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a malformed reply closes the session; the framing error is surfaced once, the request fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-fake-'));
    const path = join(dir, 'fake.sock');
    const srv = net.createServer((s) => s.once('data', () => s.write('{"id":1,"result":[1,,2],"error":null}')));
    await new Promise<void>((r) => srv.listen(path, r));
    const c = await OvsdbClient.connect(`unix:${path}`, { reconnect: false });
    const reasons: unknown[] = [];
    c.disconnects$.subscribe((r) => reasons.push(r));
    try {
      const e = await c.listDbs().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OvsdbConnectionClosedError);
      expect((e as OvsdbConnectionClosedError).code).toBe('OVSDB_DISCONNECTED');
      expect((e as Error).cause).toBeInstanceOf(OvsdbFramingError);
      expect(c.state).toBe('closed');
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toBeInstanceOf(OvsdbFramingError);
      expect((reasons[0] as OvsdbFramingError).code).toBe('OVSDB_BAD_JSON');
    } finally {
      await c.close();
      await new Promise((r) => srv.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

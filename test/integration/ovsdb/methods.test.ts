/**
 * Every OVSDB method against a real ovsdb-server (Open_vSwitch schema, no ovs-vswitchd), over its unix socket.
 */
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OvsdbClient, type OvsdbMonitor, type OvsdbMonitorEvent } from '../../../src/ovsdb/client';
import {
  OvsdbCanceledError,
  OvsdbMonitorOverflowError,
  OvsdbUnknownDatabaseError,
  OvsdbUnknownMonitorError,
} from '../../../src/ovsdb/errors';

let ovs: OvsInstance;
let client: OvsdbClient;
const DB = 'Open_vSwitch';

beforeAll(async () => {
  ovs = await OvsInstance.start({ vswitchd: false });
  client = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: false });
});
afterAll(async () => {
  await client?.close();
  await ovs?.stop();
});

/** Next `n` events of a monitor. */
function nextEvents(m: OvsdbMonitor, n: number): Promise<OvsdbMonitorEvent[]> {
  return firstValueFrom(m.events.pipe(take(n), toArray()));
}

async function addBridge(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await client.transact(DB, [
    { op: 'insert', table: 'Bridge', row: { name, ...extra }, 'uuid-name': 'nb' },
    { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['named-uuid', 'nb']]] },
  ]);
  return ((r[0] as { uuid: [string, string] }).uuid)[1];
}

describe('OVSDB methods on a real ovsdb-server', () => {
  it('list_dbs and get_schema', async () => {
    const dbs = await client.listDbs();
    expect(dbs).toEqual(expect.arrayContaining([DB, '_Server']));
    const schema = await client.getSchema(DB);
    expect(schema.name).toBe(DB);
    expect(Object.keys(schema.tables as object)).toEqual(expect.arrayContaining(['Bridge', 'Port', 'Interface']));
    await expect(client.getSchema('nope')).rejects.toBeInstanceOf(OvsdbUnknownDatabaseError);
  });

  it('echo', async () => {
    await expect(client.echo('a', 1, { b: [true] })).resolves.toEqual(['a', 1, { b: [true] }]);
  });

  it('transact: insert, select, update, mutate, delete, wait, comment, assert-free commit', async () => {
    const uuid = await addBridge('m-br0');
    const r = await client.transact(DB, [
      { op: 'select', table: 'Bridge', where: [['name', '==', 'm-br0']], columns: ['name', '_uuid', 'external_ids'] },
      { op: 'update', table: 'Bridge', where: [['_uuid', '==', ['uuid', uuid]]], row: { external_ids: ['map', [['k', 'v']]] } },
      { op: 'mutate', table: 'Bridge', where: [['name', '==', 'm-br0']], mutations: [['external_ids', 'insert', ['map', [['k2', 'v2']]]]] },
      { op: 'wait', table: 'Bridge', timeout: 0, where: [['name', '==', 'm-br0']], columns: ['name'], until: '==', rows: [{ name: 'm-br0' }] },
      { op: 'comment', comment: 'ovs-sdn test' },
      { op: 'commit', durable: false },
      { op: 'select', table: 'Bridge', where: [['name', '==', 'm-br0']], columns: ['external_ids'] },
    ]);
    expect(r[0]).toEqual({ rows: [{ name: 'm-br0', _uuid: ['uuid', uuid], external_ids: ['map', []] }] });
    expect(r[1]).toEqual({ count: 1 });
    expect(r[2]).toEqual({ count: 1 });
    expect(r[6]).toEqual({ rows: [{ external_ids: ['map', [['k', 'v'], ['k2', 'v2']]] }] });
    const d = await client.transact(DB, [
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'delete', ['uuid', uuid]]] },
      { op: 'delete', table: 'Bridge', where: [['_uuid', '==', ['uuid', uuid]]] },
    ]);
    expect(d).toEqual([{ count: 1 }, { count: 1 }]);
  });

  const blockingWait = {
    op: 'wait',
    table: 'Bridge',
    timeout: 60000,
    where: [['name', '==', 'never-there']],
    columns: ['name'],
    until: '==',
    rows: [{ name: 'never-there' }],
  };

  it.each([false, true])('cancel: a transact blocked in a wait is cancelled (db_change_aware %s)', async (aware) => {
    const c = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: false });
    try {
      if (aware) await c.setDbChangeAware(true);
      const ac = new AbortController();
      const p = c.transact(DB, [blockingWait], { signal: ac.signal });
      // The server answers echo after it has parked the transact (requests are handled in order).
      await c.echo();
      ac.abort();
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OvsdbCanceledError);
      expect((e as OvsdbCanceledError).code).toBe('OVSDB_CANCELED');
      // The session is still usable.
      await expect(c.echo('ok')).resolves.toEqual(['ok']);
    } finally {
      await c.close();
    }
  });

  it('monitor (RFC 7047): initial rows, then update notifications', async () => {
    await addBridge('mon-a');
    const m = await client.monitor(DB, { Bridge: { columns: ['name'] } }, { method: 'monitor' });
    const [init] = await nextEvents(m, 1);
    expect(init.kind).toBe('initial');
    const names = Object.values(init.updates.Bridge as Record<string, { new: { name: string } }>).map((r) => r.new.name);
    expect(names).toContain('mon-a');
    const ev = firstValueFrom(m.events.pipe(filter((e) => e.kind === 'update')));
    await addBridge('mon-b');
    const u = await ev;
    expect(u).toMatchObject({ kind: 'update', notification: 'update' });
    expect(Object.values(u.updates.Bridge as object)[0]).toEqual({ new: { name: 'mon-b' } });
    await m.cancel();
    expect(m.isActive).toBe(false);
    // The server forgot it: cancelling the id again is an error reply.
    await expect(client.request('monitor_cancel', [m.id])).rejects.toBeInstanceOf(OvsdbUnknownMonitorError);
  });

  it('events nobody consumes are bounded: past maxBufferedEvents the monitor is cancelled with OVSDB_MONITOR_OVERFLOW', async () => {
    const m = await client.monitor(DB, { Bridge: { columns: ['name'] } }, { maxBufferedEvents: 3 });
    // initial + 2 updates fit; the third update overflows.
    for (const n of ['ovf-1', 'ovf-2', 'ovf-3']) await addBridge(n);
    expect(m.isActive).toBe(false);
    expect(client.registeredMonitors).not.toContain(m);
    const got: OvsdbMonitorEvent[] = [];
    const err = await new Promise<unknown>((resolve) => m.events.subscribe({ next: (e) => got.push(e), error: resolve, complete: () => resolve('completed') }));
    expect(got.map((e) => e.kind)).toEqual(['initial', 'update', 'update']);
    expect(err).toBeInstanceOf(OvsdbMonitorOverflowError);
    expect(err).toMatchObject({ code: 'OVSDB_MONITOR_OVERFLOW', context: { id: m.id, maxBufferedEvents: 3 } });
    // The server forgot it too (monitor_cancel was sent before the next request on this session).
    await expect(client.request('monitor_cancel', [m.id])).rejects.toBeInstanceOf(OvsdbUnknownMonitorError);
    await expect(m.cancel()).resolves.toBeUndefined(); // nothing left to cancel
    // A subscriber that keeps up is never limited.
    const live = await client.monitor(DB, { Bridge: { columns: ['name'] } }, { maxBufferedEvents: 1 });
    const seen: OvsdbMonitorEvent[] = [];
    live.events.subscribe((e) => seen.push(e));
    for (const n of ['ovf-4', 'ovf-5', 'ovf-6']) await addBridge(n);
    expect(seen.map((e) => e.kind)).toEqual(['initial', 'update', 'update', 'update']);
    expect(live.isActive).toBe(true);
    await live.cancel();
    await expect(client.monitor(DB, {}, { maxBufferedEvents: 0 })).rejects.toMatchObject({ code: 'OVSDB_BAD_MESSAGE' });
  });

  it('monitor_cond with a condition, then monitor_cond_change widens it (update2)', async () => {
    await addBridge('cond-x');
    await addBridge('cond-y');
    const m = await client.monitor(DB, { Bridge: [{ columns: ['name'], where: [['name', '==', 'cond-x']] }] });
    const seen: OvsdbMonitorEvent[] = [];
    const sub = m.events.subscribe((e) => seen.push(e));
    expect(seen[0].kind).toBe('initial');
    expect(Object.values(seen[0].updates.Bridge as object)).toEqual([{ initial: { name: 'cond-x' } }]);
    const changed = firstValueFrom(m.events.pipe(filter((e) => e.kind === 'update')));
    await m.change({ Bridge: [{ where: [['name', 'includes', 'cond-y']] }] });
    // Changing the condition makes the server send the difference: cond-x leaves, cond-y enters.
    const u = await changed;
    expect(u).toMatchObject({ kind: 'update', notification: 'update2' });
    const rows = Object.values(u.updates.Bridge as Record<string, Record<string, unknown>>);
    expect(rows).toEqual(expect.arrayContaining([{ delete: null }, { insert: { name: 'cond-y' } }]));
    // What a reconnect would re-send: the columns kept, the new condition.
    expect(m.requests).toEqual({ Bridge: [{ columns: ['name'], where: [['name', 'includes', 'cond-y']] }] });
    sub.unsubscribe();
    await m.cancel();
  });

  it('monitor_cond_since on a standalone database: full dump (found=false), then update3 with txn ids', async () => {
    const m = await client.monitor(DB, { Bridge: [{ columns: ['name'] }] }, { method: 'monitor_cond_since' });
    expect(m.initial).toMatchObject({ kind: 'initial', found: false, resync: false });
    expect(m.initial!.lastTxnId).toMatch(/^[0-9a-f-]{36}$/);
    const ev = firstValueFrom(m.events.pipe(filter((e) => e.kind === 'update')));
    await addBridge('since-1');
    const u = await ev;
    expect(u.notification).toBe('update3');
    expect(u.lastTxnId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.values(u.updates.Bridge as object)).toEqual([{ insert: { name: 'since-1' } }]);
    await m.cancel();
  });

  it('lock, unlock, steal on one session', async () => {
    await expect(client.lock('one')).resolves.toEqual({ locked: true });
    await client.unlock('one');
    await expect(client.steal('one')).resolves.toEqual({ locked: true });
    await client.unlock('one');
  });

  it('set_db_change_aware and the _Server database', async () => {
    await client.setDbChangeAware(true);
    const rows = await client.serverDatabases();
    const me = rows.find((r) => r.name === DB)!;
    expect(me).toMatchObject({ name: DB, model: 'standalone', connected: true, leader: true, cid: undefined });
    expect(JSON.parse(me.schema!).name).toBe(DB);
    expect(rows.map((r) => r.name)).toContain('_Server');
  });
});

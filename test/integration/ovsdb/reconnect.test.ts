/**
 * Faults under an open client: ovsdb-server frozen and killed in the middle of a transaction, killed and
 * restarted (the client reconnects with backoff and re-establishes monitors and locks).
 */
import { firstValueFrom, filter } from 'rxjs';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OvsdbClient, type OvsdbMonitorEvent } from '../../../src/ovsdb/client';
import { OvsdbConnectionClosedError } from '../../../src/ovsdb/errors';
import { mutate, where } from '../../../src/ovsdb/notation';
import { Replica } from '../../../src/ovsdb/replica';
import { type OpenVSwitchDb, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';

const DB = 'Open_vSwitch';
let ovs: OvsInstance;

beforeAll(async () => {
  ovs = await OvsInstance.start({ vswitchd: false });
});
afterAll(async () => {
  await ovs?.stop();
});

function addBridgeOps(name: string): unknown[] {
  return [
    { op: 'insert', table: 'Bridge', row: { name }, 'uuid-name': 'nb' },
    { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['named-uuid', 'nb']]] },
  ];
}

async function bridgeNames(c: OvsdbClient): Promise<string[]> {
  const [r] = (await c.transact(DB, [{ op: 'select', table: 'Bridge', where: [], columns: ['name'] }])) as Array<{ rows: Array<{ name: string }> }>;
  return r.rows.map((x) => x.name).sort();
}

it('a transaction in flight when the server dies rejects with OVSDB_DISCONNECTED and is never re-sent', async () => {
  const c = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
  try {
    process.kill(ovs.ovsdbPid, 'SIGSTOP'); // the request is written but never read
    const p = c.transact(DB, addBridgeOps('lost-br'));
    const states = firstValueFrom(c.state$.pipe(filter((s) => s === 'reconnecting')));
    await ovs.stopOvsdb(true); // SIGKILL
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OvsdbConnectionClosedError);
    expect((e as OvsdbConnectionClosedError).code).toBe('OVSDB_DISCONNECTED');
    await states;
    // While disconnected, requests fail at once instead of queueing.
    await expect(c.transact(DB, addBridgeOps('queued-br'))).rejects.toMatchObject({ code: 'OVSDB_DISCONNECTED' });
    const back = firstValueFrom(c.reconnected$); // before the restart: nothing can reconnect until then
    await ovs.startOvsdb();
    await back;
    expect(c.state).toBe('connected');
    // Neither transaction was applied, in whole or in part.
    const names = await bridgeNames(c);
    expect(names).not.toContain('lost-br');
    expect(names).not.toContain('queued-br');
  } finally {
    await c.close();
  }
});

it('kill and restart ovsdb-server: the client reconnects, monitors and locks are re-established', async () => {
  const c = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
  try {
    await c.transact(DB, addBridgeOps('before'));
    const mon = await c.monitor(DB, { Bridge: [{ columns: ['name'] }] });
    const events: OvsdbMonitorEvent[] = [];
    mon.events.subscribe((e) => events.push(e));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'initial', resync: false });
    await expect(c.lock('keep')).resolves.toEqual({ locked: true });
    expect(c.isLockHeld('keep')).toBe(true);
    await c.setDbChangeAware(true);
    const lost: string[] = [];
    c.lockLost$.subscribe((n) => lost.push(n));
    const relocked = firstValueFrom(c.locked$);
    // A handler that writes as soon as it holds the lock again (as an active/standby controller would).
    const onRelock: Array<{ state: string; outcome: Promise<unknown> }> = [];
    c.locked$.subscribe(() => onRelock.push({ state: c.state, outcome: c.transact(DB, [{ op: 'assert', lock: 'keep' }]).catch((e: unknown) => e) }));

    const seenStates: string[] = [];
    c.state$.subscribe((s) => seenStates.push(s));
    // Subscribe before the restart: the client may reconnect before startOvsdb() returns.
    const reconnected = firstValueFrom(c.reconnected$);
    await ovs.stopOvsdb(true);
    await firstValueFrom(c.state$.pipe(filter((s) => s === 'reconnecting')));
    await ovs.startOvsdb();
    await reconnected;
    expect(seenStates).toEqual(['connected', 'reconnecting', 'connected']);

    // The monitor was re-sent: a new `initial` (resync) with the full state.
    const resync = events.find((e) => e.kind === 'initial' && e.resync);
    expect(resync).toBeDefined();
    expect(Object.values(resync!.updates.Bridge as Record<string, { initial: { name: string } }>).map((r) => r.initial.name)).toContain('before');
    // ... and it delivers updates again.
    const next = firstValueFrom(mon.events.pipe(filter((e) => e.kind === 'update')));
    const writer = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: false });
    await writer.transact(DB, addBridgeOps('after'));
    expect(Object.values((await next).updates.Bridge as object)).toEqual([{ insert: { name: 'after' } }]);
    // The lock was lost with the old session and requested again on the new one.
    expect(lost).toEqual(['keep']);
    await expect(relocked).resolves.toBe('keep');
    expect(onRelock).toHaveLength(1);
    expect(onRelock[0].state).toBe('connected');
    await expect(onRelock[0].outcome).resolves.toEqual([{}]);
    expect(c.isLockHeld('keep')).toBe(true);
    await expect(c.transact(DB, [{ op: 'assert', lock: 'keep' }])).resolves.toEqual([{}]);
    expect((await writer.lock('keep')).locked).toBe(false);
    await writer.close();
  } finally {
    await c.close();
  }
  expect(c.state).toBe('closed');
});

it('after a restart the client is connected before the re-sync is delivered: a changes$ handler can transact at once', async () => {
  const c = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
  const r = await Replica.start<OpenVSwitchDb>(c, openVSwitchSchema(), { tables: { Bridge: { columns: ['name', 'external_ids'] } } });
  try {
    const seen: Array<{ state: string; outcome: Promise<unknown> }> = [];
    r.changes$.subscribe((b) => {
      if (!b.resync) return;
      // React to the re-sync with a write, as a controller repairing drift would.
      const outcome = r
        .transact((txn, snap) => {
          const br = snap.lookup('Bridge', { name: 'rs-1' })!;
          txn.mutate('Bridge', [where.uuid(br._uuid)], [mutate.insert('external_ids', { seen: 'resync' })]);
        })
        .then(
          () => 'ok',
          (e: unknown) => e,
        );
      seen.push({ state: c.state, outcome });
    });
    await c.transact(DB, addBridgeOps('rs-1'));
    const reconnected = firstValueFrom(c.reconnected$);
    await ovs.stopOvsdb(true);
    await ovs.startOvsdb();
    await reconnected;
    // The re-sync batch was delivered before reconnected$ (the restarted server re-dumps: an empty difference).
    expect(seen).toHaveLength(1);
    expect(seen[0].state).toBe('connected');
    expect(await seen[0].outcome).toBe('ok');
    expect(r.snapshot().lookup('Bridge', { name: 'rs-1' })!.external_ids).toEqual({ seen: 'resync' });
  } finally {
    await r.close();
    await c.close();
  }
});

it('without reconnect, a drop closes the client', async () => {
  const c = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: false });
  const closed = firstValueFrom(c.state$.pipe(filter((s) => s === 'closed')));
  await ovs.stopOvsdb(true);
  await closed;
  await ovs.startOvsdb();
  await expect(c.echo()).rejects.toMatchObject({ code: 'OVSDB_DISCONNECTED' });
});

it('monitor_cond_change sends only the conditions: the columns stay as requested, also after a reconnect', async () => {
  const c = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
  try {
    await c.transact(DB, addBridgeOps('cc-1'));
    await c.transact(DB, addBridgeOps('cc-2'));
    // A table's request as one object (not an array), as Replica.start sends it.
    const m = await c.monitor(DB, { Bridge: { columns: ['name'], where: [['name', '==', 'cc-1']] } });
    const events: OvsdbMonitorEvent[] = [];
    m.events.subscribe((e) => events.push(e));
    // Changing the columns is refused before sending (ovsdb-server: "changing columns is unsupported").
    await expect(m.change({ Bridge: { columns: ['name', 'datapath_type'], where: [true] } })).rejects.toMatchObject({ code: 'OVSDB_BAD_MESSAGE' });
    // The whole request passed back (same columns, new condition, object form) is accepted: only "where" is sent.
    await m.change({ Bridge: { columns: ['name'], where: [['name', '==', 'cc-2']] } });
    expect(m.requests).toEqual({ Bridge: { columns: ['name'], where: [['name', '==', 'cc-2']] } });
    const u = events.filter((e) => e.kind === 'update');
    expect(u.flatMap((e) => Object.values(e.updates.Bridge as object))).toEqual(
      expect.arrayContaining([{ delete: null }, { insert: { name: 'cc-2' } }]),
    );
    // A change to a column that is not monitored sends no update (updates precede the reply on this session).
    const before = events.length;
    await c.transact(DB, [{ op: 'update', table: 'Bridge', where: [['name', '==', 'cc-2']], row: { datapath_type: 'netdev' } }]);
    expect(events.length).toBe(before);
    const reconnected = firstValueFrom(c.reconnected$);
    await ovs.stopOvsdb(true);
    await ovs.startOvsdb();
    await reconnected;
    // The re-sent monitor has the new condition and still only the name column.
    const resync = events.find((e) => e.kind === 'initial' && e.resync)!;
    expect(Object.values(resync.updates.Bridge as object)).toEqual([{ initial: { name: 'cc-2' } }]);
  } finally {
    await c.close();
  }
});

it('a frozen server: the request times out (OVSDB_TIMEOUT), the inactivity probe drops the session, SIGCONT lets it reconnect', async () => {
  const c = await OvsdbClient.connect(ovs.dbEndpoint, { probeIntervalMs: 150, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  const reasons: unknown[] = [];
  c.disconnects$.subscribe((r) => reasons.push(r));
  const pid = ovs.ovsdbPid;
  try {
    await expect(c.echo('alive')).resolves.toEqual(['alive']);
    process.kill(pid, 'SIGSTOP');
    await expect(c.transact(DB, [{ op: 'comment', comment: 'x' }], { timeoutMs: 50 })).rejects.toMatchObject({ code: 'OVSDB_TIMEOUT' });
    await firstValueFrom(c.state$.pipe(filter((s) => s === 'reconnecting')));
    expect(reasons[0]).toMatchObject({ code: 'OVSDB_TIMEOUT' });
    const back = firstValueFrom(c.reconnected$);
    process.kill(pid, 'SIGCONT');
    await back;
    await expect(c.echo('again')).resolves.toEqual(['again']);
  } finally {
    process.kill(pid, 'SIGCONT');
    await c.close();
  }
});

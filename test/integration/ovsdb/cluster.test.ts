/**
 * Clustered databases (Raft) on one machine: a two-member Open_vSwitch cluster in the root namespace (Raft
 * over tcp on 127.0.0.1, clients over unix sockets). Covers `_Server` (model, leader), `leaderOnly`, and
 * `monitor_cond_since` resuming after a reconnect from the last transaction id (found = true, only the
 * missed changes), which only clustered databases support.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { VSWITCH_SCHEMA } from '../../../src/lab/ovs-instance';
import { run } from '../../../src/lab/process';
import { OvsdbClient, type OvsdbMonitorEvent } from '../../../src/ovsdb/client';
import { OvsdbNotLeaderError } from '../../../src/ovsdb/errors';
import { type RootOvsdb, startRootOvsdb } from './client-root-ovsdb';

const DB = 'Open_vSwitch';
let base: string;
let s1: RootOvsdb;
let s2: RootOvsdb;

/** A TCP port that is free right now (bound and released; Raft needs it in the database file up front). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'ovsdb-cluster-'));
  const [p1, p2] = [await freePort(), await freePort()];
  const d1 = join(base, 's1');
  const d2 = join(base, 's2');
  await run('mkdir', ['-p', d1, d2]);
  await run('ovsdb-tool', ['create-cluster', join(d1, 'conf.db'), VSWITCH_SCHEMA, `tcp:127.0.0.1:${p1}`]);
  await run('ovsdb-tool', ['join-cluster', join(d2, 'conf.db'), DB, `tcp:127.0.0.1:${p2}`, `tcp:127.0.0.1:${p1}`]);
  s1 = await startRootOvsdb([], [], d1);
  s2 = await startRootOvsdb([], [], d2);
  // Joining has no event we can await from outside: poll s2's _Server row until it is connected (while
  // joining, ovsdb-server may also close client connections, so each poll uses a fresh one).
  const deadline = Date.now() + 20_000;
  for (;;) {
    const c = await OvsdbClient.connect(s2.unixEndpoint, { reconnect: false });
    const row = await c.serverDatabases().then(
      (rows) => rows.find((r) => r.name === DB),
      () => undefined,
    );
    await c.close();
    if (row?.connected) break;
    if (Date.now() > deadline) throw new Error('s2 did not join the cluster');
    await new Promise((r) => setTimeout(r, 50));
  }
  // Initialise the root row through the leader.
  const w = await OvsdbClient.connect(s1.unixEndpoint, { reconnect: false });
  await w.transact(DB, [{ op: 'insert', table: 'Open_vSwitch', row: {} }]);
  await w.close();
}, 60_000);

afterAll(async () => {
  await s2?.stop();
  await s1?.stop();
  rmSync(base, { recursive: true, force: true });
});

it('_Server reports the clustered model, the leader and the cluster id', async () => {
  const c1 = await OvsdbClient.connect(s1.unixEndpoint, { reconnect: false });
  const c2 = await OvsdbClient.connect(s2.unixEndpoint, { reconnect: false });
  try {
    const r1 = (await c1.serverDatabases()).find((r) => r.name === DB)!;
    const r2 = (await c2.serverDatabases()).find((r) => r.name === DB)!;
    expect(r1).toMatchObject({ model: 'clustered', connected: true, leader: true });
    expect(r2).toMatchObject({ model: 'clustered', connected: true, leader: false });
    expect(r1.cid).toMatch(/^[0-9a-f-]{36}$/);
    expect(r2.cid).toBe(r1.cid);
    expect(r2.sid).not.toBe(r1.sid);
  } finally {
    await c1.close();
    await c2.close();
  }
});

it('leaderOnly skips the follower in a remote list; without it the first member is used', async () => {
  const list = `${s2.unixEndpoint},${s1.unixEndpoint}`;
  const any = await OvsdbClient.connect(list, { reconnect: false });
  expect(any.endpoint).toBe(s2.unixEndpoint);
  await any.close();
  const leader = await OvsdbClient.connect(list, { reconnect: false, leaderOnly: true });
  try {
    expect(leader.endpoint).toBe(s1.unixEndpoint);
    await expect(leader.transact(DB, [{ op: 'select', table: 'Open_vSwitch', where: [], columns: ['_uuid'] }])).resolves.toHaveLength(1);
  } finally {
    await leader.close();
  }
  await expect(OvsdbClient.connect(s2.unixEndpoint, { reconnect: false, leaderOnly: true })).rejects.toBeInstanceOf(OvsdbNotLeaderError);
  await expect(OvsdbClient.connect(s2.unixEndpoint, { reconnect: false, leaderOnly: true })).rejects.toMatchObject({
    code: 'OVSDB_NOT_LEADER',
    context: { endpoint: s2.unixEndpoint, database: 'Open_vSwitch' },
  });
});

it('monitor_cond_since resumes after a reconnect with only the missed changes (found = true)', async () => {
  const c = await OvsdbClient.connect(s1.unixEndpoint, { reconnect: { initialDelayMs: 800, maxDelayMs: 800, jitter: 0 } });
  const writer = await OvsdbClient.connect(s1.unixEndpoint, { reconnect: false });
  const addBridge = (name: string) =>
    writer.transact(DB, [
      { op: 'insert', table: 'Bridge', row: { name }, 'uuid-name': 'b' },
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['named-uuid', 'b']]] },
    ]);
  try {
    // ovsdb-server keeps transaction history only while it holds fewer atoms than the database itself
    // (ovsdb/transaction.c ovsdb_txn_history_run); give the database some bulk so history is kept.
    const bulk = Array.from({ length: 2000 }, (_, i) => [`k${i}`, `v${i}`]);
    await writer.transact(DB, [
      { op: 'insert', table: 'Bridge', row: { name: 'bulk', external_ids: ['map', bulk] }, 'uuid-name': 'b' },
      { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['named-uuid', 'b']]] },
    ]);
    await addBridge('seen-before');
    const m = await c.monitor(DB, { Bridge: [{ columns: ['name'] }] }, { method: 'monitor_cond_since' });
    expect(m.initial).toMatchObject({ found: false });
    expect(Object.keys(m.initial!.updates.Bridge as object)).toHaveLength(2);
    const events: OvsdbMonitorEvent[] = [];
    m.events.subscribe((e) => events.push(e));
    const upd = firstValueFrom(m.events.pipe(filter((e) => e.kind === 'update')));
    await addBridge('seen-live');
    const u = await upd;
    expect(u.lastTxnId).toBe(m.lastTxnId);

    // Drop our connection (the server stays up); while the client waits to reconnect, another client
    // writes. The change must arrive in the resumed monitor's reply, not as a full dump.
    const down = firstValueFrom(c.state$.pipe(filter((s) => s === 'reconnecting')));
    const back = firstValueFrom(c.reconnected$);
    c.rpc!.close();
    await down;
    await addBridge('missed'); // a few ms; the client waits 800 ms before reconnecting
    await back;
    const resync = events.find((e) => e.kind === 'initial' && e.resync)!;
    expect(resync).toMatchObject({ kind: 'initial', resync: true, found: true });
    const rows = Object.values(resync.updates.Bridge as Record<string, { insert?: { name: string } }>);
    expect(rows).toEqual([{ insert: { name: 'missed' } }]);
    expect(resync.lastTxnId).toBe(m.lastTxnId);
  } finally {
    await writer.close();
    await c.close();
  }
});

it('leaderOnly: when the leader leaves the cluster, the client moves to the new leader', async () => {
  const c = await OvsdbClient.connect(`${s2.unixEndpoint},${s1.unixEndpoint}`, {
    leaderOnly: true,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
  });
  try {
    expect(c.endpoint).toBe(s1.unixEndpoint);
    const moved = firstValueFrom(c.reconnected$);
    // s1 leaves: s2 is left alone and elects itself. The client sees s1's _Server row change, drops s1, and
    // tries the remotes until one is the leader.
    await run('ovs-appctl', ['-t', join(s1.dir, 'ovsdb-server.ctl'), 'cluster/leave', DB]);
    const r = await moved;
    expect(r.endpoint).toBe(s2.unixEndpoint);
    expect(c.endpoint).toBe(s2.unixEndpoint);
    const row = (await c.serverDatabases()).find((x) => x.name === DB)!;
    expect(row).toMatchObject({ leader: true, connected: true });
  } finally {
    await c.close();
  }
}, 30_000);

/**
 * Connections to real ovsdb-servers: unix and tcp, cluster-style remote lists, connect failures, 64-bit
 * integers kept exact, and passive endpoints (a manager that several ovsdb-servers dial into, as
 * `ovs-vsctl set-manager` configures).
 *
 * tcp needs an ovsdb-server in the root namespace (see client-root-ovsdb.ts); the passive unix test uses
 * OvsInstance servers in their own namespaces, which reach our punix socket because unix sockets are files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { run } from '../../../src/lab/process';
import { OvsdbClient } from '../../../src/ovsdb/client';
import { OvsdbConnectError, OvsdbEndpointError } from '../../../src/ovsdb/errors';
import { type RootOvsdb, startRootOvsdb } from './client-root-ovsdb';

const DB = 'Open_vSwitch';
let root: RootOvsdb;

beforeAll(async () => {
  root = await startRootOvsdb(['ptcp:0:127.0.0.1']);
  expect(root.ports).toHaveLength(1);
});
afterAll(async () => {
  await root?.stop();
});

describe('active connections', () => {
  it('tcp: connects, and 64-bit integers survive a round trip exactly (bigint)', async () => {
    const c = await OvsdbClient.connect(`tcp:127.0.0.1:${root.ports[0]}`, { reconnect: false });
    try {
      expect(c.endpoint).toBe(`tcp:127.0.0.1:${root.ports[0]}`);
      await c.transact(DB, [{ op: 'insert', table: 'Open_vSwitch', row: {} }]);
      const big = 9007199254740993n; // 2^53 + 1: not representable as a double
      await c.transact(DB, [{ op: 'update', table: 'Open_vSwitch', where: [], row: { next_cfg: big, cur_cfg: -9223372036854775808n } }]);
      const [r] = (await c.transact(DB, [{ op: 'select', table: 'Open_vSwitch', where: [], columns: ['next_cfg', 'cur_cfg'] }])) as Array<{ rows: unknown[] }>;
      expect(r.rows).toEqual([{ next_cfg: big, cur_cfg: -9223372036854775808n }]);
      // Small values stay plain numbers.
      await c.transact(DB, [{ op: 'update', table: 'Open_vSwitch', where: [], row: { next_cfg: 7 } }]);
      const [s] = (await c.transact(DB, [{ op: 'select', table: 'Open_vSwitch', where: [], columns: ['next_cfg'] }])) as Array<{ rows: unknown[] }>;
      expect(s.rows).toEqual([{ next_cfg: 7 }]);
    } finally {
      await c.close();
    }
  });

  it('tcp over IPv6 ([::1])', async () => {
    const v6 = await startRootOvsdb(['ptcp:0:[::1]']);
    try {
      const c = await OvsdbClient.connect(`tcp:[::1]:${v6.ports[0]}`, { reconnect: false });
      expect(c.endpoint).toBe(`tcp:[::1]:${v6.ports[0]}`);
      await expect(c.listDbs()).resolves.toContain(DB);
      await c.close();
    } finally {
      await v6.stop();
    }
  });

  it('a remote list connects to the first member that answers', async () => {
    const c = await OvsdbClient.connect(`unix:/nonexistent/db.sock,tcp:127.0.0.1:${root.ports[0]}`, { reconnect: false });
    try {
      expect(c.endpoint).toBe(`tcp:127.0.0.1:${root.ports[0]}`);
      await expect(c.listDbs()).resolves.toContain(DB);
    } finally {
      await c.close();
    }
  });

  it('firstConnectTimeoutMs: connect waits for a server that starts later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-later-'));
    let inst: OvsInstance | undefined;
    try {
      const pending = OvsdbClient.connect(`unix:${join(dir, 'db.sock')}`, {
        firstConnectTimeoutMs: 20_000,
        reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      });
      inst = await OvsInstance.start({ vswitchd: false, dir });
      const c = await pending;
      await expect(c.listDbs()).resolves.toContain(DB);
      await c.close();
    } finally {
      await inst?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('firstConnectTimeoutMs gives up after that time; an AbortSignal stops it at once', async () => {
    const t0 = Date.now();
    await expect(
      OvsdbClient.connect('unix:/nonexistent/db.sock', { firstConnectTimeoutMs: 300, reconnect: { initialDelayMs: 20, maxDelayMs: 50 } }),
    ).rejects.toMatchObject({ code: 'OVSDB_CONNECT_FAILED' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    const ac = new AbortController();
    const p = OvsdbClient.connect('unix:/nonexistent/db.sock', { firstConnectTimeoutMs: 60_000, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: expect.stringMatching(/^OVSDB_(CONNECT_FAILED|DISCONNECTED)$/) });
  });

  it('connect failures are typed: OVSDB_CONNECT_FAILED, OVSDB_BAD_ENDPOINT', async () => {
    await expect(OvsdbClient.connect('unix:/nonexistent/db.sock')).rejects.toBeInstanceOf(OvsdbConnectError);
    await expect(OvsdbClient.connect('unix:/nonexistent/db.sock')).rejects.toMatchObject({ code: 'OVSDB_CONNECT_FAILED' });
    // A closed port (the server's port after we stopped nothing there: use port 1, never open here).
    await expect(OvsdbClient.connect('tcp:127.0.0.1:1')).rejects.toMatchObject({ code: 'OVSDB_CONNECT_FAILED' });
    await expect(OvsdbClient.connect('tcp:[::1')).rejects.toBeInstanceOf(OvsdbEndpointError);
    await expect(OvsdbClient.connect('ssl:127.0.0.1:1')).rejects.toMatchObject({ code: 'OVSDB_TLS' });
  });
});

describe('passive endpoints (servers dial in)', () => {
  it('punix: two ovsdb-servers in their own namespaces dial one manager; each is a session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-mgr-'));
    const mgr = await OvsdbClient.listen(`punix:${join(dir, 'mgr.sock')}`);
    const nodes: OvsInstance[] = [];
    try {
      const sessions = firstValueFrom(mgr.clients.pipe(take(2), toArray()));
      for (let i = 0; i < 2; i++) {
        const n = await OvsInstance.start({ vswitchd: false, remotes: ['db:Open_vSwitch,Open_vSwitch,manager_options'] });
        nodes.push(n);
        await n.vsctl('--no-wait', 'set', 'Open_vSwitch', '.', `external_ids:node=n${i}`, '--', 'set-manager', mgr.connectTarget);
      }
      const clients = await sessions;
      expect(mgr.sessions).toHaveLength(2);
      const names: string[] = [];
      for (const c of clients) {
        expect(c.state).toBe('connected');
        const [r] = (await c.transact(DB, [{ op: 'select', table: 'Open_vSwitch', where: [], columns: ['external_ids'] }])) as Array<{
          rows: Array<{ external_ids: ['map', Array<[string, string]>] }>;
        }>;
        names.push(Object.fromEntries(r.rows[0].external_ids[1]).node);
      }
      expect(names.sort()).toEqual(['n0', 'n1']);
    } finally {
      await mgr.close();
      for (const n of nodes) await n.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listening on a port that is taken fails with OVSDB_CONNECT_FAILED', async () => {
    const first = await OvsdbClient.listen('ptcp:0:127.0.0.1');
    try {
      await expect(OvsdbClient.listen(`ptcp:${first.listener.port}:127.0.0.1`)).rejects.toMatchObject({ code: 'OVSDB_CONNECT_FAILED' });
      await expect(OvsdbClient.listen('tcp:127.0.0.1:1')).rejects.toBeInstanceOf(OvsdbEndpointError);
    } finally {
      await first.close();
    }
  });

  it('ptcp: two ovsdb-servers with an active tcp remote dial our listener; each is a session; a restart yields a new one', async () => {
    const mgr = await OvsdbClient.listen('ptcp:0:127.0.0.1');
    const port = mgr.listener.port!;
    expect(mgr.connectTarget).toBe(`tcp:127.0.0.1:${port}`);
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-act-'));
    let srv: RootOvsdb | undefined;
    let srv2: RootOvsdb | undefined;
    try {
      const both = firstValueFrom(mgr.clients.pipe(take(2), toArray()));
      srv = await startRootOvsdb([`tcp:127.0.0.1:${port}`], [], dir);
      srv2 = await startRootOvsdb([`tcp:127.0.0.1:${port}`]);
      const sessions = await both;
      expect(mgr.sessions).toHaveLength(2);
      // Two different databases behind the two sessions: a row written through each session lands in one
      // server only (checked over each server's own unix socket).
      await Promise.all(
        sessions.map((c, i) => c.transact(DB, [{ op: 'insert', table: 'Open_vSwitch', row: { external_ids: ['map', [['via', `s${i}`]]] } }])),
      );
      const via = async (ep: string) => (await run('ovs-vsctl', [`--db=${ep}`, '--no-wait', 'get', 'Open_vSwitch', '.', 'external_ids:via'])).stdout.trim();
      const seen = [await via(srv.unixEndpoint), await via(srv2.unixEndpoint)];
      expect([...seen].sort()).toEqual(['s0', 's1']);
      const s1 = sessions[seen[0] === 's0' ? 0 : 1];
      const closed = firstValueFrom(s1.state$.pipe(take(2), toArray()));
      const again = firstValueFrom(mgr.clients);
      await srv.stop();
      expect(await closed).toEqual(['connected', 'closed']);
      expect(mgr.sessions).toHaveLength(1);
      srv = await startRootOvsdb([`tcp:127.0.0.1:${port}`], [], dir);
      const s3 = await again;
      expect(sessions).not.toContain(s3);
      await expect(s3.echo(1)).resolves.toEqual([1]);
      expect(mgr.sessions).toHaveLength(2);
    } finally {
      await mgr.close();
      await srv?.stop();
      await srv2?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('framing against a real server, one byte per read', () => {
  it('a proxy that forwards the server\'s replies one byte per write: every reply and update still arrives', async () => {
    const ovs = await OvsInstance.start({ vswitchd: false });
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-trickle-'));
    const path = join(dir, 'proxy.sock');
    const upstreams: net.Socket[] = [];
    const proxy = net.createServer((down) => {
      const up = net.connect(ovs.dbSock);
      upstreams.push(up);
      down.on('data', (d) => up.write(d));
      // Server -> client: one byte per write, each in its own event-loop turn (so each is its own read).
      let queue = Buffer.alloc(0);
      let pumping = false;
      const pump = () => {
        if (queue.length === 0 || down.destroyed) {
          pumping = false;
          return;
        }
        down.write(queue.subarray(0, 1));
        queue = queue.subarray(1);
        setImmediate(pump);
      };
      up.on('data', (d) => {
        queue = Buffer.concat([queue, d]);
        if (!pumping) {
          pumping = true;
          setImmediate(pump);
        }
      });
      up.on('close', () => down.destroy());
      down.on('close', () => up.destroy());
      up.on('error', () => undefined);
      down.on('error', () => undefined);
    });
    await new Promise<void>((r) => proxy.listen(path, r));
    const c = await OvsdbClient.connect(`unix:${path}`, { reconnect: false });
    try {
      await expect(c.listDbs()).resolves.toEqual(expect.arrayContaining([DB]));
      const m = await c.monitor(DB, { Open_vSwitch: [{ columns: ['external_ids'] }] });
      const upd = firstValueFrom(m.events.pipe(filter((e) => e.kind === 'update')));
      await c.transact(DB, [
        { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['external_ids', 'insert', ['map', [['utf8', 'h\u00e9llo \u4e16\u754c \ud83d\ude00 \\"q\\"']]]]] },
      ]);
      const u = await upd;
      const row = Object.values(u.updates.Open_vSwitch as Record<string, { modify: { external_ids: unknown } }>)[0];
      expect(row.modify.external_ids).toEqual(['map', [['utf8', 'h\u00e9llo \u4e16\u754c \ud83d\ude00 \\"q\\"']]]);
    } finally {
      await c.close();
      await new Promise((r) => proxy.close(r));
      for (const u of upstreams) u.destroy();
      await ovs.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


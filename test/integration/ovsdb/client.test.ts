/**
 * Connections to real ovsdb-servers: unix and tcp, cluster-style remote lists, connect failures, 64-bit
 * integers kept exact, and passive endpoints (a manager that several ovsdb-servers dial into, as
 * `ovs-vsctl set-manager` configures).
 *
 * tcp needs an ovsdb-server in the root namespace (see client-root-ovsdb.ts); the passive unix test uses
 * OvsInstance servers in their own namespaces, which reach our punix socket because unix sockets are files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { OvsInstance } from '../../../src/lab/ovs-instance';
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

  it('a remote list connects to the first member that answers', async () => {
    const c = await OvsdbClient.connect(`unix:/nonexistent/db.sock,tcp:127.0.0.1:${root.ports[0]}`, { reconnect: false });
    try {
      expect(c.endpoint).toBe(`tcp:127.0.0.1:${root.ports[0]}`);
      await expect(c.listDbs()).resolves.toContain(DB);
    } finally {
      await c.close();
    }
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

  it('ptcp: an ovsdb-server with an active tcp remote dials our listener; a restart yields a new session', async () => {
    const mgr = await OvsdbClient.listen('ptcp:0:127.0.0.1');
    const port = mgr.listener.port!;
    expect(mgr.connectTarget).toBe(`tcp:127.0.0.1:${port}`);
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-act-'));
    let srv: RootOvsdb | undefined;
    try {
      const first = firstValueFrom(mgr.clients);
      srv = await startRootOvsdb([`tcp:127.0.0.1:${port}`], [], dir);
      const s1 = await first;
      await expect(s1.listDbs()).resolves.toContain(DB);
      const closed = firstValueFrom(s1.state$.pipe(take(2), toArray()));
      const second = firstValueFrom(mgr.clients);
      await srv.stop();
      expect(await closed).toEqual(['connected', 'closed']);
      srv = await startRootOvsdb([`tcp:127.0.0.1:${port}`], [], dir);
      const s2 = await second;
      expect(s2).not.toBe(s1);
      await expect(s2.echo(1)).resolves.toEqual([1]);
    } finally {
      await mgr.close();
      await srv?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

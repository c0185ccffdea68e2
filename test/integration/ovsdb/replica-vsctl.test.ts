/**
 * Replica equality with ovs-vsctl (OVS's C IDL) as the other client: 1,000 random ovs-vsctl invocations (each
 * one transaction), four at a time so that they interleave, while our replica follows over its monitor.
 */
import { execFile } from 'node:child_process';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OvsdbClient } from '../../../src/ovsdb/client';
import { type ChangeBatch, Replica } from '../../../src/ovsdb/replica';
import { type OpenVSwitchDb, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';
import { canon, rng, selectAll } from './replica-helpers';

type Db = OpenVSwitchDb;
const TABLES = ['Open_vSwitch', 'Bridge', 'Port', 'Interface'] as const;

let ovs: OvsInstance;
let client: OvsdbClient;
let replica: Replica<Db>;

beforeAll(async () => {
  ovs = await OvsInstance.start({ vswitchd: false });
  client = await OvsdbClient.connect(ovs.dbEndpoint);
  replica = await Replica.start<Db>(client, openVSwitchSchema(), { tables: { Open_vSwitch: true, Bridge: true, Port: true, Interface: true } });
});
afterAll(async () => {
  await replica?.close();
  await client?.close();
  await ovs?.stop();
});

/** Runs one ovs-vsctl; resolves with its exit status (a random command may legitimately fail). */
function vsctl(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    execFile('ovs-vsctl', [`--db=${ovs.dbEndpoint}`, '--no-wait', '--timeout=20', ...args], { env: ovs.env }, (err) =>
      resolve(err ? (typeof err.code === 'number' ? err.code : 1) : 0),
    );
  });
}

it('equals the database after 1,000 random ovs-vsctl transactions (4 concurrent writers)', async () => {
  const rand = rng(2026);
  const int = (n: number) => Math.floor(rand() * n);
  // A fixed pool of names: port pN always belongs to bridge b(N % 5), so commands never conflict on placement.
  const command = (i: number): string[] => {
    const p = int(30);
    const b = `b${p % 5}`;
    const port = `p${p}`;
    const mk = ['--may-exist', 'add-br', b, '--'];
    const r = rand();
    if (r < 0.1) return ['--may-exist', 'add-br', b, '--', 'set', 'Bridge', b, `other_config:n=${i}`];
    if (r < 0.14) return ['--if-exists', 'del-br', b];
    if (r < 0.42) {
      const type = ['internal', 'gre', 'vxlan'][int(3)];
      return [...mk, '--may-exist', 'add-port', b, port, '--', 'set', 'Interface', port, `type=${type}`, `options:remote_ip=10.0.${int(4)}.${i % 250}`];
    }
    if (r < 0.55) return ['--if-exists', 'del-port', b, port];
    if (r < 0.65) return [...mk, 'br-set-external-id', b, `k${i % 7}`, String(i)];
    if (r < 0.72) return ['--if-exists', 'remove', 'Bridge', b, 'external_ids', `k${i % 7}`];
    if (r < 0.8) return ['--if-exists', 'set', 'Port', port, rand() < 0.5 ? `tag=${1 + (i % 4000)}` : 'trunks=[1,2,3]'];
    if (r < 0.86) return ['--if-exists', 'clear', 'Port', port, rand() < 0.5 ? 'tag' : 'trunks'];
    if (r < 0.94)
      return ['--if-exists', 'set', 'Interface', port, `options:key=${rand() < 0.5 ? 'flow' : String(i)}`, `ofport_request=${1 + (i % 200)}`];
    return [...mk, 'set', 'Bridge', b, `stp_enable=${rand() < 0.5}`, `fail_mode=${rand() < 0.5 ? 'secure' : 'standalone'}`, 'protocols=OpenFlow10,OpenFlow13'];
  };
  const batches: ChangeBatch<Db>[] = [];
  const sub = replica.changes$.subscribe((b) => batches.push(b));
  const cmds = Array.from({ length: 1000 }, (_, i) => command(i));
  let next = 0;
  let ok = 0;
  const worker = async () => {
    while (next < cmds.length) {
      const c = cmds[next++];
      if ((await vsctl(c)) === 0) ok++;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  // The marker: once the replica has it, it has seen every earlier commit (one ordered update stream).
  expect(await vsctl(['set', 'Open_vSwitch', '.', 'external_ids:marker=done'])).toBe(0);
  await replica.waitFor((s) => [...s.rows('Open_vSwitch').values()][0]?.external_ids.marker === 'done', 10_000);
  sub.unsubscribe();
  const db = await selectAll(client, TABLES);
  expect(canon(replica.snapshot().toJSON())).toEqual(canon(db));
  // The run was not trivial: most commands committed, the replica saw a batch per committed change.
  expect(ok).toBeGreaterThan(900);
  expect(batches.length).toBeGreaterThan(700);
  expect(Object.keys(db.Port).length).toBeGreaterThan(5);
}, 60_000);

import { PassThrough } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { runOf } from '../../../src/cli/of';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

describe('ovs-sdn of', () => {
  let ovs: OvsInstance;
  let ep: string;
  beforeAll(async () => {
    ovs = await OvsInstance.start();
    await ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13');
    ep = `unix:${ovs.mgmtSock('br0')}`;
  });
  afterAll(async () => {
    await ovs?.stop();
  });

  it('show, sync (dry run, real, again) and dump-flows', async () => {
    const dpid = (await ovs.vsctl('get', 'bridge', 'br0', 'datapath_id')).stdout.trim().replace(/"/g, '');
    const a = io();
    expect(await runOf(['show', ep], a.io)).toBe(0);
    expect(a.out()).toContain(`dpid ${dpid}`);
    expect(a.out()).toContain('(br0)');

    const file = join(ovs.dir, 'flows.txt');
    await writeFile(file, '# two flows\ntable=0,priority=20,ip,nw_dst=10.1.0.0/16,actions=output:1\ntable=1,priority=5,arp,actions=drop\n');
    const dry = io();
    expect(await runOf(['sync', ep, file, '--cookie', '0x42/0xff', '--dry-run'], dry.io)).toBe(0);
    expect(dry.out()).toContain('added 2, modified 0, deleted 0, unchanged 0 (dry run)');
    const real = io();
    expect(await runOf(['sync', ep, file, '--cookie', '0x42/0xff'], real.io)).toBe(0);
    expect(real.out()).toContain('cookie=0x42');
    const again = io();
    expect(await runOf(['sync', ep, file, '--cookie', '0x42/0xff'], again.io)).toBe(0);
    expect(again.out()).toBe('added 0, modified 0, deleted 0, unchanged 2\n');

    const d = io();
    expect(await runOf(['dump-flows', ep, '--cookie', '0x42/0xff'], d.io)).toBe(0);
    const lines = d.out().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/priority=20,ip,nw_dst=10\.1\.0\.0\/16 actions=output:1/);
  });

  it('bad arguments and unreachable endpoints give a one-line error and status 1', async () => {
    const a = io();
    expect(await runOf(['sync', ep, '/nonexistent'], a.io)).toBe(1);
    expect(a.err()).toContain('--cookie');
    const b = io();
    expect(await runOf(['show', 'unix:/nonexistent/br.mgmt'], b.io)).toBe(1);
    expect(b.err()).toMatch(/^ovs-sdn of: error: connect to unix:\/nonexistent\/br.mgmt failed/);
    const c = io();
    expect(await runOf(['frobnicate', ep], c.io)).toBe(1);
    expect(c.err()).toContain('usage:');
  });
});

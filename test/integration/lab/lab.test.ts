import { existsSync, readFileSync } from 'node:fs';
import { Lab } from '../../../src/lab/lab';
import { isAlive } from '../../../src/lab/process';
import { run } from '../../../src/lab/process';

async function netnsList(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

describe('Lab (3 nodes x 2 pods)', () => {
  let lab: Lab | undefined;
  afterAll(async () => {
    await lab?.down();
  });

  it('comes up with an underlay, br-phy addresses, obr0 pods with external_ids and a cluster config', async () => {
    const t0 = Date.now();
    lab = await Lab.up({ nodes: 3, podsPerNode: 2 });
    const upMs = Date.now() - t0;
    const s = lab.state;
    expect(s.nodes.map((n) => n.name)).toEqual(['node1', 'node2', 'node3']);
    for (const n of s.nodes) {
      expect(isAlive(n.ovsdbPid)).toBe(true);
      expect(isAlive(n.vswitchdPid)).toBe(true);
    }
    // underlay: node1 reaches node2 and node3 over br-phy
    expect(await lab.ping(s.nodes[0].netns, s.nodes[1].underlayIp)).toBe(true);
    expect(await lab.ping(s.nodes[2].netns, s.nodes[0].underlayIp)).toBe(true);
    // pods are obr0 ports whose Interface external_ids carry pod-ip/pod-mac/pod-name
    const { stdout } = await run('ovs-vsctl', [`--db=${s.nodes[1].dbEndpoint}`, '--format=json', '--columns=name,external_ids',
      'list', 'Interface']);
    const rows = (JSON.parse(stdout) as { data: [string, [string, [string, string][]]][] }).data;
    const ids = Object.fromEntries(rows.map(([name, [, kv]]) => [name, Object.fromEntries(kv)]));
    expect(ids['n2p1']).toEqual({ 'pod-ip': '10.244.2.2', 'pod-mac': '0a:58:0a:f4:02:02', 'pod-name': 'pod2-1' });
    expect(ids['n2p2']['pod-ip']).toBe('10.244.2.3');
    const cfg = JSON.parse(readFileSync(s.configPath, 'utf8'));
    expect(cfg).toMatchObject({ clusterCidr: '10.244.0.0/16', tunnel: 'gre', mode: 'routed', datapathType: 'netdev' });
    expect(cfg.nodes[2]).toEqual({ name: 'node3', ovsdb: s.nodes[2].dbEndpoint, underlayIp: '172.31.255.3',
      podCidr: '10.244.3.0/24' });
    const loaded = await Lab.load(s.dir);
    expect(loaded.state).toEqual(s);
    // the pod's eth0 has the pod MTU (underlay 1500 - 42 for GRE)
    const link = await run('ip', ['-n', s.nodes[0].pods[0].netns, '-o', 'link', 'show', 'eth0']);
    expect(link.stdout).toContain('mtu 1458');
    process.stdout.write(`lab up (3 nodes x 2 pods): ${upMs} ms\n`);
  });

  it('goes down: every PID, namespace and the directory are gone', async () => {
    const s = lab!.state;
    const pids = s.nodes.flatMap((n) => [n.ovsdbPid, n.vswitchdPid]);
    const names = [s.underlayNetns, ...s.nodes.flatMap((n) => [n.netns, ...n.pods.map((p) => p.netns)])];
    const t0 = Date.now();
    await (await Lab.load(s.dir)).down();
    const downMs = Date.now() - t0;
    lab = undefined;
    expect(pids.filter(isAlive)).toEqual([]);
    const left = await netnsList();
    expect(names.filter((n) => left.includes(n))).toEqual([]);
    expect(existsSync(s.dir)).toBe(false);
    process.stdout.write(`lab down: ${downMs} ms\n`);
  });
});

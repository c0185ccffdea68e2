/**
 * The other data-plane variants end to end: routed mode over VxLAN with pods addressed the original way
 * (the whole cluster CIDR on-link), and classic mode (kbr0 + full mesh of tunnels + STP).
 */
import { Lab } from '../../../src/lab/lab';
import { run } from '../../../src/lab/process';
import type { NodeConvergence } from '../../../src/topology/reconciler';
import { pingMatrix, receiverSees, startOverlay, stpSettled } from './helpers';

jest.setTimeout(90_000);

describe('routed overlay over VxLAN, on-link pod addressing (3 nodes x 2 pods)', () => {
  let lab: Lab | undefined;
  let ov: ReturnType<typeof startOverlay> | undefined;
  afterAll(async () => {
    await ov?.stop();
    await lab?.down();
  });

  it('full ping matrix pod-to-pod and node-to-pod', async () => {
    lab = await Lab.up({ nodes: 3, podsPerNode: 2, tunnel: 'vxlan', podAddressing: 'onlink' });
    ov = startOverlay(lab);
    await ov.rec.whenConverged(20_000);
    expect(lab.state.podMtu).toBe(1450);
    expect(await pingMatrix(lab)).toEqual([]);
    const [a, b] = [lab.state.nodes[1].pods[1], lab.state.nodes[0].pods[0]];
    expect(await receiverSees(a.netns, b.netns, b.ip)).toBe(`${a.ip} hi`);
    const { stdout } = await run('ovs-vsctl', [`--db=${lab.state.nodes[0].dbEndpoint}`, 'get', 'interface', 'obr0-tun', 'type', 'options']);
    expect(stdout.split('\n').slice(0, 2)).toEqual(['vxlan', '{remote_ip=flow}']);
  });

  it('switching the running cluster to classic and back: ports, STP and host settings follow (one OVSDB transaction per node each way)', async () => {
    const lab1 = lab!;
    const n1 = lab1.state.nodes[0];
    const passes: NodeConvergence[] = [];
    const sub = ov!.rec.converged$.subscribe((c) => passes.push(c));
    const ports = async () => (await run('ovs-vsctl', [`--db=${n1.dbEndpoint}`, 'list-ports', 'obr0'])).stdout.split('\n').filter(Boolean).sort();
    const addrs = async (dev: string) =>
      (await run('ip', ['-n', n1.netns, '-4', '-o', 'addr', 'show', 'dev', dev]).then((r) => r.stdout, () => '')).includes(`${n1.gatewayIp}/24`);
    const podPorts = n1.pods.map((p) => p.port);
    ov!.store.setCluster({ mode: 'classic' });
    await ov!.rec.whenConverged(20_000);
    expect(await ports()).toEqual([...podPorts, 'vxlan-ac1fff02', 'vxlan-ac1fff03'].sort());
    expect((await run('ovs-vsctl', [`--db=${n1.dbEndpoint}`, 'get', 'bridge', 'obr0', 'stp_enable'])).stdout.trim()).toBe('true');
    expect(await addrs('kbr0')).toBe(true);
    expect((await run('ip', ['-n', n1.netns, '-o', 'link', 'show', 'obr0'])).stdout).toContain('master kbr0');
    ov!.store.setCluster({ mode: 'routed' });
    await ov!.rec.whenConverged(20_000);
    sub.unsubscribe();
    expect(await ports()).toEqual([...podPorts, 'obr0-gw', 'obr0-tun'].sort());
    expect((await run('ovs-vsctl', [`--db=${n1.dbEndpoint}`, 'get', 'bridge', 'obr0', 'stp_enable', 'other_config'])).stdout.split('\n').slice(0, 2))
      .toEqual(['false', '{}']);
    // the classic gateway is undone: no address on kbr0, obr0 out of it; the routed gateway is back
    expect(await addrs('kbr0')).toBe(false);
    expect((await run('ip', ['-n', n1.netns, '-o', 'link', 'show', 'obr0'])).stdout).not.toContain('master');
    expect(await addrs('obr0-gw')).toBe(true);
    // per node: one OVSDB transaction per switch
    for (const n of lab1.state.nodes) expect(passes.filter((c) => c.node === n.name && c.ovsdbChanged)).toHaveLength(2);
    expect(await pingMatrix(lab1)).toEqual([]);
  });
});

describe('classic overlay (kbr0, full mesh GRE, STP; 3 nodes x 2 pods)', () => {
  let lab: Lab | undefined;
  let ov: ReturnType<typeof startOverlay> | undefined;
  afterAll(async () => {
    await ov?.stop();
    await lab?.down();
  });

  it('full ping matrix pod-to-pod and node-to-pod once STP forwards', async () => {
    lab = await Lab.up({ nodes: 3, podsPerNode: 2, tunnel: 'gre', mode: 'classic' });
    ov = startOverlay(lab);
    await ov.rec.whenConverged(20_000);
    const db = lab.state.nodes[0].dbEndpoint;
    const ports = (await run('ovs-vsctl', [`--db=${db}`, 'list-ports', 'obr0'])).stdout.split('\n').filter(Boolean);
    expect(ports.sort()).toEqual(['gre-ac1fff02', 'gre-ac1fff03']);
    expect((await run('ovs-vsctl', [`--db=${db}`, 'get', 'bridge', 'obr0', 'stp_enable'])).stdout.trim()).toBe('true');
    // obr0 (a kbr0 member) gets the pod MTU over OVSDB; kbr0 via the host adapter
    expect((await run('ovs-vsctl', [`--db=${db}`, 'get', 'interface', 'obr0', 'mtu_request'])).stdout.trim()).toBe(String(lab.state.podMtu));
    expect((await run('ip', ['-n', lab.state.nodes[0].netns, '-o', 'link', 'show', 'kbr0'])).stdout).toContain(` mtu ${lab.state.podMtu} `);
    // STP (forward delay 4 s at the minimum timers) must put the ports into forwarding before traffic flows:
    // await the port states ovs-vswitchd publishes in OVSDB (Port status:stp_state), then ping once.
    const t0 = Date.now();
    const states = await stpSettled(lab, 30_000);
    process.stdout.write(`classic mode: STP settled after ${Date.now() - t0} ms: ${JSON.stringify(states)}\n`);
    // a full mesh of 3 nodes is a loop: STP blocks exactly one of its 3 links (one end of it)
    expect(Object.values(states).flatMap((s) => Object.values(s)).filter((x) => x === 'blocking')).toHaveLength(1);
    const fails = await pingMatrix(lab);
    expect(fails).toEqual([]);
  });
});

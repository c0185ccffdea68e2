/**
 * The overlay end to end on a 3-node lab (GRE): the reconciler programs every node through OVSDB and
 * OpenFlow (no ovs-ofctl/ovs-vsctl in the path), pods are discovered from OVSDB, and the acceptance checks of
 * issue 5 run against real Open vSwitch.
 */
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { Lab } from '../../../src/lab/lab';
import { run } from '../../../src/lab/process';
import {
  CookieCategory,
  MASK_APP,
  MASK_OBJECT,
  learnedCookie,
  learnedCookieMask,
  parseOverlayCookie,
  peerCookieMask,
  roundCookieMask,
} from '../../../src/topology/cookies';
import { OpenFlowSession } from '../../../src/openflow/session';
import type { FlowMod } from '../../../src/openflow/types';
import { macForIpv4, parseIpv4Address } from '../../../src/topology/cidr';
import { TopologyError } from '../../../src/topology/model';
import type { NodeConvergence } from '../../../src/topology/reconciler';
import { continuousPing, dumpFlows, pingMatrix, receiverSees, startOverlay, tcpConnect } from './helpers';

jest.setTimeout(60_000);

describe('routed overlay (GRE, 3 nodes x 2 pods)', () => {
  let lab: Lab;
  let ov: ReturnType<typeof startOverlay>;
  const log = (s: string) => process.stdout.write(`${s}\n`);

  beforeAll(async () => {
    lab = await Lab.up({ nodes: 3, podsPerNode: 2, tunnel: 'gre' });
  });
  afterAll(async () => {
    await ov?.stop();
    await lab?.down();
  });

  it('converges and gives a full ping matrix pod-to-pod and node-to-pod', async () => {
    const uuidOf = async (db: string) => (await run('ovs-vsctl', [`--db=${db}`, 'get', 'bridge', 'obr0', '_uuid'])).stdout.trim();
    const uuidsBefore = await Promise.all(lab.state.nodes.map((n) => uuidOf(n.dbEndpoint)));
    const t0 = Date.now();
    ov = startOverlay(lab);
    const times: NodeConvergence[] = [];
    ov.rec.converged$.subscribe((c) => times.push(c));
    await ov.rec.whenConverged(20_000);
    log(`initial convergence of 3 nodes: ${Date.now() - t0} ms; passes: ${times.map((c) => `${c.node}:${c.ms}ms`).join(' ')}`);
    // pods were discovered from OVSDB (external_ids) with their ofports
    expect(ov.store.snapshot().nodes.map((n) => n.pods.map((p) => [p.port, p.ip, typeof p.ofport]))).toEqual(
      lab.state.nodes.map((n) => n.pods.map((p) => [p.port, p.ip, 'number'])),
    );
    expect(await pingMatrix(lab)).toEqual([]);
    // the receiver sees the sender's pod IP (no NAT), also for TCP/UDP (checksums survive the tunnel)
    const [a, b] = [lab.state.nodes[0].pods[0], lab.state.nodes[2].pods[1]];
    expect(await receiverSees(a.netns, b.netns, b.ip)).toBe(`${a.ip} hi`);
    // the lab's obr0 was adopted, not recreated
    expect(await Promise.all(lab.state.nodes.map((n) => uuidOf(n.dbEndpoint)))).toEqual(uuidsBefore);
    // the round is persisted in obr0's external_ids
    const { stdout } = await run('ovs-vsctl', [`--db=${lab.state.nodes[0].dbEndpoint}`, 'get', 'bridge', 'obr0', 'external_ids:ovs-sdn-round']);
    expect(stdout.trim()).toBe(`"${ov.rec.round('node1')}"`);
  });

  it('MTU: a DF ping of exactly the pod MTU crosses nodes; one byte more fails cleanly', async () => {
    const [a, b] = [lab.state.nodes[0].pods[0], lab.state.nodes[1].pods[0]];
    const payload = lab.state.podMtu - 28; // IPv4 (20) + ICMP (8)
    expect(await lab.ping(a.netns, b.ip, { size: payload, dontFragment: true, attempts: 3 })).toBe(true);
    const over = await run('ip', ['netns', 'exec', a.netns, 'ping', '-n', '-c', '1', '-W', '1', '-M', 'do', '-s', String(payload + 1), b.ip]).then(
      () => 'ok',
      (e: { stderr: string }) => e.stderr,
    );
    expect(over).toMatch(/message too long|mtu/i);
    // the gateway port's MTU was set by the library over OVSDB (Interface mtu_request) and applied by OVS
    const n1 = lab.state.nodes[0];
    const { stdout } = await run('ovs-vsctl', [`--db=${n1.dbEndpoint}`, 'get', 'interface', 'obr0-gw', 'mtu_request', 'mtu']);
    expect(stdout.split('\n').slice(0, 2)).toEqual([String(lab.state.podMtu), String(lab.state.podMtu)]);
    expect((await run('ip', ['-n', n1.netns, '-o', 'link', 'show', 'obr0-gw'])).stdout).toContain(` mtu ${lab.state.podMtu} `);
    // node-to-pod through the gateway: exactly the MTU crosses, one byte more does not
    expect(await lab.ping(n1.netns, b.ip, { size: payload, dontFragment: true, attempts: 3 })).toBe(true);
    const overGw = await run('ip', ['netns', 'exec', n1.netns, 'ping', '-n', '-c', '1', '-W', '1', '-M', 'do', '-s', String(payload + 1), b.ip]).then(
      () => 'ok',
      (e: { stderr: string }) => e.stderr,
    );
    expect(overGw).toMatch(/message too long|mtu/i);
  });

  it('audit: a deleted or altered flow of ours is repaired within one audit period; a foreign flow stays', async () => {
    const node = lab.state.nodes[1];
    const mgmt = node.openflowEndpoint.slice(5);
    const before = await dumpFlows(lab, 'node2');
    const victim = before.find((l) => l.includes('tun_src=172.31.255.1'))!;
    expect(victim).toBeDefined();
    // Subscribe first: the repairing audit pass may come right after the deletion.
    const repairedP = firstValueFrom(ov.rec.converged$.pipe(filter((c) => c.node === 'node2' && c.reason === 'audit' && c.added > 0)));
    const restoredP = firstValueFrom(ov.rec.converged$.pipe(filter((c) => c.node === 'node2' && c.reason === 'audit' && c.modified > 0)));
    const altered = before.find((l) => l.includes('nw_dst=10.244.3.0/24'))!;
    expect(altered).toBeDefined();
    const t0 = Date.now();
    await run('ovs-ofctl', ['-O', 'OpenFlow13', 'mod-flows', '--strict', mgmt, 'table=30,priority=200,ip,nw_dst=10.244.3.0/24,actions=drop']);
    await run('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', '--strict', mgmt, 'table=0,priority=100,in_port=65001,tun_src=172.31.255.1']);
    await run('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flow', mgmt, 'table=0,priority=5,cookie=0x1234,udp,tp_dst=9,actions=drop']);
    const [repaired, restored] = await Promise.all([repairedP, restoredP]);
    log(`audit repaired ${repaired.added} deleted and ${restored.modified} altered flow(s) ${Date.now() - t0} ms after the change`);
    expect(Date.now() - t0).toBeLessThan(2000); // audit period 500 ms; generous for a loaded CI machine
    const after = await dumpFlows(lab, 'node2');
    expect(after).toContain(victim);
    expect(after).toContain(altered);
    expect(after.some((l) => l.startsWith('cookie=0x1234,'))).toBe(true);
  });

  it('ovs-vswitchd killed and restarted: flows restored equal in count and content, recovery measured', async () => {
    const node = lab.state.nodes[2];
    const before = (await dumpFlows(lab, 'node3')).filter((l) => !l.startsWith('cookie=0x1234'));
    const reconnected = firstValueFrom(ov.rec.converged$.pipe(filter((c) => c.node === 'node3' && c.reason === 'reconnect')));
    const t0 = Date.now();
    await lab.restartDaemon(node.name, 'ovs-vswitchd'); // SIGKILL, then started again
    const c = await reconnected;
    log(`ovs-vswitchd crash: flows replayed ${Date.now() - t0} ms after the SIGKILL (restart included) (pass ${c.ms} ms, ${c.added} flows added)`);
    const after = await dumpFlows(lab, 'node3');
    expect(after).toEqual(before);
    expect(await pingMatrix(lab, { nodes: false })).toEqual([]);
  });

  it('ovsdb-server killed and restarted: the OVSDB session resumes and later changes are followed', async () => {
    const node = lab.state.nodes[2];
    const pod = node.pods[0];
    const from = lab.state.nodes[0].pods[1];
    await lab.restartDaemon(node.name, 'ovsdb-server');
    // a change made through the restarted server reaches the reconciler (its replica re-synced)
    await run('ovs-vsctl', [`--db=${node.dbEndpoint}`, 'del-port', 'obr0', pod.port]);
    await firstValueFrom(ov.store.state$.pipe(filter((st) => !st.nodes[2].pods.some((p) => p.port === pod.port))));
    await ov.rec.whenConverged(10_000);
    expect((await dumpFlows(lab, 'node3')).filter((l) => l.includes(pod.ip))).toEqual([]);
    await run('ovs-vsctl', [`--db=${node.dbEndpoint}`, 'add-port', 'obr0', pod.port, '--', 'set', 'interface', pod.port,
      `external_ids:pod-ip=${pod.ip}`, `external_ids:pod-mac=${pod.mac}`]);
    await firstValueFrom(ov.store.state$.pipe(filter((st) => st.nodes[2].pods.some((p) => p.port === pod.port && p.ofport !== undefined))));
    await ov.rec.whenConverged(10_000);
    expect(await lab.ping(from.netns, pod.ip, { attempts: 3 })).toBe(true);
  });

  it('a 4th node joins while pings run (no loss on existing pairs), then leaves without leaving flows', async () => {
    const pinger = continuousPing(lab.state.nodes[0].pods[0].netns, lab.state.nodes[1].pods[1].ip, 150);
    const pinger2 = continuousPing(lab.state.nodes[2].pods[0].netns, lab.state.nodes[0].pods[1].ip, 150);
    const n4 = await lab.addNode();
    const passes: NodeConvergence[] = [];
    const sub = ov.rec.converged$.subscribe((c) => passes.push(c));
    const bundles = jest.spyOn(OpenFlowSession.prototype, 'bundle');
    const bundlesOf = (node: string) => bundles.mock.calls.filter((_, i) => bundles.mock.contexts[i] === ov.rec.session(node)).map((c) => c[0] as FlowMod[]);
    const t0 = Date.now();
    ov.store.addNode({ name: n4.name, ovsdb: n4.dbEndpoint, underlayIp: n4.underlayIp, podCidr: n4.podCidr });
    await ov.rec.whenConverged(20_000);
    const convergedMs = Date.now() - t0;
    sub.unsubscribe();
    // existing nodes: ONE bundle each with the new peer's 3 flows, no OVSDB transaction
    for (const n of ['node1', 'node2', 'node3']) {
      const mine = passes.filter((c) => c.node === n);
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(mine.every((c) => !c.ovsdbChanged)).toBe(true);
      expect(mine.reduce((a, c) => a + c.added, 0)).toBe(3);
      expect(bundlesOf(n).map((b) => b.length)).toEqual([3]);
    }
    // the new node: one OVSDB transaction (its tunnel and gateway ports, round) in its first pass
    expect(passes.filter((c) => c.node === 'node4' && c.ovsdbChanged)).toHaveLength(1);
    bundles.mockClear();
    const fails = await pingMatrix(lab);
    const reachMs = Date.now() - t0;
    const r1 = await pinger.done();
    const r2 = await pinger2.done();
    log(`node4 join: all nodes converged in ${convergedMs} ms, full matrix verified at ${reachMs} ms; ` +
      `existing pairs ${r1.received}/${r1.sent} and ${r2.received}/${r2.sent}`);
    expect(fails).toEqual([]);
    expect(r1.sent).toBeGreaterThan(10);
    expect(r1.received).toBe(r1.sent);
    expect(r2.received).toBe(r2.sent);

    const n4session = ov.rec.session('node4');
    ov.store.removeNode('node4');
    await ov.rec.whenConverged(20_000);
    // peers: one bundle holding one delete by cookie/mask for the departed node; the departed node: one delete
    // of all our flows
    for (const n of ['node1', 'node2', 'node3'])
      expect(bundlesOf(n)).toEqual([[expect.objectContaining({ command: 3, cookie: peerCookieMask('node4').cookie, cookieMask: MASK_OBJECT })]]);
    expect(bundles.mock.calls.filter((_, i) => bundles.mock.contexts[i] === n4session).map((c) => c[0])).toEqual([
      [expect.objectContaining({ command: 3, cookieMask: MASK_APP })],
    ]);
    bundles.mockRestore();
    // the departed node itself has none of our flows left (one delete by cookie/mask)
    expect((await dumpFlows(lab, 'node4')).filter((l) => /cookie=0xa5/.test(l))).toEqual([]);
    await lab.removeNode('node4');
    for (const n of ['node1', 'node2', 'node3']) {
      const flows = await dumpFlows(lab, n);
      expect(flows.filter((l) => l.includes(n4.underlayIp) || l.includes(n4.podCidr))).toEqual([]);
    }
    expect(await pingMatrix(lab, { nodes: false })).toEqual([]);
  });

  it('bad topology input gets a clear error naming node and field; nothing programmed is lost', async () => {
    const before = await dumpFlows(lab, 'node1');
    expect(() => ov.store.addNode({ name: 'bad1', ovsdb: 'unix:/nonexistent/db.sock', underlayIp: '172.31.255.50', podCidr: '10.244.1.128/25' }))
      .toThrow(/node bad1 podCidr: 10.244.1.128\/25 overlaps node node1/);
    expect(() => ov.store.addNode({ name: 'bad2', ovsdb: 'unix:/nonexistent/db.sock', underlayIp: '172.31.255.50', podCidr: '10.9.0.0/24' }))
      .toThrow(/node bad2 podCidr: .* outside the cluster CIDR/);
    expect(() => ov.store.addNode({ name: 'node2', ovsdb: 'unix:/nonexistent/db.sock', underlayIp: '172.31.255.50' })).toThrow(/node node2 name: duplicate/);
    expect(() => ov.store.addNode({ name: 'bad3', ovsdb: 'unix:/nonexistent/db.sock', underlayIp: '172.31.255.2' })).toThrow(/node bad3 underlayIp/);
    // An unreachable OVSDB endpoint: accepted topology, reported per node; the others keep working.
    const err = firstValueFrom(ov.rec.errors$.pipe(filter((e) => e.node === 'ghost')));
    ov.store.addNode({ name: 'ghost', ovsdb: 'unix:/nonexistent/db.sock', underlayIp: '172.31.255.60', podCidr: '10.244.60.0/24' });
    const e = await err;
    expect(e.error).toBeInstanceOf(TopologyError);
    expect((e.error as TopologyError).context).toMatchObject({ node: 'ghost', field: 'ovsdb' });
    expect(e.error.message).toMatch(/node ghost ovsdb: cannot reach unix:\/nonexistent\/db.sock/);
    ov.store.removeNode('ghost');
    await ov.rec.whenConverged(10_000);
    expect(await dumpFlows(lab, 'node1')).toEqual(before);
    expect(await pingMatrix(lab, { nodes: false })).toEqual([]);
  });

  it('pods are followed from OVSDB however they are added; a pod with only pod-ip (no pod-mac) works across nodes', async () => {
    const node = lab.state.nodes[1];
    const pod = node.pods[1];
    const from = lab.state.nodes[0].pods[0];
    const vsctl = (...a: string[]) => run('ovs-vsctl', [`--db=${node.dbEndpoint}`, ...a]);
    await vsctl('del-port', 'obr0', pod.port);
    await firstValueFrom(ov.store.state$.pipe(filter((st) => !st.nodes[1].pods.some((p) => p.port === pod.port))));
    await ov.rec.whenConverged(10_000);
    expect(ov.store.snapshot().nodes[1].pods.map((p) => p.port)).toEqual([node.pods[0].port]);
    expect((await dumpFlows(lab, 'node2')).filter((l) => l.includes(pod.ip))).toEqual([]);
    expect(await lab.ping(from.netns, pod.ip)).toBe(false);
    // Re-added the plain way, with only external_ids:pod-ip, and kept silent (it sends nothing of its own; its
    // neighbour table is emptied first so that the gateway entry below can only come from the probe).
    const mgmt = node.openflowEndpoint.slice(5);
    const gwMac = macForIpv4(parseIpv4Address(node.gatewayIp)!);
    await run('ip', ['-n', pod.netns, 'neigh', 'flush', 'all']);
    const gwArpReplies = async () => {
      // the pod's ARP reply to the gateway: table 20, arp_tpa=<gateway> (priority 250) -> gateway port only
      const { stdout } = await run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-flows', mgmt, `table=20,arp,arp_tpa=${node.gatewayIp}`]);
      const line = stdout.split('\n').find((l) => l.includes('priority=250'));
      return Number(/n_packets=(\d+)/.exec(line ?? '')?.[1] ?? NaN);
    };
    const repliesBefore = await gwArpReplies();
    const learnedFlows = async () => (await dumpFlows(lab, 'node2')).filter((l) => / table=35, .*reg1=/.test(l));
    // No event tells when ovs-vswitchd learned a flow: after the probe event, poll with a deadline.
    const untilLearned = async (ms: number) => {
      const deadline = Date.now() + ms;
      while ((await learnedFlows()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return learnedFlows();
    };
    const probedOn = (reason?: string) =>
      firstValueFrom(ov.rec.macProbes$.pipe(filter((e) => e.node === 'node2' && (!reason || e.reason === reason) && e.ports.includes(pod.port))));
    const probed = probedOn(); // a change pass (or an audit pass that picked up the change first)
    const tAdd = Date.now();
    await vsctl('add-port', 'obr0', pod.port, '--', 'set', 'interface', pod.port, `external_ids:pod-ip=${pod.ip}`);
    await firstValueFrom(ov.store.state$.pipe(filter((st) => st.nodes[1].pods.some((p) => p.port === pod.port && p.ofport !== undefined))));
    expect(ov.store.snapshot().nodes[1].pods.find((p) => p.port === pod.port)?.mac).toBeUndefined();
    // the reconciler probes it (ARP request from the gateway, PACKET_OUT to its port); its reply is learned
    await probed;
    const learned = await untilLearned(3000);
    const learnedMs = Date.now() - tAdd;
    expect(learned).toHaveLength(1);
    expect(learned[0]).toContain(`cookie=0x${learnedCookie(pod.port).toString(16)},`);
    const loaded = /load:(0x[0-9a-f]+)->NXM_OF_ETH_DST\[\]/.exec(learned[0]);
    expect(loaded && BigInt(loaded[1])).toBe(BigInt(`0x${pod.mac.replace(/:/g, '')}`));
    // the probe reached the pod (its kernel recorded the requester: gateway IP with the gateway MAC) ...
    expect((await run('ip', ['-n', pod.netns, 'neigh', 'show', node.gatewayIp])).stdout).toContain(`lladdr ${gwMac}`);
    // ... and its reply went to the gateway port (table 20), not into the tunnel
    expect(await gwArpReplies()).toBeGreaterThan(repliesBefore);
    expect((await dumpFlows(lab, 'node2')).filter((l) => /\barp\b/.test(l) && l.includes('load:0xfde9->NXM_NX_REG1'))).toEqual([]);
    // A learned flow that went (idle timeout, or deleted): the next audit probes again, and it comes back.
    const reprobed = probedOn('audit');
    await run('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', mgmt, `table=35,cookie=0x${learnedCookie(pod.port).toString(16)}/-1`]);
    await reprobed; // emitted only when the audit's dump found no learned flow for the pod
    expect(await untilLearned(3000)).toHaveLength(1);
    // ovs-vswitchd restarted (learned flows are gone with it): the reconnect pass probes again.
    const probes: { reason: string; ports: readonly string[] }[] = [];
    const probeSub = ov.rec.macProbes$.pipe(filter((e) => e.node === 'node2')).subscribe((e) => probes.push(e));
    const replayed = firstValueFrom(ov.rec.converged$.pipe(filter((c) => c.node === 'node2' && c.reason === 'reconnect')));
    await lab.restartDaemon(node.name, 'ovs-vswitchd');
    await replayed; // the probe is sent inside that pass, before it reports convergence
    probeSub.unsubscribe();
    expect(probes).toContainEqual(expect.objectContaining({ reason: 'reconnect', ports: [pod.port] }));
    expect(await untilLearned(3000)).toHaveLength(1);
    // Bounded: a pod that does not answer is probed at most once per audit pass (audit period 500 ms), and only on
    // audits; counted over 4 audit passes. The pod must send nothing at all meanwhile (any frame from it is
    // learned): no ARP on eth0 (neither replies nor requests) and no IPv6 (no ND/MLD).
    const silence = async (on: boolean) => {
      await run('ip', ['-n', pod.netns, 'link', 'set', 'eth0', 'arp', on ? 'off' : 'on']);
      await run('ip', ['netns', 'exec', pod.netns, 'sysctl', '-q', '-w', `net.ipv6.conf.eth0.disable_ipv6=${on ? 1 : 0}`]);
    };
    await silence(true);
    try {
      const seen: { reason: string; ports: readonly string[] }[] = [];
      const sub2 = ov.rec.macProbes$.pipe(filter((e) => e.node === 'node2')).subscribe((e) => seen.push(e));
      await run('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', mgmt, `table=35,cookie=0x${learnedCookie(pod.port).toString(16)}/-1`]);
      await firstValueFrom(ov.rec.converged$.pipe(filter((c) => c.node === 'node2' && c.reason === 'audit'), take(4), toArray()));
      sub2.unsubscribe();
      // Every probe is for this pod. Audits probe it at most once per pass; besides them, at most one more
      // probe may come from a pass that saw the pod's port re-appear (after the ovs-vswitchd restart above,
      // ofport updates can still be arriving from OVSDB under load).
      expect(seen.every((e) => e.ports.length === 1 && e.ports[0] === pod.port)).toBe(true);
      const audits = seen.filter((e) => e.reason === 'audit').length;
      expect(audits).toBeGreaterThanOrEqual(1);
      expect(audits).toBeLessThanOrEqual(4);
      expect(seen.length - audits).toBeLessThanOrEqual(1);
      expect(await learnedFlows()).toEqual([]);
    } finally {
      await silence(false);
    }
    // answering again: the next audit's probe is learned
    expect(await untilLearned(3000)).toHaveLength(1);
    // TCP from a pod on another node reaches the silent pod first time (no longer a broadcast frame)
    const far = lab.state.nodes[2].pods[0];
    const tTcp = Date.now();
    expect(await tcpConnect(far.netns, pod.netns, pod.ip)).toBe(far.ip);
    log(`MAC-less silent pod: MAC learned ${learnedMs} ms after add-port; TCP accepted in ${Date.now() - tTcp} ms`);
    expect(Date.now() - tTcp).toBeLessThan(3000);
    // it reaches pods on other nodes, a pod on its own node reaches it (its ARP request is delivered to it and it
    // answers), and its node reaches it
    expect(await lab.ping(from.netns, pod.ip, { attempts: 3 })).toBe(true);
    expect(await lab.ping(pod.netns, far.ip, { attempts: 3 })).toBe(true);
    expect(await lab.ping(far.netns, pod.ip, { attempts: 3 })).toBe(true);
    expect(await lab.ping(node.pods[0].netns, pod.ip, { attempts: 3 })).toBe(true);
    expect(await lab.ping(node.netns, pod.ip, { attempts: 3 })).toBe(true);
    // ARP stays local: no flow sends ARP into the tunnel
    expect((await dumpFlows(lab, 'node2')).filter((l) => /\barp\b/.test(l) && l.includes('load:0xfde9->NXM_NX_REG1'))).toEqual([]);
    // the pod leaves: its learned MAC goes with it (same bundle); back with pod-mac for the tests that follow
    await vsctl('del-port', 'obr0', pod.port);
    await firstValueFrom(ov.store.state$.pipe(filter((st) => !st.nodes[1].pods.some((p) => p.port === pod.port))));
    await ov.rec.whenConverged(10_000);
    expect(await learnedFlows()).toEqual([]);
    await vsctl('add-port', 'obr0', pod.port, '--', 'set', 'interface', pod.port, `external_ids:pod-ip=${pod.ip}`,
      `external_ids:pod-mac=${pod.mac}`);
    await firstValueFrom(ov.store.state$.pipe(filter((st) => st.nodes[1].pods.some((p) => p.port === pod.port && p.ofport !== undefined))));
    await ov.rec.whenConverged(10_000);
    expect(await lab.ping(from.netns, pod.ip, { attempts: 3 })).toBe(true);
  });

  it('controller restart under continuous ping: 0 lost, round advances, a stale old-round flow is gone', async () => {
    const oldRound = ov.rec.round('node1');
    const mgmt = lab.state.nodes[0].openflowEndpoint.slice(5);
    const stale = (0xa5n << 56n) | (BigInt(oldRound) << 40n) | (2n << 32n) | 0xdeadn;
    const pinger = continuousPing(lab.state.nodes[0].pods[0].netns, lab.state.nodes[2].pods[1].ip, 75);
    const pinger2 = continuousPing(lab.state.nodes[1].netns, lab.state.nodes[0].pods[1].ip, 75);
    await new Promise((r) => setTimeout(r, 300)); // let the pings run against the old controller's flows
    await ov.stop();
    // A stale flow of the old round that the new round does not replace (planted after the old controller
    // stopped, so that no audit of the old controller removes it first).
    await run('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flow', mgmt, `table=30,priority=150,cookie=0x${stale.toString(16)},ip,nw_dst=10.244.200.0/24,actions=drop`]);
    // and a learned MAC of a pod that left while no controller ran
    await run('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flow', mgmt, `table=35,priority=100,cookie=0x${learnedCookie('gone0').toString(16)},reg1=999,actions=load:0x1->NXM_OF_ETH_DST[]`]);
    // Watch what the new controller sends: on node1 the first pass is TWO bundles -- (1) the new round's flows
    // (same matches: the old entries are replaced in place), committed, and only then (2) one delete of the old
    // round by cookie/mask. On a node where every old entry was replaced in place, nothing of the old round is
    // left and the second bundle is not needed.
    const bundles = jest.spyOn(OpenFlowSession.prototype, 'bundle');
    const t0 = Date.now();
    ov = startOverlay(lab, { auditIntervalMs: 0 });
    await ov.rec.whenConverged(20_000);
    const ms = Date.now() - t0;
    const mine = bundles.mock.calls.filter((_, i) => bundles.mock.contexts[i] === ov.rec.session('node1')).map((c) => c[0] as FlowMod[]);
    const node2 = bundles.mock.calls.filter((_, i) => bundles.mock.contexts[i] === ov.rec.session('node2'));
    bundles.mockRestore();
    expect(node2).toHaveLength(1);
    expect(mine).toHaveLength(2);
    const newRound = oldRound + 1;
    expect(mine[0].length).toBeGreaterThan(10);
    expect(mine[0].every((m) => m.command !== 3 && parseOverlayCookie(m.cookie).round === newRound)).toBe(true);
    expect(mine[1]).toEqual([
      expect.objectContaining({ command: 3, tableId: 0xff, cookie: roundCookieMask(oldRound).cookie, cookieMask: roundCookieMask(oldRound).mask }),
      expect.objectContaining({ command: 3, tableId: 0xff, ...(({ cookie, mask }) => ({ cookie, cookieMask: mask }))(learnedCookieMask('gone0')) }),
    ]);
    const [r1, r2] = [await pinger.done(), await pinger2.done()];
    log(`controller restart: new round converged in ${ms} ms; pings ${r1.received}/${r1.sent}, ${r2.received}/${r2.sent}`);
    expect(ov.rec.round('node1')).toBe(oldRound + 1);
    const flows = await dumpFlows(lab, 'node1');
    expect(flows.some((l) => l.includes('10.244.200.0/24') || l.includes('reg1=0x3e7'))).toBe(false);
    const rounds = new Set(flows.map((l) => /cookie=(0x[0-9a-f]+)/.exec(l)).filter(Boolean).map((m) => parseOverlayCookie(BigInt(m![1])))
      .filter((c) => c.ours && c.category !== CookieCategory.learned).map((c) => c.round));
    expect([...rounds]).toEqual([oldRound + 1]);
    expect(r1.sent).toBeGreaterThan(10);
    expect(r1.received).toBe(r1.sent);
    expect(r2.received).toBe(r2.sent);
  });
});

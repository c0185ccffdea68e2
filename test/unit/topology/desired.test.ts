import { toOpenFlowDesired } from '../../../src/topology/reconciler-flows';
import {
  MASK_OBJECT,
  CookieCategory,
  parseOverlayCookie,
  peerCookieMask,
  cookieWithRound,
  makeOverlayCookie,
  learnedCookie,
  learnedCookieMask,
} from '../../../src/topology/cookies';
import {
  computeNodeDesired,
  overlayFlowKey,
  overlayFlowText,
  OverlayPort,
  OverlayTable,
  GATEWAY_PORT,
  TUNNEL_PORT,
  LEARNED_MAC_IDLE_S,
} from '../../../src/topology/desired';
import { podMtu, type ClusterSpec, type PodInfo, type TopologyState } from '../../../src/topology/model';
import { initialTopologyState, reduceTopology } from '../../../src/topology/reducers';

function topo(n: number, cluster: Partial<ClusterSpec> = {}, pods: PodInfo[] = []): TopologyState {
  let s = initialTopologyState({ clusterCidr: '10.244.0.0/16', datapathType: 'netdev', ...cluster });
  s = reduceTopology(
    s,
    Array.from({ length: n }, (_, k) => ({
      type: 'addNode' as const,
      node: {
        name: `node${k + 1}`,
        ovsdb: `unix:/run/n${k + 1}/db.sock`,
        underlayIp: `172.31.${(k + 1) >> 8}.${(k + 1) & 255}`,
        podCidr: `10.244.${(k + 1) >> 4}.${((k + 1) & 15) * 16}/28`,
      },
    })),
  );
  return pods.length ? reduceTopology(s, [{ type: 'setPods', node: 'node1', pods }]) : s;
}

const pods: PodInfo[] = [
  { port: 'p1', ip: '10.244.0.18', mac: '0a:58:0a:f4:00:12', podName: 'a', ofport: 1 },
  { port: 'p2', ip: '10.244.0.19', ofport: 2 }, // no MAC known
  { port: 'p3', ip: '10.244.0.20' }, // no ofport yet: skipped
  { port: 'p4', ip: '10.244.9.9', ofport: 4 }, // outside the node's CIDR: skipped
  { port: 'p5', ip: '10.244.0.18', ofport: 5 }, // duplicate IP: skipped
];

describe('desired state (routed)', () => {
  const s = topo(3, { tunnel: 'gre' }, pods);
  const d = computeNodeDesired(s, 'node1')!;

  it('has the OVSDB shape: OpenFlow13, fail_mode secure, flow-based tunnel and gateway with pinned ofports', () => {
    expect(d.bridge).toMatchObject({ name: 'obr0', datapathType: 'netdev', failMode: 'secure', protocols: ['OpenFlow13'], stpEnable: false });
    expect(d.bridge.ports).toEqual([
      { name: TUNNEL_PORT, type: 'gre', ofport: OverlayPort.tunnel, options: { remote_ip: 'flow' } },
      { name: GATEWAY_PORT, type: 'internal', ofport: OverlayPort.gateway, mac: d.gatewayMac, mtu: 1458 },
    ]);
    expect(d.gatewayIp).toBe('10.244.0.17');
    // the gateway's MTU goes through OVSDB (mtu_request above), so the host adapter sets none
    expect(d.host).toEqual({ gatewayDevice: GATEWAY_PORT, gatewayAddress: '10.244.0.17/28', clusterRoute: '10.244.0.0/16' });
    expect(d.bridge.localMtu).toBeUndefined();
  });

  it('MTU = underlay - 42 (GRE) or - 50 (VxLAN)', () => {
    expect(d.podMtu).toBe(1458);
    expect(computeNodeDesired(topo(2, { tunnel: 'vxlan', underlayMtu: 9000 }), 'node1')!.podMtu).toBe(8950);
    expect(podMtu({ ...s.cluster, tunnel: 'vxlan' })).toBe(1450);
  });

  it('routes each peer CIDR to the tunnel with tun_dst, accepts tunnel traffic only from known peers', () => {
    const peerL3 = d.flows.filter((f) => f.table === OverlayTable.l3 && f.actions.includes('tun_dst'));
    expect(peerL3.map((f) => f.match)).toEqual(['ip,nw_dst=10.244.0.32/28', 'ip,nw_dst=10.244.0.48/28']);
    expect(peerL3[0].actions).toContain('set_field:172.31.0.2->tun_dst');
    const fromTunnel = d.flows.filter((f) => f.match.includes(`in_port=${OverlayPort.tunnel}`));
    expect(fromTunnel.map((f) => f.match)).toEqual([
      `in_port=${OverlayPort.tunnel},tun_src=172.31.0.2`,
      `in_port=${OverlayPort.tunnel},tun_src=172.31.0.3`,
    ]);
    // the only table-0 flow without an explicit in_port is the default drop
    expect(d.flows.filter((f) => f.table === 0 && !f.match.includes('in_port'))).toEqual([
      expect.objectContaining({ priority: 0, actions: 'drop' }),
    ]);
  });

  it('never floods, never sends ARP to the tunnel, and has split horizon', () => {
    for (const f of d.flows) {
      expect(f.actions).not.toMatch(/FLOOD|ALL|NORMAL/);
      if (f.match.startsWith('arp')) expect(f.actions).not.toContain(`load:${OverlayPort.tunnel}->`);
    }
    expect(d.flows).toContainEqual(
      expect.objectContaining({ table: OverlayTable.output, priority: 100, match: `reg0=0x1,reg1=${OverlayPort.tunnel}`, actions: 'drop' }),
    );
  });

  it('programs usable pods only: anti-spoofing, ARP responder when the MAC is known, /32 delivery', () => {
    const podFlows = (port: string) => d.flows.filter((f) => parseOverlayCookie(f.cookie).category === CookieCategory.pod &&
      f.cookie === makeOverlayCookie(CookieCategory.pod, parseOverlayCookie(f.cookie).object) && f.match.includes(`in_port=${port === 'p1' ? 1 : 2}`));
    expect(podFlows('p1').map((f) => f.match)).toEqual([
      'in_port=1',
      'ip,in_port=1,dl_src=0a:58:0a:f4:00:12,nw_src=10.244.0.18',
      'arp,in_port=1,dl_src=0a:58:0a:f4:00:12,arp_spa=10.244.0.18,arp_sha=0a:58:0a:f4:00:12',
    ]);
    expect(podFlows('p2').map((f) => f.match)).toEqual(['in_port=2', 'ip,in_port=2,nw_src=10.244.0.19', 'arp,in_port=2,arp_spa=10.244.0.19']);
    const responders = d.flows.filter((f) => f.match.startsWith('arp,arp_op=1,arp_tpa='));
    expect(responders.map((f) => f.match.slice('arp,arp_op=1,arp_tpa='.length)).sort()).toEqual(
      ['10.244.0.17', '10.244.0.18', '10.244.0.32/28', '10.244.0.48/28'].sort(),
    );
    const l3 = d.flows.find((f) => f.match === 'ip,nw_dst=10.244.0.18')!;
    expect(l3.actions).toBe(`set_field:${d.routerMac}->eth_src,set_field:0a:58:0a:f4:00:12->eth_dst,load:1->NXM_NX_REG1[],goto_table:40`);
    expect(d.flows.some((f) => /10\.244\.(0\.20|9\.9)\b/.test(f.match))).toBe(false);
    expect(d.flows.filter((f) => f.match.includes('in_port=5'))).toEqual([]);
  });

  it('a pod without pod-mac: its own traffic teaches its MAC (learn into table 35), delivery resubmits there', () => {
    // every frame from its port (table 0) teaches the switch its MAC; the pod with a pod-mac learns nothing
    const learnedHex = learnedCookie('p2').toString(16);
    expect(d.flows.filter((f) => f.actions.includes('learn(')).map((f) => [f.table, f.match, f.actions])).toEqual([
      [
        0,
        'in_port=2',
        `learn(table=35,priority=100,idle_timeout=${LEARNED_MAC_IDLE_S},cookie=0x${learnedHex},NXM_NX_REG1[]=2,` +
          'load:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]),load:0x3->NXM_NX_REG0[],goto_table:10',
      ],
    ]);
    expect(parseOverlayCookie(learnedCookie('p2'))).toMatchObject({ ours: true, round: 0, category: CookieCategory.learned });
    const l3 = d.flows.find((f) => f.match === 'ip,nw_dst=10.244.0.19')!;
    expect(l3.actions).toBe(
      `set_field:${d.routerMac}->eth_src,set_field:ff:ff:ff:ff:ff:ff->eth_dst,load:2->NXM_NX_REG1[],resubmit(,35),goto_table:40`,
    );
    // table 35 default: no actions (the resubmit returns and the pipeline goes on to table 40)
    expect(d.flows.filter((f) => f.table === OverlayTable.podMac)).toEqual([expect.objectContaining({ priority: 0, match: '', actions: 'drop' })]);
    // no ARP responder for it: its ARP is delivered to its port only
    expect(d.flows.filter((f) => f.match.includes('arp_tpa=10.244.0.19')).map((f) => f.actions)).toEqual(['load:2->NXM_NX_REG1[],goto_table:40']);
    expect(d.learnedMacPorts).toEqual(['p2']);
    // the ARP probe's target: that pod's port, ofport and IP (pods with a pod-mac are never probed)
    expect(d.macProbes).toEqual([{ port: 'p2', ofport: 2, ip: '10.244.0.19' }]);
    expect(learnedCookieMask('p2')).toEqual({ cookie: learnedCookie('p2'), mask: MASK_OBJECT });
  });

  it('flow keys are unique, cookies are ours, and one peer is selected by one cookie/mask', () => {
    const keys = d.flows.map(overlayFlowKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(d.flows.every((f) => parseOverlayCookie(f.cookie).ours && parseOverlayCookie(f.cookie).round === 0)).toBe(true);
    const { cookie, mask } = peerCookieMask('node2');
    const selected = d.flows.filter((f) => (cookieWithRound(f.cookie, 7) & mask) === (cookie & mask));
    expect(selected).toHaveLength(3);
    expect(selected.every((f) => f.match.includes('172.31.0.2') || f.match.includes('10.244.0.32/28'))).toBe(true);
    expect(mask).toBe(MASK_OBJECT);
    expect(overlayFlowText(selected[0], cookieWithRound(selected[0].cookie, 7))).toMatch(
      /^table=0,priority=100,cookie=0xa50007..........,in_port=65001,tun_src=172\.31\.0\.2 actions=load:0x1->NXM_NX_REG0\[\],goto_table:20$/,
    );
  });

  it('a peer change changes only that peer’s flows; the desired state of an unknown node is undefined', () => {
    const s2 = reduceTopology(s, [{ type: 'updateNode', node: { name: 'node3', ovsdb: 'unix:/run/n3/db.sock', underlayIp: '172.31.0.99', podCidr: '10.244.0.48/28' } }]);
    const d2 = computeNodeDesired(s2, 'node1')!;
    const before = new Set(d.flows.map((f) => overlayFlowText(f)));
    const diff = d2.flows.map((f) => overlayFlowText(f)).filter((t) => !before.has(t));
    expect(diff).toHaveLength(2);
    expect(diff.every((t) => t.includes('172.31.0.99'))).toBe(true);
    expect(computeNodeDesired(s, 'nope')).toBeUndefined();
  });

  it('computes 1,000 nodes (per-node desired state with 999 peers) fast and linearly', () => {
    const s1k = topo(1000);
    const s5k = topo(4000);
    computeNodeDesired(s1k, 'node1'); // warm the JIT
    const t0 = performance.now();
    const big = computeNodeDesired(s1k, 'node500')!;
    const t1k = performance.now() - t0;
    const t1 = performance.now();
    computeNodeDesired(s5k, 'node500');
    const t4k = performance.now() - t1;
    expect(big.flows.filter((f) => f.actions.includes('tun_dst'))).toHaveLength(999);
    expect(t1k).toBeLessThan(50);
    expect(t4k).toBeLessThan(400);
  });
});

describe('desired state (classic)', () => {
  it('full mesh of per-peer tunnel ports, STP, kbr0, NORMAL forwarding', () => {
    const d = computeNodeDesired(topo(3, { mode: 'classic', tunnel: 'vxlan' }), 'node2')!;
    expect(d.bridge.stpEnable).toBe(true);
    expect(d.bridge.ports).toEqual([
      { name: 'vxlan-ac1f0001', type: 'vxlan', options: { remote_ip: '172.31.0.1' } },
      { name: 'vxlan-ac1f0003', type: 'vxlan', options: { remote_ip: '172.31.0.3' } },
    ]);
    expect(d.host).toMatchObject({ gatewayDevice: 'kbr0', ipForward: true, linuxBridge: { name: 'kbr0', member: 'obr0' }, mtu: 1450 });
    expect(d.bridge.localMtu).toBe(1450); // obr0 (a kbr0 member) gets its MTU over OVSDB
    expect(d.flows.map((f) => f.actions)).toEqual(['NORMAL']);
  });
});

describe('desired flows as OpenFlow', () => {
  it('every flow text parses into a FLOW_MOD with the round in its cookie', () => {
    const d = computeNodeDesired(topo(3, {}, pods), 'node1')!;
    const of = toOpenFlowDesired(d.flows, 9);
    expect(of).toHaveLength(d.flows.length);
    of.forEach((f, i) => {
      expect(f.tableId).toBe(d.flows[i].table);
      expect(f.priority).toBe(d.flows[i].priority);
      expect(parseOverlayCookie(f.cookie!)).toMatchObject({ ours: true, round: 9 });
      expect(f.instructions.length > 0).toBe(d.flows[i].actions !== 'drop');
    });
    // learn actions keep their full 64-bit cookie (pods without pod-mac)
    const learns = of.flatMap((f) => f.instructions.flatMap((i) => (i.type === 'apply_actions' ? i.actions : []))).filter((a) => a.type === 'learn');
    expect(learns).toHaveLength(1);
    for (const a of learns) expect(a).toMatchObject({ cookie: learnedCookie('p2'), tableId: 35, idleTimeout: LEARNED_MAC_IDLE_S, priority: 100 });
    // the tunnel classification matches in_port and tun_src
    const tun = of[d.flows.findIndex((f) => f.match.includes('tun_src=172.31.0.2'))];
    expect(tun.match).toEqual([
      { field: 'in_port', value: 65001 },
      { field: 'tun_src', value: 0xac1f0002 },
    ]);
  });
});

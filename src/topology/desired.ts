/**
 * Desired state of one node, computed from the topology: the OVSDB shape of `obr0`, the OpenFlow flow set and
 * the host-network settings. Pure and cached per peer, so that a node with 1,000 peers is computed in a few ms.
 *
 * Routed-mode pipeline (OpenFlow 1.3 tables; gaps leave room for later stages):
 *
 * | table | stage        | what it does                                                                   |
 * |-------|--------------|--------------------------------------------------------------------------------|
 * | 0     | classify     | by ingress port; tunnel packets only with `tun_src` = a known node's underlay IP; reg0 = 1 tunnel, 2 gateway, 3 pod |
 * | 10    | anti-spoof   | a pod port may only send from its own MAC and IP (IPv4 and ARP)                 |
 * | 20    | ARP          | requests for pod/gateway IPs and peer CIDRs answered in the switch (move/load); never flooded |
 * | 30    | L3           | local /32s to their ports (dst MAC rewritten), peer CIDRs to the tunnel with `tun_dst`, rest of the cluster dropped |
 * | 35    | pod MAC      | MACs learned from pods without `pod-mac` (resubmitted from 30; see below)     |
 * | 40    | output       | split horizon (tunnel in -> tunnel out dropped), then `output:reg1`             |
 *
 * Pods without `pod-mac` (e.g. added with plain `ovs-vsctl add-port ... external_ids:pod-ip=...`): their
 * classification flow (table 0, in_port) also runs a `learn` action (NXAST_LEARN,
 * OVS `lib/learn.c`) that installs, in table 35, `reg1=<pod ofport> actions=load:<the pod's source MAC>->eth_dst`
 * with the pod's learned cookie (category `learned`, round 0). Traffic to such a pod sets eth_dst to broadcast
 * (accepted by the pod's IP stack for ICMP/UDP before anything is learned), then `resubmit(,35)` rewrites it
 * to the learned MAC. ARP requests for such a pod are delivered to the pod itself (never flooded, never into
 * the tunnel) and the pod answers. A pod that never sent anything is probed by the reconciler (an ARP request
 * from the gateway, PACKET_OUT to its port; `arp-probe.ts`): its reply is learned like any other frame.
 */
import { cidrContains, cidrHost, formatIpv4Address, macForIpv4, normalizeMac, parseCidr, parseIpv4Address } from './cidr';
import { CookieCategory, makeOverlayCookie, cookieObjectId, learnedCookie } from './cookies';
import { podMtu as mtuOf, type ClusterSpec, type NodeState, type PodInfo, type TopologyState } from './model';

/** Pipeline table numbers. */
export const OverlayTable = { classify: 0, antiSpoof: 10, arp: 20, l3: 30, podMac: 35, output: 40 } as const;

/** Pinned OpenFlow port numbers of the overlay's own ports (high, so that they never collide with pods). */
export const OverlayPort = { tunnel: 65001, gateway: 65002 } as const;

/** Port and bridge names. */
export const OVERLAY_BRIDGE = 'obr0';
export const TUNNEL_PORT = 'obr0-tun';
export const GATEWAY_PORT = 'obr0-gw';
export const CLASSIC_LINUX_BRIDGE = 'kbr0';

/** obr0 external_ids key holding the controller round. */
export const ROUND_KEY = 'ovs-sdn-round';

/** One flow of the desired set, in Open vSwitch flow syntax (match and actions), cookie without round. */
export interface OverlayFlow {
  readonly table: number;
  readonly priority: number;
  /** Cookie with round 0; the reconciler puts its round in (see `cookieWithRound`). */
  readonly cookie: bigint;
  /** Match fields, e.g. `ip,nw_dst=10.244.2.0/24` ("" = match all). */
  readonly match: string;
  /** Actions, e.g. `set_field:172.31.255.2->tun_dst,load:0xfde9->NXM_NX_REG1[],goto_table:40`; "drop" to drop. */
  readonly actions: string;
}

/** Identity of a flow in a table (OpenFlow: table + priority + match); two flows with one key cannot coexist. */
export function overlayFlowKey(f: Pick<OverlayFlow, 'table' | 'priority' | 'match'>): string {
  return `${f.table}/${f.priority}/${f.match}`;
}

/** `ovs-ofctl add-flows` text of a flow (with the given cookie round already applied by the caller). */
export function overlayFlowText(f: OverlayFlow, cookie: bigint = f.cookie): string {
  const parts = [`table=${f.table}`, `priority=${f.priority}`, `cookie=0x${cookie.toString(16)}`];
  if (f.match) parts.push(f.match);
  return `${parts.join(',')} actions=${f.actions}`;
}

/** A port obr0 must have (created if missing, adopted if present). */
export interface DesiredPort {
  readonly name: string;
  readonly type: 'internal' | 'gre' | 'vxlan';
  /** `ofport_request`. */
  readonly ofport?: number;
  readonly options?: Readonly<Record<string, string>>;
  /** Interface `mac` (internal ports only). */
  readonly mac?: string;
  /** Interface `mtu_request`. */
  readonly mtu?: number;
}

/** The OVSDB shape of obr0. Ports not listed here (pods, foreign ports) are left alone. */
export interface DesiredBridge {
  readonly name: string;
  readonly datapathType: 'system' | 'netdev';
  readonly failMode: 'secure';
  readonly protocols: readonly ['OpenFlow13'];
  readonly stpEnable: boolean;
  readonly otherConfig: Readonly<Record<string, string>>;
  readonly ports: readonly DesiredPort[];
  /** `mtu_request` of the bridge's own internal interface (classic mode: obr0 is a member of kbr0). */
  readonly localMtu?: number;
}

/** Host-side settings (neither OVSDB nor OpenFlow), applied by a {@link HostNetwork} adapter. */
export interface HostNetworkSpec {
  /** Device holding the gateway address (`obr0-gw` routed, `kbr0` classic). */
  readonly gatewayDevice: string;
  /** Gateway address with the node's pod prefix length, e.g. `10.244.1.1/24`. */
  readonly gatewayAddress: string;
  /** The cluster CIDR, routed on-link via the gateway device. */
  readonly clusterRoute: string;
  /**
   * MTU the adapter sets on the gateway device, where OVSDB cannot: classic mode's Linux bridge kbr0. In routed
   * mode it is undefined: obr0-gw is an OVS internal port and gets its MTU from Interface `mtu_request`
   * (and so does obr0 itself in classic mode). Pod interfaces are the pod creator's (CNI plugin's) job: give
   * them {@link NodeDesiredState.podMtu}.
   */
  readonly mtu?: number;
  /**
   * Classic mode: the node kernel forwards between its pods' subnet and the rest of the cluster (pods that
   * use the gateway as default route), so IPv4 forwarding must be on.
   */
  readonly ipForward?: boolean;
  /** Classic mode: the Linux bridge to create and the obr0 internal port to enslave to it. */
  readonly linuxBridge?: { readonly name: string; readonly member: string };
}

/** Everything one node should look like. */
export interface NodeDesiredState {
  readonly node: string;
  readonly mode: 'routed' | 'classic';
  readonly bridge: DesiredBridge;
  readonly flows: readonly OverlayFlow[];
  readonly host: HostNetworkSpec;
  /** Pod and gateway MTU = underlay MTU - 42 (GRE) or - 50 (VxLAN). */
  readonly podMtu: number;
  readonly gatewayIp: string;
  readonly gatewayMac: string;
  /** The virtual router MAC used in ARP answers for remote addresses and as source of routed packets. */
  readonly routerMac: string;
  /** Pod ports whose MAC the switch learns (no `pod-mac`); their learned flows go when they leave. */
  readonly learnedMacPorts: readonly string[];
  /**
   * The same pods with what an ARP probe needs (port, ofport, IP): until their MAC is learned, the reconciler
   * sends them an ARP request from the gateway so that their reply teaches the switch (see `arp-probe.ts`).
   */
  readonly macProbes: readonly MacProbeTarget[];
}

/** A pod whose MAC the switch learns, as the target of an ARP probe. */
export interface MacProbeTarget {
  readonly port: string;
  readonly ofport: number;
  readonly ip: string;
}

const T = OverlayTable;
const TUN = OverlayPort.tunnel;
const GW = OverlayPort.gateway;
const REG0 = 'NXM_NX_REG0[]';
const REG1 = 'NXM_NX_REG1[]';
const peerCache = new WeakMap<NodeState, { mac: string; flows: OverlayFlow[] }>();
const podCache = new Map<string, OverlayFlow[]>();

/**
 * ARP responder (OpenFlow actions, Nicira move/load, OVS `lib/ofp-actions.c`): turns a request into a reply
 * for the requested address with `mac`, and sends it back out of the port it came in on.
 */
function arpReply(mac: string): string {
  return [
    'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]',
    `set_field:${mac}->eth_src`,
    'load:0x2->NXM_OF_ARP_OP[]',
    'move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[]',
    `set_field:${mac}->arp_sha`,
    'move:NXM_OF_ARP_TPA[]->NXM_NX_REG2[]',
    'move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[]',
    'move:NXM_NX_REG2[]->NXM_OF_ARP_SPA[]',
    'IN_PORT',
  ].join(',');
}

/** Idle timeout of a learned pod MAC (s): refreshed by every packet the pod sends; a safety net for stale entries. */
export const LEARNED_MAC_IDLE_S = 300;

/**
 * `learn` action recording a MAC-less pod's source MAC (OVS `learn(...)` syntax, NXAST_LEARN): the learned
 * flow in table 35 matches `reg1=<ofport>` (the L3 stage's output port) and loads the MAC into eth_dst.
 */
function learnPodMac(port: string, ofport: number): string {
  return `learn(table=${OverlayTable.podMac},priority=100,idle_timeout=${LEARNED_MAC_IDLE_S},cookie=0x${learnedCookie(port).toString(16)},` +
    `NXM_NX_REG1[]=${ofport},load:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[])`;
}

/** The virtual router MAC of a cluster: derived from the cluster network address (never a pod's or gateway's). */
export function routerMac(cluster: ClusterSpec): string {
  return macForIpv4(parseCidr(cluster.clusterCidr)!.base);
}

/** The flows one node needs for one peer (cached per peer object: the text is the same on every node). */
function peerFlows(peer: NodeState, arpMac: string): OverlayFlow[] {
  const hit = peerCache.get(peer);
  if (hit && hit.mac === arpMac) return hit.flows;
  const cookie = makeOverlayCookie(CookieCategory.peer, cookieObjectId(peer.name));
  const f: OverlayFlow[] = [
    { table: T.classify, priority: 100, cookie, match: `in_port=${TUN},tun_src=${peer.underlayIp}`, actions: `load:0x1->${REG0},goto_table:${T.arp}` },
    { table: T.arp, priority: 200, cookie, match: `arp,arp_op=1,arp_tpa=${peer.podCidr}`, actions: arpReply(arpMac) },
    {
      table: T.l3,
      priority: 200,
      cookie,
      match: `ip,nw_dst=${peer.podCidr}`,
      actions: `set_field:${peer.underlayIp}->tun_dst,load:${TUN}->${REG1},goto_table:${T.output}`,
    },
  ];
  peerCache.set(peer, { mac: arpMac, flows: f });
  return f;
}

function podFlows(pod: PodInfo & { ofport: number }, rMac: string): OverlayFlow[] {
  const mac = pod.mac ? normalizeMac(pod.mac) : undefined;
  const key = `${pod.port}|${pod.ofport}|${pod.ip}|${mac}|${rMac}`;
  const hit = podCache.get(key);
  if (hit) return hit;
  const cookie = makeOverlayCookie(CookieCategory.pod, cookieObjectId(pod.port));
  const p = pod.ofport;
  const dlSrc = mac ? `,dl_src=${mac}` : '';
  // Without a known MAC, every frame the pod sends (also IPv6 neighbour discovery at link-up, before any IPv4)
  // teaches its MAC to the switch (table 35). Learning happens before anti-spoofing on purpose: the learned
  // entry only steers delivery to this same port, so a pod can only misdirect its own traffic.
  const learn = mac ? '' : `${learnPodMac(pod.port, p)},`;
  const toArp = `goto_table:${T.arp}`;
  const f: OverlayFlow[] = [
    { table: T.classify, priority: 100, cookie, match: `in_port=${p}`, actions: `${learn}load:0x3->${REG0},goto_table:${T.antiSpoof}` },
    { table: T.antiSpoof, priority: 100, cookie, match: `ip,in_port=${p}${dlSrc},nw_src=${pod.ip}`, actions: toArp },
    {
      table: T.antiSpoof,
      priority: 100,
      cookie,
      match: `arp,in_port=${p}${dlSrc},arp_spa=${pod.ip}${mac ? `,arp_sha=${mac}` : ''}`,
      actions: toArp,
    },
    // ARP for/to this pod that the switch does not answer (replies; requests when the MAC is unknown): deliver.
    { table: T.arp, priority: 250, cookie, match: `arp,arp_tpa=${pod.ip}`, actions: `load:${p}->${REG1},goto_table:${T.output}` },
    {
      table: T.l3,
      priority: 300,
      cookie,
      match: `ip,nw_dst=${pod.ip}`,
      actions: mac
        ? `set_field:${rMac}->eth_src,set_field:${mac}->eth_dst,load:${p}->${REG1},goto_table:${T.output}`
        : `set_field:${rMac}->eth_src,set_field:ff:ff:ff:ff:ff:ff->eth_dst,load:${p}->${REG1},resubmit(,${T.podMac}),goto_table:${T.output}`,
    },
  ];
  if (mac) f.push({ table: T.arp, priority: 300, cookie, match: `arp,arp_op=1,arp_tpa=${pod.ip}`, actions: arpReply(mac) });
  if (podCache.size > 100_000) podCache.clear();
  podCache.set(key, f);
  return f;
}

/** True when a pod can be programmed: IP inside the node's CIDR (not network/gateway address), ofport known. */
function usablePod(pod: PodInfo, cidr: ReturnType<typeof parseCidr>): pod is PodInfo & { ofport: number } {
  const ip = parseIpv4Address(pod.ip);
  return (
    ip !== undefined &&
    cidr !== undefined &&
    cidrContains(cidr, ip) &&
    ip !== cidr.base &&
    ip !== cidr.base + 1 &&
    typeof pod.ofport === 'number' &&
    pod.ofport > 0 &&
    pod.ofport < 0xff00
  );
}

/**
 * Computes the desired state of `nodeName` in `state`. Returns undefined when there is no such node.
 * Pods whose IP is outside the node's CIDR, duplicates an earlier pod's IP, or whose ofport is not known yet are
 * left out (they get no flows, hence no connectivity) rather than failing the node.
 */
export function computeNodeDesired(state: TopologyState, nodeName: string): NodeDesiredState | undefined {
  const self = state.nodes.find((n) => n.name === nodeName);
  if (!self) return undefined;
  const cluster = state.cluster;
  const cidr = parseCidr(self.podCidr)!;
  const gwIp = formatIpv4Address(cidrHost(cidr, 1));
  const gwMac = macForIpv4(cidrHost(cidr, 1));
  const rMac = routerMac(cluster);
  const mtu = mtuOf(cluster);
  const classic = cluster.mode === 'classic';
  const peers = state.nodes.filter((n) => n !== self);
  const tunnelType = cluster.tunnel;

  const ports: DesiredPort[] = classic
    ? peers.map((p) => ({
        name: classicTunnelName(tunnelType, p.underlayIp),
        type: tunnelType,
        options: { remote_ip: p.underlayIp },
      }))
    : [
        { name: TUNNEL_PORT, type: tunnelType, ofport: TUN, options: { remote_ip: 'flow' } },
        { name: GATEWAY_PORT, type: 'internal', ofport: GW, mac: gwMac, mtu },
      ];
  const bridge: DesiredBridge = {
    name: OVERLAY_BRIDGE,
    datapathType: cluster.datapathType,
    failMode: 'secure',
    protocols: ['OpenFlow13'],
    stpEnable: classic,
    // 802.1D timers at their minimums so that a classic lab converges in seconds rather than 30 s.
    otherConfig: classic ? { 'stp-forward-delay': '4', 'stp-max-age': '6', 'stp-hello-time': '1' } : {},
    ports,
    ...(classic ? { localMtu: mtu } : {}),
  };
  const host: HostNetworkSpec = {
    gatewayDevice: classic ? CLASSIC_LINUX_BRIDGE : GATEWAY_PORT,
    gatewayAddress: `${gwIp}/${cidr.prefix}`,
    clusterRoute: cluster.clusterCidr,
    ...(classic ? { mtu, ipForward: true, linuxBridge: { name: CLASSIC_LINUX_BRIDGE, member: OVERLAY_BRIDGE } } : {}),
  };

  let flows: OverlayFlow[];
  const learned: string[] = [];
  const probes: MacProbeTarget[] = [];
  if (classic) {
    flows = [{ table: 0, priority: 0, cookie: makeOverlayCookie(CookieCategory.base, 0), match: '', actions: 'NORMAL' }];
  } else {
    const base = makeOverlayCookie(CookieCategory.base, 0);
    const local = makeOverlayCookie(CookieCategory.local, cookieObjectId(self.name));
    flows = [
      { table: T.classify, priority: 0, cookie: base, match: '', actions: 'drop' },
      { table: T.classify, priority: 100, cookie: base, match: `in_port=${GW}`, actions: `load:0x2->${REG0},goto_table:${T.arp}` },
      { table: T.antiSpoof, priority: 0, cookie: base, match: '', actions: 'drop' },
      { table: T.arp, priority: 0, cookie: base, match: '', actions: 'drop' },
      { table: T.arp, priority: 100, cookie: base, match: 'arp', actions: 'drop' },
      { table: T.arp, priority: 100, cookie: base, match: 'ip', actions: `goto_table:${T.l3}` },
      { table: T.l3, priority: 0, cookie: base, match: '', actions: 'drop' },
      // Learned pod MACs (table 35) are only reached by resubmit; no entry = keep eth_dst, continue.
      { table: T.podMac, priority: 0, cookie: base, match: '', actions: 'drop' },
      // Unallocated cluster addresses (including our own CIDR's unused ones) end here.
      { table: T.l3, priority: 100, cookie: base, match: `ip,nw_dst=${cluster.clusterCidr}`, actions: 'drop' },
      // Anything else a pod sends (outside the cluster) goes to the host via the gateway port.
      {
        table: T.l3,
        priority: 10,
        cookie: base,
        match: 'ip,reg0=0x3',
        actions: `set_field:${gwMac}->eth_dst,load:${GW}->${REG1},goto_table:${T.output}`,
      },
      // Split horizon: nothing that came from the tunnel goes back into it.
      { table: T.output, priority: 100, cookie: base, match: `reg0=0x1,reg1=${TUN}`, actions: 'drop' },
      { table: T.output, priority: 0, cookie: base, match: '', actions: `output:${REG1}` },
      { table: T.arp, priority: 300, cookie: local, match: `arp,arp_op=1,arp_tpa=${gwIp}`, actions: arpReply(gwMac) },
      { table: T.arp, priority: 250, cookie: local, match: `arp,arp_tpa=${gwIp}`, actions: `load:${GW}->${REG1},goto_table:${T.output}` },
      {
        table: T.l3,
        priority: 300,
        cookie: local,
        match: `ip,nw_dst=${gwIp}`,
        actions: `set_field:${gwMac}->eth_dst,load:${GW}->${REG1},goto_table:${T.output}`,
      },
    ];
    for (const p of peers) for (const f of peerFlows(p, rMac)) flows.push(f);
    const seenIps = new Set<string>();
    for (const pod of self.pods) {
      if (!usablePod(pod, cidr) || seenIps.has(pod.ip)) continue;
      seenIps.add(pod.ip);
      for (const f of podFlows(pod, rMac)) flows.push(f);
      if (!pod.mac || !normalizeMac(pod.mac)) {
        learned.push(pod.port);
        probes.push({ port: pod.port, ofport: pod.ofport, ip: pod.ip });
      }
    }
  }
  return {
    node: self.name,
    mode: cluster.mode,
    bridge,
    flows,
    host,
    podMtu: mtu,
    gatewayIp: gwIp,
    gatewayMac: gwMac,
    routerMac: rMac,
    learnedMacPorts: learned,
    macProbes: probes,
  };
}

/** Name of the classic-mode tunnel port to a peer: `<type>-<peer underlay IP in hex>` (<= 14 characters). */
export function classicTunnelName(type: 'gre' | 'vxlan', underlayIp: string): string {
  return `${type}-${(parseIpv4Address(underlayIp) ?? 0).toString(16).padStart(8, '0')}`;
}

/**
 * The topology model: cluster settings, nodes and pods, as plain immutable data. Reducers over it live in
 * `reducers.ts`; the store in `store.ts`.
 */
import { cidrOverlaps, cidrWithin, formatCidr, parseCidr, parseIpv4Address, type Ipv4Cidr } from './cidr';

/** Tunnel encapsulation between nodes. */
export type TunnelType = 'gre' | 'vxlan';
/** Data-plane design: `routed` (flow-based tunnel, L3 pipeline; default) or `classic` (kbr0 + full mesh + STP). */
export type OverlayMode = 'routed' | 'classic';

/** Cluster-wide settings. */
export interface ClusterSpec {
  /** The range every pod address comes from, e.g. `10.244.0.0/16`. */
  readonly clusterCidr: string;
  readonly tunnel: TunnelType;
  readonly mode: OverlayMode;
  /** Bridge datapath type: `system` (kernel module) or `netdev` (userspace). */
  readonly datapathType: 'system' | 'netdev';
  /** MTU of the underlay network; pod MTU = this minus the tunnel overhead. */
  readonly underlayMtu: number;
  /** Prefix length of each node's pod CIDR when allocated (default 24). */
  readonly nodePrefix: number;
}

/** A node as given by a source (pod CIDR and OpenFlow endpoint may be missing). */
export interface NodeInput {
  readonly name: string;
  /** OVSDB endpoint, e.g. `unix:/run/n1/db.sock` or `tcp:10.0.0.1:6640`. */
  readonly ovsdb: string;
  readonly underlayIp: string;
  readonly podCidr?: string;
  readonly openflow?: string;
}

/** A pod discovered on a node: an obr0 port whose Interface external_ids carry `pod-ip`. */
export interface PodInfo {
  /** The obr0 port (= Interface) name. */
  readonly port: string;
  readonly ip: string;
  /** From external_ids `pod-mac`; without it the switch learns the MAC from the pod's own traffic (see `desired.ts`). */
  readonly mac?: string;
  /** From external_ids `pod-name`. */
  readonly podName?: string;
  /** The OpenFlow port number OVS assigned, once known. */
  readonly ofport?: number;
}

/** A node in the state: everything resolved (pod CIDR allocated, OpenFlow endpoint defaulted). */
export interface NodeState {
  readonly name: string;
  readonly ovsdb: string;
  readonly openflow: string;
  readonly underlayIp: string;
  readonly podCidr: string;
  /** True when the pod CIDR was allocated by the store (IPAM) rather than given. */
  readonly podCidrAllocated: boolean;
  /** Pods by port name, sorted by port name. */
  readonly pods: readonly PodInfo[];
}

/** The whole topology at one instant. */
export interface TopologyState {
  readonly cluster: ClusterSpec;
  /** Nodes in insertion order. */
  readonly nodes: readonly NodeState[];
  /** Monotonic version, +1 per applied batch. */
  readonly version: number;
}

/** Defaults for omitted cluster keys (and the README's documented values). */
export const DEFAULT_CLUSTER: ClusterSpec = {
  clusterCidr: '10.244.0.0/16',
  tunnel: 'gre',
  mode: 'routed',
  datapathType: 'system',
  underlayMtu: 1500,
  nodePrefix: 24,
};

/** Stable error codes for bad topology input. */
export type TopologyErrorCode =
  | 'TOPOLOGY_INVALID_FIELD'
  | 'TOPOLOGY_DUPLICATE'
  | 'TOPOLOGY_OVERLAP'
  | 'TOPOLOGY_OUTSIDE_CLUSTER'
  | 'TOPOLOGY_IPAM_EXHAUSTED'
  | 'TOPOLOGY_UNKNOWN_NODE'
  | 'TOPOLOGY_CONFIG_UNREADABLE'
  | 'TOPOLOGY_UNREACHABLE'
  /** An ARP probe of a MAC-less pod (PACKET_OUT) was rejected by the switch; retried on the next audit. */
  | 'TOPOLOGY_PROBE_FAILED';

/** Bad topology input: names the node (when there is one) and the field. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  constructor(
    readonly code: TopologyErrorCode,
    message: string,
    readonly context: { node?: string; field?: string; value?: unknown; other?: string } = {},
  ) {
    super(message);
  }
}

/**
 * Encapsulation overhead in bytes: outer IPv4 (20) + GRE with key (8; OVS always sends the key) + inner
 * Ethernet (14) = 42; outer IPv4 (20) + UDP (8) + VxLAN (8) + inner Ethernet (14) = 50.
 */
export function tunnelOverhead(tunnel: TunnelType): number {
  return tunnel === 'gre' ? 42 : 50;
}

/** MTU of pod and gateway interfaces: underlay MTU minus the tunnel overhead. */
export function podMtu(cluster: ClusterSpec): number {
  return cluster.underlayMtu - tunnelOverhead(cluster.tunnel);
}

/** Default OpenFlow endpoint of a node: `unix:<directory of db.sock>/obr0.mgmt` for a unix OVSDB endpoint. */
export function defaultOpenflowEndpoint(ovsdb: string, bridge = 'obr0'): string | undefined {
  if (!ovsdb.startsWith('unix:')) return undefined;
  const path = ovsdb.slice(5);
  const slash = path.lastIndexOf('/');
  return `unix:${slash >= 0 ? path.slice(0, slash) : '.'}/${bridge}.mgmt`;
}

const NODE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const ENDPOINT_RE = /^(unix:.+|tcp:.+:\d+|ssl:.+:\d+)$/;

/** Validates and normalizes cluster settings; throws {@link TopologyError} naming the field. */
export function validateCluster(input: Partial<Record<keyof ClusterSpec, unknown>>): ClusterSpec {
  const c = { ...DEFAULT_CLUSTER, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
  const bad = (field: string, why: string): never => {
    throw new TopologyError('TOPOLOGY_INVALID_FIELD', `cluster ${field}: ${why} (got ${JSON.stringify(c[field as keyof typeof c])})`, {
      field,
      value: c[field as keyof typeof c],
    });
  };
  const cidr = parseCidr(c.clusterCidr as string);
  if (!cidr) bad('clusterCidr', 'must be an IPv4 prefix a.b.c.d/n with zero host bits');
  if (c.tunnel !== 'gre' && c.tunnel !== 'vxlan') bad('tunnel', 'must be "gre" or "vxlan"');
  if (c.mode !== 'routed' && c.mode !== 'classic') bad('mode', 'must be "routed" or "classic"');
  if (c.datapathType !== 'system' && c.datapathType !== 'netdev') bad('datapathType', 'must be "system" or "netdev"');
  if (!Number.isInteger(c.underlayMtu) || (c.underlayMtu as number) < 576 || (c.underlayMtu as number) > 65535)
    bad('underlayMtu', 'must be an integer 576..65535');
  if (!Number.isInteger(c.nodePrefix) || (c.nodePrefix as number) < cidr!.prefix || (c.nodePrefix as number) > 30)
    bad('nodePrefix', `must be an integer between the cluster prefix (${cidr!.prefix}) and 30`);
  return { ...(c as ClusterSpec), clusterCidr: formatCidr(cidr!) };
}

/** Validates one node's own fields (not its relation to others); throws naming node and field. */
export function validateNodeFields(n: NodeInput): void {
  const name = typeof n?.name === 'string' ? n.name : undefined;
  const bad = (field: string, why: string, value: unknown): never => {
    throw new TopologyError('TOPOLOGY_INVALID_FIELD', `node ${name ?? '?'} ${field}: ${why} (got ${JSON.stringify(value)})`, {
      node: name,
      field,
      value,
    });
  };
  if (!name || !NODE_NAME_RE.test(name)) bad('name', 'must be 1-63 characters [A-Za-z0-9_.-]', n?.name);
  if (typeof n.ovsdb !== 'string' || !ENDPOINT_RE.test(n.ovsdb))
    bad('ovsdb', 'must be an OVSDB endpoint unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT', n.ovsdb);
  if (parseIpv4Address(n.underlayIp) === undefined) bad('underlayIp', 'must be an IPv4 address', n.underlayIp);
  if (n.podCidr !== undefined && !parseCidr(n.podCidr))
    bad('podCidr', 'must be an IPv4 prefix a.b.c.d/n with zero host bits', n.podCidr);
  if (n.openflow !== undefined && (typeof n.openflow !== 'string' || !ENDPOINT_RE.test(n.openflow)))
    bad('openflow', 'must be an OpenFlow endpoint unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT', n.openflow);
  if (n.openflow === undefined && defaultOpenflowEndpoint(n.ovsdb) === undefined)
    bad('openflow', 'is required when ovsdb is not a unix: endpoint', n.openflow);
}

/**
 * Checks the relations between nodes of a state: unique names, underlay IPs, pod CIDRs inside the cluster CIDR
 * and not overlapping each other, pod IPs inside their node's CIDR and unique. Throws the first violation.
 */
export function validateState(s: TopologyState): void {
  const cluster = parseCidr(s.cluster.clusterCidr)!;
  const names = new Map<string, NodeState>();
  const ips = new Map<string, string>();
  const cidrs: { node: string; cidr: Ipv4Cidr }[] = [];
  for (const n of s.nodes) {
    if (names.has(n.name))
      throw new TopologyError('TOPOLOGY_DUPLICATE', `node ${n.name} name: duplicate node name`, { node: n.name, field: 'name' });
    names.set(n.name, n);
    const other = ips.get(n.underlayIp);
    if (other !== undefined)
      throw new TopologyError('TOPOLOGY_DUPLICATE', `node ${n.name} underlayIp: ${n.underlayIp} is already node ${other}'s`, {
        node: n.name,
        field: 'underlayIp',
        value: n.underlayIp,
        other,
      });
    ips.set(n.underlayIp, n.name);
    const c = parseCidr(n.podCidr)!;
    if (!cidrWithin(c, cluster))
      throw new TopologyError(
        'TOPOLOGY_OUTSIDE_CLUSTER',
        `node ${n.name} podCidr: ${n.podCidr} is outside the cluster CIDR ${s.cluster.clusterCidr}`,
        { node: n.name, field: 'podCidr', value: n.podCidr },
      );
    if (c.prefix > 30)
      throw new TopologyError('TOPOLOGY_INVALID_FIELD', `node ${n.name} podCidr: ${n.podCidr} is too small (max /30)`, {
        node: n.name,
        field: 'podCidr',
        value: n.podCidr,
      });
    for (const o of cidrs) {
      if (cidrOverlaps(o.cidr, c))
        throw new TopologyError('TOPOLOGY_OVERLAP', `node ${n.name} podCidr: ${n.podCidr} overlaps node ${o.node}'s ${formatCidr(o.cidr)}`, {
          node: n.name,
          field: 'podCidr',
          value: n.podCidr,
          other: o.node,
        });
    }
    cidrs.push({ node: n.name, cidr: c });
  }
}

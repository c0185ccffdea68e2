/**
 * Pure reducers of the topology: (state, events) -> state. No I/O, no clocks; the store applies them and
 * rejects a batch whose result does not validate (then the previous state stays).
 */
import { cidrOverlaps, cidrSize, formatCidr, parseCidr, type Ipv4Cidr } from './cidr';
import {
  defaultOpenflowEndpoint,
  TopologyError,
  validateCluster,
  validateNodeFields,
  validateState,
  type ClusterSpec,
  type NodeInput,
  type NodeState,
  type PodInfo,
  type TopologyState,
} from './model';

/** One change to the topology. A batch of them is applied atomically. */
export type TopologyEvent =
  | { readonly type: 'setCluster'; readonly cluster: Partial<ClusterSpec> }
  | { readonly type: 'addNode'; readonly node: NodeInput }
  | { readonly type: 'updateNode'; readonly node: NodeInput }
  | { readonly type: 'upsertNode'; readonly node: NodeInput }
  | { readonly type: 'removeNode'; readonly name: string }
  /** The full node set (a config file re-read): nodes not listed are removed; pods and allocations kept. */
  | { readonly type: 'replaceNodes'; readonly nodes: readonly NodeInput[] }
  /** The pods discovered on a node (replaces that node's pod list). */
  | { readonly type: 'setPods'; readonly node: string; readonly pods: readonly PodInfo[] };

/** An empty topology with the given cluster settings. */
export function initialTopologyState(cluster: Partial<ClusterSpec> = {}): TopologyState {
  return { cluster: validateCluster(cluster), nodes: [], version: 0 };
}

function resolveNode(input: NodeInput, prev: NodeState | undefined): NodeState {
  validateNodeFields(input);
  const given = input.podCidr !== undefined ? formatCidr(parseCidr(input.podCidr)!) : undefined;
  return {
    name: input.name,
    ovsdb: input.ovsdb,
    openflow: input.openflow ?? defaultOpenflowEndpoint(input.ovsdb)!,
    underlayIp: input.underlayIp,
    // A node without a given CIDR keeps the one allocated earlier ("" = allocate below).
    podCidr: given ?? (prev?.podCidrAllocated ? prev.podCidr : ''),
    podCidrAllocated: given === undefined,
    pods: prev?.pods ?? [],
  };
}

/** Returns `prev` itself when nothing changed, so that derived streams can compare by reference. */
function same(a: NodeState, b: NodeState): boolean {
  return (
    a.name === b.name &&
    a.ovsdb === b.ovsdb &&
    a.openflow === b.openflow &&
    a.underlayIp === b.underlayIp &&
    a.podCidr === b.podCidr &&
    a.podCidrAllocated === b.podCidrAllocated &&
    a.pods === b.pods
  );
}

function sortPods(pods: readonly PodInfo[]): PodInfo[] {
  return [...pods].sort((x, y) => (x.port < y.port ? -1 : x.port > y.port ? 1 : 0));
}

function samePods(a: readonly PodInfo[], b: readonly PodInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.port !== y.port || x.ip !== y.ip || x.mac !== y.mac || x.podName !== y.podName || x.ofport !== y.ofport)
      return false;
  }
  return true;
}

/**
 * IPAM: gives every node without a pod CIDR the lowest free block of `nodePrefix` bits inside the cluster CIDR
 * that overlaps no other node's CIDR. Nodes that had an allocation keep it (their CIDR is already set).
 */
export function allocatePodCidrs(cluster: ClusterSpec, nodes: NodeState[]): NodeState[] {
  if (nodes.every((n) => n.podCidr !== '')) return nodes;
  const range = parseCidr(cluster.clusterCidr)!;
  const blockSize = 2 ** (32 - cluster.nodePrefix);
  const blocks = cidrSize(range) / blockSize;
  const taken: Ipv4Cidr[] = [];
  const takenBlocks = new Set<number>();
  for (const n of nodes) {
    if (n.podCidr === '') continue;
    const c = parseCidr(n.podCidr)!;
    if (c.prefix === cluster.nodePrefix && cidrOverlaps(c, range)) takenBlocks.add((c.base - range.base) / blockSize);
    else taken.push(c);
  }
  let next = 0;
  return nodes.map((n) => {
    if (n.podCidr !== '') return n;
    for (; next < blocks; next++) {
      if (takenBlocks.has(next)) continue;
      const c = { base: (range.base + next * blockSize) >>> 0, prefix: cluster.nodePrefix };
      if (taken.some((t) => cidrOverlaps(t, c))) continue;
      takenBlocks.add(next);
      return { ...n, podCidr: formatCidr(c) };
    }
    throw new TopologyError(
      'TOPOLOGY_IPAM_EXHAUSTED',
      `node ${n.name} podCidr: no free /${cluster.nodePrefix} left in ${cluster.clusterCidr}`,
      { node: n.name, field: 'podCidr' },
    );
  });
}

/**
 * Applies a batch of events to a state and returns the new state (version + 1), or `state` itself when the
 * batch changed nothing. Throws {@link TopologyError} (naming node and field) when an event or the result is
 * invalid; `state` is never modified.
 */
export function reduceTopology(state: TopologyState, events: readonly TopologyEvent[]): TopologyState {
  let cluster = state.cluster;
  const order: string[] = state.nodes.map((n) => n.name);
  const nodes = new Map<string, NodeState>(state.nodes.map((n) => [n.name, n]));
  const prevByName = new Map<string, NodeState>(state.nodes.map((n) => [n.name, n]));
  for (const ev of events) {
    switch (ev.type) {
      case 'setCluster':
        cluster = validateCluster({ ...cluster, ...ev.cluster });
        break;
      case 'addNode':
      case 'updateNode':
      case 'upsertNode': {
        const name = ev.node?.name;
        const exists = typeof name === 'string' && nodes.has(name);
        if (ev.type === 'addNode' && exists)
          throw new TopologyError('TOPOLOGY_DUPLICATE', `node ${name} name: duplicate node name`, { node: name, field: 'name' });
        if (ev.type === 'updateNode' && !exists)
          throw new TopologyError('TOPOLOGY_UNKNOWN_NODE', `node ${String(name)} name: no such node`, { node: name, field: 'name' });
        const n = resolveNode(ev.node, nodes.get(name));
        if (!exists) order.push(n.name);
        nodes.set(n.name, n);
        break;
      }
      case 'removeNode':
        if (!nodes.delete(ev.name))
          throw new TopologyError('TOPOLOGY_UNKNOWN_NODE', `node ${ev.name} name: no such node`, { node: ev.name, field: 'name' });
        order.splice(order.indexOf(ev.name), 1);
        break;
      case 'replaceNodes': {
        const seen = new Set<string>();
        for (const input of ev.nodes) {
          const n = resolveNode(input, nodes.get(input?.name));
          if (seen.has(n.name))
            throw new TopologyError('TOPOLOGY_DUPLICATE', `node ${n.name} name: duplicate node name`, { node: n.name, field: 'name' });
          seen.add(n.name);
          if (!nodes.has(n.name)) order.push(n.name);
          nodes.set(n.name, n);
        }
        for (const name of [...nodes.keys()]) {
          if (!seen.has(name)) {
            nodes.delete(name);
            order.splice(order.indexOf(name), 1);
          }
        }
        break;
      }
      case 'setPods': {
        const n = nodes.get(ev.node);
        if (!n) throw new TopologyError('TOPOLOGY_UNKNOWN_NODE', `node ${ev.node} pods: no such node`, { node: ev.node, field: 'pods' });
        const pods = sortPods(ev.pods);
        if (!samePods(pods, n.pods)) nodes.set(n.name, { ...n, pods });
        break;
      }
      default:
        throw new TopologyError('TOPOLOGY_INVALID_FIELD', `unknown topology event ${JSON.stringify((ev as { type?: unknown })?.type)}`, {
          field: 'type',
        });
    }
  }
  let list = order.map((name) => {
    const n = nodes.get(name)!;
    const prev = prevByName.get(name);
    return prev && same(prev, n) ? prev : n;
  });
  list = allocatePodCidrs(cluster, list).map((n) => {
    const prev = prevByName.get(n.name);
    return prev && same(prev, n) ? prev : n;
  });
  const unchanged =
    cluster === state.cluster && list.length === state.nodes.length && list.every((n, i) => n === state.nodes[i]);
  if (unchanged) return state;
  const next: TopologyState = { cluster, nodes: list, version: state.version + 1 };
  validateState(next);
  return next;
}

/**
 * The cluster config file (`ovs-sdn overlay --config cluster.json`):
 *
 * ```json
 * {"clusterCidr": "10.244.0.0/16", "tunnel": "gre", "mode": "routed", "datapathType": "system",
 *  "underlayMtu": 1500, "nodes": [{"name": "node1", "ovsdb": "unix:/run/n1/db.sock",
 *  "openflow": "unix:/run/n1/obr0.mgmt", "underlayIp": "172.31.255.1", "podCidr": "10.244.1.0/24"}]}
 * ```
 */
import type { ClusterSpec, NodeInput } from './model';
import { TopologyError, validateCluster, validateNodeFields } from './model';

/** A parsed config: cluster settings and the node list (not yet checked against each other). */
export interface ClusterConfig {
  readonly cluster: ClusterSpec;
  readonly nodes: readonly NodeInput[];
}

const CLUSTER_KEYS = ['clusterCidr', 'tunnel', 'mode', 'datapathType', 'underlayMtu', 'nodePrefix'];
const NODE_KEYS = ['name', 'ovsdb', 'openflow', 'underlayIp', 'podCidr'];
/** Caps that keep a hostile or broken file from costing unbounded time. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_NODES = 100_000;

/** Parses and checks config text; throws {@link TopologyError} naming the node and field. */
export function parseClusterConfig(text: string, source = 'config'): ClusterConfig {
  if (text.length > MAX_CONFIG_BYTES)
    throw new TopologyError('TOPOLOGY_CONFIG_UNREADABLE', `${source}: larger than ${MAX_CONFIG_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TopologyError('TOPOLOGY_CONFIG_UNREADABLE', `${source}: not valid JSON: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new TopologyError('TOPOLOGY_CONFIG_UNREADABLE', `${source}: must be a JSON object`);
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (k !== 'nodes' && !CLUSTER_KEYS.includes(k))
      throw new TopologyError('TOPOLOGY_INVALID_FIELD', `${source}: unknown key ${JSON.stringify(k)}`, { field: k });
  }
  const cluster = validateCluster(Object.fromEntries(CLUSTER_KEYS.map((k) => [k, obj[k]])));
  const nodesRaw = obj.nodes ?? [];
  if (!Array.isArray(nodesRaw))
    throw new TopologyError('TOPOLOGY_INVALID_FIELD', `${source}: nodes must be an array`, { field: 'nodes' });
  if (nodesRaw.length > MAX_NODES)
    throw new TopologyError('TOPOLOGY_INVALID_FIELD', `${source}: more than ${MAX_NODES} nodes`, { field: 'nodes' });
  const nodes = nodesRaw.map((n: unknown, i: number): NodeInput => {
    if (n === null || typeof n !== 'object' || Array.isArray(n))
      throw new TopologyError('TOPOLOGY_INVALID_FIELD', `${source}: nodes[${i}] must be an object`, { field: `nodes[${i}]` });
    const r = n as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!NODE_KEYS.includes(k))
        throw new TopologyError('TOPOLOGY_INVALID_FIELD', `${source}: node ${String(r.name ?? `#${i}`)}: unknown key ${JSON.stringify(k)}`, {
          node: typeof r.name === 'string' ? r.name : undefined,
          field: k,
        });
    }
    const input = {
      name: r.name,
      ovsdb: r.ovsdb,
      underlayIp: r.underlayIp,
      ...(r.podCidr !== undefined ? { podCidr: r.podCidr } : {}),
      ...(r.openflow !== undefined ? { openflow: r.openflow } : {}),
    } as NodeInput;
    validateNodeFields(input);
    return input;
  });
  return { cluster, nodes };
}

import { TopologyError, type NodeInput } from '../../../src/topology/model';
import { initialTopologyState, reduceTopology, allocatePodCidrs } from '../../../src/topology/reducers';

const node = (i: number, extra: Partial<NodeInput> = {}): NodeInput => ({
  name: `node${i}`,
  ovsdb: `unix:/run/n${i}/db.sock`,
  underlayIp: `172.31.255.${i}`,
  ...extra,
});

function expectTopologyError(fn: () => unknown, code: string, nodeName: string | undefined, field: string) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyError);
    const te = e as TopologyError;
    expect({ code: te.code, node: te.context.node, field: te.context.field }).toEqual({ code, node: nodeName, field });
    if (nodeName) expect(te.message).toContain(nodeName);
    expect(te.message).toContain(field);
    return;
  }
  throw new Error('expected a TopologyError');
}

describe('topology reducers', () => {
  const s0 = initialTopologyState({ clusterCidr: '10.244.0.0/16' });

  it('adds nodes, defaults the OpenFlow endpoint, allocates missing pod CIDRs (lowest free block)', () => {
    const s = reduceTopology(s0, [
      { type: 'addNode', node: node(1, { podCidr: '10.244.0.0/24' }) },
      { type: 'addNode', node: node(2) },
      { type: 'addNode', node: node(3, { openflow: 'tcp:10.0.0.3:6653' }) },
    ]);
    expect(s.version).toBe(1);
    expect(s.nodes.map((n) => [n.name, n.podCidr, n.podCidrAllocated])).toEqual([
      ['node1', '10.244.0.0/24', false],
      ['node2', '10.244.1.0/24', true],
      ['node3', '10.244.2.0/24', true],
    ]);
    expect(s.nodes[0].openflow).toBe('unix:/run/n1/obr0.mgmt');
    expect(s.nodes[2].openflow).toBe('tcp:10.0.0.3:6653');
  });

  it('keeps allocations stable when nodes come and go, and reuses freed blocks only for new nodes', () => {
    let s = reduceTopology(s0, [1, 2, 3].map((i) => ({ type: 'addNode' as const, node: node(i) })));
    expect(s.nodes.map((n) => n.podCidr)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    s = reduceTopology(s, [{ type: 'removeNode', name: 'node1' }]);
    s = reduceTopology(s, [{ type: 'updateNode', node: node(3, { underlayIp: '172.31.255.33' }) }]);
    expect(s.nodes.map((n) => [n.name, n.podCidr])).toEqual([
      ['node2', '10.244.1.0/24'],
      ['node3', '10.244.2.0/24'],
    ]);
    s = reduceTopology(s, [{ type: 'addNode', node: node(4) }]);
    expect(s.nodes.find((n) => n.name === 'node4')!.podCidr).toBe('10.244.0.0/24');
    // replaceNodes (a config re-read) keeps allocations of surviving nodes too
    s = reduceTopology(s, [{ type: 'replaceNodes', nodes: [node(4), node(2)] }]);
    expect(s.nodes.map((n) => [n.name, n.podCidr])).toEqual([
      ['node2', '10.244.1.0/24'],
      ['node4', '10.244.0.0/24'],
    ]);
  });

  it('skips blocks taken by given CIDRs of other sizes, and reports exhaustion naming the node', () => {
    const small = initialTopologyState({ clusterCidr: '10.0.0.0/23', nodePrefix: 24 });
    const s = reduceTopology(small, [
      { type: 'addNode', node: node(1, { podCidr: '10.0.0.0/25' }) },
      { type: 'addNode', node: node(2) },
    ]);
    expect(s.nodes[1].podCidr).toBe('10.0.1.0/24');
    expectTopologyError(() => reduceTopology(s, [{ type: 'addNode', node: node(3) }]), 'TOPOLOGY_IPAM_EXHAUSTED', 'node3', 'podCidr');
  });

  it('returns the same state object for a no-op batch and keeps unchanged node objects', () => {
    const s = reduceTopology(s0, [{ type: 'addNode', node: node(1) }, { type: 'addNode', node: node(2) }]);
    expect(reduceTopology(s, [{ type: 'upsertNode', node: node(1) }])).toBe(s);
    expect(reduceTopology(s, [{ type: 'setPods', node: 'node1', pods: [] }])).toBe(s);
    const s2 = reduceTopology(s, [{ type: 'setPods', node: 'node2', pods: [{ port: 'b', ip: '10.244.1.3', ofport: 5 }, { port: 'a', ip: '10.244.1.2', ofport: 4 }] }]);
    expect(s2.nodes[0]).toBe(s.nodes[0]);
    expect(s2.nodes[1].pods.map((p) => p.port)).toEqual(['a', 'b']);
    expect(reduceTopology(s2, [{ type: 'setPods', node: 'node2', pods: [...s2.nodes[1].pods].reverse() }])).toBe(s2);
  });

  it('rejects bad input with a clear error naming node and field, leaving the input state untouched', () => {
    const s = reduceTopology(s0, [
      { type: 'addNode', node: node(1, { podCidr: '10.244.1.0/24' }) },
      { type: 'addNode', node: node(2, { podCidr: '10.244.2.0/24' }) },
    ]);
    const frozen = JSON.stringify(s);
    expectTopologyError(() => reduceTopology(s, [{ type: 'addNode', node: node(3, { podCidr: '10.244.1.128/25' }) }]), 'TOPOLOGY_OVERLAP', 'node3', 'podCidr');
    expectTopologyError(() => reduceTopology(s, [{ type: 'addNode', node: node(3, { podCidr: '10.99.0.0/24' }) }]), 'TOPOLOGY_OUTSIDE_CLUSTER', 'node3', 'podCidr');
    expectTopologyError(() => reduceTopology(s, [{ type: 'addNode', node: node(1) }]), 'TOPOLOGY_DUPLICATE', 'node1', 'name');
    expectTopologyError(
      () => reduceTopology(s, [{ type: 'replaceNodes', nodes: [node(1), node(1, { underlayIp: '172.31.255.9' })] }]),
      'TOPOLOGY_DUPLICATE',
      'node1',
      'name',
    );
    expectTopologyError(() => reduceTopology(s, [{ type: 'addNode', node: node(3, { underlayIp: '172.31.255.1' }) }]), 'TOPOLOGY_DUPLICATE', 'node3', 'underlayIp');
    expectTopologyError(() => reduceTopology(s, [{ type: 'addNode', node: node(3, { underlayIp: '172.31.255.256' }) }]), 'TOPOLOGY_INVALID_FIELD', 'node3', 'underlayIp');
    expectTopologyError(() => reduceTopology(s, [{ type: 'addNode', node: node(3, { podCidr: '10.244.3.1/24' }) }]), 'TOPOLOGY_INVALID_FIELD', 'node3', 'podCidr');
    expectTopologyError(() => reduceTopology(s, [{ type: 'addNode', node: node(3, { ovsdb: 'http://x' }) }]), 'TOPOLOGY_INVALID_FIELD', 'node3', 'ovsdb');
    expectTopologyError(() => reduceTopology(s, [{ type: 'addNode', node: node(3, { ovsdb: 'tcp:10.0.0.3:6640' }) }]), 'TOPOLOGY_INVALID_FIELD', 'node3', 'openflow');
    expectTopologyError(() => reduceTopology(s, [{ type: 'updateNode', node: node(7) }]), 'TOPOLOGY_UNKNOWN_NODE', 'node7', 'name');
    expectTopologyError(() => reduceTopology(s, [{ type: 'setCluster', cluster: { tunnel: 'ipip' as 'gre' } }]), 'TOPOLOGY_INVALID_FIELD', undefined, 'tunnel');
    // shrinking the cluster range so that an existing node falls outside is rejected too
    expectTopologyError(() => reduceTopology(s, [{ type: 'setCluster', cluster: { clusterCidr: '10.244.2.0/23' } }]), 'TOPOLOGY_OUTSIDE_CLUSTER', 'node1', 'podCidr');
    // a batch is atomic: the good first event is not applied either
    expect(() => reduceTopology(s, [{ type: 'addNode', node: node(3) }, { type: 'removeNode', name: 'nope' }])).toThrow(TopologyError);
    expect(JSON.stringify(s)).toBe(frozen);
  });

  it('never throws anything but TopologyError on garbage input', () => {
    const garbage: unknown[] = [null, 1, 'x', {}, { name: 5 }, { name: 'n', ovsdb: 1 }, { name: 'n', ovsdb: 'unix:/x', underlayIp: null }];
    for (const g of garbage) {
      expect(() => reduceTopology(s0, [{ type: 'addNode', node: g as NodeInput }])).toThrow(TopologyError);
    }
    expect(() => reduceTopology(s0, [{ type: 'bogus' } as never])).toThrow(TopologyError);
  });

  it('allocates 1,000 nodes in well under a second', () => {
    const t0 = performance.now();
    const s = reduceTopology(s0, Array.from({ length: 255 }, (_, i) => ({ type: 'addNode' as const, node: node(i + 1) })));
    expect(new Set(s.nodes.map((n) => n.podCidr)).size).toBe(255);
    expect(allocatePodCidrs(s.cluster, [...s.nodes])).toEqual(s.nodes);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

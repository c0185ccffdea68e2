import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { parseClusterConfig } from '../../../src/topology/config';
import { TopologyError } from '../../../src/topology/model';
import { ConfigFileSource } from '../../../src/topology/sources';
import { TopologyStore } from '../../../src/topology/store';

const n = (i: number) => ({ name: `node${i}`, ovsdb: `unix:/run/n${i}/db.sock`, underlayIp: `172.31.255.${i}` });

describe('TopologyStore', () => {
  it('snapshot is synchronous; state$ emits once per batch; invalid batches throw and change nothing', async () => {
    const store = new TopologyStore({ clusterCidr: '10.244.0.0/16' });
    const seen: number[] = [];
    store.state$.subscribe((s) => seen.push(s.version));
    store.apply([{ type: 'addNode', node: n(1) }, { type: 'addNode', node: n(2) }]);
    expect(store.snapshot().nodes.map((x) => x.name)).toEqual(['node1', 'node2']);
    expect(() => store.addNode({ ...n(3), podCidr: '10.244.0.0/25' })).toThrow(TopologyError);
    store.addNode(n(2 + 1));
    expect(seen).toEqual([0, 1, 2]);
    const done = firstValueFrom(store.state$.pipe(toArray()));
    await store.dispose();
    await expect(done).resolves.toHaveLength(1); // replayed current value then completed
    expect(() => store.addNode(n(9))).toThrow(TopologyError);
  });

  it('desired$ re-emits only when that node’s desired state changes', async () => {
    const store = new TopologyStore();
    store.apply([{ type: 'addNode', node: n(1) }, { type: 'addNode', node: n(2) }, { type: 'addNode', node: n(3) }]);
    const emissions: number[] = [];
    store.desired$('node1').subscribe((d) => emissions.push(d?.flows.length ?? -1));
    store.setPods('node2', [{ port: 'x', ip: '10.244.1.2', ofport: 3 }]); // node2's pods do not change node1
    store.setPods('node1', [{ port: 'x', ip: '10.244.0.2', ofport: 3 }]);
    store.removeNode('node3');
    store.removeNode('node1');
    expect(emissions).toEqual([21, 26, 23, -1]);
    await store.dispose();
  });
});

describe('config file', () => {
  it('parses the documented keys and rejects bad ones naming node and field', () => {
    const cfg = parseClusterConfig(JSON.stringify({ clusterCidr: '10.244.0.0/16', tunnel: 'vxlan', mode: 'routed', datapathType: 'netdev',
      underlayMtu: 1500, nodes: [{ name: 'node1', ovsdb: 'unix:/run/n1/db.sock', openflow: 'unix:/run/n1/obr0.mgmt', underlayIp: '172.31.255.1', podCidr: '10.244.1.0/24' }] }));
    expect(cfg.cluster.tunnel).toBe('vxlan');
    expect(cfg.nodes[0].podCidr).toBe('10.244.1.0/24');
    const err = (text: string) => {
      try {
        parseClusterConfig(text, 'c.json');
      } catch (e) {
        return `${(e as TopologyError).code} ${(e as TopologyError).context.node ?? '-'} ${(e as TopologyError).context.field ?? '-'}`;
      }
      return 'ok';
    };
    expect(err('{')).toBe('TOPOLOGY_CONFIG_UNREADABLE - -');
    expect(err('[]')).toBe('TOPOLOGY_CONFIG_UNREADABLE - -');
    expect(err('{"tunnel":"ipip"}')).toBe('TOPOLOGY_INVALID_FIELD - tunnel');
    expect(err('{"clustercidr":"10.0.0.0/8"}')).toBe('TOPOLOGY_INVALID_FIELD - clustercidr');
    expect(err('{"nodes":{}}')).toBe('TOPOLOGY_INVALID_FIELD - nodes');
    expect(err('{"nodes":[{"name":"a","ovsdb":"unix:/x","underlayIp":"1.2.3.4","pod":"x"}]}')).toBe('TOPOLOGY_INVALID_FIELD a pod');
    expect(err('{"nodes":[{"name":"a","ovsdb":"unix:/x","underlayIp":"1.2.3"}]}')).toBe('TOPOLOGY_INVALID_FIELD a underlayIp');
    expect(err('{"underlayMtu":"1500"}')).toBe('TOPOLOGY_INVALID_FIELD - underlayMtu');
    expect(err('{}')).toBe('ok');
  });

  it('is watched: edits (also rename-based saves) become batches; a bad edit is reported and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osdn-cfg-'));
    const path = join(dir, 'cluster.json');
    const write = (nodes: unknown[], tmp = false) => {
      const text = JSON.stringify({ clusterCidr: '10.244.0.0/16', nodes });
      if (!tmp) writeFileSync(path, text);
      else {
        writeFileSync(`${path}.tmp`, text);
        renameSync(`${path}.tmp`, path);
      }
    };
    write([n(1), n(2)]);
    const store = new TopologyStore();
    try {
      await store.addSource(new ConfigFileSource(path, { debounceMs: 20 }));
      expect(store.snapshot().nodes.map((x) => x.name)).toEqual(['node1', 'node2']);
      const next = firstValueFrom(store.state$.pipe(filter((s) => s.nodes.length === 3)));
      write([n(1), n(2), n(3)]);
      expect((await next).nodes.map((x) => x.podCidr)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
      const rejected = firstValueFrom(store.rejected$.pipe(take(1)));
      write([n(1), { ...n(2), underlayIp: '172.31.255.1' }]);
      const r = await rejected;
      expect(r.error.code).toBe('TOPOLOGY_DUPLICATE');
      expect(r.error.message).toContain('node2 underlayIp');
      expect(store.snapshot().nodes).toHaveLength(3);
      const removed = firstValueFrom(store.state$.pipe(filter((s) => s.nodes.length === 1)));
      write([n(2)], true);
      expect((await removed).nodes.map((x) => [x.name, x.podCidr])).toEqual([['node2', '10.244.1.0/24']]);
    } finally {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing file at start is a TopologyError', async () => {
    const store = new TopologyStore();
    await expect(store.addSource(new ConfigFileSource('/nonexistent/cluster.json'))).rejects.toMatchObject({ code: 'TOPOLOGY_CONFIG_UNREADABLE' });
    await store.dispose();
  });
});

/**
 * ConfigFileSource error paths, on a real file watched with fs.watch: a bad edit (broken JSON, invalid
 * topology, a vanished file) is reported on `rejected$` naming node and field, the state already applied
 * (and so what the reconciler programmed) stays exactly as it was, and the next good edit applies.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, take } from 'rxjs';
import { TopologyError } from '../../../src/topology/model';
import { ConfigFileSource } from '../../../src/topology/sources';
import { TopologyStore, type TopologyRejection } from '../../../src/topology/store';

const n = (i: number, extra: Record<string, unknown> = {}) => ({
  name: `node${i}`,
  ovsdb: `unix:/run/n${i}/db.sock`,
  underlayIp: `172.31.255.${i}`,
  podCidr: `10.244.${i}.0/24`,
  ...extra,
});

describe('ConfigFileSource error paths', () => {
  let dir: string;
  let path: string;
  let store: TopologyStore;
  const write = (text: string) => writeFileSync(path, text);
  const cfg = (nodes: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ clusterCidr: '10.244.0.0/16', ...extra, nodes });
  const nextRejection = () => firstValueFrom(store.rejected$.pipe(take(1)));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'osdn-cfgsrc-'));
    path = join(dir, 'cluster.json');
    write(cfg([n(1), n(2)]));
    store = new TopologyStore();
    await store.addSource(new ConfigFileSource(path, { debounceMs: 20 }));
  });
  afterEach(async () => {
    await store.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `text`, expects a rejection, checks the state did not move, then a good edit applies. */
  async function rejectsThenRecovers(text: string, check: (r: TopologyRejection) => void): Promise<void> {
    const before = store.snapshot();
    const rejected = nextRejection();
    write(text);
    const r = await rejected;
    expect(r.source).toBe(`config:${path}`);
    expect(r.error).toBeInstanceOf(TopologyError);
    check(r);
    expect(store.snapshot()).toBe(before); // same object: nothing applied, nothing re-programmed
    const good = firstValueFrom(store.state$.pipe(filter((s) => s.nodes.length === 3)));
    write(cfg([n(1), n(2), n(3)]));
    expect((await good).nodes.map((x) => [x.name, x.podCidr])).toEqual([
      ['node1', '10.244.1.0/24'],
      ['node2', '10.244.2.0/24'],
      ['node3', '10.244.3.0/24'],
    ]);
  }

  it('broken JSON: TOPOLOGY_CONFIG_UNREADABLE naming the file', async () => {
    await rejectsThenRecovers('{"clusterCidr": "10.244.0.0/16", "nodes": [', (r) => {
      expect(r.error.code).toBe('TOPOLOGY_CONFIG_UNREADABLE');
      expect(r.error.message).toContain(`${path}: not valid JSON`);
    });
  });

  it('overlapping pod CIDRs: names the node and the field', async () => {
    await rejectsThenRecovers(cfg([n(1), n(2, { podCidr: '10.244.1.128/25' })]), (r) => {
      expect(r.error).toMatchObject({ code: 'TOPOLOGY_OVERLAP', context: { node: 'node2', field: 'podCidr', other: 'node1' } });
      expect(r.error.message).toBe("node node2 podCidr: 10.244.1.128/25 overlaps node node1's 10.244.1.0/24");
    });
  });

  it('a pod CIDR outside the cluster range, a duplicate name, a bad field: each names node and field', async () => {
    await rejectsThenRecovers(cfg([n(1), n(2, { podCidr: '10.9.2.0/24' })]), (r) =>
      expect(r.error).toMatchObject({ code: 'TOPOLOGY_OUTSIDE_CLUSTER', context: { node: 'node2', field: 'podCidr' } }),
    );
    const dup = nextRejection();
    write(cfg([n(1), n(2), n(3), { ...n(4), name: 'node3' }]));
    expect((await dup).error).toMatchObject({ code: 'TOPOLOGY_DUPLICATE', context: { node: 'node3', field: 'name' } });
    const bad = nextRejection();
    write(cfg([n(1), n(2), n(3), n(4, { ovsdb: 'http://x' })]));
    expect((await bad).error).toMatchObject({ code: 'TOPOLOGY_INVALID_FIELD', context: { node: 'node4', field: 'ovsdb' } });
    const cluster = nextRejection();
    write(cfg([n(1)], { tunnel: 'ipip' }));
    expect((await cluster).error).toMatchObject({ code: 'TOPOLOGY_INVALID_FIELD', context: { field: 'tunnel' } });
    expect(store.snapshot().nodes.map((x) => x.name)).toEqual(['node1', 'node2', 'node3']);
  });

  it('a file that vanishes is reported, removes no node, and its return applies', async () => {
    const before = store.snapshot();
    const gone = nextRejection();
    unlinkSync(path);
    expect((await gone).error.code).toBe('TOPOLOGY_CONFIG_UNREADABLE');
    expect(store.snapshot()).toBe(before);
    const back = firstValueFrom(store.state$.pipe(filter((s) => s.nodes.length === 1)));
    write(cfg([n(2)]));
    expect((await back).nodes.map((x) => x.name)).toEqual(['node2']);
  });

  it('a bad file at start fails addSource with the typed error', async () => {
    const p2 = join(dir, 'bad.json');
    writeFileSync(p2, cfg([n(1), n(1)]));
    const s2 = new TopologyStore();
    await expect(s2.addSource(new ConfigFileSource(p2))).rejects.toMatchObject({ code: 'TOPOLOGY_DUPLICATE', context: { node: 'node1', field: 'name' } });
    await s2.dispose();
    expect(s2.snapshot().nodes).toEqual([]);
  });
});

/* `ovs-sdn demo [--keep]`: a 3-node lab, the overlay, a pod-to-pod ping matrix and convergence times. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../lab/lab';
import { IprouteHostNetwork } from '../topology/host-network';
import { OverlayReconciler, type NodeConvergence } from '../topology/reconciler';
import { TopologyStore } from '../topology/store';
import { waitForStpSettled } from '../topology/stp';
import { DEFAULT_LAB_DIR, parseOpts } from './lab';

export default async function demo(args: string[]): Promise<number> {
  const { opts } = parseOpts(args);
  const n = Number(opts.nodes ?? 3);
  const pods = Number(opts.pods ?? 2);
  const tunnel = (opts.tunnel ?? 'gre') as 'gre' | 'vxlan';
  const mode = (opts.mode ?? 'routed') as 'routed' | 'classic';
  const keep = opts.keep !== undefined;
  const dir = opts.dir ?? DEFAULT_LAB_DIR;
  if (existsSync(join(dir, 'lab.json'))) {
    process.stderr.write(`demo: a lab is already up in ${dir}; run 'ovs-sdn lab down' first\n`);
    return 1;
  }
  const say = (s: string) => process.stdout.write(`${s}\n`);
  let t = Date.now();
  const lab = await Lab.up({ nodes: n, podsPerNode: pods, tunnel, mode, dir, persistent: keep });
  say(`lab: ${n} nodes x ${pods} pods up in ${Date.now() - t} ms (${tunnel}, ${mode}; config ${lab.state.configPath})`);
  const store = new TopologyStore({ clusterCidr: lab.state.clusterCidr, tunnel, mode, datapathType: 'netdev', underlayMtu: lab.state.underlayMtu });
  const rec = new OverlayReconciler(store, {
    hostNetwork: new IprouteHostNetwork({ netnsOf: (name) => lab.state.nodes.find((x) => x.name === name)?.netns }),
    auditIntervalMs: 0,
  });
  const passes: NodeConvergence[] = [];
  rec.converged$.subscribe((c) => passes.push(c));
  rec.errors$.subscribe((e) => say(`  ${e.node}: ${e.error.message}`));
  let code = 0;
  try {
    t = Date.now();
    rec.start();
    store.apply(lab.state.nodes.map((x) => ({ type: 'addNode' as const, node: { name: x.name, ovsdb: x.dbEndpoint, underlayIp: x.underlayIp, podCidr: x.podCidr } })));
    await rec.whenConverged(30_000);
    const total = Date.now() - t;
    say(`overlay: all nodes converged in ${total} ms (pods discovered from OVSDB, pod MTU ${lab.state.podMtu})`);
    for (const x of lab.state.nodes) {
      const mine = passes.filter((p) => p.node === x.name);
      say(`  ${x.name}: ${mine.length} pass(es), ${mine.map((p) => `${p.ms} ms (+${p.added} flows)`).join(', ')}; round ${rec.round(x.name)}`);
    }
    if (mode === 'classic') {
      // STP must settle before traffic flows (forward delay 2 x 4 s): await the port states in OVSDB.
      t = Date.now();
      await Promise.all(lab.state.nodes.map((x) => waitForStpSettled(x.dbEndpoint)));
      say(`classic mode: STP settled on every node in ${Date.now() - t} ms`);
    }
    // The first packet to a new peer may go to the userspace tunnel's neighbour resolution: 3 attempts.
    const attempts = 3;
    const allPods = lab.state.nodes.flatMap((x) => x.pods);
    const srcs = [...allPods.map((p) => ({ name: p.name, ns: p.netns })), ...lab.state.nodes.map((x) => ({ name: x.name, ns: x.netns }))];
    t = Date.now();
    const rows = await Promise.all(
      srcs.map(async (s) => ({
        s,
        cells: await Promise.all(allPods.map((d) => (d.name === s.name ? Promise.resolve(null) : lab.ping(s.ns, d.ip, { attempts })))),
      })),
    );
    const w = Math.max(...srcs.map((s) => s.name.length)) + 1;
    say(`\nping matrix (rows: source pod/node, columns: destination pod), ${Date.now() - t} ms:`);
    say(`${''.padEnd(w)}${allPods.map((p) => p.name.padStart(8)).join('')}`);
    let bad = 0;
    for (const r of rows) {
      say(`${r.s.name.padEnd(w)}${r.cells.map((c) => (c === null ? '-' : c ? 'ok' : 'FAIL').padStart(8)).join('')}`);
      bad += r.cells.filter((c) => c === false).length;
    }
    say(bad === 0 ? '\nall pairs reachable' : `\n${bad} pair(s) unreachable`);
    code = bad === 0 ? 0 : 1;
  } finally {
    await rec.stop();
    await store.dispose();
    if (keep) say(`\n--keep: lab left running in ${dir} (flows stay installed); 'ovs-sdn overlay --config ${lab.state.configPath}' resumes control, 'ovs-sdn lab down' removes it`);
    else {
      t = Date.now();
      await lab.down();
      say(`lab down in ${Date.now() - t} ms`);
    }
  }
  return code;
}

/**
 * A minimal pod-overlay controller built from the library's parts (what `ovs-sdn overlay` does, without the
 * CLI): the topology comes from a watched cluster config file and the reconciler keeps every node programmed.
 *
 * Try it on a lab:  ovs-sdn lab up 3  &&  npx tsc -p tsconfig.json --outDir /tmp/ex && \
 *                   node /tmp/ex/examples/overlay-controller.js /tmp/ovs-sdn-lab/cluster.json
 */
import { ConfigFileSource, IprouteHostNetwork, OverlayReconciler, TopologyStore } from '../src/topology';
import { dirname } from 'node:path';
import { Lab } from '../src/lab/lab';

async function main(configPath: string): Promise<void> {
  const store = new TopologyStore();
  // In a lab, host settings (gateway address, route, MTU) go into each node's network namespace.
  const lab = await Lab.load(dirname(configPath)).catch(() => undefined);
  const overlay = new OverlayReconciler(store, {
    hostNetwork: new IprouteHostNetwork({ netnsOf: (n) => lab?.state.nodes.find((x) => x.name === n)?.netns }),
    auditIntervalMs: 5_000,
  });
  overlay.converged$.subscribe((c) => console.log(`${c.node}: ${c.reason} round ${c.round} in ${c.ms} ms (+${c.added} -${c.deleted})`));
  overlay.errors$.subscribe((e) => console.error(`${e.node}: ${e.error.message}`));
  store.rejected$.subscribe((r) => console.error(`rejected: ${r.error.message}`));
  overlay.start();
  await store.addSource(new ConfigFileSource(configPath));
  await overlay.whenConverged();
  console.log('converged:', store.snapshot().nodes.map((n) => `${n.name} ${n.podCidr} (${n.pods.length} pods)`).join(', '));
  process.once('SIGINT', () => {
    void overlay.stop().then(() => store.dispose());
  });
}

main(process.argv[2] ?? '/tmp/ovs-sdn-lab/cluster.json').catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

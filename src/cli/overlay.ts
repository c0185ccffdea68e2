/* `ovs-sdn overlay --config cluster.json`: runs the overlay controller until SIGINT/SIGTERM, following edits. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Lab } from '../lab/lab';
import { ConfigFileSource } from '../topology/sources';
import { TopologyStore } from '../topology/store';
import { IprouteHostNetwork, type HostNetwork } from '../topology/host-network';
import { OverlayReconciler } from '../topology/reconciler';
import { parseOpts } from './lab';

const USAGE = `usage: ovs-sdn overlay --config cluster.json [--audit-ms N] [--lab-state DIR] [--no-host]

Runs the overlay controller until SIGINT/SIGTERM and follows edits of the config file.
  --audit-ms N     drift audit period (default 10000; 0 disables)
  --lab-state DIR  apply host settings inside the namespaces of the lab in DIR (default: the config's
                   directory when it holds a lab.json written by 'ovs-sdn lab up')
  --no-host        do not touch host networking (gateway address, route; classic mode: kbr0)
`;

export default async function overlay(args: string[]): Promise<number> {
  const { opts } = parseOpts(args);
  if (!opts.config || opts.help) {
    process.stderr.write(USAGE);
    return 2;
  }
  const labDir = opts['lab-state'] ?? (existsSync(join(dirname(opts.config), 'lab.json')) ? dirname(opts.config) : undefined);
  let netnsOf: ((node: string) => string | undefined) | undefined;
  if (labDir) {
    const lab = await Lab.load(labDir);
    netnsOf = (node) => lab.state.nodes.find((n) => n.name === node)?.netns;
    process.stdout.write(`overlay: host settings go into the namespaces of the lab in ${labDir}\n`);
  }
  const host: HostNetwork = opts['no-host'] ? { apply: async () => undefined } : new IprouteHostNetwork({ netnsOf });
  const store = new TopologyStore();
  const rec = new OverlayReconciler(store, {
    hostNetwork: host,
    auditIntervalMs: opts['audit-ms'] === undefined ? 10_000 : Number(opts['audit-ms']),
  });
  rec.converged$.subscribe((c) => {
    if (c.reason === 'audit' && c.added + c.modified + c.deleted === 0 && !c.ovsdbChanged) return;
    process.stdout.write(
      `${new Date(c.at).toISOString()} ${c.node}: converged (${c.reason}, round ${c.round}, topology v${c.version}) in ${c.ms} ms: ` +
        `${c.flows} flows, +${c.added} ~${c.modified} -${c.deleted}${c.ovsdbChanged ? ', OVSDB changed' : ''}\n`,
    );
  });
  rec.errors$.subscribe((e) => process.stderr.write(`${new Date().toISOString()} ${e.node}: ${e.error.message}\n`));
  store.rejected$.subscribe((r) => process.stderr.write(`${new Date().toISOString()} config rejected (${r.source}): ${r.error.message}\n`));
  store.state$.subscribe((s) =>
    process.stdout.write(`topology v${s.version}: ${s.nodes.map((n) => `${n.name}=${n.podCidr}(${n.pods.length} pods)`).join(' ')}\n`),
  );
  rec.start();
  await store.addSource(new ConfigFileSource(opts.config));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('overlay: stopping (flows stay installed)\n');
  await rec.stop();
  await store.dispose();
  return 0;
}

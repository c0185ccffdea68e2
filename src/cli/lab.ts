/* `ovs-sdn lab up N` / `ovs-sdn lab down`: an N-node Open vSwitch lab in network namespaces on this machine. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, type LabOptions } from '../lab/lab';

/** Default lab directory, so that `lab down` finds what `lab up` started. */
export const DEFAULT_LAB_DIR = '/tmp/ovs-sdn-lab';

const USAGE = `usage: ovs-sdn lab up N [--pods K] [--tunnel gre|vxlan] [--mode routed|classic]
                       [--addressing cni|onlink] [--underlay-mtu M] [--dir DIR]
       ovs-sdn lab down [--dir DIR]
`;

/** Parses `--key value` options; returns positional arguments and the option map. */
export function parseOpts(args: string[]): { pos: string[]; opts: Record<string, string> } {
  const pos: string[] = [];
  const opts: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) opts[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < args.length && !args[i + 1].startsWith('--')) opts[a.slice(2)] = args[++i];
      else opts[a.slice(2)] = 'true';
    } else pos.push(a);
  }
  return { pos, opts };
}

export default async function lab(args: string[]): Promise<number> {
  const { pos, opts } = parseOpts(args);
  const dir = opts.dir ?? DEFAULT_LAB_DIR;
  if (pos[0] === 'up') {
    const n = Number(pos[1] ?? '3');
    if (existsSync(join(dir, 'lab.json'))) {
      process.stderr.write(`lab: a lab is already up in ${dir}; run 'ovs-sdn lab down${opts.dir ? ` --dir ${dir}` : ''}'\n`);
      return 1;
    }
    const t0 = Date.now();
    const l = await Lab.up({
      nodes: n,
      podsPerNode: opts.pods === undefined ? 2 : Number(opts.pods),
      dir,
      tunnel: (opts.tunnel ?? 'gre') as LabOptions['tunnel'],
      mode: (opts.mode ?? 'routed') as LabOptions['mode'],
      podAddressing: (opts.addressing ?? 'cni') as LabOptions['podAddressing'],
      underlayMtu: opts['underlay-mtu'] === undefined ? 1500 : Number(opts['underlay-mtu']),
      persistent: true,
    });
    process.stdout.write(`lab: ${n} node(s) up in ${Date.now() - t0} ms\n`);
    for (const node of l.state.nodes) {
      process.stdout.write(`  ${node.name}: netns ${node.netns}, underlay ${node.underlayIp}, pods ${node.podCidr}, ` +
        `ovsdb ${node.dbEndpoint}\n`);
      for (const p of node.pods) process.stdout.write(`    ${p.name}: netns ${p.netns}, ${p.ip} (${p.mac})\n`);
    }
    process.stdout.write(`cluster config: ${l.state.configPath}\nrun: ovs-sdn overlay --config ${l.state.configPath}\n`);
    return 0;
  }
  if (pos[0] === 'down') {
    if (!existsSync(join(dir, 'lab.json'))) {
      process.stderr.write(`lab: no lab state in ${dir}\n`);
      return 1;
    }
    const t0 = Date.now();
    await (await Lab.load(dir)).down();
    process.stdout.write(`lab: down in ${Date.now() - t0} ms\n`);
    return 0;
  }
  process.stderr.write(USAGE);
  return 2;
}

import { spawn } from 'node:child_process';
import { Lab } from '../../../src/lab/lab';
import { run } from '../../../src/lab/process';
import { IprouteHostNetwork } from '../../../src/topology/host-network';
import { OverlayReconciler, type OverlayReconcilerOptions } from '../../../src/topology/reconciler';
import { TopologyStore } from '../../../src/topology/store';
import { waitForStpSettled } from '../../../src/topology/stp';

/** A store filled from the lab's cluster config and a reconciler whose host adapter works in the lab's namespaces. */
export function startOverlay(lab: Lab, opts: OverlayReconcilerOptions = {}) {
  const cfg = lab.clusterConfig() as { clusterCidr: string; tunnel: 'gre' | 'vxlan'; mode: 'routed' | 'classic'; underlayMtu: number;
    nodes: { name: string; ovsdb: string; underlayIp: string; podCidr: string }[] };
  const store = new TopologyStore({ clusterCidr: cfg.clusterCidr, tunnel: cfg.tunnel, mode: cfg.mode, underlayMtu: cfg.underlayMtu,
    datapathType: 'netdev' });
  store.apply(cfg.nodes.map((node) => ({ type: 'addNode' as const, node })));
  const rec = new OverlayReconciler(store, {
    hostNetwork: new IprouteHostNetwork({ netnsOf: (name) => lab.state.nodes.find((n) => n.name === name)?.netns }),
    auditIntervalMs: 500,
    retryMs: 200,
    ...opts,
  });
  rec.start();
  return {
    store,
    rec,
    async stop() {
      await rec.stop();
      await store.dispose();
    },
  };
}

/** Every pod and node pings every pod (3 attempts each); returns the failing pairs. */
export async function pingMatrix(lab: Lab, opts: { nodes?: boolean } = {}): Promise<string[]> {
  const s = lab.state;
  const pods = s.nodes.flatMap((n) => n.pods);
  const srcs = [...pods.map((p) => ({ ns: p.netns, name: p.name })), ...(opts.nodes === false ? [] : s.nodes.map((n) => ({ ns: n.netns, name: n.name })))];
  const jobs: Promise<string | undefined>[] = [];
  for (const src of srcs)
    for (const dst of pods)
      if (src.name !== dst.name)
        jobs.push(lab.ping(src.ns, dst.ip, { timeoutS: 1, attempts: 3 }).then((ok) => (ok ? undefined : `${src.name}->${dst.name}`)));
  return (await Promise.all(jobs)).filter((x): x is string => x !== undefined);
}

/** `ovs-ofctl dump-flows` of obr0 without statistics, sorted (for equality checks). */
export async function dumpFlows(lab: Lab, node: string): Promise<string[]> {
  const n = lab.state.nodes.find((x) => x.name === node)!;
  const { stdout } = await run('ovs-ofctl', ['-O', 'OpenFlow13', '--no-stats', 'dump-flows', n.openflowEndpoint.slice(5)]);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('OFPST_FLOW') && !l.startsWith('OFPT_'))
    .sort();
}

/**
 * A continuous ping: `count` echo requests 20 ms apart from a namespace. `done()` waits until ping has sent
 * them all and collected the replies (so no request is cut off in flight) and resolves with the counts.
 */
export function continuousPing(netns: string, dst: string, count: number) {
  const child = spawn('ip', ['netns', 'exec', netns, 'ping', '-n', '-q', '-i', '0.02', '-W', '1', '-c', String(count), dst], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    async done(): Promise<{ sent: number; received: number; out: string }> {
      await exited;
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      return { sent: m ? Number(m[1]) : 0, received: m ? Number(m[2]) : 0, out };
    },
  };
}

/**
 * Sends UDP datagrams from one namespace to `dstIp:9999` until a receiver in `dstNs` reports the source
 * address it saw (the receiver may not be bound yet when the first datagram arrives). Resolves with
 * "<source ip> <payload>".
 */
export async function receiverSees(srcNs: string, dstNs: string, dstIp: string): Promise<string> {
  const recv = run('ip', ['netns', 'exec', dstNs, '/usr/bin/python3', '-c',
    'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("0.0.0.0",9999));s.settimeout(5);' +
    'd,a=s.recvfrom(100);print(a[0],d.decode())']).then((r) => r.stdout.trim(), (e: Error) => `receiver failed: ${e.message}`);
  let got: string | undefined;
  void recv.then((r) => (got = r));
  const deadline = Date.now() + 6000;
  while (got === undefined && Date.now() < deadline) {
    await run('ip', ['netns', 'exec', srcNs, '/usr/bin/python3', '-c',
      `import socket;socket.socket(socket.AF_INET,socket.SOCK_DGRAM).sendto(b"hi",("${dstIp}",9999))`]);
    await Promise.race([recv, new Promise((r) => setTimeout(r, 100))]);
  }
  return recv;
}

/** {@link waitForStpSettled} on every lab node; resolves with the STP port states by node. */
export async function stpSettled(lab: Lab, timeoutMs = 30_000): Promise<Record<string, Record<string, string>>> {
  const states = await Promise.all(lab.state.nodes.map((n) => waitForStpSettled(n.dbEndpoint, { timeoutMs })));
  return Object.fromEntries(lab.state.nodes.map((n, i) => [n.name, states[i]]));
}

/**
 * One TCP connection from `srcNs` to `dstIp:9998`, where a listener in `dstNs` accepts it and reports the peer
 * address (the connect is retried until the listener is bound). Resolves with the source IP the listener saw.
 */
export async function tcpConnect(srcNs: string, dstNs: string, dstIp: string): Promise<string> {
  const server = run('ip', ['netns', 'exec', dstNs, '/usr/bin/python3', '-c',
    'import socket;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(("0.0.0.0",9998));' +
    's.listen(1);s.settimeout(8);c,a=s.accept();print(a[0])']).then((r) => r.stdout.trim(), (e: Error) => `listener failed: ${e.message}`);
  let done: string | undefined;
  void server.then((r) => (done = r));
  const deadline = Date.now() + 8000;
  while (done === undefined && Date.now() < deadline) {
    // the connect itself has a 1 s timeout: a dropped SYN fails it rather than waiting for a retransmit
    await run('ip', ['netns', 'exec', srcNs, '/usr/bin/python3', '-c',
      `import socket;socket.create_connection(("${dstIp}",9998),timeout=1).close()`]).catch(() => undefined);
    await Promise.race([server, new Promise((r) => setTimeout(r, 100))]);
  }
  return server;
}

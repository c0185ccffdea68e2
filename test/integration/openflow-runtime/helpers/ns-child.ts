/*
 * Runs inside a test's network namespace (`ip netns exec NS node -r ./swc-register.js ns-child.ts ...`), where
 * TCP on 127.0.0.1 reaches that namespace's ovs-vswitchd. Prints one JSON line with what it saw, then exits.
 *
 *   ns-child.ts listen ENDPOINT [TLS_JSON]   # ptcp:/pssl: listener; waits for the switch to dial in
 *   ns-child.ts dial ENDPOINT [TLS_JSON]     # tcp:/ssl: dial to a switch that listens
 */
import { OpenFlowController } from '../../../../src/openflow/controller';
import { OpenFlowSession } from '../../../../src/openflow/session';
import type { OpenFlowTlsOptions } from '../../../../src/openflow/transport';
import { flowMod } from '../../../../src/openflow/types';

async function main(): Promise<number> {
  const [mode, endpoint, tlsJson] = process.argv.slice(2);
  const tls = tlsJson ? (JSON.parse(tlsJson) as OpenFlowTlsOptions) : undefined;
  const deadline = setTimeout(() => {
    process.stdout.write(JSON.stringify({ error: 'timeout' }) + '\n');
    process.exit(3);
  }, 20_000);
  let session: OpenFlowSession;
  const ctl = new OpenFlowController({ tls });
  if (mode === 'listen') {
    const l = await ctl.listen(endpoint!);
    process.stdout.write(JSON.stringify({ listening: l.port }) + '\n');
    session = await new Promise<OpenFlowSession>((resolve) => ctl.connect$.subscribe((e) => resolve(e.session)));
  } else {
    session = await ctl.connect(endpoint!, { reconnect: false });
  }
  // Add a flow and read it back: proves requests and multipart replies both ways on this transport.
  await session.flowMod(flowMod({ priority: 77, cookie: BigInt(process.pid) }));
  const flows = await session.dumpFlows();
  const tlsInfo = session.secure ? 'tls' : 'plain';
  process.stdout.write(JSON.stringify({ dpid: session.dpidHex, flows: flows.filter((f) => f.priority === 77).length, transport: tlsInfo }) + '\n');
  await ctl.close();
  clearTimeout(deadline);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stdout.write(JSON.stringify({ error: String(e), code: (e as { code?: string }).code }) + '\n');
    process.exit(2);
  },
);

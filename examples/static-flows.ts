/**
 * A static-flows controller: keeps a switch's flows in one cookie space equal to a list written in Open
 * vSwitch's flow syntax, with `syncFlows` (one atomic bundle per change, nothing sent when nothing differs).
 * It re-applies the list every time the connection comes back (e.g. after ovs-vswitchd restarts).
 *
 *   npm run example:static-flows -- unix:/var/run/openvswitch/br0.mgmt [FLOWS_FILE] [--once]
 *
 * FLOWS_FILE holds one flow per line (`ovs-ofctl add-flows` syntax; `#` starts a comment). Without it a small
 * built-in set is used. Flows outside the cookie space 0x5ee0000000000000/0xffff000000000000 are never touched.
 */
import { readFileSync } from 'node:fs';
import { OpenFlowSession } from '../src/openflow/session';
import { desiredFromText, OpenFlowDesiredFlow, syncFlows, SyncFlowsResult } from '../src/openflow/flow-sync';

export const STATIC_COOKIE = 0x5ee0000000000000n;
export const STATIC_MASK = 0xffff000000000000n;

const BUILT_IN = `
# ARP and IPv4 between two ports, everything else dropped
table=0,priority=100,arp,actions=NORMAL
table=0,priority=90,ip,in_port=1,actions=output:2
table=0,priority=90,ip,in_port=2,actions=output:1
table=0,priority=0,actions=drop
`;

/** Parses flow lines into desired flows in the static cookie space. */
export function parseStaticFlows(text: string): OpenFlowDesiredFlow[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => {
      const d = desiredFromText(l, 0n);
      return { ...d, cookie: STATIC_COOKIE | ((d.cookie ?? 0n) & ~STATIC_MASK) };
    });
}

/** Connects, syncs now and after every reconnection; resolves with the session and the first result. */
export async function startStaticFlows(
  endpoint: string,
  flows: OpenFlowDesiredFlow[],
  log: (s: string) => void = () => undefined,
): Promise<{ session: OpenFlowSession; first: SyncFlowsResult }> {
  const session = await OpenFlowSession.connect(endpoint);
  const sync = async () => {
    const r = await syncFlows(session, flows, { cookie: STATIC_COOKIE, mask: STATIC_MASK });
    log(`${session.dpidHex}: +${r.added} ~${r.modified} -${r.deleted} =${r.unchanged}`);
    return r;
  };
  const first = await sync();
  session.up$.subscribe(({ reconnected }) => {
    if (reconnected) sync().catch((e: Error) => log(`sync failed: ${e.message}`));
  });
  return { session, first };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const once = args.includes('--once');
  const [endpoint = 'unix:/var/run/openvswitch/br0.mgmt', file] = args.filter((a) => a !== '--once');
  const flows = parseStaticFlows(file ? readFileSync(file, 'utf8') : BUILT_IN);
  startStaticFlows(endpoint, flows, (s) => console.log(s)).then(
    ({ session }) => {
      if (once) {
        void session.close().then(() => process.exit(0));
        return;
      }
      console.log(`keeping ${flows.length} flows on ${endpoint}; Ctrl-C to stop`);
      const stop = () => void session.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}

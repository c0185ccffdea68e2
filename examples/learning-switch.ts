/**
 * A MAC-learning switch controller on ovs-sdn's OpenFlow runtime.
 *
 * Every switch that connects gets a table-miss flow sending packets to the controller. For each packet-in the
 * controller learns source MAC -> in_port; when the destination is known it installs a flow
 * (eth_dst -> output, idle timeout 60 s) and sends the packet there, otherwise it floods it.
 *
 *   npm run example:learning-switch -- ptcp:6653:127.0.0.1
 *
 * then point switches at it (`ovs-vsctl set-controller br0 tcp:127.0.0.1:6653`, or Mininet with
 * `--controller remote,ip=127.0.0.1,port=6653`; see examples/mininet/).
 */
import { OpenFlowController } from '../src/openflow/controller';
import type { OpenFlowPacketIn, OpenFlowSession } from '../src/openflow/session';
import { flowMod, OFPP_CONTROLLER, OFPP_FLOOD, OFP_NO_BUFFER } from '../src/openflow/types';

/** Counters the example reports (and the Mininet test reads). */
export interface LearningSwitchStats {
  packetIns: number;
  flowsInstalled: number;
  floods: number;
}

function inPortOf(p: OpenFlowPacketIn): number | undefined {
  const m = p.type === 'PACKET_IN' ? p.match : (p.metadata ?? []);
  const e = m.find((x) => x.field === 'in_port');
  return e ? (e.value as number) : undefined;
}

/** Programs one switch and handles its packet-ins until it disconnects. */
export function runLearningSwitch(session: OpenFlowSession, stats: LearningSwitchStats, log: (s: string) => void = () => undefined): void {
  const macToPort = new Map<number, number>();
  // Table-miss flow (OpenFlow 1.3.5 section 5.4): priority 0, no match, whole packets to the controller.
  session
    .flowMod(flowMod({ priority: 0, instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: OFPP_CONTROLLER, maxLen: 0xffff }] }] }))
    .catch((e: Error) => log(`${session.dpidHex}: table-miss flow failed: ${e.message}`));
  session.packetIn$.subscribe((p) => {
    stats.packetIns++;
    const data = p.type === 'PACKET_IN' ? p.data : p.packet;
    const inPort = inPortOf(p);
    if (inPort === undefined || data.length < 14) return;
    const dst = data.readUIntBE(0, 6);
    const src = data.readUIntBE(6, 6);
    if ((data[6]! & 1) === 0) macToPort.set(src, inPort); // learn unicast sources only
    const out = macToPort.get(dst);
    try {
      if (out !== undefined && out !== inPort) {
        session.send(
          flowMod({
            priority: 10,
            idleTimeout: 60,
            match: [{ field: 'eth_dst', value: dst }],
            instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: out, maxLen: 0 }] }],
          }),
        );
        stats.flowsInstalled++;
      } else stats.floods++;
      session.send({
        type: 'PACKET_OUT',
        xid: 0,
        bufferId: OFP_NO_BUFFER,
        inPort,
        actions: [{ type: 'output', port: out ?? OFPP_FLOOD, maxLen: 0 }],
        data,
      });
    } catch (e) {
      log(`${session.dpidHex}: ${(e as Error).message}`);
    }
  });
}

/** Starts a learning-switch controller listening on `endpoint`; resolves with it once listening. */
export async function startLearningSwitch(
  endpoint: string,
  log: (s: string) => void = () => undefined,
): Promise<{ controller: OpenFlowController; stats: LearningSwitchStats; port: number | undefined }> {
  const controller = new OpenFlowController();
  const stats: LearningSwitchStats = { packetIns: 0, flowsInstalled: 0, floods: 0 };
  const listener = await controller.listen(endpoint);
  controller.connect$.subscribe(({ session, reconnected }) => {
    log(`switch ${session.dpidHex} connected${reconnected ? ' again' : ''}`);
    runLearningSwitch(session, stats, log);
  });
  controller.disconnect$.subscribe(({ dpid, error }) => log(`switch ${dpid.toString(16).padStart(16, '0')} gone: ${error?.message ?? ''}`));
  // Failed handshakes and errors the connections survive (lost connections are on disconnect$ above).
  controller.errors$.subscribe((e) => log(`error: ${e.message}`));
  return { controller, stats, port: listener.port };
}

if (require.main === module) {
  const endpoint = process.argv[2] ?? 'ptcp:6653';
  startLearningSwitch(endpoint, (s) => console.log(s)).then(
    ({ controller, stats }) => {
      console.log(`learning switch listening on ${endpoint}`);
      const stop = () => {
        console.log(`packet-ins ${stats.packetIns}, flows installed ${stats.flowsInstalled}, floods ${stats.floods}`);
        void controller.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}

import { firstValueFrom, filter } from 'rxjs';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { NetNs } from '../../../src/lab/netns';
import { run } from '../../../src/lab/process';
import { OpenFlowSession, OpenFlowPacketIn } from '../../../src/openflow/session';
import { flowMod, NxPacketIn2, OFPP_CONTROLLER, OFPP_IN_PORT, OFP_NO_BUFFER } from '../../../src/openflow/types';

const OUR_MAC = Buffer.from('020000000002', 'hex');
const OUR_IP = Buffer.from([10, 9, 0, 2]);

function csum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length & 1) s += b[b.length - 1]! << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

/** Answers an ARP request for 10.9.0.2 or an ICMP echo request to it; undefined for anything else. */
function answer(frame: Buffer): Buffer | undefined {
  const ethType = frame.readUInt16BE(12);
  if (ethType === 0x0806 && frame.readUInt16BE(20) === 1 && frame.subarray(38, 42).equals(OUR_IP)) {
    const r = Buffer.alloc(42);
    frame.copy(r, 0, 6, 12); // dst = requester
    OUR_MAC.copy(r, 6);
    r.writeUInt16BE(0x0806, 12);
    frame.copy(r, 14, 14, 20); // htype, ptype, hlen, plen
    r.writeUInt16BE(2, 20); // reply
    OUR_MAC.copy(r, 22);
    OUR_IP.copy(r, 28);
    frame.copy(r, 32, 22, 32); // target = sender mac + ip
    return r;
  }
  if (ethType === 0x0800 && frame[23] === 1 && frame.subarray(30, 34).equals(OUR_IP) && frame[34] === 8) {
    const ihl = (frame[14]! & 0x0f) * 4;
    const totLen = frame.readUInt16BE(16);
    const r = Buffer.from(frame.subarray(0, 14 + totLen));
    frame.copy(r, 0, 6, 12);
    OUR_MAC.copy(r, 6);
    frame.copy(r, 14 + 12, 14 + 16, 14 + 20); // src ip = their dst
    frame.copy(r, 14 + 16, 14 + 12, 14 + 16); // dst ip = their src
    r.writeUInt16BE(0, 14 + 10);
    r.writeUInt16BE(csum(r.subarray(14, 14 + ihl)), 14 + 10);
    const icmp = r.subarray(14 + ihl);
    icmp[0] = 0;
    icmp.writeUInt16BE(0, 2);
    icmp.writeUInt16BE(csum(icmp), 2);
    return r;
  }
  return undefined;
}

function inPortOf(p: OpenFlowPacketIn): number {
  const m = p.type === 'PACKET_IN' ? p.match : (p.metadata ?? []);
  return m.find((e) => e.field === 'in_port')!.value as number;
}

describe('packet-in from a real packet, answered by packet-out', () => {
  let ovs: OvsInstance;
  let host: NetNs;
  let s: OpenFlowSession;

  beforeAll(async () => {
    ovs = await OvsInstance.start();
    host = await NetNs.create(`osdn-${process.pid}-901`);
    await ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail_mode=secure');
    await run('ip', ['link', 'add', 'vh0', 'netns', host.name, 'type', 'veth', 'peer', 'name', 'vs0', 'netns', ovs.netns.name]);
    await ovs.netns.exec('ip', ['link', 'set', 'vs0', 'up']);
    await ovs.vsctl('add-port', 'br0', 'vs0');
    await host.exec('ip', ['addr', 'add', '10.9.0.1/24', 'dev', 'vh0']);
    await host.exec('ip', ['link', 'set', 'vh0', 'up']);
  });
  afterAll(async () => {
    await s?.close();
    await host?.delete();
    await ovs?.stop();
  });

  it('a ping from a namespace is answered by the controller (ARP and ICMP via packet-out)', async () => {
    s = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('br0')}`);
    await ovs.ofctl('del-flows', 'br0');
    await s.flowMod(flowMod({ priority: 0, instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: OFPP_CONTROLLER, maxLen: 0xffff }] }] }));
    const seen: string[] = [];
    const sub = s.packetIn$.subscribe((p) => {
      if (p.type !== 'PACKET_IN') return;
      const reply = answer(p.data);
      seen.push(p.data.readUInt16BE(12).toString(16));
      if (!reply) return;
      s.send({ type: 'PACKET_OUT', xid: 0, bufferId: OFP_NO_BUFFER, inPort: inPortOf(p), actions: [{ type: 'output', port: OFPP_IN_PORT, maxLen: 0 }], data: reply });
    });
    try {
      // -w: keep sending (one per second) until one reply or 20 s; a loaded machine may lose the first.
      await host.exec('ping', ['-c', '1', '-w', '20', '10.9.0.2'], { timeoutMs: 25_000 });
    } finally {
      sub.unsubscribe();
    }
    expect(seen).toEqual(expect.arrayContaining(['806', '800']));
    const neigh = (await host.exec('ip', ['neigh', 'show', '10.9.0.2'])).stdout;
    expect(neigh).toContain('02:00:00:00:00:02');
    await s.close();
  }, 30_000);

  it('NXT_PACKET_IN2 with a continuation: the pipeline resumes after NXT_RESUME', async () => {
    s = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('br0')}`, { packetInFormat: 'nxt_packet_in2' });
    await ovs.ofctl('del-flows', 'br0');
    // Table 0: pause at the controller, then continue in table 1, which counts the packet.
    await s.flowMod(
      flowMod({
        priority: 10,
        match: [{ field: 'eth_type', value: 0x0806 }],
        instructions: [
          { type: 'apply_actions', actions: [{ type: 'controller', maxLen: 0xffff, controllerId: 0, reason: 1, pause: true }] },
          { type: 'goto_table', tableId: 1 },
        ],
      }),
    );
    await s.flowMod(flowMod({ tableId: 1, priority: 10, match: [{ field: 'eth_type', value: 0x0806 }], instructions: [] }));
    const got = firstValueFrom(s.packetIn$.pipe(filter((p): p is NxPacketIn2 => p.type === 'NXT_PACKET_IN2')));
    const ping = host.exec('ping', ['-c', '1', '-W', '1', '10.9.0.3'], { timeoutMs: 10_000 }).catch(() => undefined);
    const pin = await got;
    expect(pin.continuation).toBeInstanceOf(Buffer);
    expect(pin.packet.readUInt16BE(12)).toBe(0x0806);
    const table1 = async () => (await s.dumpFlows({ tableId: 1 }))[0]!.packetCount;
    expect(await table1()).toBe(0n);
    s.resume(pin);
    await s.barrier();
    // The resumed packet is processed asynchronously by the datapath; poll the counter with a deadline.
    const deadline = Date.now() + 20_000;
    while ((await table1()) === 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await table1()).toBeGreaterThanOrEqual(1n);
    await ping;
  }, 30_000);
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OpenFlowSession, OpenFlowBundleError, OpenFlowBatchError } from '../../../src/openflow/session';
import { OpenFlowRequestError, OpenFlowRuntimeError } from '../../../src/openflow/runtime-errors';
import { flowMod, OFPFC_DELETE, OFPFC_MODIFY_STRICT, OFPGT_ALL, OFPGC_ADD, OFPMC_ADD, OFPFF_SEND_FLOW_REM, OFPMF_BURST, OFPMF_KBPS, OFPTT_ALL } from '../../../src/openflow/types';
import type { Instruction } from '../../../src/openflow/instructions';

const output = (port: number): Instruction[] => [{ type: 'apply_actions', actions: [{ type: 'output', port, maxLen: 0 }] }];
const ipDst = (n: number) => [
  { field: 'eth_type', value: 0x0800 },
  { field: 'ipv4_dst', value: (10 << 24) | n },
];

describe('OpenFlowSession against ovs-vswitchd (unix mgmt socket)', () => {
  let ovs: OvsInstance;
  let s: OpenFlowSession;
  const ofctlFlows = async () =>
    (await ovs.ofctl('dump-flows', 'br0', '--no-stats')).stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('OFPST_FLOW') && !l.startsWith('NXST_FLOW'));

  beforeAll(async () => {
    ovs = await OvsInstance.start();
    await ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13');
    s = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('br0')}`, { backoff: { initialMs: 20, maxMs: 200 }, echoIntervalMs: 1000 });
  });
  afterAll(async () => {
    await s?.close();
    await ovs?.stop();
  });

  beforeEach(async () => {
    await ovs.ofctl('del-flows', 'br0');
    await ovs.ofctl('del-groups', 'br0');
  });

  it('completes the handshake and reports the datapath id OVS has', async () => {
    expect(s.state).toBe('up');
    const { stdout } = await ovs.vsctl('get', 'bridge', 'br0', 'datapath_id');
    expect(s.dpidHex).toBe(stdout.trim().replace(/"/g, ''));
    expect(s.features!.nTables).toBeGreaterThan(0);
  });

  it('handshakes with ROLE_REQUEST (master, generation id), SET_ASYNC and NXT_PACKET_IN2 on a real switch', async () => {
    const s2 = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('br0')}`, {
      role: { role: 'master', generationId: 5n },
      async: { packetInMask: [0b11, 0], portStatusMask: [0b111, 0b111], flowRemovedMask: [0b1111, 0] },
      packetInFormat: 'nxt_packet_in2',
      controllerId: 9,
    });
    try {
      expect(s2.state).toBe('up');
      const async = await s2.request({ type: 'GET_ASYNC_REQUEST', xid: 0 });
      expect(async.packetInMask).toEqual([0b11, 0]);
      expect(async.flowRemovedMask).toEqual([0b1111, 0]);
      // A stale generation id is refused with the spec's error.
      await expect(s2.requestRole({ role: 'master', generationId: 4n })).rejects.toMatchObject({ code: 'OFPET_ROLE_REQUEST_FAILED/OFPRRFC_STALE' });
      expect(await s2.requestRole({ role: 'slave', generationId: 6n })).toEqual({ role: 3, generationId: 6n });
    } finally {
      await s2.close();
    }
  });

  it('fails with OFPSDN_HELLO_FAILED against a bridge that allows OpenFlow 1.0 only', async () => {
    await ovs.vsctl('add-br', 'br10', '--', 'set', 'bridge', 'br10', 'datapath_type=netdev', 'protocols=OpenFlow10');
    try {
      const err = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('br10')}`, { reconnect: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenFlowRuntimeError);
      expect((err as OpenFlowRuntimeError).code).toBe('OFPSDN_HELLO_FAILED');
      expect((err as OpenFlowRuntimeError).message).toMatch(/OpenFlow 1.3/);
    } finally {
      await ovs.vsctl('del-br', 'br10');
    }
  });

  it('adds, modifies, dumps and deletes flows', async () => {
    await s.flowMod(flowMod({ priority: 100, match: ipDst(1), instructions: output(1), cookie: 0x42n }));
    await s.flowMod(flowMod({ tableId: 3, priority: 7, match: [{ field: 'in_port', value: 5 }], instructions: output(2) }));
    let flows = await s.dumpFlows();
    expect(flows).toHaveLength(2);
    const f1 = flows.find((f) => f.priority === 100)!;
    expect(f1.cookie).toBe(0x42n);
    expect(f1.tableId).toBe(0);
    expect(await ofctlFlows()).toEqual(
      expect.arrayContaining([expect.stringMatching(/cookie=0x42, priority=100,ip,nw_dst=10.0.0.1 actions=output:1/)]),
    );
    await s.flowMod(flowMod({ command: OFPFC_MODIFY_STRICT, priority: 100, match: ipDst(1), instructions: output(9) }));
    expect((await ofctlFlows()).join('\n')).toContain('nw_dst=10.0.0.1 actions=output:9');
    // Filter by table.
    flows = await s.dumpFlows({ tableId: 3 });
    expect(flows.map((f) => f.priority)).toEqual([7]);
    await s.flowMod(flowMod({ command: OFPFC_DELETE, tableId: OFPTT_ALL }));
    expect(await s.dumpFlows()).toEqual([]);
    expect(await ofctlFlows()).toEqual([]);
  });

  it('streams PORT_STATUS for a new port and FLOW_REMOVED for an expired flow', async () => {
    const port = firstValueFrom(s.portStatus$.pipe(filter((p) => p.desc.name === 'p9')));
    await ovs.vsctl('add-port', 'br0', 'p9', '--', 'set', 'interface', 'p9', 'type=internal');
    const ps = await port;
    expect(ps.reason).toBe(0); // OFPPR_ADD
    expect(ps.desc.portNo).toBeGreaterThan(0);
    await ovs.vsctl('del-port', 'br0', 'p9');

    const removed = firstValueFrom(s.flowRemoved$);
    await s.flowMod(flowMod({ priority: 33, hardTimeout: 1, flags: OFPFF_SEND_FLOW_REM, cookie: 0x77n, match: ipDst(77), instructions: output(1) }));
    const fr = await removed;
    expect(fr).toMatchObject({ priority: 33, cookie: 0x77n, reason: 1 /* OFPRR_HARD_TIMEOUT */, hardTimeout: 1 });
    expect(fr.match.find((e) => e.field === 'ipv4_dst')!.value).toBe((10 << 24) | 77);
  });

  it('rejects a bad request with the switch error naming type/code and carrying the request', async () => {
    // goto_table must move forward (OpenFlow 1.3.5 section 5.9): OVS answers OFPBIC_BAD_TABLE_ID.
    const bad = flowMod({ tableId: 2, priority: 1, instructions: [{ type: 'goto_table', tableId: 1 }] });
    const err = await s.flowMod(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenFlowRequestError);
    const re = err as OpenFlowRequestError;
    expect(re.code).toBe('OFPET_BAD_INSTRUCTION/OFPBIC_BAD_TABLE_ID');
    expect(re.request).toBe(bad);
    expect(re.data.readUInt32BE(4)).toBe(bad.xid);
    // The session keeps working.
    await s.barrier();
  });

  it('adds groups and meters and reads them back', async () => {
    await s.request({
      type: 'GROUP_MOD',
      xid: 0,
      command: OFPGC_ADD,
      groupType: OFPGT_ALL,
      groupId: 7,
      buckets: [
        { weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 1, maxLen: 0 }] },
        { weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 2, maxLen: 0 }] },
      ],
    });
    await s.flowMod(flowMod({ priority: 5, match: ipDst(9), instructions: [{ type: 'apply_actions', actions: [{ type: 'group', groupId: 7 }] }] }));
    const groups = await s.dumpGroups();
    expect(groups).toHaveLength(1);
    expect(groups[0]!.groupId).toBe(7);
    expect(groups[0]!.buckets.map((b) => b.actions)).toEqual([[{ type: 'output', port: 1, maxLen: 0 }], [{ type: 'output', port: 2, maxLen: 0 }]]);
    expect((await ovs.ofctl('dump-groups', 'br0')).stdout).toContain('group_id=7,type=all,bucket=actions=output:1,bucket=actions=output:2');

    const flags = OFPMF_KBPS | OFPMF_BURST;
    await s.request({ type: 'METER_MOD', xid: 0, command: OFPMC_ADD, flags, meterId: 3, bands: [{ type: 'DROP', rate: 1000, burstSize: 100 }] });
    const parts = await s.multipart({ mpType: 'METER_CONFIG', meterId: 0xffffffff });
    const meters = parts.flatMap((p) => (p.mpType === 'METER_CONFIG' ? p.meters : []));
    expect(meters).toEqual([{ flags, meterId: 3, bands: [{ type: 'DROP', rate: 1000, burstSize: 100 }] }]);
    expect((await ovs.ofctl('dump-meters', 'br0')).stdout).toContain('meter=3 kbps burst bands=\ntype=drop rate=1000 burst_size=100');
    await s.request({ type: 'METER_MOD', xid: 0, command: 2, flags: 0, meterId: 3, bands: [] });
  });

  it('commits a bundle atomically, and a bundle with one invalid flow leaves the table unchanged', async () => {
    await s.flowMod(flowMod({ priority: 1, match: ipDst(100), instructions: output(1) }));
    const before = await ofctlFlows();
    const good = [1, 2, 3].map((n) => flowMod({ priority: 10, match: ipDst(n), instructions: output(n) }));
    const bad = flowMod({ tableId: 5, priority: 10, instructions: [{ type: 'goto_table', tableId: 2 }] });
    const err = await s.bundle([good[0]!, good[1]!, bad, good[2]!]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenFlowBundleError);
    const be = err as OpenFlowBundleError;
    expect(be.failures.map((f) => f.code)).toEqual(['OFPET_BAD_INSTRUCTION/OFPBIC_BAD_TABLE_ID']);
    expect(be.failures[0]!.request).toBe(bad);
    expect(await ofctlFlows()).toEqual(before);

    await s.bundle(good);
    expect(await ofctlFlows()).toHaveLength(4);
  });

  it('sendBatch streams without a bundle: the switch errors name each rejected message, the rest is applied', async () => {
    const good = Array.from({ length: 3000 }, (_, n) => flowMod({ priority: 10, match: ipDst(n + 1), instructions: output(1) }));
    const bad1 = flowMod({ tableId: 5, priority: 10, instructions: [{ type: 'goto_table', tableId: 2 }] });
    const bad2 = flowMod({ tableId: 6, priority: 10, instructions: [{ type: 'goto_table', tableId: 1 }] });
    const msgs = [...good.slice(0, 1000), bad1, ...good.slice(1000, 2500), bad2, ...good.slice(2500)];
    const err = await s.sendBatch(msgs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenFlowBatchError);
    const be = err as OpenFlowBatchError;
    expect(be.errors.map((e) => e.code)).toEqual(['OFPET_BAD_INSTRUCTION/OFPBIC_BAD_TABLE_ID', 'OFPET_BAD_INSTRUCTION/OFPBIC_BAD_TABLE_ID']);
    expect(be.errors.map((e) => e.request)).toEqual([bad1, bad2]);
    expect(be.errors[1]!.data.readUInt32BE(4)).toBe(bad2.xid);
    expect(await s.dumpFlows()).toHaveLength(3000);
    // Errors of later messages are not claimed by the finished batch.
    const unsolicited = firstValueFrom(s.errors$);
    s.send(flowMod({ tableId: 7, priority: 1, instructions: [{ type: 'goto_table', tableId: 3 }] }));
    expect(((await unsolicited) as OpenFlowRequestError).code).toBe('OFPET_BAD_INSTRUCTION/OFPBIC_BAD_TABLE_ID');
  });

  it('maps ONF bundle errors (experimenter errors) to their names', async () => {
    const err = await s
      .request({ type: 'BUNDLE_CONTROL', xid: 0, bundleId: 4242, ctrlType: 4 /* COMMIT_REQUEST */, flags: 1, properties: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenFlowRequestError);
    expect((err as OpenFlowRequestError).code).toBe('OFPET_EXPERIMENTER/OFPBFC_BAD_ID');
    expect((err as OpenFlowRequestError).context.experimenter).toBe(0x4f4e4600);
  });

  it('transaction API: open, add, discard leaves nothing; a closed bundle refuses more', async () => {
    const b = await s.openBundle({ atomic: true, ordered: false });
    b.add(flowMod({ priority: 3, match: ipDst(3), instructions: output(3) }));
    expect(b.size).toBe(1);
    await b.discard();
    expect(await ofctlFlows()).toEqual([]);
    expect(() => b.add(flowMod({}))).toThrow(expect.objectContaining({ code: 'OFPSDN_BUNDLE_STATE' }));
  });

  it('reassembles a 50,000-flow multipart dump (Promise and async iterator)', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 50_000; i++) lines.push(`table=1,priority=${1 + (i % 7)},ip,nw_dst=10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},actions=output:${1 + (i % 4)}`);
    const file = join(ovs.dir, 'flows.txt');
    await writeFile(file, lines.join('\n') + '\n');
    await ovs.ofctl('add-flows', 'br0', '--bundle', file);
    const flows = await s.dumpFlows({ tableId: 1 });
    expect(flows).toHaveLength(50_000);
    const dsts = new Set(flows.map((f) => f.match.find((e) => e.field === 'ipv4_dst')!.value));
    expect(dsts.size).toBe(50_000);
    let parts = 0;
    let n = 0;
    for await (const p of s.multipartIter({ mpType: 'FLOW', tableId: 1, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: [] })) {
      parts++;
      if (p.mpType === 'FLOW') n += p.stats.length;
    }
    expect(n).toBe(50_000);
    expect(parts).toBeGreaterThan(1);
  }, 60_000);

  it('times out a request that gets no reply, without disturbing the session', async () => {
    // Every request a real switch gets is answered, so silence is made on our side: an echo with a 1 ms
    // timeout, then this thread stays busy for 20 ms before yielding. The request is written after that (writes
    // are batched per event-loop turn) and the expired timer runs before the loop next reads the socket, so
    // the echo must reject with OFPSDN_TIMEOUT however fast the switch is, and its late reply is ignored.
    const pending = s.request({ type: 'ECHO_REQUEST', xid: 0, data: Buffer.from('hi') }, { timeoutMs: 1 }).catch((e: unknown) => e);
    const until = performance.now() + 20;
    while (performance.now() < until) {
      /* busy on purpose */
    }
    const err = await pending;
    expect(err).toBeInstanceOf(OpenFlowRuntimeError);
    expect((err as OpenFlowRuntimeError).code).toBe('OFPSDN_TIMEOUT');
    const echo = await s.request({ type: 'ECHO_REQUEST', xid: 0, data: Buffer.from('again') });
    expect(echo.data.toString()).toBe('again');
  });

  it('notices an ovs-vswitchd restart, refuses requests while down, reconnects and tells the user', async () => {
    const epoch = s.epoch;
    const down = firstValueFrom(s.state$.pipe(filter((e) => e.state === 'down')));
    const up = firstValueFrom(s.up$);
    await ovs.stopVswitchd(true);
    const d = await down;
    expect(d.error).toBeInstanceOf(OpenFlowRuntimeError);
    // While down, requests fail at once with a defined error, and so does opening a bundle.
    await expect(s.barrier()).rejects.toMatchObject({ code: 'OFPSDN_NOT_CONNECTED' });
    await expect(s.openBundle()).rejects.toMatchObject({ code: 'OFPSDN_NOT_CONNECTED' });
    await ovs.startVswitchd();
    const u = await up;
    expect(u.reconnected).toBe(true);
    expect(u.epoch).toBe(epoch + 1);
    expect(s.state).toBe('up');
    // ovs-vswitchd started afresh with only its default flow; the user replays what it needs.
    await s.flowMod(flowMod({ priority: 1, match: ipDst(1), instructions: output(1) }));
    expect((await s.dumpFlows()).map((f) => f.priority).sort()).toEqual([0, 1]);
  }, 30_000);

  it('fails an open bundle with OFPSDN_DISCONNECTED when its connection drops', async () => {
    const b = await s.openBundle();
    b.add(flowMod({ priority: 1, match: ipDst(1), instructions: output(1) }));
    const up = firstValueFrom(s.up$);
    await ovs.stopVswitchd(true);
    await ovs.startVswitchd();
    await up;
    expect(() => b.add(flowMod({}))).toThrow(expect.objectContaining({ code: 'OFPSDN_DISCONNECTED' }));
    await expect(b.commit()).rejects.toMatchObject({ code: 'OFPSDN_DISCONNECTED' });
    expect((await s.dumpFlows()).map((f) => f.priority)).toEqual([0]);
  }, 30_000);
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OpenFlowBundleError } from '../../../src/openflow/session';
import { parseFlowMod } from '../../../src/openflow/flow-text';
import { OpenFlowSession } from '../../../src/openflow/session';
import { OpenFlowDesiredFlow, OpenFlowDesiredGroup, syncFlows } from '../../../src/openflow/flow-sync';
import { FlowStats, OFPGT_ALL } from '../../../src/openflow/types';
import { parseStaticFlows, startStaticFlows, STATIC_COOKIE, STATIC_MASK } from '../../../examples/static-flows';
import type { Instruction } from '../../../src/openflow/instructions';

const COOKIE = 0xabcd000000000000n;
const MASK = 0xffff000000000000n;
const output = (port: number): Instruction[] => [{ type: 'apply_actions', actions: [{ type: 'output', port, maxLen: 0 }] }];

function desiredFlows(n: number, portOf: (i: number) => number, cookieLow = 1n): OpenFlowDesiredFlow[] {
  const out: OpenFlowDesiredFlow[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      tableId: i % 2,
      priority: 100 + (i % 3),
      // eth_type first, then the masked destination: OVS prints these in its own order and masks the value.
      match: [
        { field: 'eth_type', value: 0x0800 },
        { field: 'ipv4_dst', value: (10 << 24) | (i << 8) | 7, mask: 0xffffff00 },
      ],
      instructions: output(portOf(i)),
      cookie: COOKIE | cookieLow,
    });
  }
  return out;
}

const group = (id: number, ports: number[]): OpenFlowDesiredGroup => ({
  groupId: id,
  groupType: OFPGT_ALL,
  buckets: ports.map((p) => ({ weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: p, maxLen: 0 }] })),
});

/** One UDP packet to 10.0.0.7, run through the pipeline from table 0 by a PACKET_OUT to OFPP_TABLE. */
async function sendThroughTable(s: OpenFlowSession): Promise<void> {
  const p = Buffer.alloc(14 + 28);
  Buffer.from('020000000001020000000002', 'hex').copy(p, 0);
  p.writeUInt16BE(0x0800, 12);
  p[14] = 0x45;
  p.writeUInt16BE(28, 16);
  p[22] = 64;
  p[23] = 17;
  Buffer.from([10, 1, 1, 1, 10, 0, 0, 7]).copy(p, 26);
  p.writeUInt16BE(8, 38);
  await s.request({ type: 'PACKET_OUT', xid: 0, bufferId: 0xffffffff, inPort: 0xfffffffd, actions: [{ type: 'output', port: 0xfffffff9, maxLen: 0 }], data: p });
}

/** Packet count of the table-0 priority-100 flow to 10.0.0.0/24. */
async function counter(s: OpenFlowSession): Promise<bigint> {
  const f = (await s.dumpFlows({ tableId: 0 })).find((x) => x.priority === 100 && x.match.some((e) => e.field === 'ipv4_dst' && e.value === 10 << 24));
  return f!.packetCount;
}

/** The actions text of the table-0 priority-100 flow to `dst`. */
function after0(flows: FlowStats[], dst: number): string {
  const f = flows.find((x) => x.tableId === 0 && x.priority === 100 && x.match.some((e) => e.field === 'ipv4_dst' && e.value === dst))!;
  return JSON.stringify(f.instructions).replace(/"port":(\d+)/g, 'output:$1');
}

/** Each flow's age (duration) in ms, keyed by a readable id. A flow that is never reinstalled only ages. */
function ages(flows: FlowStats[]): Map<string, number> {
  return new Map(
    flows.map((f) => [`${f.tableId}/${f.priority}/${f.match.map((e) => `${e.field}=${String(e.value)}`).join(',')}`, f.durationSec * 1000 + f.durationNsec / 1e6]),
  );
}

describe('syncFlows against ovs-vswitchd', () => {
  let ovs: OvsInstance;
  let s: OpenFlowSession;
  const foreign = 'cookie=0x1,table=0,priority=5,ip,nw_dst=192.168.0.0/16,actions=drop';

  beforeAll(async () => {
    ovs = await OvsInstance.start();
    await ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13');
    s = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('br0')}`);
    await ovs.ofctl('add-flow', 'br0', foreign);
  });
  afterAll(async () => {
    await s?.close();
    await ovs?.stop();
  });

  it('installs, is idempotent, applies minimal changes in one bundle, and never touches other cookies', async () => {
    const before = await s.dumpFlows();
    const foreignBefore = before.filter((f) => f.cookie === 1n || f.cookie === 0n);
    expect(foreignBefore.length).toBe(2); // the NORMAL default flow and ours with cookie 1

    // 1. Install 200 flows and a group.
    const want = desiredFlows(200, (i) => 1 + (i % 4));
    want.push({ tableId: 0, priority: 50, match: [{ field: 'in_port', value: 9 }], instructions: [{ type: 'apply_actions', actions: [{ type: 'group', groupId: 11 }] }], cookie: COOKIE | 2n });
    const r1 = await syncFlows(s, want, { cookie: COOKIE, mask: MASK, groups: [group(11, [1, 2])] });
    expect(r1).toMatchObject({ added: 201, modified: 0, deleted: 0, unchanged: 0, groupsAdded: 1 });
    // Groups come before the flows that use them.
    expect(r1.messages[0]!.type).toBe('GROUP_MOD');
    const ours = await s.dumpFlows({ cookie: COOKIE, cookieMask: MASK });
    expect(ours).toHaveLength(201);
    const ofctl = (await ovs.ofctl('dump-flows', 'br0', '--no-stats')).stdout;
    expect(ofctl).toContain('cookie=0xabcd000000000001, priority=100,ip,nw_dst=10.0.0.0/24 actions=output:1');
    expect(ofctl).toContain('actions=group:11');

    // One packet through the pipeline: the counter is the witness that the flow is never reinstalled.
    await sendThroughTable(s);
    expect(await counter(s)).toBe(1n);

    // 2. The same desired state again: nothing is sent, nothing is reinstalled (ages only grow; the packet counter stays).
    const t1 = ages(await s.dumpFlows());
    const r2 = await syncFlows(s, want, { cookie: COOKIE, mask: MASK, groups: [group(11, [1, 2])] });
    expect(r2).toMatchObject({ added: 0, modified: 0, deleted: 0, unchanged: 201, groupsAdded: 0, groupsModified: 0, messages: [] });
    expect(await counter(s)).toBe(1n);
    const t2 = ages(await s.dumpFlows());
    expect(t2.size).toBe(t1.size);
    for (const [k, v] of t1) expect(t2.get(k)!).toBeGreaterThanOrEqual(v);

    // 3. Change actions of 20, drop 30, add 5 new, change the group: minimal messages, applied atomically.
    const next = desiredFlows(170, (i) => (i < 20 ? 9 : 1 + (i % 4)));
    next.push(want[200]!);
    for (let i = 0; i < 5; i++) {
      next.push({ tableId: 2, priority: 1, match: [{ field: 'in_port', value: 100 + i }], instructions: output(3) });
    }
    const r3 = await syncFlows(s, next, { cookie: COOKIE, mask: MASK, groups: [group(11, [2, 3])] });
    expect(r3).toMatchObject({ added: 5, modified: 20, deleted: 30, unchanged: 151, groupsModified: 1 });
    expect(r3.messages).toHaveLength(5 + 20 + 30 + 1);
    const t3 = ages(await s.dumpFlows());
    // Modified flows keep their age and counters (MODIFY_STRICT).
    // Flow i=0 (table 0, priority 100, 10.0.0.0/24; OVS reports the value masked) got new actions in step 3.
    const modifiedKey = [...t1.keys()].find((k) => k.startsWith('0/100/') && k.endsWith(`ipv4_dst=${10 << 24}`))!;
    expect(modifiedKey).toBeDefined();
    expect(await counter(s)).toBe(1n);
    expect(after0(await s.dumpFlows(), 10 << 24)).toContain('output:9');
    expect(t3.get(modifiedKey)!).toBeGreaterThanOrEqual(t1.get(modifiedKey)!);
    // Foreign flows untouched.
    const after = await s.dumpFlows();
    expect(after.filter((f) => f.cookie === 1n || f.cookie === 0n).map((f) => f.durationSec)).toHaveLength(2);
    expect(after.filter((f) => (f.cookie & MASK) === COOKIE)).toHaveLength(176);
    expect((await ovs.ofctl('dump-groups', 'br0')).stdout).toContain('bucket=actions=output:2,bucket=actions=output:3');

    // 4. Idempotent again.
    const r4 = await syncFlows(s, next, { cookie: COOKIE, mask: MASK, groups: [group(11, [2, 3])] });
    expect(r4.messages).toEqual([]);

    // 5. Empty desired set, owning groups 1-100: everything of ours goes, the group last; foreign stays.
    const r5 = await syncFlows(s, [], { cookie: COOKIE, mask: MASK, ownsGroup: (id) => id >= 1 && id <= 100 });
    expect(r5).toMatchObject({ deleted: 176, groupsDeleted: 1 });
    expect(r5.messages[r5.messages.length - 1]!.type).toBe('GROUP_MOD');
    const final = await s.dumpFlows();
    expect(final.map((f) => f.cookie).sort()).toEqual([0n, 1n]);
    expect((await ovs.ofctl('dump-groups', 'br0')).stdout).not.toContain('group_id=11');
  }, 60_000);

  it('the static-flows example converges from flow text and is idempotent', async () => {
    const text = 'table=0,priority=100,arp,actions=NORMAL\ntable=0,priority=90,ip,in_port=1,actions=output:2\n# comment\ntable=1,priority=0,actions=drop\n';
    const flows = parseStaticFlows(text);
    expect(flows).toHaveLength(3);
    const a = await startStaticFlows(`unix:${ovs.mgmtSock('br0')}`, flows);
    expect(a.first).toMatchObject({ added: 3, deleted: 0 });
    const b = await startStaticFlows(`unix:${ovs.mgmtSock('br0')}`, flows);
    expect(b.first).toMatchObject({ added: 0, modified: 0, deleted: 0, unchanged: 3 });
    await Promise.all([a.session.close(), b.session.close()]);
    const dump = (await ovs.ofctl('dump-flows', 'br0', '--no-stats')).stdout;
    expect(dump).toContain(`cookie=0x${STATIC_COOKIE.toString(16)}, priority=90,ip,in_port=1 actions=output:2`);
    await syncFlows(s, [], { cookie: STATIC_COOKIE, mask: STATIC_MASK });
  });

  it('is idempotent for every flow of the OVS oracle corpus that the switch accepts (canonical comparison)', async () => {
    // Each corpus flow goes in alone, then a dry run must find nothing to change: whatever order and
    // normalisation OVS applies in its flow-stats reply, the flow is recognised as the same and equal.
    const dir = join(__dirname, '../../fixtures/flows');
    const lines = ['hand.txt', 'generated.txt']
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const cookie = 0x7700000000000000n;
    const notIdempotent: string[] = [];
    let accepted = 0;
    let refused = 0;
    for (const l of lines) {
      const fm = parseFlowMod(l);
      const d = [{ tableId: fm.tableId, priority: fm.priority, match: fm.match, instructions: fm.instructions, idleTimeout: fm.idleTimeout, hardTimeout: fm.hardTimeout, flags: fm.flags, cookie }];
      try {
        await syncFlows(s, d, { cookie });
      } catch (e) {
        // e.g. output to a group that does not exist: refused by the switch, nothing installed.
        expect(e).toBeInstanceOf(OpenFlowBundleError);
        refused++;
        continue;
      }
      accepted++;
      const again = await syncFlows(s, d, { cookie, dryRun: true });
      if (again.messages.length) notIdempotent.push(l);
      await syncFlows(s, [], { cookie });
    }
    expect(notIdempotent).toEqual([]);
    expect(accepted + refused).toBe(lines.length);
    expect(accepted).toBeGreaterThan(lines.length * 0.9);
  }, 60_000);

  it('accepts desired flows as flow text', async () => {
    const text = ['table=0,priority=60,tcp,tp_dst=80,actions=output:3', 'table=0,priority=60,udp,actions=drop'];
    expect(await syncFlows(s, text, { cookie: 0x99n })).toMatchObject({ added: 2 });
    expect(await syncFlows(s, text, { cookie: 0x99n })).toMatchObject({ added: 0, unchanged: 2, messages: [] });
    expect((await ovs.ofctl('dump-flows', 'br0', '--no-stats')).stdout).toContain('cookie=0x99, priority=60,tcp,tp_dst=80 actions=output:3');
    await syncFlows(s, [], { cookie: 0x99n });
  });

  it('refuses desired flows outside the cookie space', async () => {
    await expect(
      syncFlows(s, [{ match: [], instructions: [], cookie: 5n }], { cookie: COOKIE, mask: MASK }),
    ).rejects.toMatchObject({ code: 'OFPSDN_BAD_ARGUMENT' });
  });
});

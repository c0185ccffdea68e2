import { canonicalMatchKey, diffFlows, normalizeMatch } from '../../../src/openflow/flow-sync';
import { FlowStats, OFPFC_ADD, OFPFC_DELETE_STRICT, OFPFC_MODIFY_STRICT } from '../../../src/openflow/types';
import type { Match } from '../../../src/openflow/match';
import type { Instruction } from '../../../src/openflow/instructions';

const out = (p: number): Instruction[] => [{ type: 'apply_actions', actions: [{ type: 'output', port: p, maxLen: 0 }] }];
const stats = (over: Partial<FlowStats>): FlowStats => ({
  tableId: 0,
  durationSec: 1,
  durationNsec: 0,
  priority: 10,
  idleTimeout: 0,
  hardTimeout: 0,
  flags: 0,
  cookie: 0x10n,
  packetCount: 0n,
  byteCount: 0n,
  match: [],
  instructions: [],
  ...over,
});

describe('canonicalMatchKey', () => {
  it('ignores OXM order, masks values, drops exact and all-zero masks', () => {
    const a: Match = [
      { field: 'in_port', value: 3 },
      { field: 'eth_type', value: 0x0800 },
      { field: 'ipv4_dst', value: 0x0a000007, mask: 0xffffff00 },
    ];
    const b: Match = [
      { field: 'eth_type', value: 0x0800 },
      { field: 'ipv4_dst', value: 0x0a000000, mask: 0xffffff00 },
      { field: 'in_port', value: 3 },
      { field: 'reg0', value: 0, mask: 0 },
    ];
    expect(canonicalMatchKey(a)).toBe(canonicalMatchKey(b));
    const exact: Match = [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: 0x0a000001, mask: 0xffffffff }];
    expect(canonicalMatchKey(exact)).toBe(canonicalMatchKey([{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: 0x0a000001 }]));
    expect(canonicalMatchKey(a)).not.toBe(canonicalMatchKey([{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: 0x0a000100, mask: 0xffffff00 }, { field: 'in_port', value: 3 }]));
  });
  it('normalizeMatch clears value bits outside the mask (48-bit and 64-bit fields too)', () => {
    const m = normalizeMatch([
      { field: 'eth_dst', value: 0x0200000000ff, mask: 0xffffffffff00 },
      { field: 'tun_id', value: 0x1234n, mask: 0xff00n },
    ]);
    expect(m).toEqual([
      { field: 'eth_dst', value: 0x020000000000, mask: 0xffffffffff00 },
      { field: 'tun_id', value: 0x1200n, mask: 0xff00n },
    ]);
  });
});

describe('diffFlows', () => {
  const opts = { cookie: 0x10n, mask: 0xf0n };
  it('adds, modifies (strict, or re-adds when cookie/timeouts change), deletes, and skips foreign cookies', () => {
    const actual = [
      stats({ match: [{ field: 'in_port', value: 1 }], instructions: out(1) }), // unchanged
      stats({ match: [{ field: 'in_port', value: 2 }], instructions: out(1) }), // new actions -> MODIFY_STRICT
      stats({ match: [{ field: 'in_port', value: 3 }], instructions: out(1), idleTimeout: 5 }), // timeout -> ADD
      stats({ match: [{ field: 'in_port', value: 4 }], instructions: out(1), cookie: 0x13n }), // gone -> DELETE
      stats({ match: [{ field: 'in_port', value: 5 }], instructions: out(1), cookie: 0x20n }), // foreign: untouched
    ];
    const r = diffFlows(actual, [
      { priority: 10, match: [{ field: 'in_port', value: 1 }], instructions: out(1) },
      { priority: 10, match: [{ field: 'in_port', value: 2 }], instructions: out(2) },
      { priority: 10, match: [{ field: 'in_port', value: 3 }], instructions: out(1) },
      { priority: 11, match: [{ field: 'in_port', value: 1 }], instructions: out(1) }, // other priority = other flow
    ], opts);
    expect(r).toMatchObject({ added: 1, modified: 2, deleted: 1, unchanged: 1 });
    const cmds = r.messages.map((m) => (m.type === 'FLOW_MOD' ? [m.command, m.priority, m.match[0]?.value] : null));
    expect(cmds).toEqual([
      [OFPFC_MODIFY_STRICT, 10, 2],
      [OFPFC_ADD, 10, 3],
      [OFPFC_ADD, 11, 1],
      [OFPFC_DELETE_STRICT, 10, 4],
    ]);
    const del = r.messages[3]!;
    expect(del).toMatchObject({ cookie: 0x13n, cookieMask: 0xffffffffffffffffn });
  });
  it('orders groups: adds/modifies first, deletes last, only owned ones', () => {
    const bucket = (p: number) => ({ weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output' as const, port: p, maxLen: 0 }] });
    const r = diffFlows(
      [stats({ match: [{ field: 'in_port', value: 9 }] })],
      [{ priority: 10, match: [{ field: 'in_port', value: 8 }], instructions: [{ type: 'apply_actions', actions: [{ type: 'group', groupId: 1 }] }] }],
      { ...opts, groups: [{ groupId: 1, groupType: 0, buckets: [bucket(1)] }, { groupId: 2, groupType: 0, buckets: [bucket(3)] }], ownsGroup: (id) => id < 100 },
      [
        { groupId: 2, groupType: 0, buckets: [bucket(2)] },
        { groupId: 3, groupType: 0, buckets: [] },
        { groupId: 500, groupType: 0, buckets: [] },
      ],
    );
    expect(r.messages.map((m) => (m.type === 'GROUP_MOD' ? `g${m.command}:${m.groupId}` : `f${(m as { command: number }).command}`))).toEqual([
      'g0:1',
      'g1:2',
      'f0',
      'f4',
      'g2:3',
    ]);
  });
  it('rejects desired flows outside the cookie space or the synced tables', () => {
    expect(() => diffFlows([], [{ match: [], instructions: [], cookie: 0x20n }], opts)).toThrow(expect.objectContaining({ code: 'OFPSDN_BAD_ARGUMENT' }));
    expect(() => diffFlows([], [{ tableId: 3, match: [], instructions: [] }], { ...opts, tables: [0] })).toThrow(
      expect.objectContaining({ code: 'OFPSDN_BAD_ARGUMENT' }),
    );
  });
});

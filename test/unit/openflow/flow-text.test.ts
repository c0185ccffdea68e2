import { OpenFlowDecodeError } from '../../../src/openflow/errors';
import { formatFlowMod, formatFlowStats, parseFlowMod } from '../../../src/openflow/flow-text';
import { OFPFC_DELETE, OFPFC_MODIFY_STRICT, OFPFF_CHECK_OVERLAP, OFPFF_SEND_FLOW_REM, OFPP_ANY } from '../../../src/openflow/types';

function textError(text: string, opts?: Parameters<typeof parseFlowMod>[1]): OpenFlowDecodeError {
  try {
    parseFlowMod(text, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(OpenFlowDecodeError);
    return e as OpenFlowDecodeError;
  }
  throw new Error(`'${text}' parsed`);
}

describe('parseFlowMod', () => {
  it('parses the flow_mod header keywords', () => {
    const fm = parseFlowMod('table=3, priority=7 cookie=0x10,idle_timeout=5,hard_timeout=6,send_flow_rem,check_overlap,out_port=2,out_group=4,actions=drop');
    expect(fm).toMatchObject({
      tableId: 3,
      priority: 7,
      cookie: 0x10n,
      idleTimeout: 5,
      hardTimeout: 6,
      flags: OFPFF_SEND_FLOW_REM | OFPFF_CHECK_OVERLAP,
      outPort: 2,
      outGroup: 4,
      instructions: [],
    });
  });

  it('orders match entries with prerequisites first, whatever the text order', () => {
    const fm = parseFlowMod('tp_dst=80,nw_dst=10.0.0.0/8,tcp,in_port=1,actions=output:2');
    expect(fm.match.map((e) => e.field)).toEqual(['in_port', 'eth_type', 'ipv4_dst', 'ip_proto', 'tcp_dst']);
    expect(fm.match[2]).toEqual({ field: 'ipv4_dst', value: 0x0a000000, mask: 0xff000000 });
  });

  it('applies OVS aliases: tp_* by protocol, icmp_* under IPv6, nw_* under ARP, dl_vlan, nw_tos', () => {
    expect(parseFlowMod('udp,tp_src=53,actions=drop').match.at(-1)!.field).toBe('udp_src');
    expect(parseFlowMod('sctp,tp_dst=1,actions=drop').match.at(-1)!.field).toBe('sctp_dst');
    expect(parseFlowMod('icmp6,icmp_type=135,actions=drop').match.at(-1)!.field).toBe('icmpv6_type');
    expect(parseFlowMod('arp,nw_src=1.2.3.4,actions=drop').match.at(-1)!.field).toBe('arp_spa');
    expect(parseFlowMod('dl_vlan=5,actions=drop').match).toEqual([{ field: 'vlan_vid', value: 0x1005 }]);
    expect(parseFlowMod('ip,nw_tos=8,actions=drop').match.at(-1)).toEqual({ field: 'ip_dscp', value: 2 });
  });

  it('takes the command from opts; delete needs no actions and cookie masks are allowed', () => {
    const fm = parseFlowMod('cookie=0x5/0xff,ip', { command: 'delete' });
    expect([fm.command, fm.cookie, fm.cookieMask, fm.outPort]).toEqual([OFPFC_DELETE, 5n, 0xffn, OFPP_ANY]);
    expect(parseFlowMod('priority=3,actions=drop', { command: OFPFC_MODIFY_STRICT }).command).toBe(OFPFC_MODIFY_STRICT);
  });

  it('builds instructions in OVS order from the action text', () => {
    const fm = parseFlowMod('actions=meter:1,output:2,clear_actions,write_actions(group:1),write_metadata:0x1/0x1,goto_table:2');
    expect(fm.instructions.map((i) => i.type)).toEqual(['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table']);
  });

  it('makes OVS OF1.3 encoding choices for actions', () => {
    const acts = (t: string) => (parseFlowMod(`actions=${t}`).instructions[0] as { actions: unknown[] }).actions;
    expect(acts('set_tunnel:0x5')).toEqual([{ type: 'set_field', field: 'tun_id', value: 5n }]);
    expect(acts('controller')).toEqual([{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }]);
    expect(acts('set_field:0x5/0x5->reg2')).toEqual([
      { type: 'load', dst: { field: 'reg2', ofs: 0, nBits: 1 }, value: 1n },
      { type: 'load', dst: { field: 'reg2', ofs: 2, nBits: 1 }, value: 1n },
    ]);
  });
});

describe('OFPSDN_BAD_TEXT errors carry the column', () => {
  const cases: [string, number, RegExp][] = [
    ['ip,bogus=1,actions=drop', 4, /unknown field or keyword 'bogus'/],
    ['ip,nw_dst=300.0.0.1,actions=drop', 11, /cannot parse value/],
    ['priority=70000,actions=drop', 10, /16-bit/],
    ['in_port=1', 10, /must end with actions/],
    ['actions=output:2,frobnicate', 18, /unknown action 'frobnicate'/],
    ['actions=load:0x5->reg0[40..50]', 19, /outside the 32-bit field/],
    ['actions=move:reg0[0..7]->reg1[0..15]', 9, /move/],
    ['ip,actions=ct(commit,bogus)', 22, /unknown ct argument/],
    ['actions=learn(table=1,NXM_OF_FOO[])', 23, /unknown field/],
    ['actions=conjunction(1,3/2)', 23, /out of range/],
    ['cookie=0x1/0xff,actions=drop', 8, /cookie masks/],
    ['in_port=1,in_port=2,actions=drop', 11, /given twice/],
    ['eth_type=0x800/0xff,actions=drop', 10, /not maskable/],
    ['actions=output:2)', 17, /unbalanced/],
    ['actions=goto_table:1,output:2', 22, /must come before/],
    ['nw_dst=10.0.0.1,actions=drop', 1, /ipv4_dst needs its prerequisite \(ip\)/],
    ['ip,tp_dst=80,actions=drop', 4, /tcp_dst needs its prerequisite \(tcp or tcp6\)/],
    ['ct_nw_src=10.0.0.1,ip,actions=drop', 1, /ct_nw_src needs its prerequisite \(ip and ct_state=\+trk-inv\)/],
  ];
  it.each(cases)('%s', (text, col, msg) => {
    const e = textError(text);
    expect(e.code).toBe('OFPSDN_BAD_TEXT');
    expect(e.message).toMatch(msg);
    expect(e.offset).toBe(col - 1);
    expect(e.message).toContain(`(column ${col})`);
  });

  it('actions are refused when deleting', () => {
    expect(textError('ip,actions=drop', { command: 'delete' }).code).toBe('OFPSDN_BAD_TEXT');
  });
});

describe('formatFlowMod / formatFlowStats', () => {
  it('prints text that parses back to the same FLOW_MOD', () => {
    for (const t of [
      'table=1,priority=100,cookie=0x5,idle_timeout=3,send_flow_rem,in_port=1,ip,nw_dst=10.0.0.0/24,tun_id=0x5,actions=set_field:0x7->tun_id,load:0x3->NXM_NX_REG0[],output:2,goto_table:1',
      'dl_vlan=5,dl_vlan_pcp=3,actions=pop_vlan,output:1',
      'vlan_tci=0x1000/0x1000,actions=drop',
      'ct_state=+trk-inv+est,ip,ct_nw_src=10.0.0.1,actions=ct(commit,zone=5,exec(set_field:0x1->ct_mark),nat(src=10.0.0.1-10.0.0.2))',
      'tcp6,tcp_flags=+syn-ack,ipv6_src=2001:db8::/32,actions=learn(table=2,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])',
    ]) {
      const fm = parseFlowMod(t);
      expect(parseFlowMod(formatFlowMod(fm))).toEqual(fm);
    }
    expect(formatFlowMod(parseFlowMod('ip', { command: 'delete' }))).toBe('ip');
  });

  it('unknown actions and instructions print as opaque hex that parses back byte for byte', () => {
    const fm = parseFlowMod('actions=output:1,goto_table:2');
    fm.instructions.push({ type: 'opaque', raw: Buffer.from('ffff001000002320aabbccdd00000000', 'hex') });
    (fm.instructions[0] as { actions: unknown[] }).actions.push({ type: 'opaque', raw: Buffer.from('ffff001000001234000102030405060a', 'hex') });
    const text = formatFlowMod(fm);
    expect(text).toBe('actions=output:1,opaque_action:ffff001000001234000102030405060a,goto_table:2,opaque_instruction:ffff001000002320aabbccdd00000000');
    expect(parseFlowMod(text)).toEqual(fm);
  });

  it('prints flow stats like dump-flows', () => {
    const fm = parseFlowMod('table=2,priority=10,ip,actions=output:1');
    const s = formatFlowStats({
      tableId: 2,
      durationSec: 3,
      durationNsec: 250_000_000,
      priority: 10,
      idleTimeout: 0,
      hardTimeout: 0,
      flags: 0,
      cookie: 0x5n,
      packetCount: 7n,
      byteCount: 700n,
      match: fm.match,
      instructions: fm.instructions,
    });
    expect(s).toBe(' cookie=0x5, duration=3.250s, table=2, n_packets=7, n_bytes=700, priority=10,ip actions=output:1');
  });
});

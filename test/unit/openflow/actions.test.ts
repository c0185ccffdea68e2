import { Action, decodeActions, encodeActions, formatActions } from '../../../src/openflow/actions';
import { parseActions } from '../../../src/openflow/actions-text';
import { OpenFlowDecodeError } from '../../../src/openflow/errors';
import { parseIpv6Text } from '../../../src/openflow/oxm';
import { Reader } from '../../../src/openflow/reader';
import { Writer } from '../../../src/openflow/writer';

function enc(a: Action[]): Buffer {
  const w = new Writer(8);
  encodeActions(w, a);
  return w.toBuffer();
}
function dec(b: Buffer | string): Action[] {
  return decodeActions(new Reader(typeof b === 'string' ? Buffer.from(b.replace(/\s/g, ''), 'hex') : b));
}
function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OpenFlowDecodeError);
    return (e as OpenFlowDecodeError).code;
  }
  throw new Error('did not throw');
}

const reg = (n: number, ofs = 0, nBits = 32) => ({ field: `reg${n}`, ofs, nBits });

// Every modelled action in its canonical (decoded) form, with the OVS text it prints as.
const ALL: [Action, string][] = [
  [{ type: 'output', port: 2, maxLen: 0 }, 'output:2'],
  [{ type: 'output', port: 0xfffffffd, maxLen: 128 }, 'CONTROLLER:128'],
  [{ type: 'copy_ttl_out' }, 'copy_ttl_out'],
  [{ type: 'copy_ttl_in' }, 'copy_ttl_in'],
  [{ type: 'set_mpls_ttl', ttl: 5 }, 'set_mpls_ttl(5)'],
  [{ type: 'dec_mpls_ttl' }, 'dec_mpls_ttl'],
  [{ type: 'push_vlan', ethertype: 0x8100 }, 'push_vlan:0x8100'],
  [{ type: 'pop_vlan' }, 'pop_vlan'],
  [{ type: 'push_mpls', ethertype: 0x8847 }, 'push_mpls:0x8847'],
  [{ type: 'pop_mpls', ethertype: 0x0800 }, 'pop_mpls:0x0800'],
  [{ type: 'set_queue', queueId: 7 }, 'set_queue:7'],
  [{ type: 'group', groupId: 9 }, 'group:9'],
  [{ type: 'set_nw_ttl', ttl: 64 }, 'mod_nw_ttl:64'],
  [{ type: 'dec_nw_ttl' }, 'dec_ttl'],
  [{ type: 'set_field', field: 'tun_id', value: 7n }, 'set_field:0x7->tun_id'],
  [{ type: 'set_field', field: 'ipv4_dst', value: 0x0a000001 }, 'set_field:10.0.0.1->ip_dst'],
  [{ type: 'set_field', field: 'ipv6_src', value: parseIpv6Text('fe80::1')! }, 'set_field:fe80::1->ipv6_src'],
  [{ type: 'set_field', field: 'reg3', value: 0x50, mask: 0xf0f0 }, 'set_field:0x50/0xf0f0->reg3'],
  [{ type: 'push_pbb', ethertype: 0x88e7 }, 'push_pbb:0x88e7'],
  [{ type: 'pop_pbb' }, 'pop_pbb'],
  [{ type: 'resubmit', port: 5, table: 255 }, 'resubmit:5'],
  [{ type: 'resubmit', port: 6 }, 'resubmit:6'],
  [{ type: 'resubmit', port: 0xfff8, table: 3 }, 'resubmit(,3)'],
  [{ type: 'resubmit', port: 0xfff8, table: 3, ct: true }, 'resubmit(,3,ct)'],
  [{ type: 'set_tunnel', tunId: 5n }, 'set_tunnel:0x5'],
  [{ type: 'set_tunnel', tunId: 0x123456789n, wide: true }, 'set_tunnel64:0x123456789'],
  [{ type: 'move', src: { field: 'eth_src', ofs: 0, nBits: 48 }, dst: { field: 'eth_dst', ofs: 0, nBits: 48 } }, 'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]'],
  [{ type: 'move', src: reg(0, 0, 16), dst: reg(1, 16, 16) }, 'move:NXM_NX_REG0[0..15]->NXM_NX_REG1[16..31]'],
  [{ type: 'load', dst: reg(2, 0, 8), value: 5n }, 'load:0x5->NXM_NX_REG2[0..7]'],
  [{ type: 'load', dst: { field: 'tun_id', ofs: 0, nBits: 64 }, value: 0xabcn }, 'load:0xabc->NXM_NX_TUN_ID[]'],
  [{ type: 'note', data: Buffer.from('010203000000', 'hex') }, 'note:01.02.03.00.00.00'],
  [{ type: 'multipath', fields: 1, basis: 1024, algorithm: 2, maxLink: 11, arg: 0, dst: reg(1) }, 'multipath(symmetric_l4,1024,hrw,12,0,NXM_NX_REG1[])'],
  [{ type: 'output_reg', src: reg(0, 0, 16), maxLen: 0xffff }, 'output:NXM_NX_REG0[0..15]'],
  [{ type: 'output_reg', src: { field: 'xreg0', ofs: 0, nBits: 32 }, maxLen: 0xffff }, 'output:OXM_OF_PKT_REG0[0..31]'],
  [{ type: 'output_reg', src: { field: 'tcp_flags', ofs: 0, nBits: 12 }, maxLen: 0xffff }, 'output:NXM_NX_TCP_FLAGS[]'],
  [{ type: 'output_reg', src: { field: 'actset_output', ofs: 0, nBits: 16 }, maxLen: 0xffff, v2: true }, 'output:ONFOXM_ET_ACTSET_OUTPUT[0..15]'],
  [
    {
      type: 'learn',
      idleTimeout: 10,
      hardTimeout: 60,
      priority: 5,
      cookie: 5n,
      flags: 3,
      tableId: 2,
      finIdleTimeout: 1,
      finHardTimeout: 2,
      specs: [
        { kind: 'match', src: { field: 'vlan_tci', ofs: 0, nBits: 12 }, dst: { field: 'vlan_tci', ofs: 0, nBits: 12 }, nBits: 12 },
        { kind: 'match', src: { field: 'eth_src', ofs: 0, nBits: 48 }, dst: { field: 'eth_dst', ofs: 0, nBits: 48 }, nBits: 48 },
        { kind: 'match', src: 0x800n, dst: { field: 'eth_type', ofs: 0, nBits: 16 }, nBits: 16 },
        { kind: 'load', src: { field: 'nx_in_port', ofs: 0, nBits: 16 }, dst: reg(0, 0, 16), nBits: 16 },
        { kind: 'load', src: 5n, dst: reg(1), nBits: 32 },
        { kind: 'output', src: { field: 'nx_in_port', ofs: 0, nBits: 16 }, nBits: 16 },
      ],
    },
    'learn(table=2,idle_timeout=10,hard_timeout=60,fin_idle_timeout=1,fin_hard_timeout=2,priority=5,send_flow_rem,delete_learned,cookie=0x5,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],eth_type=0x800,load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],load:0x5->NXM_NX_REG1[],output:NXM_OF_IN_PORT[])',
  ],
  [
    { type: 'learn', idleTimeout: 0, hardTimeout: 0, priority: 0x8000, cookie: 0n, flags: 0, tableId: 1, finIdleTimeout: 0, finHardTimeout: 0, limit: 10, resultDst: reg(0, 0, 1), specs: [{ kind: 'match', src: reg(1), dst: reg(1), nBits: 32 }] },
    'learn(table=1,limit=10,result_dst=NXM_NX_REG0[0],NXM_NX_REG1[])',
  ],
  [{ type: 'exit' }, 'exit'],
  [{ type: 'dec_ttl', ids: [1, 2, 3] }, 'dec_ttl(1,2,3)'],
  [{ type: 'fin_timeout', idleTimeout: 5, hardTimeout: 10 }, 'fin_timeout(idle_timeout=5,hard_timeout=10)'],
  [{ type: 'controller', maxLen: 0xffff, controllerId: 3, reason: 0 }, 'controller(reason=no_match,id=3)'],
  [
    { type: 'controller', maxLen: 100, controllerId: 2, reason: 2, userdata: Buffer.from([1, 2, 3]), pause: true, meterId: 7, v2: true },
    'controller(max_len=100,reason=invalid_ttl,id=2,userdata=01.02.03,pause,meter_id=7)',
  ],
  [{ type: 'sample', probability: 100, collectorSetId: 1, obsDomainId: 2, obsPointId: 3 }, 'sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3)'],
  [
    { type: 'sample', probability: 5, collectorSetId: 1, obsDomainId: 2, obsPointId: 3, samplingPort: 3, direction: 1 },
    'sample(probability=5,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=3,ingress)',
  ],
  [{ type: 'stack_push', src: reg(0) }, 'push:NXM_NX_REG0[]'],
  [{ type: 'stack_pop', dst: reg(1, 0, 8) }, 'pop:NXM_NX_REG1[0..7]'],
  [{ type: 'conjunction', id: 5, clause: 1, nClauses: 2 }, 'conjunction(5,1/2)'],
  [
    {
      type: 'ct',
      commit: true,
      force: true,
      zone: 5,
      table: 3,
      alg: 21,
      actions: [
        { type: 'nat', kind: 'src', ipMin: 0x0a000001, ipMax: 0x0a000005, portMin: 100, portMax: 200, random: true },
        { type: 'set_field', field: 'ct_mark', value: 1 },
      ],
    },
    'ct(commit,force,table=3,zone=5,nat(src=10.0.0.1-10.0.0.5:100-200,random),exec(set_field:0x1->ct_mark),alg=ftp)',
  ],
  [{ type: 'ct', zone: reg(0, 0, 16), actions: [] }, 'ct(zone=NXM_NX_REG0[0..15])'],
  [{ type: 'nat' }, 'nat'],
  [
    { type: 'nat', kind: 'dst', ipMin: parseIpv6Text('fe80::1')!, ipMax: parseIpv6Text('fe80::5')!, portMin: 10, portMax: 20, persistent: true, hash: true },
    'nat(dst=[fe80::1]-[fe80::5]:10-20,persistent,hash)',
  ],
  [{ type: 'ct_clear' }, 'ct_clear'],
  [{ type: 'pop_queue' }, 'pop_queue'],
  [{ type: 'bundle', fields: 0, basis: 0, algorithm: 1, members: [4, 8] }, 'bundle(eth_src,0,hrw,ofport,members:4,8)'],
  [{ type: 'bundle', fields: 1, basis: 5, algorithm: 0, members: [1, 2, 3], dst: reg(0, 0, 16) }, 'bundle_load(symmetric_l4,5,active_backup,ofport,NXM_NX_REG0[0..15],members:1,2,3)'],
  [{ type: 'check_pkt_larger', pktLen: 1500, dst: reg(0, 0, 1) }, 'check_pkt_larger(1500)->NXM_NX_REG0[0]'],
  [{ type: 'output_trunc', port: 2, maxLen: 100 }, 'output(port=2,max_len=100)'],
  [{ type: 'clone', actions: [{ type: 'output', port: 1, maxLen: 0 }, { type: 'ct_clear' }] }, 'clone(output:1,ct_clear)'],
];

describe('actions', () => {
  it.each(ALL.map(([a, t]) => [t, a] as [string, Action]))('%s: decode(encode(a)) equals a; length a multiple of 8', (_t, a) => {
    const b = enc([a]);
    expect(b.length % 8).toBe(0);
    expect(b.readUInt16BE(2)).toBe(b.length);
    expect(dec(b)).toEqual([a]);
  });

  it.each(ALL.map(([a, t]) => [t, a] as [string, Action]))('%s: prints as OVS text that parses back to the same bytes', (t, a) => {
    expect(formatActions([a])).toBe(t);
    // The parser makes OVS's OF1.3 encoding choices (e.g. set_tunnel -> set_field), so compare bytes of
    // what it produces with bytes of its own re-print, and for most actions with `a` itself.
    const parsed = parseActions(t);
    expect(enc(parseActions(formatActions(parsed)))).toEqual(enc(parsed));
    // (NXAST_RESUBMIT, from bytes only, prints like OVS as resubmit:PORT, which OVS writes as RESUBMIT_TABLE.)
    if (!['set_tunnel', 'set_field', 'nat', 'controller'].includes(a.type) && t !== 'resubmit:6') {
      expect(enc(parsed)).toEqual(enc([a]));
    }
  });

  it('encodes known layouts byte for byte', () => {
    // ofp_action_output (section 7.2.5.1): type 0, len 16, port, max_len, 6 pad.
    expect(enc([{ type: 'output', port: 2, maxLen: 0 }]).toString('hex')).toBe('000000100000000200000000' + '00000000');
    // nx_action_reg_load: NXAST 7, ofs_nbits (0<<6 | 7), dst NXM_NX_REG2, value.
    expect(enc([{ type: 'load', dst: reg(2, 0, 8), value: 5n }]).toString('hex')).toBe('ffff00180000232000070007000104040000000000000005');
    // ofp_action_set_field for tun_id: OXM_OF_TUNNEL_ID then 4 bytes of padding.
    expect(enc([{ type: 'set_field', field: 'tun_id', value: 7n }]).toString('hex')).toBe('0019001080004c080000000000000007');
    // ... and for reg0 (NXM header, 4-byte value): 12 bytes padded to 16.
    expect(enc([{ type: 'set_field', field: 'reg0', value: 3 }]).toString('hex')).toBe('00190010000100040000000300000000');
    expect(formatActions([])).toBe('drop');
  });

  it('unknown actions (OF type, experimenter, Nicira subtype) stay opaque, byte for byte', () => {
    const raw = ['001c0008 00000000', 'ffff0010 00001234 00010203 04050607', 'ffff0010 00002320 00fe0000 00000000'].map((h) => h.replace(/\s/g, ''));
    const all = dec(raw.join(''));
    expect(all.map((a) => a.type)).toEqual(['opaque', 'opaque', 'opaque']);
    expect(enc(all).toString('hex')).toBe(raw.join(''));
    // ... and so is a Nicira action naming a field we do not know (move from 0x7fff0004).
    const mv = 'ffff0018 00002320 0006 0008 0000 0000 7fff0004 00010004'.replace(/\s/g, '');
    expect(dec(mv)).toEqual([{ type: 'opaque', raw: Buffer.from(mv, 'hex') }]);
    // set_field of an unknown OXM field is kept whole too.
    const sf = '00190010 8000fe04 deadbeef 00000000'.replace(/\s/g, '');
    expect(dec(sf)).toEqual([{ type: 'opaque', raw: Buffer.from(sf, 'hex') }]);
    expect(enc(dec(sf)).toString('hex')).toBe(sf);
  });
});

describe('action errors (one test per code)', () => {
  it('OFPBAC_BAD_LEN: lengths not a multiple of 8, beyond the list, or wrong for a fixed-size action', () => {
    expect(code(() => dec('0000000c 00000002 00000000'))).toBe('OFPBAC_BAD_LEN');
    expect(code(() => dec('00000000 00000000'))).toBe('OFPBAC_BAD_LEN');
    expect(code(() => dec('00000018 00000002 00000000 00000000'))).toBe('OFPBAC_BAD_LEN');
    expect(code(() => dec('00000008 00000002'))).toBe('OFPBAC_BAD_LEN'); // output must be 16
    expect(code(() => dec('0000'))).toBe('OFPBAC_BAD_LEN');
    expect(code(() => dec('ffff0010 00002320 00070000 00000000'))).toBe('OFPBAC_BAD_LEN'); // reg_load needs 24
    expect(code(() => dec('ffff0018 00002320 0001 0005 00000000 0000000000000000'))).toBe('OFPBAC_BAD_LEN'); // resubmit is 16
    // controller2 property whose length overruns the action.
    expect(code(() => dec('ffff0018 00002320 0025 000000000000 00030010 01020304'))).toBe('OFPBAC_BAD_LEN');
  });
  it('OFPBAC_BAD_ARGUMENT: subfields outside the field, bad conjunction, bad learn spec', () => {
    expect(code(() => enc([{ type: 'load', dst: reg(0, 30, 8), value: 1n }]))).toBe('OFPBAC_BAD_ARGUMENT');
    expect(code(() => enc([{ type: 'move', src: reg(0, 0, 8), dst: reg(1, 0, 16) }]))).toBe('OFPBAC_BAD_ARGUMENT');
    expect(code(() => enc([{ type: 'conjunction', id: 1, clause: 3, nClauses: 2 }]))).toBe('OFPBAC_BAD_ARGUMENT');
    expect(code(() => enc([{ type: 'load', dst: { field: 'nope', ofs: 0, nBits: 1 }, value: 0n }]))).toBe('OFPBAC_BAD_ARGUMENT');
    // reg_load with ofs_nbits beyond reg0 (ofs 31, 8 bits).
    expect(code(() => dec('ffff0018 00002320 0007 07c7 00010004 0000000000000001'))).toBe('OFPBAC_BAD_ARGUMENT');
    // conjunction clause 2 of 2 is encoded 1; 2 (>= n_clauses) is bad.
    expect(code(() => dec('ffff0010 00002320 0022 0202 00000005'))).toBe('OFPBAC_BAD_ARGUMENT');
    // bad learn spec header (dst type 3).
    expect(code(() => dec('ffff0028 00002320 0010 0000 0000 8000 0000000000000000 0000 01 00 0000 0000 1801 000000000000'))).toBe('OFPBAC_BAD_ARGUMENT');
  });
  it('OFPBAC_BAD_SET_LEN: set_field whose OXM does not fit the action', () => {
    expect(code(() => dec('00190008 80004c08'))).toBe('OFPBAC_BAD_SET_LEN');
    expect(code(() => dec('00190018 80000004 00000001 00000000 00000000 00000000'))).toBe('OFPBAC_BAD_SET_LEN'); // 8+ bytes of padding
  });
  it('OFPBAC_BAD_SET_ARGUMENT: a masked OXM in OFPAT_SET_FIELD; masking a non-maskable field', () => {
    expect(code(() => dec('00190010 80000108 00000001 ffffffff'))).toBe('OFPBAC_BAD_SET_ARGUMENT');
    expect(code(() => enc([{ type: 'set_field', field: 'eth_type', value: 1, mask: 1 }]))).toBe('OFPBAC_BAD_SET_ARGUMENT');
  });
  it('OFPBAC_BAD_SET_TYPE: set_field of an unknown field (encode); reg_load2 of an unknown field (decode)', () => {
    expect(code(() => enc([{ type: 'set_field', field: 'nope', value: 1 }]))).toBe('OFPBAC_BAD_SET_TYPE');
    expect(code(() => dec('ffff0018 00002320 0021 8000fe04 00000001 000000000000'))).toBe('OFPBAC_BAD_SET_TYPE');
  });
  it('OFPSDN_BAD_VALUE: values out of range or of the wrong type', () => {
    expect(code(() => enc([{ type: 'output', port: -1, maxLen: 0 }]))).toBe('OFPSDN_BAD_VALUE');
    expect(code(() => enc([{ type: 'group', groupId: 2 ** 32 }]))).toBe('OFPSDN_BAD_VALUE');
    expect(code(() => enc([{ type: 'set_field', field: 'tun_id', value: 1 }]))).toBe('OFPSDN_BAD_VALUE');
    expect(code(() => enc([{ type: 'bogus' } as unknown as Action]))).toBe('OFPSDN_BAD_VALUE');
  });
});

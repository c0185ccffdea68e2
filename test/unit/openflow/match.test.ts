import { OpenFlowDecodeError } from '../../../src/openflow/errors';
import { Match, decodeMatch, decodeOxms, encodeMatch, encodeOxms, formatMatch } from '../../../src/openflow/match';
import { parseIpv6Text } from '../../../src/openflow/oxm';
import { Reader } from '../../../src/openflow/reader';
import { Writer } from '../../../src/openflow/writer';

function enc(m: Match): Buffer {
  const w = new Writer(16);
  encodeMatch(w, m);
  return w.toBuffer();
}

function dec(hex: string): Match {
  const b = Buffer.from(hex.replace(/\s/g, ''), 'hex');
  const r = new Reader(b);
  const m = decodeMatch(r);
  expect(r.remaining).toBe(0);
  return m;
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

const BENCH_HEX =
  '0001002a' + // OFPMT_OXM, length 42
  '80000004 00000001' + // OXM_OF_IN_PORT = 1
  '80000a02 0800' + // OXM_OF_ETH_TYPE = 0x0800
  '80001908 0af40200 ffffff00' + // OXM_OF_IPV4_DST (hasmask) 10.244.2.0/24
  '80004c08 0000000000000005' + // OXM_OF_TUNNEL_ID = 5
  '000000000000'; // pad to 48

const BENCH: Match = [
  { field: 'in_port', value: 1 },
  { field: 'eth_type', value: 0x0800 },
  { field: 'ipv4_dst', value: 0x0af40200, mask: 0xffffff00 },
  { field: 'tun_id', value: 5n },
];

describe('ofp_match encode/decode', () => {
  it('encodes the benchmark match byte for byte (OF1.3 section 7.2.3)', () => {
    expect(enc(BENCH).toString('hex')).toBe(BENCH_HEX.replace(/\s/g, ''));
    expect(dec(BENCH_HEX)).toEqual(BENCH);
  });

  it('an empty match is 8 bytes: type, length 4, 4 bytes of padding', () => {
    expect(enc([]).toString('hex')).toBe('0001000400000000');
    expect(dec('0001000400000000')).toEqual([]);
  });

  it('represents values by width: number, bigint, Buffer', () => {
    const m: Match = [
      { field: 'eth_src', value: 0x001122334455 },
      { field: 'eth_type', value: 0x86dd },
      { field: 'ipv6_src', value: parseIpv6Text('2001:db8::')!, mask: parseIpv6Text('ffff:ffff::')! },
      { field: 'xreg3', value: 0xffffffffffffffffn },
      { field: 'ct_label', value: Buffer.alloc(16, 1) },
      { field: 'tcp_flags', value: 0x12, mask: 0x12 },
    ];
    // tcp_flags needs tcp: drop it for the round trip and check separately.
    const ok = m.slice(0, 5);
    expect(dec(enc(ok).toString('hex'))).toEqual(ok);
    // Open vSwitch's order and spelling (lib/match.c match_format): conntrack first, then the shorthand, registers
    // (an xreg as the two 32-bit regs it overlays), L2, L3.
    expect(formatMatch(ok)).toBe('ct_label=0x1010101010101010101010101010101,ipv6,reg6=0xffffffff,reg7=0xffffffff,dl_src=00:11:22:33:44:55,ipv6_src=2001:db8::/32');
  });

  it('the ONF experimenter field tcp_flags carries its experimenter id', () => {
    const m: Match = [
      { field: 'eth_type', value: 0x0800 },
      { field: 'ip_proto', value: 6 },
      { field: 'tcp_flags', value: 0x002, mask: 0x012 },
    ];
    const hex = enc(m).toString('hex');
    expect(hex).toContain('ffff5508' + '4f4e4600' + '0002' + '0012');
    expect(dec(hex)).toEqual(m);
    expect(formatMatch(m)).toBe('tcp,tcp_flags=+syn-ack');
  });

  it('decodes NXM headers of OXM fields to the same registry field', () => {
    // NXM_NX_TUN_ID (0x0001, 16) instead of OXM_OF_TUNNEL_ID.
    expect(dec('0001 0010 00012008 0000000000000007').map((e) => e.field)).toEqual(['tun_id']);
  });

  it('keeps unknown fields opaque and re-encodes them byte for byte', () => {
    const hex = '0001 0016 8000fe04 deadbeef ffff0306 00abcdef 1234 0000';
    const m = dec(hex);
    expect(m).toEqual([
      { field: 'unknown', header: 0x8000fe04, value: Buffer.from('deadbeef', 'hex') },
      { field: 'unknown', header: 0xffff0306, value: Buffer.from('00abcdef1234', 'hex') },
    ]);
    expect(enc(m).toString('hex')).toBe(hex.replace(/\s/g, ''));
    expect(formatMatch(m)).toBe('oxm_0x8000fe04=0xdeadbeef,oxm_0xffff0306=0x00abcdef1234');
  });

  it('bare OXM lists (encodeOxms/decodeOxms) have no header or padding', () => {
    const w = new Writer();
    encodeOxms(w, [{ field: 'in_port', value: 3 }]);
    expect(w.toBuffer().toString('hex')).toBe('8000000400000003');
    expect(decodeOxms(new Reader(w.toBuffer()))).toEqual([{ field: 'in_port', value: 3 }]);
  });
});

describe('match errors (one test per code)', () => {
  it('OFPBMC_BAD_TYPE: match type other than OFPMT_OXM', () => {
    expect(code(() => dec('0000000400000000'))).toBe('OFPBMC_BAD_TYPE');
  });
  it('OFPBMC_BAD_LEN: match length below 4, beyond the buffer, OXM lengths that do not add up', () => {
    expect(code(() => dec('0001000200000000'))).toBe('OFPBMC_BAD_LEN');
    expect(code(() => dec('0001004000000000'))).toBe('OFPBMC_BAD_LEN');
    expect(code(() => dec('00010009 80000004 00'))).toBe('OFPBMC_BAD_LEN'); // truncated header inside
    expect(code(() => dec('0001000c 80000008 00000001'))).toBe('OFPBMC_BAD_LEN'); // OXM len overruns
    expect(code(() => dec('0001000a 80000a02 0800 0000 0000 0000'.slice(0, 32)))).toBe('OFPBMC_BAD_LEN');
    expect(code(() => dec('0001000b 80000a03 080000 00000000 00'))).toBe('OFPBMC_BAD_LEN'); // wrong width
    expect(code(() => dec('0001000c ffff0102 0000 000000000000'))).toBe('OFPBMC_BAD_LEN'); // experimenter < 4
  });
  it('OFPBMC_BAD_FIELD: encoding an unknown field name', () => {
    expect(code(() => enc([{ field: 'no_such_field', value: 1 }]))).toBe('OFPBMC_BAD_FIELD');
  });
  it('OFPBMC_BAD_MASK: mask on a non-maskable field', () => {
    expect(code(() => enc([{ field: 'in_port', value: 1, mask: 1 }]))).toBe('OFPBMC_BAD_MASK');
    expect(code(() => dec('0001000c 80000b04 0800ffff 00000000'))).toBe('OFPBMC_BAD_MASK');
  });
  it('OFPBMC_BAD_PREREQ: a field before (or without) its prerequisite', () => {
    expect(code(() => enc([{ field: 'ipv4_dst', value: 1 }]))).toBe('OFPBMC_BAD_PREREQ');
    expect(code(() => enc([{ field: 'eth_type', value: 0x86dd }, { field: 'ipv4_dst', value: 1 }]))).toBe('OFPBMC_BAD_PREREQ');
    expect(code(() => enc([{ field: 'eth_type', value: 0x0800 }, { field: 'tcp_dst', value: 80 }]))).toBe('OFPBMC_BAD_PREREQ');
    expect(code(() => enc([{ field: 'ct_nw_src', value: 1 }]))).toBe('OFPBMC_BAD_PREREQ');
    // Order matters: ip_proto after tcp_dst.
    expect(code(() => dec('0001 0015 80000a02 0800 80001c02 0050 80001401 06 000000'))).toBe('OFPBMC_BAD_PREREQ');
    // With the prerequisite first, the same fields decode.
    expect(dec('0001 0015 80000a02 0800 80001401 06 80001c02 0050 000000').map((e) => e.field)).toEqual(['eth_type', 'ip_proto', 'tcp_dst']);
  });
  it('OFPBMC_DUP_FIELD: the same field twice', () => {
    expect(code(() => enc([{ field: 'in_port', value: 1 }, { field: 'in_port', value: 2 }]))).toBe('OFPBMC_DUP_FIELD');
    expect(code(() => dec('0001 0014 80000004 00000001 80000004 00000002 00000000'))).toBe('OFPBMC_DUP_FIELD');
    // NXM and OXM headers of one field are the same field.
    expect(code(() => dec('0001 001c 80004c08 0000000000000001 00012008 0000000000000001 00000000'))).toBe('OFPBMC_DUP_FIELD');
  });
  it('OFPBMC_BAD_VALUE: a value wider than the field (vlan_pcp 8, mpls_label 2^20)', () => {
    expect(code(() => enc([{ field: 'vlan_vid', value: 0x1005 }, { field: 'vlan_pcp', value: 8 }]))).toBe('OFPBMC_BAD_VALUE');
    expect(code(() => enc([{ field: 'eth_type', value: 0x8847 }, { field: 'mpls_label', value: 1 << 20 }]))).toBe('OFPBMC_BAD_VALUE');
    expect(code(() => dec('0001000f 80000c02 1005 80000e01 08 00'))).toBe('OFPBMC_BAD_VALUE');
  });
  it('OFPSDN_BAD_VALUE: a value of the wrong representation or range', () => {
    expect(code(() => enc([{ field: 'in_port', value: 1n }]))).toBe('OFPSDN_BAD_VALUE');
    expect(code(() => enc([{ field: 'tun_id', value: 1 }]))).toBe('OFPSDN_BAD_VALUE');
    expect(code(() => enc([{ field: 'eth_type', value: 0x10000 }]))).toBe('OFPSDN_BAD_VALUE');
    expect(code(() => enc([{ field: 'ct_label', value: Buffer.alloc(15) }]))).toBe('OFPSDN_BAD_VALUE');
    expect(code(() => enc([{ field: 'unknown', header: 0x8000fe04, value: Buffer.alloc(3) }]))).toBe('OFPSDN_BAD_VALUE');
  });
  it('errors carry the byte offset of the bad OXM', () => {
    try {
      dec('0001 0014 80000004 00000001 80000004 00000002 00000000');
      throw new Error('no throw');
    } catch (e) {
      expect((e as OpenFlowDecodeError).offset).toBe(12);
    }
  });
});

/**
 * OFPBMC_BAD_WILDCARDS (OpenFlow 1.3 section 7.2.3.5): a masked OXM's value "must have 0 in bits where the mask
 * is 0". Per direction, as Open vSwitch does:
 *  - encoding our objects refuses such an entry (no silent clearing of bits the caller wrote);
 *  - decoding the wire refuses it (OVS nx_pull_entry__; `ovs-ofctl ofp-print` of such a FLOW_MOD says
 *    "decode error: OFPBMC_BAD_WILDCARDS", also for a masked NXAST_REG_LOAD2);
 *  - flow text is lenient and keeps value & mask (`ovs-ofctl parse-flow 'ip,nw_dst=10.0.0.1/24'` prints
 *    nw_dst=10.0.0.0/24).
 * The fast paths (msg/fastpath.ts) decline such input so the general codec raises the error.
 */
import { decodeActions, encodeActions } from '../../../src/openflow/actions';
import { decodeMessage, encodeMessage } from '../../../src/openflow/dispatch';
import { OpenFlowDecodeError } from '../../../src/openflow/errors';
import { parseFlowMod } from '../../../src/openflow/flow-text';
import { Match, decodeMatch, encodeMatch } from '../../../src/openflow/match';
import { fastDecodeMatch, fastEncodeMatch } from '../../../src/openflow/msg/fastpath';
import { oxmValueOutsideMask, parseIpv6Text } from '../../../src/openflow/oxm';
import { Reader } from '../../../src/openflow/reader';
import { flowMod, type FlowMod } from '../../../src/openflow/types';
import { Writer } from '../../../src/openflow/writer';

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OpenFlowDecodeError);
    return (e as OpenFlowDecodeError).code;
  }
  return 'no error';
}

function enc(m: Match): Buffer {
  const w = new Writer(16);
  encodeMatch(w, m);
  return w.toBuffer();
}

const IP = { field: 'eth_type', value: 0x0800 };
const IP6 = { field: 'eth_type', value: 0x86dd };

describe('oxmValueOutsideMask', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['number, inside', 0x0a000000, 0xffffff00, false],
    ['number, outside', 0x0a000001, 0xffffff00, true],
    ['number, bit 31', 0x80000000, 0x7fffffff, true],
    ['48-bit, high bits outside', 0x010000000000, 0x00ffffffffff, true],
    ['48-bit, high bits inside', 0x010203000000, 0xffffff000000, false],
    ['48-bit, low bits outside', 0x010203000001, 0xffffff000000, true],
    ['bigint, inside', 0x1200n, 0xff00n, false],
    ['bigint, outside', 0x1234n, 0xff00n, true],
    ['bigint, bit 63', 1n << 63n, (1n << 63n) - 1n, true],
    ['buffer, inside', hex('20010db8000000000000000000000000'), hex('ffffffffffffffff0000000000000000'), false],
    ['buffer, last byte outside', hex('20010db8000000000000000000000001'), hex('ffffffffffffffff0000000000000000'), true],
  ])('%s', (_, v, m, want) => {
    expect(oxmValueOutsideMask(v as number, m as number)).toBe(want);
  });
});

describe('encode refuses a value with bits outside its mask (OFPBMC_BAD_WILDCARDS)', () => {
  it.each<[string, Match]>([
    ['ipv4_dst', [IP, { field: 'ipv4_dst', value: 0x0a000001, mask: 0xffffff00 }]],
    ['eth_dst (bits above 32)', [{ field: 'eth_dst', value: 0x010203040506, mask: 0x00ffffffffff }]],
    ['eth_dst (low bits)', [{ field: 'eth_dst', value: 0x010203040506, mask: 0xffffff000000 }]],
    ['reg0', [{ field: 'reg0', value: 0x13, mask: 0xf0 }]],
    ['metadata (bigint)', [{ field: 'metadata', value: 0x1234n, mask: 0xff00n }]],
    ['tun_id (bigint, fast-path field)', [{ field: 'tun_id', value: 0x11n, mask: 0x10n }]],
    ['ipv6_src (buffer)', [IP6, { field: 'ipv6_src', value: parseIpv6Text('2001:db8::1')!, mask: parseIpv6Text('ffff:ffff:ffff:ffff::')! }]],
    ['ct_label (buffer, Nicira class)', [{ field: 'ct_label', value: Buffer.alloc(16, 1), mask: Buffer.alloc(16, 0xfe) }]],
  ])('%s', (_, m) => {
    expect(codeOf(() => enc(m))).toBe('OFPBMC_BAD_WILDCARDS');
    // The fast path declines it (writing nothing), leaving the error to the general encoder.
    const w = new Writer(8);
    expect(fastEncodeMatch(w, m)).toBe(false);
    expect(w.pos).toBe(0);
    // And so does a whole FLOW_MOD, whichever path it takes.
    expect(codeOf(() => encodeMessage(flowMod({ match: m })))).toBe('OFPBMC_BAD_WILDCARDS');
  });

  it('accepts the same entries once the value is inside the mask (the check is not a blanket refusal)', () => {
    expect(enc([IP, { field: 'ipv4_dst', value: 0x0a000000, mask: 0xffffff00 }]).toString('hex')).toBe(
      '0001001680000a02080080001908' + '0a000000ffffff00' + '0000',
    );
    expect(() => enc([{ field: 'eth_dst', value: 0x010203000000, mask: 0xffffff000000 }])).not.toThrow();
    expect(() => enc([{ field: 'metadata', value: 0x1200n, mask: 0xff00n }])).not.toThrow();
  });

  it('refuses a masked set_field (NXAST_REG_LOAD2) the same way', () => {
    expect(codeOf(() => encodeActions(new Writer(32), [{ type: 'set_field', field: 'reg0', value: 0x13, mask: 0xf0 }]))).toBe('OFPBMC_BAD_WILDCARDS');
    expect(() => encodeActions(new Writer(32), [{ type: 'set_field', field: 'reg0', value: 0x10, mask: 0xf0 }])).not.toThrow();
  });
});

describe('decode refuses a value with bits outside its mask, as OVS does', () => {
  // eth_type=0x0800, ipv4_dst=10.0.0.1/255.255.255.0 (ovs-ofctl ofp-print: "decode error: OFPBMC_BAD_WILDCARDS").
  const BAD_MATCH = '0001001680000a02080080001908 0a000001ffffff00 0000';
  const GOOD_MATCH = '0001001680000a02080080001908 0a000000ffffff00 0000';

  it('decodeMatch: OFPBMC_BAD_WILDCARDS at the offending OXM; the fast path declines', () => {
    try {
      decodeMatch(new Reader(hex(BAD_MATCH)));
      throw new Error('decoded');
    } catch (e) {
      expect((e as OpenFlowDecodeError).code).toBe('OFPBMC_BAD_WILDCARDS');
      expect((e as OpenFlowDecodeError).offset).toBe(10);
    }
    const r = new Reader(hex(BAD_MATCH));
    expect(fastDecodeMatch(r)).toBeUndefined();
    expect(r.pos).toBe(0);
    expect(decodeMatch(new Reader(hex(GOOD_MATCH)))).toEqual([IP, { field: 'ipv4_dst', value: 0x0a000000, mask: 0xffffff00 }]);
  });

  it('a whole FLOW_MOD from the wire', () => {
    const h = '040e004800000001 0000000000000000 0000000000000000 0000 0000 0000 8000 ffffffff ffffffff ffffffff 0000 0000';
    try {
      decodeMessage(hex(h + BAD_MATCH));
      throw new Error('decoded');
    } catch (e) {
      expect((e as OpenFlowDecodeError).code).toBe('OFPBMC_BAD_WILDCARDS');
      expect((e as OpenFlowDecodeError).offset).toBe(48 + 10);
    }
    expect((decodeMessage(hex(h + GOOD_MATCH)) as FlowMod).match).toEqual([IP, { field: 'ipv4_dst', value: 0x0a000000, mask: 0xffffff00 }]);
  });

  it('is checked before the field is known to be maskable (OVS order: nx_pull_entry__ first)', () => {
    // in_port (not maskable) with a mask and a value bit outside it.
    expect(codeOf(() => decodeMatch(new Reader(hex('00010010 80000108 00000003 00000001'))))).toBe('OFPBMC_BAD_WILDCARDS');
    // With the value inside the mask it is the usual OFPBMC_BAD_MASK.
    expect(codeOf(() => decodeMatch(new Reader(hex('00010010 80000108 00000001 00000001'))))).toBe('OFPBMC_BAD_MASK');
  });

  it('a masked NXAST_REG_LOAD2 (ovs-ofctl ofp-print: OFPBMC_BAD_WILDCARDS)', () => {
    const act = (v: string): Buffer => hex(`ffff0018 00002320 0021 00010108 ${v} 000000f0 0000`);
    expect(codeOf(() => decodeActions(new Reader(act('00000013'))))).toBe('OFPBMC_BAD_WILDCARDS');
    expect(decodeActions(new Reader(act('00000010')))).toEqual([{ type: 'set_field', field: 'reg0', value: 0x10, mask: 0xf0 }]);
  });
});

describe('flow text keeps value & mask, like ovs-ofctl', () => {
  it.each<[string, Match]>([
    ['ip,nw_dst=10.0.0.1/24', [IP, { field: 'ipv4_dst', value: 0x0a000000, mask: 0xffffff00 }]],
    ['reg0=0x13/0xf0', [{ field: 'reg0', value: 0x10, mask: 0xf0 }]],
    ['dl_dst=01:02:03:04:05:06/ff:ff:ff:00:00:00', [{ field: 'eth_dst', value: 0x010203000000, mask: 0xffffff000000 }]],
    ['metadata=0x1234/0xff00', [{ field: 'metadata', value: 0x1200n, mask: 0xff00n }]],
    ['xreg0=0x100000013/0xff000000f0', [{ field: 'reg0', value: 0x1, mask: 0xff }, { field: 'reg1', value: 0x10, mask: 0xf0 }]],
    ['ipv6,ipv6_src=2001:db8::1/64', [IP6, { field: 'ipv6_src', value: parseIpv6Text('2001:db8::')!, mask: parseIpv6Text('ffff:ffff:ffff:ffff::')! }]],
  ])('%s', (text, want) => {
    const fm = parseFlowMod(`${text},actions=drop`);
    expect(fm.match).toEqual(want);
    // And the normalised match encodes (the encoder would refuse the raw value).
    expect(() => encodeMessage(fm)).not.toThrow();
  });
});

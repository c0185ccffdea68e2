import {
  OXM_FIELDS,
  OFPXMC_OPENFLOW_BASIC,
  ONF_EXPERIMENTER_ID,
  formatFieldValue,
  formatIpv6Text,
  oxmFieldByHeader,
  oxmFieldByName,
  oxmHeader,
  parseFieldValue,
  parseIpv6Text,
  parsePortNo,
  formatPortNo,
  FieldValueError,
} from '../../../src/openflow/oxm';

// OpenFlow 1.3.5 section 7.2.3.7, table 12: the 40 OXM_OF_* basic fields, number -> (bits on the wire, maskable).
const BASIC: [number, number, boolean][] = [
  [0, 32, false], [1, 32, false], [2, 64, true], [3, 48, true], [4, 48, true], [5, 16, false], [6, 16, true],
  [7, 8, false], [8, 8, false], [9, 8, false], [10, 8, false], [11, 32, true], [12, 32, true], [13, 16, true],
  [14, 16, true], [15, 16, true], [16, 16, true], [17, 16, true], [18, 16, true], [19, 8, false], [20, 8, false],
  [21, 16, false], [22, 32, true], [23, 32, true], [24, 48, true], [25, 48, true], [26, 128, true], [27, 128, true],
  [28, 32, true], [29, 8, false], [30, 8, false], [31, 128, true], [32, 48, true], [33, 48, true], [34, 32, false],
  [35, 8, false], [36, 8, false], [37, 24, true], [38, 64, true], [39, 16, true],
];

describe('OXM field registry', () => {
  it('has all 40 OpenFlow 1.3 basic fields with their wire width', () => {
    for (const [field, bits, maskable] of BASIC) {
      const f = oxmFieldByHeader(oxmHeader(OFPXMC_OPENFLOW_BASIC, field, false, bits / 8));
      expect(f).toBeDefined();
      expect(f!.bytes * 8).toBe(bits);
      // OVS also allows masks on the transport ports (OF1.3 lists them as not maskable); never the reverse.
      if (maskable) expect(f!.maskable).toBe(true);
    }
  });

  it('has the Nicira/OVS fields with their NXM/OXM headers', () => {
    const expectHeader = (name: string, cls: number, field: number, bytes: number): void => {
      const f = oxmFieldByName(name)!;
      expect(f).toBeDefined();
      expect([f.oxmClass, f.oxmField, f.bytes]).toEqual([cls, field, bytes]);
    };
    for (let i = 0; i < 16; i++) expectHeader(`reg${i}`, 1, i, 4);
    for (let i = 0; i < 8; i++) expectHeader(`xreg${i}`, 0x8001, i, 8);
    expectHeader('tun_id', 0x8000, 38, 8);
    expectHeader('tun_src', 1, 31, 4);
    expectHeader('tun_dst', 1, 32, 4);
    expectHeader('tun_flags', 1, 104, 2);
    expectHeader('pkt_mark', 1, 33, 4);
    expectHeader('ct_state', 1, 105, 4);
    expectHeader('ct_zone', 1, 106, 2);
    expectHeader('ct_mark', 1, 107, 4);
    expectHeader('ct_label', 1, 108, 16);
    expectHeader('ct_nw_proto', 1, 119, 1);
    expectHeader('ct_nw_src', 1, 120, 4);
    expectHeader('ct_nw_dst', 1, 121, 4);
    expectHeader('ct_tp_src', 1, 124, 2);
    expectHeader('ct_tp_dst', 1, 125, 2);
    expectHeader('conj_id', 1, 37, 4);
    expectHeader('tcp_flags', 0xffff, 42, 2);
    expect(oxmFieldByName('tcp_flags')!.experimenter).toBe(ONF_EXPERIMENTER_ID);
    expect(oxmFieldByName('tcp_flags')!.header).toBe(0xffff5406);
  });

  it('finds fields by alias and by their NXM alternate header', () => {
    expect(oxmFieldByName('dl_src')!.name).toBe('eth_src');
    expect(oxmFieldByName('nw_dst')!.name).toBe('ipv4_dst');
    expect(oxmFieldByName('NXM_NX_REG3')!.name).toBe('reg3');
    expect(oxmFieldByName('tunnel_id')!.name).toBe('tun_id');
    expect(oxmFieldByHeader(oxmHeader(1, 16, false, 8))!.name).toBe('tun_id');
    expect(oxmFieldByHeader(oxmHeader(0, 2, false, 6))!.name).toBe('eth_src');
    expect(oxmFieldByHeader(0xffff5406, ONF_EXPERIMENTER_ID)!.name).toBe('tcp_flags');
    expect(oxmFieldByHeader(0xffff5406, 0x1234)).toBeUndefined();
    expect(oxmFieldByHeader(oxmHeader(0x8000, 100, false, 4))).toBeUndefined();
  });

  it('names are unique and every field has a precomputed header', () => {
    const names = OXM_FIELDS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const f of OXM_FIELDS) {
      expect(f.header & 0xff).toBe(f.bytes + (f.oxmClass === 0xffff ? 4 : 0));
      expect(f.headerMasked & 0x100).toBe(0x100);
    }
  });
});

describe('field value text', () => {
  const cases: [string, string, string][] = [
    ['ipv4_dst', '10.0.0.0/24', '10.0.0.0/24'],
    ['ipv4_dst', '10.0.0.1/255.0.255.0', '10.0.0.0/255.0.255.0'],
    ['ipv4_dst', '10.1.2.3/32', '10.1.2.3'],
    ['eth_src', 'aa:bb:cc:00:00:00/ff:ff:ff:00:00:00', 'aa:bb:cc:00:00:00/ff:ff:ff:00:00:00'],
    ['ipv6_src', '2001:db8::/32', '2001:db8::/32'],
    ['ipv6_src', '::1', '::1'],
    ['reg0', '0x5/0xff', '0x5/0xff'],
    ['reg0', '17', '0x11'],
    ['tcp_dst', '80', '80'],
    ['tcp_dst', '0x50/0xfff0', '0x50/0xfff0'],
    ['ct_state', '+trk-new', '-new+trk'],
    ['ct_state', '0x20/0x20', '+trk'],
    ['tcp_flags', '+syn-ack', '+syn-ack'],
    ['tun_flags', '+oam', '+oam'],
    ['ip_frag', 'later', 'later'],
    ['in_port', 'LOCAL', 'LOCAL'],
    ['in_port', '7', '7'],
    ['vlan_vid', '5', '4101'],
    ['vlan_vid', '4101', '4101'],
    ['tun_id', '0xffffffffffffffff', '0xffffffffffffffff'],
    ['ct_label', '0x1/0xff', '0x1/0xff'],
  ];
  it.each(cases)('%s=%s prints as %s', (field, text, printed) => {
    const f = oxmFieldByName(field)!;
    const v = parseFieldValue(f, text);
    expect(formatFieldValue(f, v.value, v.mask)).toBe(printed);
    const again = parseFieldValue(f, printed);
    expect(again).toEqual(v);
  });

  it('rejects bad values', () => {
    const bad: [string, string][] = [
      ['ipv4_dst', '300.1.1.1'],
      ['ipv4_dst', '10.0.0.0/33'],
      ['eth_src', 'aa:bb'],
      ['reg0', '0x100000000'],
      ['eth_type', '0x800/0xff'],
      ['ct_state', '+bogus'],
      ['in_port', 'NOWHERE'],
      ['ipv6_src', '1:2:3:4:5:6:7:8:9'],
    ];
    for (const [field, text] of bad) expect(() => parseFieldValue(oxmFieldByName(field)!, text)).toThrow(FieldValueError);
  });

  it('IPv6 text round-trips, with :: compression and embedded IPv4', () => {
    for (const s of ['::', '::1', 'fe80::1', '2001:db8:0:1::', '1:2:3:4:5:6:7:8', '::ffff:10.0.0.1']) {
      const b = parseIpv6Text(s)!;
      expect(b).toHaveLength(16);
      expect(parseIpv6Text(formatIpv6Text(b))).toEqual(b);
    }
    expect(formatIpv6Text(parseIpv6Text('2001:0db8:0000:0000:0000:0000:0000:0001')!)).toBe('2001:db8::1');
  });

  it('reserved port names', () => {
    expect(parsePortNo('CONTROLLER')).toBe(0xfffffffd);
    expect(parsePortNo('IN_PORT', 2)).toBe(0xfff8);
    expect(parsePortNo('0xfffe')).toBe(0xfffffffe);
    expect(formatPortNo(0xfffffffa)).toBe('NORMAL');
    expect(formatPortNo(0xffff, 2)).toBe('NONE');
  });
});

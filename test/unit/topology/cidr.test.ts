import fc from 'fast-check';
import {
  cidrContains,
  cidrOverlaps,
  cidrWithin,
  formatCidr,
  formatIpv4Address,
  macForIpv4,
  normalizeMac,
  parseCidr,
  parseIpv4Address,
} from '../../../src/topology/cidr';

describe('IPv4 / CIDR helpers', () => {
  it('parses and formats addresses, rejecting junk', () => {
    expect(parseIpv4Address('10.244.1.2')).toBe(0x0af40102);
    expect(formatIpv4Address(0xffffffff)).toBe('255.255.255.255');
    for (const bad of ['10.244.1', '256.1.1.1', '01.1.1.1', '1.1.1.1 ', '', 'a.b.c.d'])
      expect(parseIpv4Address(bad)).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => parseIpv4Address(formatIpv4Address(v)) === v));
  });

  it('parses prefixes with zero host bits only', () => {
    expect(parseCidr('10.244.0.0/16')).toEqual({ base: 0x0af40000, prefix: 16 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ base: 0, prefix: 0 });
    expect(parseCidr('10.244.1.5/24')).toBeUndefined();
    expect(parseCidr('10.244.1.0/33')).toBeUndefined();
    expect(parseCidr('10.244.1.0')).toBeUndefined();
    expect(formatCidr(parseCidr('10.244.3.0/24')!)).toBe('10.244.3.0/24');
  });

  it('containment and overlap', () => {
    const c16 = parseCidr('10.244.0.0/16')!;
    const a = parseCidr('10.244.1.0/24')!;
    const b = parseCidr('10.244.1.128/25')!;
    const out = parseCidr('10.245.0.0/24')!;
    expect(cidrWithin(a, c16)).toBe(true);
    expect(cidrWithin(out, c16)).toBe(false);
    expect(cidrWithin(c16, a)).toBe(false);
    expect(cidrOverlaps(a, b)).toBe(true);
    expect(cidrOverlaps(b, a)).toBe(true);
    expect(cidrOverlaps(a, parseCidr('10.244.2.0/24')!)).toBe(false);
    expect(cidrContains(a, parseIpv4Address('10.244.1.255')!)).toBe(true);
    expect(cidrContains(a, parseIpv4Address('10.244.2.0')!)).toBe(false);
  });

  it('MACs', () => {
    expect(macForIpv4(parseIpv4Address('10.244.1.2')!)).toBe('0a:58:0a:f4:01:02');
    expect(normalizeMac('0A:58:0A:F4:01:02')).toBe('0a:58:0a:f4:01:02');
    expect(normalizeMac('0a:58:0a:f4:01')).toBeUndefined();
  });
});

/**
 * IPv4 address, prefix and MAC helpers used by the topology model. Addresses are unsigned 32-bit numbers.
 */

/** A parsed IPv4 prefix: `base` is the network address (host bits zero), `prefix` its length. */
export interface Ipv4Cidr {
  readonly base: number;
  readonly prefix: number;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad IPv4 text; returns undefined when it is not one. */
export function parseIpv4Address(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255 || (m[i].length > 1 && m[i][0] === '0')) return undefined;
    v = v * 256 + o;
  }
  return v;
}

/** Formats an unsigned 32-bit number as dotted-quad text. */
export function formatIpv4Address(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Network mask of a prefix length as an unsigned number. */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses `a.b.c.d/n`. Host bits must be zero (a pod CIDR like `10.244.1.5/24` is rejected, not silently
 * truncated). Returns undefined when the text is not a valid prefix.
 */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const base = parseIpv4Address(text.slice(0, slash));
  const ptext = text.slice(slash + 1);
  if (base === undefined || !/^\d{1,2}$/.test(ptext)) return undefined;
  const prefix = Number(ptext);
  if (prefix > 32) return undefined;
  if ((base & ~prefixMask(prefix)) >>> 0 !== 0) return undefined;
  return { base, prefix };
}

/** `a.b.c.d/n` text of a prefix. */
export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIpv4Address(c.base)}/${c.prefix}`;
}

/** Number of addresses in a prefix. */
export function cidrSize(c: Ipv4Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True when the address lies inside the prefix. */
export function cidrContains(c: Ipv4Cidr, addr: number): boolean {
  return (addr & prefixMask(c.prefix)) >>> 0 === c.base;
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrWithin(inner: Ipv4Cidr, outer: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.base);
}

/** True when two prefixes share at least one address. */
export function cidrOverlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}

/** The n-th address of a prefix (0 = network address). */
export function cidrHost(c: Ipv4Cidr, n: number): number {
  return (c.base + n) >>> 0;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Normalizes a MAC address to lower-case colon form; undefined when it is not one. */
export function normalizeMac(text: string): string | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.toLowerCase();
  return MAC_RE.test(t) ? t : undefined;
}

/**
 * A locally administered unicast MAC derived from an IPv4 address: `0a:58:` followed by the four address
 * bytes (the convention of several Kubernetes network plugins), so that a pod's MAC is stable and predictable.
 */
export function macForIpv4(addr: number): string {
  const b = [0x0a, 0x58, (addr >>> 24) & 255, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** A MAC address as a `0x...` 48-bit hex number (for NXM `load` actions). */
export function macToHex(mac: string): string {
  return `0x${mac.replace(/:/g, '')}`;
}

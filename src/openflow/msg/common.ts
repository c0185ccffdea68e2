/**
 * Helpers shared by the message families: Ethernet addresses, ofp_port, padded property lists and the
 * binary-parser bridge for fixed layouts.
 */
import { Parser } from 'binary-parser';
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import type { OfpPort, OpaqueProperty } from '../types';
import { OpenFlowDecodeError } from '../errors';

/**
 * Runs a compiled binary-parser layout over the next `size` bytes of `r` (bounds-checked first, so the parser
 * never reads past the message) and moves `r` past them.
 */
export function parseFixed<T>(r: Reader, parser: Parser, size: number, what: string): T {
  const b = r.bytes(size, what);
  return parser.parse(b) as T;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 6 wire bytes as `xx:xx:xx:xx:xx:xx`. */
export function macToString(b: Uint8Array, at = 0): string {
  return `${HEX[b[at]!]}:${HEX[b[at + 1]!]}:${HEX[b[at + 2]!]}:${HEX[b[at + 3]!]}:${HEX[b[at + 4]!]}:${HEX[b[at + 5]!]}`;
}

const MAC_RE = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/;

/** Writes a `xx:xx:xx:xx:xx:xx` address as 6 bytes; anything else is `OFPSDN_BAD_VALUE`. */
export function writeMac(w: Writer, mac: string, msgType?: string): void {
  if (!MAC_RE.test(mac)) throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `bad Ethernet address "${mac}"`, w.pos, msgType);
  w.ensure(6);
  const parts = mac.split(':');
  for (let i = 0; i < 6; i++) w.buf[w.pos++] = parseInt(parts[i]!, 16);
}

/** Checks that a number fits an unsigned field of `bits` bits before it is encoded. */
export function checkUint(v: number, bits: number, what: string, msgType?: string): void {
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `${what} ${v} does not fit in ${bits} bits`, 0, msgType);
  }
}

// ofp_port (A.2.1): port_no u32, pad 4, hw_addr 6, pad 2, name 16, then 8 u32 fields. 64 bytes.
const portParser = new Parser()
  .endianness('big')
  .uint32('portNo')
  .skip(4)
  .buffer('hw', { length: 6 })
  .skip(2)
  .buffer('nameBytes', { length: 16 })
  .uint32('config')
  .uint32('state')
  .uint32('curr')
  .uint32('advertised')
  .uint32('supported')
  .uint32('peer')
  .uint32('currSpeed')
  .uint32('maxSpeed');

export const OFP_PORT_LEN = 64;

/** Decodes one 64-byte ofp_port. */
export function decodePort(r: Reader): OfpPort {
  const p = parseFixed<{
    portNo: number;
    hw: Buffer;
    nameBytes: Buffer;
    config: number;
    state: number;
    curr: number;
    advertised: number;
    supported: number;
    peer: number;
    currSpeed: number;
    maxSpeed: number;
  }>(r, portParser, OFP_PORT_LEN, 'ofp_port');
  return {
    portNo: p.portNo,
    hwAddr: macToString(p.hw),
    name: cString(p.nameBytes),
    config: p.config,
    state: p.state,
    curr: p.curr,
    advertised: p.advertised,
    supported: p.supported,
    peer: p.peer,
    currSpeed: p.currSpeed,
    maxSpeed: p.maxSpeed,
  };
}

/** Encodes one ofp_port. */
export function encodePort(w: Writer, p: OfpPort): void {
  w.u32(p.portNo).zeros(4);
  writeMac(w, p.hwAddr);
  w.zeros(2).str(p.name, 16);
  w.u32(p.config).u32(p.state).u32(p.curr).u32(p.advertised).u32(p.supported).u32(p.peer);
  w.u32(p.currSpeed).u32(p.maxSpeed);
}

/** A NUL-terminated string inside a fixed-width field. */
export function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul < 0 ? b.length : nul);
}

/**
 * Iterates a list of 8-byte-aligned properties (ofp_prop_header: u16 type, u16 length; the length excludes the
 * padding to 8 that follows, OpenFlow 1.3.5 section 7.2.3.x / A.5.1). Calls `each(type, body)` with a
 * sub-reader over the property body after its 4-byte header. A length below 4 or past the list is `badLen`.
 */
export function forEachProp(
  r: Reader,
  each: (type: number, body: Reader, startOffset: number) => void,
  badLen: 'OFPBRC_BAD_LEN' | 'OFPTFFC_BAD_LEN' = 'OFPBRC_BAD_LEN',
  padded = true,
): void {
  while (r.remaining > 0) {
    const start = r.offset;
    if (r.remaining < 4) throw r.error(badLen, `property header needs 4 bytes, ${r.remaining} remain`);
    const type = r.u16();
    const len = r.u16();
    if (len < 4) throw r.error(badLen, `property length ${len} is below 4`, start + 2);
    const body = r.sub(len - 4, 'property', badLen);
    if (padded) {
      const pad = (8 - (len % 8)) % 8;
      if (pad > r.remaining) throw r.error(badLen, `property padding of ${pad} bytes runs past the list`);
      r.skip(pad);
    }
    each(type, body, start);
  }
}

/** Writes a property: header, `body()` output, back-patched length, then zero padding to 8 when `padded`. */
export function writeProp(w: Writer, type: number, body: () => void, padded = true): void {
  const start = w.pos;
  w.u16(type).u16(0);
  body();
  w.patchU16(start + 2, w.pos - start);
  if (padded) w.pad8(start);
}

/** Writes an opaque property back byte for byte. */
export function writeOpaqueProp(w: Writer, p: OpaqueProperty, padded = true): void {
  writeProp(w, p.propType, () => w.bytes(p.data), padded);
}

/** Hex dump `aabbcc` for formatting. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

/** Hex of at most the first `max` bytes, with the total length when cut (keeps log lines bounded). */
export function hexCap(b: Uint8Array, max = 64): string {
  const h = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, max)).toString('hex');
  return b.length > max ? `${h}...(${b.length} bytes)` : h;
}

/** `0x1f` style hex for formatting. */
export function hx(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}

/** Names of reserved port numbers, as Open vSwitch prints them (ofputil_port_to_string). */
const PORT_NAMES: Record<number, string> = {
  0xfffffff8: 'IN_PORT',
  0xfffffff9: 'TABLE',
  0xfffffffa: 'NORMAL',
  0xfffffffb: 'FLOOD',
  0xfffffffc: 'ALL',
  0xfffffffd: 'CONTROLLER',
  0xfffffffe: 'LOCAL',
  0xffffffff: 'ANY',
};

/** A port number as Open vSwitch prints it. */
export function portName(p: number): string {
  return PORT_NAMES[p] ?? String(p);
}

/**
 * Writes a u64 at `p` (big-endian). Values below 2^32, the common case for cookies and counters, avoid
 * BigInt arithmetic; others go through Buffer's BigInt writer. `v` is taken modulo 2^64.
 */
export function writeU64At(b: Buffer, p: number, v: bigint): void {
  if (v >= 0n && v <= 0xffffffffn) {
    b.writeUInt32BE(0, p);
    b.writeUInt32BE(Number(v), p + 4);
  } else b.writeBigUInt64BE(BigInt.asUintN(64, v), p);
}

/** Reads a big-endian u64 at `p`; the caller has checked the bounds. Values below 2^32 skip BigInt shifts. */
export function readU64At(b: Buffer, p: number): bigint {
  const hi = u32At(b, p);
  const lo = u32At(b, p + 4);
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
  // All-ones: OFP_NO_BUFFER-style "none" cookies (every OVS PACKET_IN carries one).
  if (hi === 0xffffffff && lo === 0xffffffff) return 0xffffffffffffffffn;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Big-endian u32 at `p` from raw bytes; the caller has checked the bounds (no per-call argument checks). */
export function u32At(b: Buffer, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** Big-endian u16 at `p`; the caller has checked the bounds. */
export function u16At(b: Buffer, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

/**
 * Port messages: OFPT_PORT_STATUS (OpenFlow 1.3.5 A.4.3), OFPT_PORT_MOD (A.3.4.3), and the OFPMP_PORT_STATS
 * (A.3.5.6) / OFPMP_PORT_DESC (A.3.5.7) multipart bodies.
 */
import { Parser } from 'binary-parser';
import {
  OFPMP_PORT_DESC,
  OFPMP_PORT_STATS,
  OFPT_PORT_MOD,
  OFPT_PORT_STATUS,
  type MultipartReplyBody,
  type MultipartRequestBody,
  type OfpPort,
  type PortMod,
  type PortStats,
  type PortStatus,
} from '../types';
import { codec, mpCodec } from './codec';
import { OFP_PORT_LEN, decodePort, encodePort, macToString, parseFixed, portName, writeMac } from './common';
import { expectEnd } from './switch';
import { formatDuration } from './flow';

const PORT_REASONS = ['ADD', 'DEL', 'MOD'];

const CONFIG_BITS: [number, string][] = [
  [1, 'PORT_DOWN'],
  [4, 'NO_RECV'],
  [32, 'NO_FWD'],
  [64, 'NO_PACKET_IN'],
];
const STATE_BITS: [number, string][] = [
  [1, 'LINK_DOWN'],
  [2, 'BLOCKED'],
  [4, 'LIVE'],
];

const FEATURE_BITS: [number, string][] = [
  [1 << 0, '10MB-HD'],
  [1 << 1, '10MB-FD'],
  [1 << 2, '100MB-HD'],
  [1 << 3, '100MB-FD'],
  [1 << 4, '1GB-HD'],
  [1 << 5, '1GB-FD'],
  [1 << 6, '10GB-FD'],
  [1 << 7, '40GB-FD'],
  [1 << 8, '100GB-FD'],
  [1 << 9, '1TB-FD'],
  [1 << 10, 'OTHER'],
  [1 << 11, 'COPPER'],
  [1 << 12, 'FIBER'],
  [1 << 13, 'AUTO_NEG'],
  [1 << 14, 'AUTO_PAUSE'],
  [1 << 15, 'AUTO_PAUSE_ASYM'],
];

function bits(v: number, names: [number, string][]): string {
  const s = names.filter(([b]) => v & b).map(([, n]) => n);
  return s.length ? s.join(' ') : '0';
}

/** One port, on one line, close to ofputil_phy_port_format (lib/ofp-port.c). */
export function formatPort(p: OfpPort): string {
  let s = `${portName(p.portNo)}(${p.name}): addr:${p.hwAddr} config: ${bits(p.config, CONFIG_BITS)}`;
  s += ` state: ${bits(p.state, STATE_BITS)}`;
  if (p.curr) s += ` current: ${bits(p.curr, FEATURE_BITS)}`;
  if (p.advertised) s += ` advertised: ${bits(p.advertised, FEATURE_BITS)}`;
  if (p.supported) s += ` supported: ${bits(p.supported, FEATURE_BITS)}`;
  if (p.peer) s += ` peer: ${bits(p.peer, FEATURE_BITS)}`;
  s += ` speed: ${Math.floor(p.currSpeed / 1000)} Mbps now, ${Math.floor(p.maxSpeed / 1000)} Mbps max`;
  return s;
}

// ofp_port_status (A.4.3): reason u8, pad 7, ofp_port desc.
export const portStatusCodec = codec<PortStatus>({
  name: 'PORT_STATUS',
  ofpName: 'OFPT_PORT_STATUS',
  ofpType: OFPT_PORT_STATUS,
  fields: { reason: 8 },
  decode(r, h) {
    r.need(8 + OFP_PORT_LEN, 'ofp_port_status', 'OFPBRC_BAD_LEN');
    const reason = r.u8();
    r.skip(7);
    const desc = decodePort(r);
    expectEnd(r);
    return { type: 'PORT_STATUS', xid: h.xid, reason, desc };
  },
  encode(w, m) {
    w.u8(m.reason).zeros(7);
    encodePort(w, m.desc);
  },
  format: (m) => `${PORT_REASONS[m.reason] ?? `reason=${m.reason}`}: ${formatPort(m.desc)}`,
});

// ofp_port_mod (A.3.4.3): port_no u32, pad 4, hw_addr 6, pad 2, config u32, mask u32, advertise u32, pad 4.
const portModParser = new Parser()
  .endianness('big')
  .uint32('portNo')
  .skip(4)
  .buffer('hw', { length: 6 })
  .skip(2)
  .uint32('config')
  .uint32('mask')
  .uint32('advertise');

export const portModCodec = codec<PortMod>({
  name: 'PORT_MOD',
  ofpName: 'OFPT_PORT_MOD',
  ofpType: OFPT_PORT_MOD,
  fields: { portNo: 32, config: 32, mask: 32, advertise: 32 },
  decode(r, h) {
    r.need(32, 'ofp_port_mod', 'OFPBRC_BAD_LEN');
    const p = parseFixed<{ portNo: number; hw: Buffer; config: number; mask: number; advertise: number }>(
      r,
      portModParser,
      28,
      'ofp_port_mod',
    );
    r.skip(4);
    expectEnd(r);
    return {
      type: 'PORT_MOD',
      xid: h.xid,
      portNo: p.portNo,
      hwAddr: macToString(p.hw),
      config: p.config,
      mask: p.mask,
      advertise: p.advertise,
    };
  },
  encode(w, m) {
    w.u32(m.portNo).zeros(4);
    writeMac(w, m.hwAddr, 'PORT_MOD');
    w.zeros(2).u32(m.config).u32(m.mask).u32(m.advertise).zeros(4);
  },
  format: (m) =>
    `port: ${portName(m.portNo)}: addr:${m.hwAddr} config: ${bits(m.config, CONFIG_BITS)} mask: ${bits(m.mask, CONFIG_BITS)} advertise: ${
      m.advertise ? bits(m.advertise, FEATURE_BITS) : 'UNCHANGED'
    }`,
});

// ---- OFPMP_PORT_STATS (A.3.5.6): request port_no u32, pad 4; reply ofp_port_stats[] (112 bytes each). ----

type PortStatsReq = Extract<MultipartRequestBody, { mpType: 'PORT_STATS' }>;
type PortStatsRep = Extract<MultipartReplyBody, { mpType: 'PORT_STATS' }>;
type PortDescReq = Extract<MultipartRequestBody, { mpType: 'PORT_DESC' }>;
type PortDescRep = Extract<MultipartReplyBody, { mpType: 'PORT_DESC' }>;

export const portStatsRequestCodec = mpCodec<PortStatsReq>({
  mpType: OFPMP_PORT_STATS,
  name: 'PORT_STATS',
  decode(r) {
    r.need(8, 'ofp_port_stats_request', 'OFPBRC_BAD_LEN');
    const portNo = r.u32();
    r.skip(4);
    expectEnd(r);
    return { mpType: 'PORT_STATS', portNo };
  },
  encode: (w, b) => void w.u32(b.portNo).zeros(4),
  format: (b) => `port_no=${portName(b.portNo)}`,
});

const PORT_STATS_LEN = 112;
const portStatsParser = new Parser()
  .endianness('big')
  .uint32('portNo')
  .skip(4)
  .uint64('rxPackets')
  .uint64('txPackets')
  .uint64('rxBytes')
  .uint64('txBytes')
  .uint64('rxDropped')
  .uint64('txDropped')
  .uint64('rxErrors')
  .uint64('txErrors')
  .uint64('rxFrameErr')
  .uint64('rxOverErr')
  .uint64('rxCrcErr')
  .uint64('collisions')
  .uint32('durationSec')
  .uint32('durationNsec');

export const portStatsReplyCodec = mpCodec<PortStatsRep>({
  mpType: OFPMP_PORT_STATS,
  name: 'PORT_STATS',
  decode(r) {
    if (r.remaining % PORT_STATS_LEN !== 0) {
      throw r.error('OFPBRC_BAD_LEN', `port stats body of ${r.remaining} bytes is not a multiple of ${PORT_STATS_LEN}`);
    }
    const stats: PortStats[] = [];
    while (r.remaining > 0) stats.push(parseFixed<PortStats>(r, portStatsParser, PORT_STATS_LEN, 'ofp_port_stats'));
    return { mpType: 'PORT_STATS', stats };
  },
  encode(w, b) {
    for (const s of b.stats) {
      w.u32(s.portNo).zeros(4);
      w.u64(s.rxPackets).u64(s.txPackets).u64(s.rxBytes).u64(s.txBytes).u64(s.rxDropped).u64(s.txDropped);
      w.u64(s.rxErrors).u64(s.txErrors).u64(s.rxFrameErr).u64(s.rxOverErr).u64(s.rxCrcErr).u64(s.collisions);
      w.u32(s.durationSec).u32(s.durationNsec);
    }
  },
  format: (b) =>
    ` ${b.stats.length} ports` +
    b.stats
      .map(
        (s) =>
          ` port ${portName(s.portNo)}: rx pkts=${s.rxPackets}, bytes=${s.rxBytes}, drop=${s.rxDropped}, errs=${s.rxErrors}, frame=${s.rxFrameErr}, over=${s.rxOverErr}, crc=${s.rxCrcErr}` +
          ` tx pkts=${s.txPackets}, bytes=${s.txBytes}, drop=${s.txDropped}, errs=${s.txErrors}, coll=${s.collisions}` +
          ` duration=${formatDuration(s.durationSec, s.durationNsec)}`,
      )
      .join(''),
});

export const portDescRequestCodec = mpCodec<PortDescReq>({
  mpType: OFPMP_PORT_DESC,
  name: 'PORT_DESC',
  decode: (r) => (expectEnd(r), { mpType: 'PORT_DESC' }),
  encode: () => undefined,
  format: () => 'port=ANY',
});

export const portDescReplyCodec = mpCodec<PortDescRep>({
  mpType: OFPMP_PORT_DESC,
  name: 'PORT_DESC',
  decode(r) {
    if (r.remaining % OFP_PORT_LEN !== 0) {
      throw r.error('OFPBRC_BAD_LEN', `port desc body of ${r.remaining} bytes is not a multiple of ${OFP_PORT_LEN}`);
    }
    const ports: OfpPort[] = [];
    while (r.remaining > 0) ports.push(decodePort(r));
    return { mpType: 'PORT_DESC', ports };
  },
  encode(w, b) {
    for (const p of b.ports) encodePort(w, p);
  },
  // ofp-print lists ports sorted by number (LOCAL, 0xfffffffe, last).
  format: (b) => [...b.ports].sort((x, y) => x.portNo - y.portNo).map((p) => ` ${formatPort(p)}`).join(''),
});

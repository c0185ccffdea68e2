/**
 * Meter messages: OFPT_METER_MOD (OpenFlow 1.3.5 A.3.4.4) with its bands, and the OFPMP_METER (A.3.5.12),
 * OFPMP_METER_CONFIG (A.3.5.13) and OFPMP_METER_FEATURES (A.3.5.14) multipart bodies.
 */
import { Parser } from 'binary-parser';
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import {
  OFPMBT_DROP,
  OFPMBT_DSCP_REMARK,
  OFPMBT_EXPERIMENTER,
  OFPMP_METER,
  OFPMP_METER_CONFIG,
  OFPMP_METER_FEATURES,
  OFPT_METER_MOD,
  type MeterBand,
  type MeterConfig,
  type MeterMod,
  type MeterStats,
  type MultipartReplyBody,
  type MultipartRequestBody,
} from '../types';
import { codec, mpCodec } from './codec';
import { hx, parseFixed } from './common';
import { expectEnd } from './switch';
import { formatDuration } from './flow';

// ofp_meter_band_header (A.3.4.4): type u16, len u16, rate u32, burst_size u32, then per type:
// DROP pad 4; DSCP_REMARK prec_level u8, pad 3; EXPERIMENTER experimenter u32 (+ data).
const BAND_HEADER = 12;

/** Decodes meter bands until `r` is exhausted. */
export function decodeBands(r: Reader): MeterBand[] {
  const out: MeterBand[] = [];
  while (r.remaining > 0) {
    const start = r.offset;
    if (r.remaining < BAND_HEADER) throw r.error('OFPBRC_BAD_LEN', `meter band needs 12 bytes, ${r.remaining} remain`);
    const type = r.peekU16();
    const len = r.peekU16(2);
    if (len < BAND_HEADER || len > r.remaining) {
      throw r.error('OFPBRC_BAD_LEN', `meter band length ${len} is below 12 or beyond the ${r.remaining} bytes left`, start);
    }
    const b = r.sub(len, 'meter band', 'OFPBRC_BAD_LEN');
    b.skip(4);
    const rate = b.u32();
    const burstSize = b.u32();
    if (type === OFPMBT_DROP || type === OFPMBT_DSCP_REMARK) {
      if (len !== 16) throw b.error('OFPBRC_BAD_LEN', `meter band type ${type} has length ${len}, not 16`, start + 2);
      if (type === OFPMBT_DROP) {
        b.skip(4);
        out.push({ type: 'DROP', rate, burstSize });
      } else {
        const precLevel = b.u8();
        b.skip(3);
        out.push({ type: 'DSCP_REMARK', rate, burstSize, precLevel });
      }
    } else if (type === OFPMBT_EXPERIMENTER) {
      if (len < 16) throw b.error('OFPBRC_BAD_LEN', `experimenter meter band length ${len} is below 16`, start + 2);
      const experimenter = b.u32();
      out.push({ type: 'EXPERIMENTER', rate, burstSize, experimenter, data: b.copy(b.remaining) });
    } else {
      out.push({ type: 'UNKNOWN', bandType: type, rate, burstSize, data: b.copy(b.remaining) });
    }
  }
  return out;
}

/** Encodes meter bands. */
export function encodeBands(w: Writer, bands: readonly MeterBand[]): void {
  for (const b of bands) {
    const start = w.pos;
    switch (b.type) {
      case 'DROP':
        w.u16(OFPMBT_DROP).u16(16).u32(b.rate).u32(b.burstSize).zeros(4);
        break;
      case 'DSCP_REMARK':
        w.u16(OFPMBT_DSCP_REMARK).u16(16).u32(b.rate).u32(b.burstSize).u8(b.precLevel).zeros(3);
        break;
      case 'EXPERIMENTER':
        w.u16(OFPMBT_EXPERIMENTER).u16(0).u32(b.rate).u32(b.burstSize).u32(b.experimenter).bytes(b.data);
        w.patchU16(start + 2, w.pos - start);
        break;
      case 'UNKNOWN':
        w.u16(b.bandType).u16(0).u32(b.rate).u32(b.burstSize).bytes(b.data);
        w.patchU16(start + 2, w.pos - start);
        break;
    }
  }
}

/** Bands as ofputil_format_meter_config prints them. */
export function formatBands(bands: readonly MeterBand[]): string {
  return bands
    .map((b) => {
      const t =
        b.type === 'DROP'
          ? 'drop'
          : b.type === 'DSCP_REMARK'
            ? 'dscp_remark'
            : b.type === 'EXPERIMENTER'
              ? `experimenter(${hx(b.experimenter)})`
              : `type=${b.bandType}`;
      let s = `type=${t} rate=${b.rate}`;
      if (b.burstSize) s += ` burst_size=${b.burstSize}`;
      if (b.type === 'DSCP_REMARK') s += ` prec_level=${b.precLevel}`;
      return s;
    })
    .join(' ');
}

/** "meter=1 kbps burst stats bands=..." */
export function formatMeterConfig(flags: number, meterId: number, bands: readonly MeterBand[]): string {
  let s = `meter=${meterIdName(meterId)}`;
  if (flags & 1) s += ' kbps';
  if (flags & 2) s += ' pktps';
  if (flags & 4) s += ' burst';
  if (flags & 8) s += ' stats';
  return `${s} bands= ${formatBands(bands)}`;
}

function meterIdName(id: number): string {
  if (id === 0xffffffff) return 'all';
  if (id === 0xfffffffe) return 'controller';
  if (id === 0xfffffffd) return 'slowpath';
  return String(id);
}

const METER_COMMANDS = ['ADD', 'MOD', 'DEL'];

// ofp_meter_mod (A.3.4.4): command u16, flags u16, meter_id u32, bands.
export const meterModCodec = codec<MeterMod>({
  name: 'METER_MOD',
  ofpName: 'OFPT_METER_MOD',
  ofpType: OFPT_METER_MOD,
  fields: { command: 16, flags: 16, meterId: 32 },
  decode(r, h) {
    r.need(8, 'ofp_meter_mod', 'OFPBRC_BAD_LEN');
    const command = r.u16();
    const flags = r.u16();
    const meterId = r.u32();
    return { type: 'METER_MOD', xid: h.xid, command, flags, meterId, bands: decodeBands(r) };
  },
  encode(w, m) {
    w.u16(m.command).u16(m.flags).u32(m.meterId);
    encodeBands(w, m.bands);
  },
  format: (m) => `${METER_COMMANDS[m.command] ?? `cmd:${m.command}`} ${formatMeterConfig(m.flags, m.meterId, m.bands)}`,
});

type MeterReq = Extract<MultipartRequestBody, { mpType: 'METER' }>;
type MeterRep = Extract<MultipartReplyBody, { mpType: 'METER' }>;
type MeterConfReq = Extract<MultipartRequestBody, { mpType: 'METER_CONFIG' }>;
type MeterConfRep = Extract<MultipartReplyBody, { mpType: 'METER_CONFIG' }>;
type MeterFeatReq = Extract<MultipartRequestBody, { mpType: 'METER_FEATURES' }>;
type MeterFeatRep = Extract<MultipartReplyBody, { mpType: 'METER_FEATURES' }>;

function decodeMeterRequest(r: Reader): number {
  r.need(8, 'ofp_meter_multipart_request', 'OFPBRC_BAD_LEN');
  const id = r.u32();
  r.skip(4);
  expectEnd(r);
  return id;
}

// ofp_meter_multipart_request (A.3.5.12): meter_id u32, pad 4.
export const meterStatsRequestCodec = mpCodec<MeterReq>({
  mpType: OFPMP_METER,
  name: 'METER',
  decode: (r) => ({ mpType: 'METER', meterId: decodeMeterRequest(r) }),
  encode: (w, b) => void w.u32(b.meterId).zeros(4),
  format: (b) => `meter=${meterIdName(b.meterId)}`,
});

export const meterConfigRequestCodec = mpCodec<MeterConfReq>({
  mpType: OFPMP_METER_CONFIG,
  name: 'METER_CONFIG',
  decode: (r) => ({ mpType: 'METER_CONFIG', meterId: decodeMeterRequest(r) }),
  encode: (w, b) => void w.u32(b.meterId).zeros(4),
  format: (b) => `meter=${meterIdName(b.meterId)}`,
});

// ofp_meter_stats (A.3.5.12): meter_id u32, len u16, pad 6, flow_count u32, packet_in_count u64,
// byte_in_count u64, duration_sec u32, duration_nsec u32, then ofp_meter_band_stats[] (u64, u64).
const meterStatsParser = new Parser()
  .endianness('big')
  .uint32('meterId')
  .uint16('len')
  .skip(6)
  .uint32('flowCount')
  .uint64('packetInCount')
  .uint64('byteInCount')
  .uint32('durationSec')
  .uint32('durationNsec');

export const meterStatsReplyCodec = mpCodec<MeterRep>({
  mpType: OFPMP_METER,
  name: 'METER',
  decode(r) {
    const stats: MeterStats[] = [];
    while (r.remaining > 0) {
      const start = r.offset;
      if (r.remaining < 40) throw r.error('OFPBRC_BAD_LEN', `ofp_meter_stats needs 40 bytes, ${r.remaining} remain`);
      const len = r.peekU16(4);
      if (len < 40 || len > r.remaining || (len - 40) % 16 !== 0) {
        throw r.error('OFPBRC_BAD_LEN', `ofp_meter_stats len ${len} is invalid (${r.remaining} bytes left)`, start + 4);
      }
      const e = r.sub(len, 'ofp_meter_stats', 'OFPBRC_BAD_LEN');
      const f = parseFixed<Omit<MeterStats, 'bandStats'> & { len?: number }>(e, meterStatsParser, 40, 'ofp_meter_stats');
      delete f.len;
      const bandStats: MeterStats['bandStats'] = [];
      while (e.remaining > 0) bandStats.push({ packetBandCount: e.u64(), byteBandCount: e.u64() });
      stats.push({ ...f, bandStats });
    }
    return { mpType: 'METER', stats };
  },
  encode(w, b) {
    for (const s of b.stats) {
      w.u32(s.meterId).u16(40 + 16 * s.bandStats.length).zeros(6).u32(s.flowCount);
      w.u64(s.packetInCount).u64(s.byteInCount).u32(s.durationSec).u32(s.durationNsec);
      for (const c of s.bandStats) w.u64(c.packetBandCount).u64(c.byteBandCount);
    }
  },
  format: (b) =>
    b.stats
      .map(
        (s) =>
          ` meter:${meterIdName(s.meterId)} flow_count:${s.flowCount} packet_in_count:${s.packetInCount} byte_in_count:${s.byteInCount} duration:${formatDuration(s.durationSec, s.durationNsec)} bands:` +
          s.bandStats.map((c, i) => ` ${i}: packet_count:${c.packetBandCount} byte_count:${c.byteBandCount}`).join(''),
      )
      .join(''),
});

// ofp_meter_config (A.3.5.13): length u16, flags u16, meter_id u32, bands.
export const meterConfigReplyCodec = mpCodec<MeterConfRep>({
  mpType: OFPMP_METER_CONFIG,
  name: 'METER_CONFIG',
  decode(r) {
    const meters: MeterConfig[] = [];
    while (r.remaining > 0) {
      const start = r.offset;
      if (r.remaining < 8) throw r.error('OFPBRC_BAD_LEN', `ofp_meter_config needs 8 bytes, ${r.remaining} remain`);
      const len = r.peekU16();
      if (len < 8 || len > r.remaining) {
        throw r.error('OFPBRC_BAD_LEN', `ofp_meter_config length ${len} is below 8 or beyond the ${r.remaining} bytes left`, start);
      }
      const e = r.sub(len, 'ofp_meter_config', 'OFPBRC_BAD_LEN');
      e.skip(2);
      const flags = e.u16();
      const meterId = e.u32();
      meters.push({ flags, meterId, bands: decodeBands(e) });
    }
    return { mpType: 'METER_CONFIG', meters };
  },
  encode(w, b) {
    for (const m of b.meters) {
      const start = w.pos;
      w.u16(0).u16(m.flags).u32(m.meterId);
      encodeBands(w, m.bands);
      w.patchU16(start, w.pos - start);
    }
  },
  format: (b) => b.meters.map((m) => ` ${formatMeterConfig(m.flags, m.meterId, m.bands)}`).join(''),
});

export const meterFeaturesRequestCodec = mpCodec<MeterFeatReq>({
  mpType: OFPMP_METER_FEATURES,
  name: 'METER_FEATURES',
  decode: (r) => (expectEnd(r), { mpType: 'METER_FEATURES' }),
  encode: () => undefined,
  format: () => '',
});

// ofp_meter_features (A.3.5.14): max_meter u32, band_types u32, capabilities u32, max_bands u8,
// max_color u8, pad 2.
const meterFeaturesParser = new Parser()
  .endianness('big')
  .uint32('maxMeter')
  .uint32('bandTypes')
  .uint32('capabilities')
  .uint8('maxBands')
  .uint8('maxColor');

export const meterFeaturesReplyCodec = mpCodec<MeterFeatRep>({
  mpType: OFPMP_METER_FEATURES,
  name: 'METER_FEATURES',
  decode(r) {
    r.need(16, 'ofp_meter_features', 'OFPBRC_BAD_LEN');
    const f = parseFixed<Omit<MeterFeatRep, 'mpType'>>(r, meterFeaturesParser, 14, 'ofp_meter_features');
    r.skip(2);
    expectEnd(r);
    return { mpType: 'METER_FEATURES', ...f };
  },
  encode: (w, b) => void w.u32(b.maxMeter).u32(b.bandTypes).u32(b.capabilities).u8(b.maxBands).u8(b.maxColor).zeros(2),
  format: (b) =>
    `max_meter:${b.maxMeter} max_bands:${b.maxBands} max_color:${b.maxColor} band_types: ${
      [b.bandTypes & 2 ? 'drop' : '', b.bandTypes & 4 ? 'dscp_remark' : ''].filter(Boolean).join(' ') || '0'
    } capabilities: ${['kbps', 'pktps', 'burst', 'stats'].filter((_, i) => b.capabilities & (1 << i)).join(' ') || '0'}`,
});

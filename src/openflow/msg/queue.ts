/**
 * Queue messages: OFPT_QUEUE_GET_CONFIG_REQUEST/REPLY (OpenFlow 1.3.5 A.3.6, queues per A.2.2) and the
 * OFPMP_QUEUE (A.3.5.8) multipart bodies.
 */
import { Parser } from 'binary-parser';
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import {
  OFPMP_QUEUE,
  OFPQT_EXPERIMENTER,
  OFPQT_MAX_RATE,
  OFPQT_MIN_RATE,
  OFPT_QUEUE_GET_CONFIG_REPLY,
  OFPT_QUEUE_GET_CONFIG_REQUEST,
  type MultipartReplyBody,
  type MultipartRequestBody,
  type PacketQueue,
  type QueueGetConfigReply,
  type QueueGetConfigRequest,
  type QueueProperty,
  type QueueStats,
} from '../types';
import { codec, mpCodec } from './codec';
import { hx, parseFixed, portName } from './common';
import { expectEnd } from './switch';
import { formatDuration } from './flow';

function queueIdName(q: number): string {
  return q === 0xffffffff ? 'ALL' : String(q);
}

export const queueGetConfigRequestCodec = codec<QueueGetConfigRequest>({
  name: 'QUEUE_GET_CONFIG_REQUEST',
  ofpName: 'OFPT_QUEUE_GET_CONFIG_REQUEST',
  ofpType: OFPT_QUEUE_GET_CONFIG_REQUEST,
  fields: { port: 32 },
  decode(r, h) {
    r.need(8, 'ofp_queue_get_config_request', 'OFPBRC_BAD_LEN');
    const port = r.u32();
    r.skip(4);
    expectEnd(r);
    return { type: 'QUEUE_GET_CONFIG_REQUEST', xid: h.xid, port };
  },
  encode: (w, m) => void w.u32(m.port).zeros(4),
  format: (m) => `port=${portName(m.port)}`,
});

// ofp_queue_prop_header (A.2.2): property u16, len u16, pad 4; MIN/MAX_RATE: rate u16, pad 6 (len 16);
// EXPERIMENTER: experimenter u32, pad 4, data.
function decodeQueueProps(r: Reader): QueueProperty[] {
  const out: QueueProperty[] = [];
  while (r.remaining > 0) {
    const start = r.offset;
    if (r.remaining < 8) throw r.error('OFPBRC_BAD_LEN', `queue property needs 8 bytes, ${r.remaining} remain`);
    const type = r.peekU16();
    const len = r.peekU16(2);
    if (len < 8 || len > r.remaining) {
      throw r.error('OFPBRC_BAD_LEN', `queue property length ${len} is below 8 or beyond the ${r.remaining} bytes left`, start);
    }
    const p = r.sub(len, 'queue property', 'OFPBRC_BAD_LEN');
    p.skip(8);
    if (type === OFPQT_MIN_RATE || type === OFPQT_MAX_RATE) {
      if (len !== 16) throw p.error('OFPBRC_BAD_LEN', `rate property length ${len} is not 16`, start + 2);
      const rate = p.u16();
      p.skip(6);
      out.push({ type: type === OFPQT_MIN_RATE ? 'MIN_RATE' : 'MAX_RATE', rate });
    } else if (type === OFPQT_EXPERIMENTER) {
      if (len < 16) throw p.error('OFPBRC_BAD_LEN', `experimenter queue property length ${len} is below 16`, start + 2);
      const experimenter = p.u32();
      p.skip(4);
      out.push({ type: 'EXPERIMENTER', experimenter, data: p.copy(p.remaining) });
    } else {
      out.push({ type: 'UNKNOWN', propType: type, data: p.copy(p.remaining) });
    }
  }
  return out;
}

function encodeQueueProps(w: Writer, props: readonly QueueProperty[]): void {
  for (const p of props) {
    const start = w.pos;
    switch (p.type) {
      case 'MIN_RATE':
      case 'MAX_RATE':
        w.u16(p.type === 'MIN_RATE' ? OFPQT_MIN_RATE : OFPQT_MAX_RATE).u16(16).zeros(4).u16(p.rate).zeros(6);
        break;
      case 'EXPERIMENTER':
        w.u16(OFPQT_EXPERIMENTER).u16(0).zeros(4).u32(p.experimenter).zeros(4).bytes(p.data);
        w.patchU16(start + 2, w.pos - start);
        break;
      case 'UNKNOWN':
        w.u16(p.propType).u16(0).zeros(4).bytes(p.data);
        w.patchU16(start + 2, w.pos - start);
        break;
    }
  }
}

function formatQueueProp(p: QueueProperty): string {
  switch (p.type) {
    case 'MIN_RATE':
      return p.rate > 1000 ? 'min_rate:disabled' : `min_rate:${p.rate / 10}%`;
    case 'MAX_RATE':
      return p.rate > 1000 ? 'max_rate:disabled' : `max_rate:${p.rate / 10}%`;
    case 'EXPERIMENTER':
      return `experimenter=${hx(p.experimenter)}(${p.data.length} bytes)`;
    case 'UNKNOWN':
      return `property=${p.propType}(${p.data.length} bytes)`;
  }
}

// ofp_queue_get_config_reply (A.3.6): port u32, pad 4, ofp_packet_queue[] (queue_id u32, port u32, len u16,
// pad 6, properties).
export const queueGetConfigReplyCodec = codec<QueueGetConfigReply>({
  name: 'QUEUE_GET_CONFIG_REPLY',
  ofpName: 'OFPT_QUEUE_GET_CONFIG_REPLY',
  ofpType: OFPT_QUEUE_GET_CONFIG_REPLY,
  fields: { port: 32 },
  decode(r, h) {
    r.need(8, 'ofp_queue_get_config_reply', 'OFPBRC_BAD_LEN');
    const port = r.u32();
    r.skip(4);
    const queues: PacketQueue[] = [];
    while (r.remaining > 0) {
      const start = r.offset;
      if (r.remaining < 16) throw r.error('OFPBRC_BAD_LEN', `ofp_packet_queue needs 16 bytes, ${r.remaining} remain`);
      const len = r.peekU16(8);
      if (len < 16 || len > r.remaining) {
        throw r.error('OFPBRC_BAD_LEN', `ofp_packet_queue len ${len} is below 16 or beyond the ${r.remaining} bytes left`, start + 8);
      }
      const q = r.sub(len, 'ofp_packet_queue', 'OFPBRC_BAD_LEN');
      const queueId = q.u32();
      const qport = q.u32();
      q.skip(8);
      queues.push({ queueId, port: qport, properties: decodeQueueProps(q) });
    }
    return { type: 'QUEUE_GET_CONFIG_REPLY', xid: h.xid, port, queues };
  },
  encode(w, m) {
    w.u32(m.port).zeros(4);
    for (const q of m.queues) {
      const start = w.pos;
      w.u32(q.queueId).u32(q.port).u16(0).zeros(6);
      encodeQueueProps(w, q.properties);
      w.patchU16(start + 8, w.pos - start);
    }
  },
  format: (m) =>
    (m.queues.length ? `port=${portName(m.port)}` : '') +
    m.queues.map((q) => ` queue ${q.queueId}:${q.properties.map((p) => ` ${formatQueueProp(p)}`).join('')}`).join(''),
});

type QueueReq = Extract<MultipartRequestBody, { mpType: 'QUEUE' }>;
type QueueRep = Extract<MultipartReplyBody, { mpType: 'QUEUE' }>;

// ofp_queue_stats_request (A.3.5.8): port_no u32, queue_id u32.
export const queueStatsRequestCodec = mpCodec<QueueReq>({
  mpType: OFPMP_QUEUE,
  name: 'QUEUE',
  decode(r) {
    r.need(8, 'ofp_queue_stats_request', 'OFPBRC_BAD_LEN');
    const portNo = r.u32();
    const queueId = r.u32();
    expectEnd(r);
    return { mpType: 'QUEUE', portNo, queueId };
  },
  encode: (w, b) => void w.u32(b.portNo).u32(b.queueId),
  format: (b) => `port=${portName(b.portNo)} queue=${queueIdName(b.queueId)}`,
});

// ofp_queue_stats (A.3.5.8): port_no u32, queue_id u32, tx_bytes u64, tx_packets u64, tx_errors u64,
// duration_sec u32, duration_nsec u32 (40 bytes).
const queueStatsParser = new Parser()
  .endianness('big')
  .uint32('portNo')
  .uint32('queueId')
  .uint64('txBytes')
  .uint64('txPackets')
  .uint64('txErrors')
  .uint32('durationSec')
  .uint32('durationNsec');

export const queueStatsReplyCodec = mpCodec<QueueRep>({
  mpType: OFPMP_QUEUE,
  name: 'QUEUE',
  decode(r) {
    if (r.remaining % 40 !== 0) throw r.error('OFPBRC_BAD_LEN', `queue stats body of ${r.remaining} bytes is not a multiple of 40`);
    const stats: QueueStats[] = [];
    while (r.remaining > 0) stats.push(parseFixed<QueueStats>(r, queueStatsParser, 40, 'ofp_queue_stats'));
    return { mpType: 'QUEUE', stats };
  },
  encode(w, b) {
    for (const s of b.stats) {
      w.u32(s.portNo).u32(s.queueId).u64(s.txBytes).u64(s.txPackets).u64(s.txErrors).u32(s.durationSec).u32(s.durationNsec);
    }
  },
  format: (b) =>
    ` ${b.stats.length} queues` +
    b.stats
      .map(
        (s) =>
          ` port ${portName(s.portNo)} queue ${queueIdName(s.queueId)}: bytes=${s.txBytes}, pkts=${s.txPackets}, errors=${s.txErrors}, duration=${formatDuration(s.durationSec, s.durationNsec)}`,
      )
      .join(''),
});

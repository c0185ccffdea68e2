/**
 * The one dispatch table of the OpenFlow 1.3 codec: (version, ofp_header.type, multipart type, experimenter id
 * + exp_type) -> decoder / encoder / formatter, plus the three entry points {@link decodeMessage},
 * {@link encodeMessage} and {@link formatMessage}.
 *
 * Decoding never trusts the wire: the header length must equal the buffer, every read is bounds-checked by
 * {@link Reader}, and every failure is an {@link OpenFlowDecodeError} carrying the spec's code, the message
 * type and the byte offset. Unknown experimenter messages and multipart types decode to opaque values that
 * re-encode byte for byte; an unknown ofp_header.type is OFPBRC_BAD_TYPE.
 *
 * Hot paths: the ofp_header is read with direct byte access here (header.ts's `decodeHeader` is the
 * binary-parser form of the same struct); FLOW_MOD, flow stats and PACKET_IN use msg/fastpath.ts; each
 * codec's integer fields are range-checked by a compiled checker before encoding.
 */
import { OpenFlowDecodeError } from './errors';
import { Reader } from './reader';
import { Writer } from './writer';
import { endMessage, type OfpHeader } from './header';
import {
  MULTIPART_TYPE_NAMES,
  OFP13_VERSION,
  OFP_HEADER_LEN,
  OFP_MAX_MSG_LEN,
  OFPMP_EXPERIMENTER,
  OFPT_ERROR,
  OFPT_EXPERIMENTER,
  OFPT_HELLO,
  OFPT_MULTIPART_REPLY,
  OFPT_MULTIPART_REQUEST,
  type ExperimenterMsg,
  type MultipartReply,
  type MultipartReplyBody,
  type MultipartRequest,
  type MultipartRequestBody,
  type OfpMessage,
  type OfpMessageType,
} from './types';
import type { MessageCodec, MultipartCodec } from './msg/codec';
import { dataView } from './msg/fastpath';
import { hexCap, u16At, u32At } from './msg/common';
import * as sw from './msg/switch';
import { errorCodec } from './msg/error';
import * as flow from './msg/flow';
import * as packet from './msg/packet';
import * as port from './msg/port';
import * as group from './msg/group';
import * as meter from './msg/meter';
import * as table from './msg/table';
import * as queue from './msg/queue';
import * as nicira from './msg/nicira';
import { bundleAddCodec, bundleControlCodec, bundleHooks } from './msg/bundle';

/** Options of {@link decodeMessage}. */
export interface DecodeOptions {
  /** Largest message accepted (default 65535); a longer one is OFPSDN_MSG_TOO_LARGE. */
  maxMessageLength?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCodec = MessageCodec<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMpCodec = MultipartCodec<any>;

const opaqueExperimenter: MessageCodec<ExperimenterMsg> = {
  name: 'EXPERIMENTER',
  ofpName: 'OFPT_EXPERIMENTER',
  ofpType: OFPT_EXPERIMENTER,
  fields: { experimenter: 32, expType: 32 },
  decode: () => {
    throw new Error('decoded by dispatch');
  },
  encode: (w, m) => void w.bytes(m.data),
  format: (m) => `experimenter=0x${m.experimenter.toString(16).padStart(8, '0')} exp_type=${m.expType} data=${hexCap(m.data)}`,
};

const multipartRequestCodec: MessageCodec<MultipartRequest> = {
  name: 'MULTIPART_REQUEST',
  ofpName: 'OFPT_MULTIPART_REQUEST',
  ofpType: OFPT_MULTIPART_REQUEST,
  fields: { flags: 16 },
  decode: (r, h) => {
    const { mpType, flags } = readMultipartHeader(r);
    return { type: 'MULTIPART_REQUEST', xid: h.xid, flags, body: decodeMpBody(r, mpType, MP_REQUEST) as MultipartRequestBody };
  },
  encode: (w, m) => encodeMpBody(w, m.flags, m.body, MP_REQUEST),
  format: (m) => formatMpBody(m.body, MP_REQUEST),
};

const multipartReplyCodec: MessageCodec<MultipartReply> = {
  name: 'MULTIPART_REPLY',
  ofpName: 'OFPT_MULTIPART_REPLY',
  ofpType: OFPT_MULTIPART_REPLY,
  fields: { flags: 16 },
  decode: (r, h) => {
    const { mpType, flags } = readMultipartHeader(r);
    return { type: 'MULTIPART_REPLY', xid: h.xid, flags, body: decodeMpBody(r, mpType, MP_REPLY) as MultipartReplyBody };
  },
  encode: (w, m) => encodeMpBody(w, m.flags, m.body, MP_REPLY),
  format: (m) => formatMpBody(m.body, MP_REPLY),
};

const U64_MAX = (1n << 64n) - 1n;

type FieldChecker = (msg: OfpMessage) => string | undefined;

/**
 * Compiles the integer-field check a codec declares (see MessageCodec.fields; xid always) into one function
 * with plain property reads, so V8 keeps it monomorphic -- a generic loop over `msg[key]` cost a quarter of a
 * FLOW_MOD encode. The generated code only compares numbers; field names come from our own codec table.
 */
function compileChecker(spec: readonly (readonly [string, number])[]): FieldChecker {
  const tests = spec.map(([k, bits]) => {
    if (!/^[A-Za-z]+$/.test(k)) throw new Error(`bad field name ${k}`);
    const v = `m.${k}`;
    const ok =
      bits === 64
        ? `typeof ${v} === 'bigint' && ${v} >= 0n && ${v} <= U64_MAX`
        : bits === 32
          ? `typeof ${v} === 'number' && ${v} >>> 0 === ${v}`
          : `typeof ${v} === 'number' && (${v} & ${(1 << bits) - 1}) === ${v}`;
    return `if (!(${ok})) return ${JSON.stringify(`${k}:${bits}`)};`;
  });
  return new Function('U64_MAX', `return function check(m) { ${tests.join(' ')} return undefined; };`)(U64_MAX) as FieldChecker;
}

function checkFields(msg: OfpMessage, check: FieldChecker, name: string): void {
  const bad = check(msg);
  if (bad !== undefined) {
    const [k, bits] = bad.split(':');
    const v = (msg as unknown as Record<string, unknown>)[k!];
    throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `${k} ${String(v)} is not a ${bits}-bit unsigned integer`, 0, name);
  }
}

/** Codecs by ofp_header.type (OFPT_EXPERIMENTER is dispatched further by experimenter id and exp_type). */
const BY_TYPE: (AnyCodec | undefined)[] = [];
/** Codecs by message object `type`. */
const BY_NAME = new Map<string, AnyCodec>();
/** Experimenter codecs: experimenter id -> exp_type -> codec. */
const BY_EXPERIMENTER = new Map<number, Map<number, AnyCodec>>();
/** Multipart body codecs by OFPMP_* value. */
const MP_REQUEST: AnyMpCodec[] = [];
const MP_REPLY: AnyMpCodec[] = [];

const CODECS: AnyCodec[] = [
  sw.helloCodec,
  errorCodec,
  sw.echoRequestCodec,
  sw.echoReplyCodec,
  opaqueExperimenter,
  sw.featuresRequestCodec,
  sw.featuresReplyCodec,
  sw.getConfigRequestCodec,
  sw.getConfigReplyCodec,
  sw.setConfigCodec,
  packet.packetInCodec,
  flow.flowRemovedCodec,
  port.portStatusCodec,
  packet.packetOutCodec,
  flow.flowModCodec,
  group.groupModCodec,
  port.portModCodec,
  table.tableModCodec,
  multipartRequestCodec,
  multipartReplyCodec,
  sw.barrierRequestCodec,
  sw.barrierReplyCodec,
  queue.queueGetConfigRequestCodec,
  queue.queueGetConfigReplyCodec,
  sw.roleRequestCodec,
  sw.roleReplyCodec,
  sw.getAsyncRequestCodec,
  sw.getAsyncReplyCodec,
  sw.setAsyncCodec,
  meter.meterModCodec,
  // Experimenter messages.
  bundleControlCodec,
  bundleAddCodec,
  nicira.setPacketInFormatCodec,
  nicira.setControllerIdCodec,
  packet.packetIn2Codec,
  packet.resumeCodec,
];

/** Per codec, the compiled check of its declared fields (xid included). */
const FIELD_CHECKS = new Map<AnyCodec, FieldChecker>();

for (const c of CODECS) {
  BY_NAME.set(c.name, c);
  FIELD_CHECKS.set(c, compileChecker([['xid', 32], ...Object.entries(c.fields ?? {})]));
  if (c.experimenter !== undefined) {
    let m = BY_EXPERIMENTER.get(c.experimenter);
    if (!m) BY_EXPERIMENTER.set(c.experimenter, (m = new Map()));
    m.set(c.expType!, c);
  } else BY_TYPE[c.ofpType] = c;
}

for (const c of [
  sw.descRequestCodec,
  flow.flowStatsRequestCodec,
  flow.aggregateRequestCodec,
  table.tableStatsRequestCodec,
  port.portStatsRequestCodec,
  queue.queueStatsRequestCodec,
  group.groupStatsRequestCodec,
  group.groupDescRequestCodec,
  group.groupFeaturesRequestCodec,
  meter.meterStatsRequestCodec,
  meter.meterConfigRequestCodec,
  meter.meterFeaturesRequestCodec,
  table.tableFeaturesRequestCodec,
  port.portDescRequestCodec,
] as AnyMpCodec[]) {
  MP_REQUEST[c.mpType] = c;
}
for (const c of [
  sw.descReplyCodec,
  flow.flowStatsReplyCodec,
  flow.aggregateReplyCodec,
  table.tableStatsReplyCodec,
  port.portStatsReplyCodec,
  queue.queueStatsReplyCodec,
  group.groupStatsReplyCodec,
  group.groupDescReplyCodec,
  group.groupFeaturesReplyCodec,
  meter.meterStatsReplyCodec,
  meter.meterConfigReplyCodec,
  meter.meterFeaturesReplyCodec,
  table.tableFeaturesReplyCodec,
  port.portDescReplyCodec,
] as AnyMpCodec[]) {
  MP_REPLY[c.mpType] = c;
}

// ---- multipart (A.3.5): type u16, flags u16, pad 4, body ----

function readMultipartHeader(r: Reader): { mpType: number; flags: number } {
  r.need(8, 'ofp_multipart header', 'OFPBRC_BAD_LEN');
  const mpType = r.u16();
  const flags = r.u16();
  r.skip(4);
  return { mpType, flags };
}

function decodeMpBody(r: Reader, mpType: number, table: AnyMpCodec[]): MultipartRequestBody | MultipartReplyBody {
  const c = table[mpType];
  if (c) return c.decode(r);
  if (mpType === OFPMP_EXPERIMENTER) {
    r.need(8, 'experimenter multipart header', 'OFPBRC_BAD_LEN');
    const experimenter = r.u32();
    const expType = r.u32();
    return { mpType: 'EXPERIMENTER', experimenter, expType, data: r.copy(r.remaining) };
  }
  return { mpType: 'UNKNOWN', mpTypeCode: mpType, data: r.copy(r.remaining) };
}

function encodeMpBody(w: Writer, flags: number, body: MultipartRequestBody | MultipartReplyBody, table: AnyMpCodec[]): void {
  if (body.mpType === 'EXPERIMENTER') {
    w.u16(OFPMP_EXPERIMENTER).u16(flags).zeros(4).u32(body.experimenter).u32(body.expType).bytes(body.data);
    return;
  }
  if (body.mpType === 'UNKNOWN') {
    w.u16(body.mpTypeCode).u16(flags).zeros(4).bytes(body.data);
    return;
  }
  const code = MULTIPART_TYPE_NAMES.indexOf(body.mpType);
  const c = table[code];
  if (!c) throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `unknown multipart type ${String(body.mpType)}`, w.pos);
  w.u16(code).u16(flags).zeros(4);
  c.encode(w, body);
}

function formatMpBody(body: MultipartRequestBody | MultipartReplyBody, table: AnyMpCodec[]): string {
  if (body.mpType === 'EXPERIMENTER') {
    return `experimenter=0x${body.experimenter.toString(16).padStart(8, '0')} exp_type=${body.expType} data=${hexCap(body.data)}`;
  }
  if (body.mpType === 'UNKNOWN') return `type=${body.mpTypeCode} data=${hexCap(body.data)}`;
  return table[MULTIPART_TYPE_NAMES.indexOf(body.mpType)]!.format(body).trim();
}

const MP_OVS_NAMES: Record<string, string> = { PORT_STATS: 'PORT' };

// ---- entry points ----

/**
 * Decodes one whole OpenFlow message (exactly `buf`, as the framer cuts it).
 *
 * Errors ({@link OpenFlowDecodeError}): fewer than 8 bytes, or a header length different from the buffer
 * length -> OFPBRC_BAD_LEN; over `maxMessageLength` -> OFPSDN_MSG_TOO_LARGE; a version other than 0x04 (HELLO
 * and ERROR excepted, for version negotiation) -> OFPBRC_BAD_VERSION; an unknown type -> OFPBRC_BAD_TYPE; and
 * whatever the body's decoder finds.
 */
export function decodeMessage(buf: Buffer, opts?: DecodeOptions): OfpMessage {
  if (buf.length < OFP_HEADER_LEN) {
    throw new OpenFlowDecodeError('OFPBRC_BAD_LEN', `message of ${buf.length} bytes is shorter than ofp_header`, 0);
  }
  const version = buf[0]!;
  const type = buf[1]!;
  const length = u16At(buf, 2);
  const xid = u32At(buf, 4);
  const c = type === OFPT_EXPERIMENTER ? opaqueExperimenter : BY_TYPE[type];
  const name = c?.name;
  if (length !== buf.length) {
    throw new OpenFlowDecodeError('OFPBRC_BAD_LEN', `ofp_header.length ${length} but the message has ${buf.length} bytes`, 2, name);
  }
  const cap = opts?.maxMessageLength ?? OFP_MAX_MSG_LEN;
  if (length > cap) {
    throw new OpenFlowDecodeError('OFPSDN_MSG_TOO_LARGE', `message of ${length} bytes exceeds the cap of ${cap}`, 2, name);
  }
  if (version !== OFP13_VERSION && type !== OFPT_HELLO && type !== OFPT_ERROR) {
    throw new OpenFlowDecodeError('OFPBRC_BAD_VERSION', `version 0x${version.toString(16)} is not OpenFlow 1.3 (0x04)`, 0, name);
  }
  if (!c) throw new OpenFlowDecodeError('OFPBRC_BAD_TYPE', `unknown message type ${type}`, 1);
  const h: OfpHeader = { version, type, length, xid };
  const r = new Reader(buf, OFP_HEADER_LEN, length, OFP_HEADER_LEN, name);
  if (type !== OFPT_EXPERIMENTER) return c.decode(r, h) as OfpMessage;
  r.need(8, 'ofp_experimenter_header', 'OFPBRC_BAD_LEN');
  const experimenter = r.u32();
  const expType = r.u32();
  const ec = BY_EXPERIMENTER.get(experimenter)?.get(expType);
  if (!ec) return { type: 'EXPERIMENTER', xid, experimenter, expType, data: r.copy(r.remaining) };
  r.msgType = ec.name;
  return ec.decode(r, h) as OfpMessage;
}

const scratch = new Writer(1 << 16);

/**
 * Encodes one message. With `w`, the message is appended at `w.pos` and the returned Buffer is a view into
 * `w.buf` (valid until the writer is next written or reset); without, a fresh Buffer is returned. A message
 * that would exceed 65535 bytes, or a value that does not fit its field, is an OFPSDN_* error (and `w` is left
 * as it was).
 */
export function encodeMessage(msg: OfpMessage, w?: Writer): Buffer {
  const out = w ?? scratch.reset();
  const start = out.pos;
  encodeMessageInto(msg, out);
  return w ? out.buf.subarray(start, out.pos) : Buffer.from(out.buf.subarray(start, out.pos));
}

/**
 * The allocation-free form of {@link encodeMessage}: appends the message to `w` and returns its length in
 * bytes (it occupies `w.buf[w.pos - length, w.pos)`). This is the hot path for a sender that batches messages
 * in one Writer and writes `w.view()` to its socket.
 */
export function encodeMessageInto(msg: OfpMessage, w: Writer): number {
  const c = BY_NAME.get(msg.type);
  if (!c) throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `unknown message type ${String(msg.type)}`, 0);
  checkFields(msg, FIELD_CHECKS.get(c)!, c.name);
  const start = w.pos;
  try {
    const version = msg.type === 'HELLO' || msg.type === 'ERROR' ? msg.version : OFP13_VERSION;
    w.ensure(OFP_HEADER_LEN);
    const d = dataView(w.buf);
    d.setUint16(start, (version << 8) | c.ofpType);
    d.setUint16(start + 2, 0);
    d.setUint32(start + 4, msg.xid);
    w.pos = start + OFP_HEADER_LEN;
    if (c.experimenter !== undefined) w.u32(c.experimenter).u32(c.expType!);
    else if (msg.type === 'EXPERIMENTER') w.u32(msg.experimenter).u32(msg.expType);
    c.encode(w, msg);
    endMessage(w, start, msg.type);
  } catch (e) {
    w.pos = start;
    if (e instanceof OpenFlowDecodeError) throw e;
    if (e instanceof RangeError || e instanceof TypeError) {
      throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `cannot encode ${msg.type}: ${e.message}`, 0, msg.type);
    }
    throw e;
  }
  return w.pos - start;
}

const VERSION_NAMES: Record<number, string> = { 1: 'OF1.0', 2: 'OF1.1', 3: 'OF1.2', 4: 'OF1.3', 5: 'OF1.4', 6: 'OF1.5' };

/** The name Open vSwitch prints for a message: OFPT_FLOW_MOD, "OFPST_FLOW reply", NXT_PACKET_IN2... */
export function messageName(msg: OfpMessage): string {
  if (msg.type === 'MULTIPART_REQUEST' || msg.type === 'MULTIPART_REPLY') {
    const t = msg.body.mpType;
    const n = t === 'UNKNOWN' ? `OFPST_${msg.body.mpTypeCode}` : `OFPST_${MP_OVS_NAMES[t] ?? t}`;
    return `${n} ${msg.type === 'MULTIPART_REQUEST' ? 'request' : 'reply'}`;
  }
  return BY_NAME.get(msg.type)?.ofpName ?? msg.type;
}

/**
 * One line of text for a message, modelled on `ovs-ofctl ofp-print`'s reading:
 * `OFPT_FLOW_MOD (OF1.3) (xid=0x2): ADD priority=100,ip,in_port=1 actions=output:2`.
 */
export function formatMessage(msg: OfpMessage): string {
  return formatAt(msg, 0);
}

function formatAt(msg: OfpMessage, depth: number): string {
  const c = BY_NAME.get(msg.type);
  const version = msg.type === 'HELLO' || msg.type === 'ERROR' ? msg.version : OFP13_VERSION;
  let s = `${messageName(msg)} (${VERSION_NAMES[version] ?? `OF0x${version.toString(16).padStart(2, '0')}`}) (xid=0x${msg.xid.toString(16)}):`;
  if ((msg.type === 'MULTIPART_REQUEST' || msg.type === 'MULTIPART_REPLY') && msg.flags) s += ` flags=${msg.flags === 1 ? '[more]' : `0x${msg.flags.toString(16)}`}`;
  let body = c ? c.format(msg) : '';
  if (msg.type === 'ERROR' && msg.data.length >= OFP_HEADER_LEN && depth < 2) {
    // Like ofp-print, show the offending request decoded when its bytes are whole.
    try {
      const inner = decodeMessage(msg.data);
      body = `${body.replace(/ data=\S*( \S*)?$/, '')} ${formatAt(inner, depth + 1)}`;
    } catch {
      // truncated or undecodable: keep the hex
    }
  }
  return body ? `${s} ${body}` : s;
}

/** Names of every message `type` the dispatch table knows (for tests and tools). */
export function knownMessageTypes(): OfpMessageType[] {
  return [...BY_NAME.keys()] as OfpMessageType[];
}

bundleHooks.decode = (buf) => decodeMessage(buf);
bundleHooks.encode = (m, w) => encodeMessageInto(m, w);
bundleHooks.format = (m) => formatMessage(m);

/**
 * ONF extension 230: bundles for OpenFlow 1.3 (OFPT_EXPERIMENTER, experimenter ONF_VENDOR_ID 0x4f4e4600;
 * exp_type 2300 BUNDLE_CONTROL, 2301 BUNDLE_ADD). The bodies are those of OpenFlow 1.4's ofp_bundle_ctrl_msg
 * and ofp_bundle_add_msg (OF1.4.1 section 7.3.9 / A.3.9; lib/ofp-bundle.c):
 *
 * - BUNDLE_CONTROL: bundle_id u32, type u16 (OFPBCT_*), flags u16 (OFPBF_ATOMIC|OFPBF_ORDERED), properties.
 * - BUNDLE_ADD: bundle_id u32, pad 2, flags u16, one whole OpenFlow message (its own ofp_header and length);
 *   when properties follow, the message is first padded with zeros to a multiple of 8.
 *
 * Bundle properties are ofp_bundle_prop_header (type u16, length u16) lists, each padded to 8; the only
 * defined one is OFPBPT_EXPERIMENTER (0xffff: experimenter u32, exp_type u32, data).
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';
import { OpenFlowDecodeError } from '../errors';
import {
  ONF_ET_BUNDLE_ADD,
  ONF_ET_BUNDLE_CONTROL,
  ONF_VENDOR_ID,
  OFPT_EXPERIMENTER,
  type BundleAdd,
  type BundleControl,
  type BundleProperty,
  type OfpMessage,
} from '../types';
import { codec } from './codec';
import { forEachProp, hx, writeProp } from './common';

/** Set by dispatch.ts (which imports this module) to break the import cycle. */
export const bundleHooks: {
  decode: (buf: Buffer) => OfpMessage;
  encode: (m: OfpMessage, w: Writer) => number;
  format: (m: OfpMessage) => string;
} = {
  decode: () => {
    throw new Error('dispatch not loaded');
  },
  encode: () => {
    throw new Error('dispatch not loaded');
  },
  format: () => '',
};

function decodeBundleProps(r: Reader): BundleProperty[] {
  const out: BundleProperty[] = [];
  forEachProp(r, (type, body) => {
    if (type === 0xffff) {
      if (body.remaining < 8) throw body.error('OFPBRC_BAD_LEN', 'experimenter bundle property needs 8 bytes');
      const experimenter = body.u32();
      const expType = body.u32();
      out.push({ type: 'EXPERIMENTER', experimenter, expType, data: body.copy(body.remaining) });
    } else {
      out.push({ type: 'UNKNOWN', propType: type, data: body.copy(body.remaining) });
    }
  });
  return out;
}

function encodeBundleProps(w: Writer, props: readonly BundleProperty[]): void {
  for (const p of props) {
    if (p.type === 'EXPERIMENTER') writeProp(w, 0xffff, () => w.u32(p.experimenter).u32(p.expType).bytes(p.data));
    else writeProp(w, p.propType, () => w.bytes(p.data));
  }
}

const CTRL_TYPES = [
  'OPEN_REQUEST',
  'OPEN_REPLY',
  'CLOSE_REQUEST',
  'CLOSE_REPLY',
  'COMMIT_REQUEST',
  'COMMIT_REPLY',
  'DISCARD_REQUEST',
  'DISCARD_REPLY',
];

function formatFlags(flags: number): string {
  const f: string[] = [];
  if (flags & 1) f.push('atomic');
  if (flags & 2) f.push('ordered');
  if (flags & ~3) f.push(hx(flags & ~3));
  return f.length ? f.join(' ') : '0';
}

function bundleIdText(id: number): string {
  return id === 0 ? '0' : hx(id);
}

export const bundleControlCodec = codec<BundleControl>({
  name: 'BUNDLE_CONTROL',
  ofpName: 'ONFT_BUNDLE_CONTROL',
  ofpType: OFPT_EXPERIMENTER,
  experimenter: ONF_VENDOR_ID,
  expType: ONF_ET_BUNDLE_CONTROL,
  fields: { bundleId: 32, ctrlType: 16, flags: 16 },
  decode(r, h) {
    r.need(8, 'bundle_ctrl_msg', 'OFPBRC_BAD_LEN');
    const bundleId = r.u32();
    const ctrlType = r.u16();
    const flags = r.u16();
    return { type: 'BUNDLE_CONTROL', xid: h.xid, bundleId, ctrlType, flags, properties: decodeBundleProps(r) };
  },
  encode(w, m) {
    w.u32(m.bundleId).u16(m.ctrlType).u16(m.flags);
    encodeBundleProps(w, m.properties);
  },
  format: (m) =>
    `bundle_id=${bundleIdText(m.bundleId)} type=${CTRL_TYPES[m.ctrlType] ?? m.ctrlType} flags=${formatFlags(m.flags)}`,
});

export const bundleAddCodec = codec<BundleAdd>({
  name: 'BUNDLE_ADD',
  ofpName: 'ONFT_BUNDLE_ADD_MESSAGE',
  ofpType: OFPT_EXPERIMENTER,
  experimenter: ONF_VENDOR_ID,
  expType: ONF_ET_BUNDLE_ADD,
  fields: { bundleId: 32, flags: 16 },
  decode(r, h) {
    r.need(16, 'bundle_add_msg', 'OFPBRC_BAD_LEN');
    const bundleId = r.u32();
    r.skip(2);
    const flags = r.u16();
    const innerStart = r.offset;
    const innerLen = r.peekU16(2);
    if (innerLen < 8 || innerLen > r.remaining) {
      throw r.error('OFPBRC_BAD_LEN', `inner message length ${innerLen} is below 8 or beyond the ${r.remaining} bytes left`, innerStart + 2);
    }
    // A bundle cannot hold bundle messages (OVS: ofputil_is_bundlable); refusing them also bounds recursion.
    if (r.buf[r.pos + 1] === OFPT_EXPERIMENTER && innerLen >= 16 && r.buf.readUInt32BE(r.pos + 8) === ONF_VENDOR_ID) {
      const t = r.buf.readUInt32BE(r.pos + 12);
      if (t === ONF_ET_BUNDLE_ADD || t === ONF_ET_BUNDLE_CONTROL) {
        throw r.error('OFPBFC_MSG_UNSUP', 'a bundle message cannot be added to a bundle', innerStart);
      }
    }
    const inner = r.bytes(innerLen, 'inner message');
    let message: OfpMessage;
    try {
      message = bundleHooks.decode(inner);
    } catch (e) {
      if (e instanceof OpenFlowDecodeError) {
        throw new OpenFlowDecodeError(e.code, `inner message: ${e.message}`, innerStart + e.offset, e.msgType ?? 'BUNDLE_ADD');
      }
      throw e;
    }
    let properties: BundleProperty[] = [];
    if (r.remaining > 0) {
      const pad = (8 - (innerLen % 8)) % 8;
      r.need(pad, 'padding after the inner message', 'OFPBRC_BAD_LEN');
      r.skip(pad);
      properties = decodeBundleProps(r);
    }
    return { type: 'BUNDLE_ADD', xid: h.xid, bundleId, flags, message, properties };
  },
  encode(w, m) {
    if (m.message.type === 'BUNDLE_ADD' || m.message.type === 'BUNDLE_CONTROL') {
      throw new OpenFlowDecodeError('OFPBFC_MSG_UNSUP', 'a bundle message cannot be added to a bundle', 0, 'BUNDLE_ADD');
    }
    w.u32(m.bundleId).u16(0).u16(m.flags);
    const start = w.pos;
    bundleHooks.encode(m.message, w);
    if (m.properties.length) {
      w.pad8(start);
      encodeBundleProps(w, m.properties);
    }
  },
  format: (m) => `bundle_id=${bundleIdText(m.bundleId)} flags=${formatFlags(m.flags)} ${bundleHooks.format(m.message)}`,
});

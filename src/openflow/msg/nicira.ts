/**
 * Nicira extension messages (include/openflow/nicira-ext.h), carried in OpenFlow 1.3 as OFPT_EXPERIMENTER with
 * experimenter NX_VENDOR_ID (0x00002320) and a u32 subtype: NXT_SET_PACKET_IN_FORMAT and NXT_SET_CONTROLLER_ID.
 * (NXT_PACKET_IN2 and NXT_RESUME live in packet.ts.)
 */
import {
  NXT_SET_CONTROLLER_ID,
  NXT_SET_PACKET_IN_FORMAT,
  NX_VENDOR_ID,
  OFPT_EXPERIMENTER,
  type NxSetControllerId,
  type NxSetPacketInFormat,
} from '../types';
import { codec } from './codec';
import { expectEnd } from './switch';

const PACKET_IN_FORMATS = ['standard', 'nxt_packet_in', 'nxt_packet_in2'];

// nx_set_packet_in_format: format u32 (NXPIF_*).
export const setPacketInFormatCodec = codec<NxSetPacketInFormat>({
  name: 'NXT_SET_PACKET_IN_FORMAT',
  ofpName: 'NXT_SET_PACKET_IN_FORMAT',
  ofpType: OFPT_EXPERIMENTER,
  experimenter: NX_VENDOR_ID,
  expType: NXT_SET_PACKET_IN_FORMAT,
  fields: { format: 32 },
  decode(r, h) {
    r.need(4, 'nx_set_packet_in_format', 'OFPBRC_BAD_LEN');
    const format = r.u32();
    expectEnd(r);
    return { type: 'NXT_SET_PACKET_IN_FORMAT', xid: h.xid, format };
  },
  encode: (w, m) => void w.u32(m.format),
  format: (m) => `format=${PACKET_IN_FORMATS[m.format] ?? `unknown${m.format}`}`,
});

// nx_controller_id: pad 6, controller_id u16.
export const setControllerIdCodec = codec<NxSetControllerId>({
  name: 'NXT_SET_CONTROLLER_ID',
  ofpName: 'NXT_SET_CONTROLLER_ID',
  ofpType: OFPT_EXPERIMENTER,
  experimenter: NX_VENDOR_ID,
  expType: NXT_SET_CONTROLLER_ID,
  fields: { controllerId: 16 },
  decode(r, h) {
    r.need(8, 'nx_controller_id', 'OFPBRC_BAD_LEN');
    r.skip(6);
    const controllerId = r.u16();
    expectEnd(r);
    return { type: 'NXT_SET_CONTROLLER_ID', xid: h.xid, controllerId };
  },
  encode: (w, m) => void w.zeros(6).u16(m.controllerId),
  format: (m) => `id=${m.controllerId}`,
});

/**
 * One test per error code the message layer raises: each checks the code, the message type and the offset.
 */
import { decodeMessage, encodeMessage, formatMessage } from '../../../src/openflow/dispatch';
import { OpenFlowDecodeError } from '../../../src/openflow/errors';
import { decodeHeader } from '../../../src/openflow/header';
import { OpenFlowFramer } from '../../../src/openflow/framer';
import { flowMod, type OfpMessage } from '../../../src/openflow/types';
import type { OpenFlowDecodeErrorCode } from '../../../src/openflow/errors';
import { decodeActions, encodeActions } from '../../../src/openflow/actions';
import { decodeInstructions, encodeInstructions, type Instruction } from '../../../src/openflow/instructions';
import { decodeMatch, encodeMatch } from '../../../src/openflow/match';
import { parseFlowMod } from '../../../src/openflow/flow-text';
import { Reader } from '../../../src/openflow/reader';
import { Writer } from '../../../src/openflow/writer';

function err(fn: () => unknown): OpenFlowDecodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OpenFlowDecodeError);
    return e as OpenFlowDecodeError;
  }
  throw new Error('expected an OpenFlowDecodeError');
}

/** A message with a correct ofp_header around `body`. */
function msg(type: number, bodyHex: string, version = 4, xid = 7): Buffer {
  const body = Buffer.from(bodyHex.replace(/\s+/g, ''), 'hex');
  const b = Buffer.alloc(8 + body.length);
  b[0] = version;
  b[1] = type;
  b.writeUInt16BE(b.length, 2);
  b.writeUInt32BE(xid, 4);
  body.copy(b, 8);
  return b;
}

const goodFlowMod = encodeMessage(flowMod({ xid: 1, priority: 100, match: [{ field: 'in_port', value: 1 }] }));

describe('decode errors', () => {
  it('OFPBRC_BAD_LEN: fewer than 8 bytes', () => {
    const e = err(() => decodeMessage(Buffer.from('0400', 'hex')));
    expect(e.code).toBe('OFPBRC_BAD_LEN');
    expect(e.offset).toBe(0);
    expect(err(() => decodeHeader(Buffer.from('040000', 'hex'))).code).toBe('OFPBRC_BAD_LEN');
  });

  it('OFPBRC_BAD_LEN: header length different from the buffer (longer and shorter)', () => {
    const longer = Buffer.from(goodFlowMod);
    longer.writeUInt16BE(longer.length + 8, 2);
    const e = err(() => decodeMessage(longer));
    expect([e.code, e.msgType, e.offset]).toEqual(['OFPBRC_BAD_LEN', 'FLOW_MOD', 2]);
    const shorter = Buffer.from(goodFlowMod);
    shorter.writeUInt16BE(8, 2);
    expect(err(() => decodeMessage(shorter)).code).toBe('OFPBRC_BAD_LEN');
    expect(err(() => decodeHeader(Buffer.from('0400000400000000', 'hex'))).code).toBe('OFPBRC_BAD_LEN');
  });

  it('OFPBRC_BAD_LEN: a body shorter than its fixed part, with message type and offset', () => {
    const e = err(() => decodeMessage(msg(14, '00'.repeat(20))));
    expect([e.code, e.msgType, e.offset]).toEqual(['OFPBRC_BAD_LEN', 'FLOW_MOD', 8]);
    expect(err(() => decodeMessage(msg(6, '00'.repeat(23)))).msgType).toBe('FEATURES_REPLY');
    expect(err(() => decodeMessage(msg(24, '00'.repeat(8)))).code).toBe('OFPBRC_BAD_LEN');
  });

  it('OFPBRC_BAD_LEN: trailing bytes after a fixed-size body', () => {
    const e = err(() => decodeMessage(msg(5, '00')));
    expect([e.code, e.msgType, e.offset]).toEqual(['OFPBRC_BAD_LEN', 'FEATURES_REQUEST', 8]);
  });

  it('OFPBRC_BAD_LEN: inner lengths that overrun (packet-out actions_len, bucket, band, flow stats)', () => {
    // PACKET_OUT with actions_len 64 but no actions.
    let e = err(() => decodeMessage(msg(13, 'ffffffff fffffffd 0040 000000000000')));
    expect([e.code, e.msgType]).toEqual(['OFPBRC_BAD_LEN', 'PACKET_OUT']);
    // GROUP_MOD with a bucket claiming 48 bytes.
    e = err(() => decodeMessage(msg(15, '0000 01 00 00000001  0030 0000 ffffffff ffffffff 00000000')));
    expect([e.code, e.msgType, e.offset]).toEqual(['OFPBRC_BAD_LEN', 'GROUP_MOD', 16]);
    // METER_MOD band of length 8.
    e = err(() => decodeMessage(msg(29, '0000 0001 00000001  0001 0008 00000001 00000000')));
    expect([e.code, e.msgType, e.offset]).toEqual(['OFPBRC_BAD_LEN', 'METER_MOD', 16]);
    // Flow stats reply entry with length 16.
    e = err(() => decodeMessage(msg(19, '0001 0000 00000000' + '0010' + '00'.repeat(54))));
    expect([e.code, e.msgType, e.offset]).toEqual(['OFPBRC_BAD_LEN', 'MULTIPART_REPLY', 16]);
  });

  it('OFPBRC_BAD_LEN: a NXT_PACKET_IN2 whose property overruns the message', () => {
    const e = err(() => decodeMessage(msg(4, '00002320 0000001e  0000 0040 00000000')));
    expect([e.code, e.msgType]).toEqual(['OFPBRC_BAD_LEN', 'NXT_PACKET_IN2']);
  });

  it('OFPBRC_BAD_LEN: a BUNDLE_ADD whose inner message is cut, with the offset inside the outer message', () => {
    const e = err(() => decodeMessage(msg(4, '4f4e4600 000008fd 00000001 0000 0003  0414 0010 00000001')));
    expect(e.code).toBe('OFPBRC_BAD_LEN');
    expect(e.offset).toBe(26);
  });

  it('OFPBRC_BAD_VERSION: a non-1.3 version (HELLO and ERROR excepted)', () => {
    const e = err(() => decodeMessage(msg(14, '', 1)));
    expect([e.code, e.msgType, e.offset]).toEqual(['OFPBRC_BAD_VERSION', 'FLOW_MOD', 0]);
    expect(decodeMessage(msg(0, '', 6)).type).toBe('HELLO');
    expect(decodeMessage(msg(1, '00000000', 1)).type).toBe('ERROR');
  });

  it('OFPBRC_BAD_TYPE: an unknown message type', () => {
    const e = err(() => decodeMessage(msg(30, '')));
    expect([e.code, e.offset]).toEqual(['OFPBRC_BAD_TYPE', 1]);
  });

  it('OFPSDN_MSG_TOO_LARGE: a message over the decode cap, and an encoding over 65535 bytes', () => {
    const e = err(() => decodeMessage(goodFlowMod, { maxMessageLength: 16 }));
    expect([e.code, e.msgType]).toEqual(['OFPSDN_MSG_TOO_LARGE', 'FLOW_MOD']);
    const big: OfpMessage = { type: 'ECHO_REQUEST', xid: 1, data: Buffer.alloc(70000) };
    expect(err(() => encodeMessage(big)).code).toBe('OFPSDN_MSG_TOO_LARGE');
    expect(err(() => new OpenFlowFramer({ maxMessageLength: 32 }).push(goodFlowMod)).code).toBe('OFPSDN_MSG_TOO_LARGE');
  });

  it('OFPTFFC_BAD_LEN: a table-features entry shorter than 64 bytes', () => {
    const e = err(() => decodeMessage(msg(19, '000c 0000 00000000  0020' + '00'.repeat(30))));
    expect([e.code, e.msgType, e.offset]).toEqual(['OFPTFFC_BAD_LEN', 'MULTIPART_REPLY', 16]);
  });

  it('OFPTFFC_BAD_LEN: a table-features property that overruns its entry', () => {
    const entry = '0048 00 0000000000' + '00'.repeat(32) + '00'.repeat(16) + '00000000 00000000' + '0002 0040 00000000';
    const e = err(() => decodeMessage(msg(19, '000c 0000 00000000' + entry)));
    expect([e.code, e.msgType]).toEqual(['OFPTFFC_BAD_LEN', 'MULTIPART_REPLY']);
  });

  it('OFPSDN_BAD_PADDING: a table-features entry whose length is not a multiple of 8', () => {
    const entry = '0044 00 0000000000' + '00'.repeat(32) + '00'.repeat(16) + '00000000 00000000' + '0002 0004';
    const e = err(() => decodeMessage(msg(19, '000c 0000 00000000' + entry)));
    expect([e.code, e.offset]).toEqual(['OFPSDN_BAD_PADDING', 16]);
  });

  it('OFPSDN_BAD_VALUE: encoding a value that does not fit', () => {
    const badMac: OfpMessage = { type: 'PORT_MOD', xid: 1, portNo: 1, hwAddr: 'not-a-mac', config: 0, mask: 0, advertise: 0 };
    expect(err(() => encodeMessage(badMac)).code).toBe('OFPSDN_BAD_VALUE');
    const unknown = { type: 'NO_SUCH', xid: 1 } as unknown as OfpMessage;
    expect(err(() => encodeMessage(unknown)).code).toBe('OFPSDN_BAD_VALUE');
  });

  it('OFPSDN_BAD_VALUE: out-of-range header and fixed fields are refused, not truncated', () => {
    for (const bad of [
      flowMod({ priority: 70000 }),
      flowMod({ tableId: 256 }),
      flowMod({ cookie: -1n }),
      flowMod({ cookie: 1n << 64n }),
      flowMod({ xid: 2 ** 32 }),
      flowMod({ outPort: -1 }),
      flowMod({ idleTimeout: 1.5 }),
    ]) {
      const e = err(() => encodeMessage(bad));
      expect([e.code, e.msgType]).toEqual(['OFPSDN_BAD_VALUE', 'FLOW_MOD']);
    }
    const role = { type: 'ROLE_REQUEST', xid: 1, role: 2, generationId: 5 } as unknown as OfpMessage;
    expect(err(() => encodeMessage(role)).code).toBe('OFPSDN_BAD_VALUE');
  });

  it('OFPBFC_MSG_UNSUP: a bundle message inside BUNDLE_ADD (decode and encode), even nested thousands deep', () => {
    const inner = nested(24, (b, at) => {
      b.writeUInt32BE(0x4f4e4600, at + 8);
      b.writeUInt32BE(2301, at + 12);
      b.writeUInt32BE(1, at + 16);
      b.writeUInt16BE(1, at + 22);
    }, 4);
    const e = err(() => decodeMessage(inner));
    expect([e.code, e.msgType, e.offset]).toEqual(['OFPBFC_MSG_UNSUP', 'BUNDLE_ADD', 24]);
    const ctl: OfpMessage = { type: 'BUNDLE_CONTROL', xid: 1, bundleId: 1, ctrlType: 0, flags: 0, properties: [] };
    const add: OfpMessage = { type: 'BUNDLE_ADD', xid: 1, bundleId: 1, flags: 0, properties: [], message: ctl };
    expect(err(() => encodeMessage(add)).code).toBe('OFPBFC_MSG_UNSUP');
  });
});

/**
 * The largest message made of `prefix`-byte headers of type `type`, each wrapping the rest, around a
 * BARRIER_REQUEST; `fill` writes each header's body fields.
 */
function nested(prefix: number, fill: (b: Buffer, at: number) => void, type: number): Buffer {
  const core = Buffer.from('0414000800000001', 'hex');
  const n = Math.floor((0xffff - core.length) / prefix);
  const out = Buffer.alloc(n * prefix + core.length);
  core.copy(out, n * prefix);
  for (let i = 0; i < n; i++) {
    const at = i * prefix;
    out[at] = 4;
    out[at + 1] = type;
    out.writeUInt16BE(out.length - at, at + 2);
    out.writeUInt32BE(1, at + 4);
    fill(out, at);
  }
  return out;
}

describe('deeply nested input', () => {
  it('an ERROR carrying an ERROR carrying ... (5000 deep) decodes, re-encodes and prints a bounded line', () => {
    const b = nested(12, (buf, at) => buf.writeUInt32BE(0x00010001, at + 8), 1);
    const m = decodeMessage(b);
    expect(encodeMessage(m).equals(b)).toBe(true);
    const text = formatMessage(m);
    expect(text.length).toBeLessThan(1000);
    expect(text).toContain(`...(${b.length - 36} bytes)`);
  });
});

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const rd = (h: string): Reader => new Reader(hex(h));

/**
 * One provocation per code of the OpenFlowDecodeErrorCode union. The Record type makes this exhaustive: a code
 * added to the union without a way to provoke it here does not compile. Wire input where the code is about
 * bytes, the encoder where it is about values.
 */
const PROVOKE: Record<OpenFlowDecodeErrorCode, () => unknown> = {
  OFPBRC_BAD_VERSION: () => decodeMessage(msg(20, '', 1)),
  OFPBRC_BAD_TYPE: () => decodeMessage(msg(0xfe, '')),
  OFPBRC_BAD_LEN: () => decodeMessage(hex('04000006000000')),
  OFPBAC_BAD_LEN: () => decodeActions(rd('0000000c 00000002 00000000')),
  OFPBAC_BAD_ARGUMENT: () => encodeActions(new Writer(64), [{ type: 'load', dst: { field: 'reg0', ofs: 30, nBits: 8 }, value: 1n }]),
  OFPBAC_BAD_SET_TYPE: () => decodeActions(rd('ffff0018 00002320 0021 8000fe04 00000001 000000000000')),
  OFPBAC_BAD_SET_LEN: () => decodeActions(rd('00190008 80004c08')),
  OFPBAC_BAD_SET_ARGUMENT: () => decodeActions(rd('00190010 80000108 00000001 ffffffff')),
  OFPBIC_UNKNOWN_INST: () => encodeInstructions(new Writer(64), [{ type: 'frob' } as unknown as Instruction]),
  OFPBIC_BAD_LEN: () => decodeInstructions(rd('0001000c 05000000 00000000')),
  OFPBMC_BAD_TYPE: () => decodeMatch(rd('0000000400000000')),
  OFPBMC_BAD_LEN: () => decodeMatch(rd('0001000200000000')),
  OFPBMC_BAD_FIELD: () => encodeMatch(new Writer(64), [{ field: 'no_such_field', value: 1 }]),
  OFPBMC_BAD_VALUE: () => encodeMatch(new Writer(64), [{ field: 'vlan_vid', value: 0x1005 }, { field: 'vlan_pcp', value: 8 }]),
  OFPBMC_BAD_MASK: () => decodeMatch(rd('0001000c 80000b04 0800ffff 00000000')),
  // eth_type=0x0800, then ipv4_dst 10.0.0.1 under mask 255.255.255.0: a host bit outside the mask.
  OFPBMC_BAD_WILDCARDS: () => decodeMatch(rd('0001 0016 80000a02 0800 80001908 0a000001 ffffff00 0000')),
  // ipv4_dst without eth_type=0x0800 before it.
  OFPBMC_BAD_PREREQ: () => decodeMatch(rd('0001000c 80001804 0a000001 00000000')),
  OFPBMC_DUP_FIELD: () => decodeMatch(rd('0001 0014 80000004 00000001 80000004 00000002 00000000')),
  OFPBFC_MSG_UNSUP: () => {
    const ctl: OfpMessage = { type: 'BUNDLE_CONTROL', xid: 1, bundleId: 1, ctrlType: 0, flags: 0, properties: [] };
    return encodeMessage({ type: 'BUNDLE_ADD', xid: 1, bundleId: 1, flags: 0, properties: [], message: ctl });
  },
  OFPTFFC_BAD_LEN: () => decodeMessage(msg(19, '000c 0000 00000000  0020' + '00'.repeat(30))),
  // The bounds-checked reader's own code, for a read past the end of what it was given.
  OFPSDN_TRUNCATED: () => rd('0001').u32(),
  OFPSDN_BAD_PADDING: () =>
    decodeMessage(msg(19, '000c 0000 00000000' + '0044 00 0000000000' + '00'.repeat(48) + '00000000 00000000 0002 0004')),
  // NXAST_DEC_TTL_CNT_IDS saying 255 controller ids with none following.
  OFPSDN_BAD_COUNT: () => decodeActions(rd('ffff0010 00002320 0015 00ff 00000000')),
  OFPSDN_MSG_TOO_LARGE: () => new OpenFlowFramer({ maxMessageLength: 32 }).push(goodFlowMod),
  OFPSDN_BAD_TEXT: () => parseFlowMod('bogus_field=1,actions=drop'),
  OFPSDN_BAD_VALUE: () => encodeMessage({ type: 'PORT_MOD', xid: 1, portNo: 1, hwAddr: 'not-a-mac', config: 0, mask: 0, advertise: 0 }),
};

describe('one test per error code (every code of OpenFlowDecodeErrorCode is raised by something)', () => {
  it.each(Object.entries(PROVOKE))('%s', (code, provoke) => {
    const e = err(provoke);
    expect(e.code).toBe(code);
    expect(e.message).toContain(code);
    expect(Number.isInteger(e.offset)).toBe(true);
  });
});

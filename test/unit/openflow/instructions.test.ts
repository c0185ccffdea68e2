import { OpenFlowDecodeError } from '../../../src/openflow/errors';
import { Instruction, decodeInstructions, encodeInstructions, formatInstructions } from '../../../src/openflow/instructions';
import { Reader } from '../../../src/openflow/reader';
import { Writer } from '../../../src/openflow/writer';

function enc(i: Instruction[]): Buffer {
  const w = new Writer(8);
  encodeInstructions(w, i);
  return w.toBuffer();
}
function dec(hex: string): Instruction[] {
  return decodeInstructions(new Reader(Buffer.from(hex.replace(/\s/g, ''), 'hex')));
}
function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OpenFlowDecodeError);
    return (e as OpenFlowDecodeError).code;
  }
  throw new Error('did not throw');
}

describe('instructions (OF1.3 section 7.2.4)', () => {
  const all: Instruction[] = [
    { type: 'meter', meterId: 3 },
    { type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 0 }] },
    { type: 'clear_actions' },
    { type: 'write_actions', actions: [{ type: 'group', groupId: 1 }] },
    { type: 'write_metadata', metadata: 0x5n, mask: 0xffn },
    { type: 'goto_table', tableId: 5 },
  ];

  it('encodes each instruction with its spec layout', () => {
    expect(enc([{ type: 'goto_table', tableId: 5 }]).toString('hex')).toBe('0001000805000000');
    expect(enc([{ type: 'meter', meterId: 3 }]).toString('hex')).toBe('0006000800000003');
    expect(enc([{ type: 'clear_actions' }]).toString('hex')).toBe('0005000800000000');
    expect(enc([{ type: 'write_metadata', metadata: 5n, mask: 0xffn }]).toString('hex')).toBe('00020018000000000000000000000005' + '00000000000000ff');
    expect(enc([{ type: 'apply_actions', actions: [] }]).toString('hex')).toBe('0004000800000000');
    expect(enc([all[1]!]).toString('hex')).toBe('00040018' + '00000000' + '00000010000000020000000000000000');
  });

  it('decode(encode(x)) equals x and prints like OVS', () => {
    expect(dec(enc(all).toString('hex'))).toEqual(all);
    expect(formatInstructions(all)).toBe('meter:3,output:2,clear_actions,write_actions(group:1),write_metadata:0x5/0xff,goto_table:5');
    expect(formatInstructions([])).toBe('drop');
  });

  it('experimenter and unknown instructions stay opaque, byte for byte', () => {
    const hex = 'ffff0010 00002320 01020304 05060708 00070008 00000000'.replace(/\s/g, '');
    const d = dec(hex);
    expect(d.map((i) => i.type)).toEqual(['opaque', 'opaque']);
    expect(enc(d).toString('hex')).toBe(hex);
  });

  it('OFPBIC_BAD_LEN: lengths not a multiple of 8, overrunning, or wrong for a fixed-size instruction', () => {
    expect(code(() => dec('0001000c 05000000 00000000'))).toBe('OFPBIC_BAD_LEN');
    expect(code(() => dec('00010010 05000000'))).toBe('OFPBIC_BAD_LEN');
    expect(code(() => dec('00010000 05000000'))).toBe('OFPBIC_BAD_LEN');
    expect(code(() => dec('00020010 00000000 00000000 00000005'))).toBe('OFPBIC_BAD_LEN');
    expect(code(() => dec('0001'))).toBe('OFPBIC_BAD_LEN');
    expect(code(() => enc([{ type: 'opaque', raw: Buffer.alloc(5) }]))).toBe('OFPBIC_BAD_LEN');
  });

  it('an action list inside apply_actions that does not add up is OFPBAC_BAD_LEN', () => {
    expect(code(() => dec('00040010 00000000 00000010 00000002'))).toBe('OFPBAC_BAD_LEN');
  });

  it('OFPBIC_UNKNOWN_INST: encoding an instruction type we do not know', () => {
    expect(code(() => enc([{ type: 'frob' } as unknown as Instruction]))).toBe('OFPBIC_UNKNOWN_INST');
  });

  it('OFPSDN_BAD_VALUE: out-of-range values', () => {
    expect(code(() => enc([{ type: 'goto_table', tableId: 256 }]))).toBe('OFPSDN_BAD_VALUE');
    expect(code(() => enc([{ type: 'write_metadata', metadata: -1n, mask: 0n }]))).toBe('OFPSDN_BAD_VALUE');
    expect(code(() => enc([{ type: 'meter', meterId: 1.5 }]))).toBe('OFPSDN_BAD_VALUE');
  });
});

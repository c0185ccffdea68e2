/**
 * OpenFlow 1.3 instructions (section 7.2.4, `ofp_instruction_*`): goto_table, write_metadata, write_actions,
 * apply_actions, clear_actions, meter, and experimenter (kept opaque). Each is `type:16 | len:16 | body`,
 * `len` a multiple of 8.
 */
import { Action, decodeActions, encodeActions, formatActions } from './actions';
import { OpenFlowDecodeError } from './errors';
import { writeOfpU64, writeOfpZeros } from './oxm';
import { Reader } from './reader';
import { Writer } from './writer';

/** enum ofp_instruction_type (section 7.2.4). */
export const OFPIT_GOTO_TABLE = 1;
export const OFPIT_WRITE_METADATA = 2;
export const OFPIT_WRITE_ACTIONS = 3;
export const OFPIT_APPLY_ACTIONS = 4;
export const OFPIT_CLEAR_ACTIONS = 5;
export const OFPIT_METER = 6;
export const OFPIT_EXPERIMENTER = 0xffff;

/** An instruction. Unknown and experimenter instructions are `opaque` (whole TLV, byte for byte). */
export type Instruction =
  | { type: 'goto_table'; tableId: number }
  | { type: 'write_metadata'; metadata: bigint; mask: bigint }
  | { type: 'write_actions'; actions: Action[] }
  | { type: 'apply_actions'; actions: Action[] }
  | { type: 'clear_actions' }
  | { type: 'meter'; meterId: number }
  | { type: 'opaque'; raw: Buffer };

/** Upper bound on instructions in one list. */
export const MAX_INSTRUCTIONS = 64;

/** MAX_UINT[bits] = 2^bits - 1. */
const MAX_UINT: readonly number[] = Array.from({ length: 54 }, (_, n) => 2 ** n - 1);

function u(v: unknown, bits: number, what: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= MAX_UINT[bits]!) || Math.floor(v) !== v) {
    throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `${what} ${String(v)} is not a ${bits}-bit unsigned integer`);
  }
  return v;
}

const U64_MAX = (1n << 64n) - 1n;

function u64(v: unknown, what: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `${what} ${String(v)} is not a u64 bigint`);
  return v;
}

/** Writes an instruction list. */
export function encodeInstructions(w: Writer, list: readonly Instruction[]): void {
  for (const i of list) {
    const start = w.pos;
    switch (i.type) {
      case 'goto_table':
        w.u16(OFPIT_GOTO_TABLE).u16(8).u8(u(i.tableId, 8, 'goto_table table'));
        writeOfpZeros(w, 3);
        break;
      case 'write_metadata':
        w.u16(OFPIT_WRITE_METADATA).u16(24).zeros(4);
        writeOfpU64(w, u64(i.metadata, 'metadata'));
        writeOfpU64(w, u64(i.mask, 'metadata mask'));
        break;
      case 'write_actions':
      case 'apply_actions':
        w.u16(i.type === 'write_actions' ? OFPIT_WRITE_ACTIONS : OFPIT_APPLY_ACTIONS).u16(0);
        writeOfpZeros(w, 4);
        encodeActions(w, i.actions);
        if (w.pos - start > 0xffff) throw new OpenFlowDecodeError('OFPBIC_BAD_LEN', `instruction length ${w.pos - start} exceeds 65535`);
        w.patchU16(start + 2, w.pos - start);
        break;
      case 'clear_actions':
        w.u16(OFPIT_CLEAR_ACTIONS).u16(8).zeros(4);
        break;
      case 'meter':
        w.u16(OFPIT_METER).u16(8).u32(u(i.meterId, 32, 'meter id'));
        break;
      case 'opaque': {
        const raw = i.raw;
        if (!Buffer.isBuffer(raw) || raw.length < 8 || raw.length % 8 !== 0 || raw.readUInt16BE(2) !== raw.length) {
          throw new OpenFlowDecodeError('OFPBIC_BAD_LEN', 'opaque instruction must hold a whole instruction, length field matching, a multiple of 8');
        }
        w.bytes(raw);
        break;
      }
      default:
        throw new OpenFlowDecodeError('OFPBIC_UNKNOWN_INST', `unknown instruction type '${(i as { type: string }).type}'`);
    }
  }
}

/** Reads instructions until `r` is exhausted. */
export function decodeInstructions(r: Reader): Instruction[] {
  const out: Instruction[] = [];
  while (r.remaining > 0) {
    if (out.length >= MAX_INSTRUCTIONS) throw r.error('OFPBIC_BAD_LEN', `more than ${MAX_INSTRUCTIONS} instructions`);
    const at = r.offset;
    const len = r.tlvLength8('instruction', 'OFPBIC_BAD_LEN');
    const type = r.peekU16();
    const rawStart = r.pos;
    const s = r.sub(len, 'instruction', 'OFPBIC_BAD_LEN');
    s.skip(4);
    const fixed = (want: number): void => {
      if (len !== want) throw s.error('OFPBIC_BAD_LEN', `instruction type ${type} length ${len}, expected ${want}`, at);
    };
    switch (type) {
      case OFPIT_GOTO_TABLE:
        fixed(8);
        out.push({ type: 'goto_table', tableId: s.u8() });
        break;
      case OFPIT_WRITE_METADATA:
        fixed(24);
        s.skip(4);
        out.push({ type: 'write_metadata', metadata: s.u64(), mask: s.u64() });
        break;
      case OFPIT_WRITE_ACTIONS:
      case OFPIT_APPLY_ACTIONS:
        s.skip(4);
        out.push({ type: type === OFPIT_WRITE_ACTIONS ? 'write_actions' : 'apply_actions', actions: decodeActions(s) });
        break;
      case OFPIT_CLEAR_ACTIONS:
        fixed(8);
        out.push({ type: 'clear_actions' });
        break;
      case OFPIT_METER:
        fixed(8);
        out.push({ type: 'meter', meterId: s.u32() });
        break;
      default:
        out.push({ type: 'opaque', raw: Buffer.from(r.buf.subarray(rawStart, rawStart + len)) });
    }
  }
  return out;
}

/**
 * Prints instructions as OVS does after `actions=` (ofp-print): apply_actions' actions inline, then
 * `clear_actions`, `write_actions(...)`, `write_metadata:V/M`, `meter:N`, `goto_table:N`. "drop" when empty.
 */
export function formatInstructions(list: readonly Instruction[]): string {
  const parts: string[] = [];
  // OVS prints in its canonical instruction order: meter, apply, clear, write, write_metadata, goto_table.
  const order = ['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table', 'opaque'];
  const sorted = [...list].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  for (const i of sorted) {
    switch (i.type) {
      case 'meter':
        parts.push(`meter:${i.meterId}`);
        break;
      case 'apply_actions':
        if (i.actions.length) parts.push(formatActions(i.actions));
        break;
      case 'clear_actions':
        parts.push('clear_actions');
        break;
      case 'write_actions':
        parts.push(`write_actions(${formatActions(i.actions)})`);
        break;
      case 'write_metadata':
        parts.push(
          i.mask === 0xffffffffffffffffn ? `write_metadata:0x${i.metadata.toString(16)}` : `write_metadata:0x${i.metadata.toString(16)}/0x${i.mask.toString(16)}`,
        );
        break;
      case 'goto_table':
        parts.push(`goto_table:${i.tableId}`);
        break;
      case 'opaque':
        parts.push(`opaque_instruction:${i.raw.toString('hex')}`);
        break;
    }
  }
  return parts.length ? parts.join(',') : 'drop';
}

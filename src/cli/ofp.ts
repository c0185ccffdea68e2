/**
 * `ovs-sdn ofp encode|decode`: OpenFlow 1.3 FLOW_MOD text <-> bytes.
 *
 *   ovs-sdn ofp encode [--command add|modify|modify_strict|delete|delete_strict] [--xid N] '<flow text>'
 *   ovs-sdn ofp decode <hex>
 *
 * `encode` prints the FLOW_MOD as hex. `decode` prints a FLOW_MOD as flow text (that `ofp encode` and
 * `ovs-ofctl add-flow` accept back), any other message as its one-line text. With `-` as the argument, each
 * line of stdin is one item and each gets one output line (`error: ...` for a bad one).
 */
import { createInterface } from 'readline';
import type { Readable, Writable } from 'stream';
import { decodeMessage, encodeMessage, formatMessage } from '../openflow/dispatch';
import { FlowModCommandName, formatFlowMod, parseFlowMod } from '../openflow/flow-text';

/** The streams the command uses (injectable for tests). */
export interface OfpIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

const USAGE =
  'usage: ovs-sdn ofp encode [--command add|modify|modify_strict|delete|delete_strict] [--xid N] <flow text | ->\n' +
  '       ovs-sdn ofp decode <hex | ->\n';

const COMMANDS = ['add', 'modify', 'modify_strict', 'delete', 'delete_strict'];

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
}

/** Parses hex with optional 0x prefix, blanks, colons or dots between bytes. */
export function parseHex(text: string): Buffer {
  const h = text.trim().replace(/^0x/i, '').replace(/[\s:.]/g, '');
  if (h === '' || h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new Error(`not a hex byte string: '${text.trim().slice(0, 40)}'`);
  return Buffer.from(h, 'hex');
}

function decodeText(item: string): string {
  const msg = decodeMessage(parseHex(item));
  return msg.type === 'FLOW_MOD' ? formatFlowMod(msg) : formatMessage(msg);
}

/** Runs `ofp` with explicit streams. Returns the exit status. */
export async function runOfp(args: string[], io: OfpIo): Promise<number> {
  const [verb, ...rest] = args;
  let command: FlowModCommandName | undefined;
  let xid = 0;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--command' || a.startsWith('--command=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[++i];
      if (!v || !COMMANDS.includes(v)) {
        io.stderr.write(`ovs-sdn ofp: error: --command must be one of ${COMMANDS.join(', ')}\n`);
        return 1;
      }
      command = v as FlowModCommandName;
    } else if (a === '--xid' || a.startsWith('--xid=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[++i];
      if (!v || !/^(0x[0-9a-f]+|\d+)$/i.test(v) || Number(v) > 0xffffffff) {
        io.stderr.write('ovs-sdn ofp: error: --xid needs a 32-bit number\n');
        return 1;
      }
      xid = Number(v);
    } else if (a === '-h' || a === '--help') {
      io.stdout.write(USAGE);
      return 0;
    } else positional.push(a);
  }
  let convert: (item: string) => string;
  if (verb === 'encode') {
    convert = (item) => encodeMessage({ ...parseFlowMod(item.trim(), command ? { command } : {}), xid }).toString('hex');
  } else if (verb === 'decode') {
    if (command !== undefined) {
      io.stderr.write('ovs-sdn ofp: error: --command applies to encode only\n');
      return 1;
    }
    convert = decodeText;
  } else {
    io.stderr.write(USAGE);
    return 1;
  }
  if (positional.length !== 1) {
    io.stderr.write(`ovs-sdn ofp: error: ${verb} takes exactly one argument (or - for stdin)\n${USAGE}`);
    return 1;
  }
  if (positional[0] !== '-') {
    try {
      io.stdout.write(convert(positional[0]!) + '\n');
      return 0;
    } catch (e) {
      io.stderr.write(`ovs-sdn ofp: error: ${oneLine(e)}\n`);
      return 1;
    }
  }
  // One item per line from stdin; one output line per item; carry on after a bad one.
  let failed = false;
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    try {
      io.stdout.write(convert(line) + '\n');
    } catch (e) {
      failed = true;
      io.stdout.write(`error: ${oneLine(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** The `ovs-sdn ofp` command. */
export default async function ofp(args: string[]): Promise<number> {
  return runOfp(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
}

/**
 * Open vSwitch is the oracle for flow text and its OpenFlow 1.3 encoding.
 *
 * For every flow of the corpus (test/fixtures/flows/*.txt, >= 300 flows, hand-written and generated):
 *  1. `ovs-ofctl -O OpenFlow13 parse-flows` reads the text (OVS encodes it to OF1.3 and prints its reading);
 *  2. our parseFlowMod + encodeMessage produce FLOW_MOD bytes, and `ovs-ofctl ofp-parse` prints its reading of
 *     OUR bytes: the two readings must be identical (xid aside);
 *  3. our decoder reads our bytes back, formatFlowMod prints them, and that text parses back to the same bytes
 *     (ours) and reads the same in OVS (`parse-flows` again).
 * The ovs-ofctl calls are batched: three processes for the whole corpus.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { decodeMessage, encodeMessage } from '../../../src/openflow/dispatch';
import { formatFlowMod, parseFlowMod } from '../../../src/openflow/flow-text';
import type { FlowMod } from '../../../src/openflow/types';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'flows');

function corpus(): { file: string; line: number; text: string }[] {
  const out: { file: string; line: number; text: string }[] = [];
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.txt')).sort()) {
    readFileSync(join(FIXTURES, file), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (text.trim() && !text.startsWith('#')) out.push({ file, line: i + 1, text });
      });
  }
  return out;
}

/** Parses ovs-ofctl output: the reading of each OFPT_ message, indexed by xid (plus `base`). */
function collect(out: string, m: Map<number, string>, base = 0): void {
  for (const line of out.split('\n')) {
    const hit = /^(OFPT_\w+ \(OF1\.3\)) \(xid=0x([0-9a-f]+)\):(.*)$/.exec(line);
    if (hit) m.set(base + parseInt(hit[2]!, 16), `${hit[1]}:${hit[3]}`);
  }
}

function run(args: string[]): string {
  return execFileSync('ovs-ofctl', args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ovs-ofctl ofp-parse FILE`: OVS's reading of each binary message in FILE, by xid. */
function readBytes(file: string): Map<number, string> {
  const m = new Map<number, string>();
  collect(run(['ofp-parse', file]), m);
  return m;
}

/**
 * `ovs-ofctl -O OpenFlow13 parse-flows` over `lines`, one batch; a line OVS rejects is recorded as
 * `error: ...` and the batch resumes after it (parse-flows stops at the first bad line).
 */
function readTexts(dir: string, lines: string[]): Map<number, string> {
  const m = new Map<number, string>();
  let start = 0;
  while (start < lines.length) {
    const file = join(dir, `flows-${start}.txt`);
    writeFileSync(file, lines.slice(start).join('\n') + '\n');
    try {
      collect(run(['-O', 'OpenFlow13', 'parse-flows', file]), m, start);
      break;
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      collect(err.stdout ?? '', m, start);
      const at = /:(\d+): (.*)/.exec(err.stderr ?? '');
      if (!at) throw e;
      const bad = start + Number(at[1]);
      m.set(bad, `error: ${at[2]}`);
      start = bad;
    }
  }
  return m;
}

describe('flow text and FLOW_MOD encoding agree with Open vSwitch', () => {
  const flows = corpus();
  let dir: string;
  let ovsReading: Map<number, string>;
  let oursReading: Map<number, string>;
  let reprintReading: Map<number, string>;
  const bytes: Buffer[] = [];
  const reprinted: string[] = [];
  const failures: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flow-oracle-'));
    ovsReading = readTexts(dir, flows.map((f) => f.text));
    flows.forEach((f, i) => {
      try {
        const fm = parseFlowMod(f.text);
        const b = encodeMessage({ ...fm, xid: i + 1 });
        bytes.push(b);
        const back = decodeMessage(b) as FlowMod;
        const text = formatFlowMod(back);
        reprinted.push(text);
        const again = encodeMessage({ ...parseFlowMod(text), xid: i + 1 });
        if (!again.equals(b)) failures.push(`${f.file}:${f.line}: reprinted text '${text}' encodes differently`);
      } catch (e) {
        failures.push(`${f.file}:${f.line}: ${String(e)}`);
        bytes.push(Buffer.alloc(0));
        reprinted.push('actions=drop');
      }
    });
    writeFileSync(join(dir, 'ours.bin'), Buffer.concat(bytes));
    oursReading = readBytes(join(dir, 'ours.bin'));
    reprintReading = readTexts(dir, reprinted);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has at least 300 flows, hand-written and generated', () => {
    expect(flows.length).toBeGreaterThanOrEqual(300);
    expect(new Set(flows.map((f) => f.file))).toEqual(new Set(['generated.txt', 'hand.txt']));
  });

  it('OVS accepts every corpus flow and reads its own encoding without error', () => {
    expect(ovsReading.size).toBe(flows.length);
    const bad = [...ovsReading.entries()].filter(([, r]) => r.includes('decode error') || r.startsWith('error:'));
    expect(bad).toEqual([]);
  });

  it('our parser and encoder handle every flow, and printed text re-encodes to the same bytes', () => {
    expect(failures).toEqual([]);
  });

  it('OVS reads our bytes exactly as it reads the text', () => {
    const diffs: string[] = [];
    flows.forEach((f, i) => {
      const theirs = ovsReading.get(i + 1);
      const ours = oursReading.get(i + 1);
      if (theirs !== ours) diffs.push(`${f.file}:${f.line}: ${f.text}\n  ovs:  ${theirs}\n  ours: ${ours}`);
    });
    expect(diffs).toEqual([]);
  });

  it('OVS reads our printed text as it reads the original text', () => {
    const diffs: string[] = [];
    flows.forEach((f, i) => {
      const theirs = ovsReading.get(i + 1);
      const again = reprintReading.get(i + 1);
      if (theirs !== again) diffs.push(`${f.file}:${f.line}: ${f.text}\n  printed: ${reprinted[i]}\n  ovs:  ${theirs}\n  again: ${again}`);
    });
    expect(diffs).toEqual([]);
  });

  it('the comparison can fail: a changed flow reads differently', () => {
    const fm = parseFlowMod(flows[0]!.text);
    fm.priority ^= 1;
    writeFileSync(join(dir, 'mutant.bin'), encodeMessage({ ...fm, xid: 1 }));
    const r = readBytes(join(dir, 'mutant.bin'));
    expect(r.get(1)).toBeDefined();
    expect(r.get(1)).not.toBe(ovsReading.get(1));
  });
});

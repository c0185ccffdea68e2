import { PassThrough } from 'stream';
import { runOfp } from '../../../src/cli/ofp';
import { decodeMessage } from '../../../src/openflow/dispatch';
import type { FlowMod } from '../../../src/openflow/types';

async function run(args: string[], input = ''): Promise<{ code: number; out: string; err: string }> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  stdin.end(input);
  const code = await runOfp(args, { stdin, stdout, stderr });
  return { code, out, err };
}

const FLOW = 'table=0,priority=100,cookie=0x5,in_port=1,ip,nw_dst=10.244.2.0/24,tun_id=0x5,actions=set_field:0x7->tun_id,load:0x3->NXM_NX_REG0[],output:2,goto_table:1';

describe('ovs-sdn ofp', () => {
  it('encodes a flow to FLOW_MOD hex (OFPFC_ADD by default)', async () => {
    const r = await run(['encode', FLOW]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const hex = r.out.trim();
    expect(hex).toMatch(/^040e[0-9a-f]+$/);
    const fm = decodeMessage(Buffer.from(hex, 'hex')) as FlowMod;
    expect(fm.type).toBe('FLOW_MOD');
    expect(fm.command).toBe(0);
    expect(fm.priority).toBe(100);
    expect(fm.cookie).toBe(5n);
  });

  it('--command picks the FLOW_MOD command', async () => {
    const r = await run(['encode', '--command', 'delete_strict', 'priority=5,ip']);
    expect(r.code).toBe(0);
    expect((decodeMessage(Buffer.from(r.out.trim(), 'hex')) as FlowMod).command).toBe(4);
    const m = await run(['encode', '--command=modify', '--xid', '7', 'ip,actions=drop']);
    const fm = decodeMessage(Buffer.from(m.out.trim(), 'hex')) as FlowMod;
    expect([fm.command, fm.xid]).toEqual([1, 7]);
  });

  it('decodes FLOW_MOD hex to flow text that encodes back to the same bytes', async () => {
    const enc = await run(['encode', FLOW]);
    const dec = await run(['decode', enc.out.trim()]);
    expect(dec.code).toBe(0);
    expect(dec.out).toContain('nw_dst=10.244.2.0/24');
    expect(dec.out).toContain('actions=set_field:0x7->tun_id,load:0x3->NXM_NX_REG0[],output:2,goto_table:1');
    const again = await run(['encode', dec.out.trim()]);
    expect(again.out).toBe(enc.out);
  });

  it('decodes other messages with their one-line text', async () => {
    const r = await run(['decode', '0402000800000009']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toHaveLength(2);
    expect(r.out).toMatch(/ECHO/);
  });

  it('reads one item per line from stdin with -, printing error lines and carrying on', async () => {
    const r = await run(['encode', '-'], `ip,actions=drop\nbogus_field=1,actions=drop\n\ntcp,tp_dst=80,actions=output:1\n`);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^040e/);
    expect(lines[1]).toMatch(/^error: OFPSDN_BAD_TEXT: unknown field or keyword 'bogus_field'/);
    expect(lines[2]).toMatch(/^040e/);
    expect(r.code).toBe(1);
    const d = await run(['decode', '-'], `${lines[0]}\nzz\n${lines[2]}\n`);
    expect(d.out.trim().split('\n')).toEqual(['ip,actions=drop', expect.stringMatching(/^error: /), 'tcp,tp_dst=80,actions=output:1']);
  });

  it('bad input: one-line error and exit status 1', async () => {
    for (const args of [['encode', 'ip,nw_dst=300.0.0.1,actions=drop'], ['decode', '04'], ['decode', 'xyz'], ['encode'], ['frobnicate'], ['encode', '--command', 'zap', 'ip']]) {
      const r = await run(args);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')[0]).toMatch(/error|usage/);
    }
    const r = await run(['decode', '04000010000000010000']);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^ovs-sdn ofp: error: OFPBRC_BAD_LEN/);
  });
});

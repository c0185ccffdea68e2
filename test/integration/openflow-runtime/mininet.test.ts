/*
 * Mininet (userspace OVS switches in the root namespace, at OVS's default paths) against the learning-switch
 * example: pingall on a tree topology must lose nothing. Everything started here is stopped by PID.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/lab/process';
import { startLearningSwitch } from '../../../examples/learning-switch';

const script = join(__dirname, '../../../examples/mininet/ovs-default.sh');

/** Runs `mn` in its own process group; resolves with its output. On timeout the whole group is killed. */
function mn(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('mn', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += String(d)));
    p.stderr!.on('data', (d) => (out += String(d)));
    const timer = setTimeout(() => {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('Mininet with the learning-switch example', () => {
  it('pingall on tree,depth=2,fanout=2 loses nothing', async () => {
    const state = await mkdtemp(join(tmpdir(), 'ovs-sdn-mn-'));
    const { controller, stats, port } = await startLearningSwitch('ptcp:0:127.0.0.1');
    let started = false;
    try {
      await run('bash', [script, 'start', state]);
      started = true;
      const r = await mn(
        ['--switch', 'ovs,datapath=user,protocols=OpenFlow13', '--controller', `remote,ip=127.0.0.1,port=${port}`, '--topo', 'tree,depth=2,fanout=2', '--test', 'pingall'],
        60_000,
      );
      expect(r.out).toContain('Results: 0% dropped (12/12 received)');
      expect(r.code).toBe(0);
      expect(stats.packetIns).toBeGreaterThan(0);
      expect(stats.flowsInstalled).toBeGreaterThan(0);
    } finally {
      await controller.close();
      if (started) await run('bash', [script, 'stop', state]);
      // Links mn made are removed by mn itself; remove any left by a killed run (only this topology's names).
      const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
      for (const m of links.matchAll(/^\d+: (s[1-3]-eth\d+)[@:]/gm)) await run('ip', ['link', 'del', m[1]!]).catch(() => undefined);
      await rm(state, { recursive: true, force: true });
    }
  }, 90_000);
});

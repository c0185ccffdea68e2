/*
 * Mininet (userspace OVS switches in the root namespace) against the learning-switch example: pingall on a
 * tree topology must lose nothing.
 *
 * Isolation and cleanup, also when the test fails:
 * - Mininet's switches must live in the root namespace, which has room for one userspace datapath and one set
 *   of Mininet interface names: the test holds /run/lock/ovs-sdn-mininet.lock (the lock examples/mininet/run.sh
 *   takes too) from before OVS starts until everything is gone. The lock is held by a `flock` child that
 *   exits when its stdin closes, so it is released even if this process dies.
 * - ovsdb-server/ovs-vswitchd keep every file (db.sock, mgmt sockets, pidfiles) in a temporary directory and
 *   Mininet finds them through OVS_RUNDIR: nothing is created at /var/run/openvswitch, and an OVS at the real
 *   default paths is never touched. They are stopped by their pidfiles.
 * - `mn` runs in its own process group; its host shells detach into sessions of their own, so they are
 *   collected (as mn's descendants) before anything is killed, and killed by PID.
 * - Interfaces: only links that appeared during the test and carry Mininet's names are deleted.
 * - A run killed outright (jest SIGKILLed) leaves its state directory; the next run, holding the lock, stops
 *   the daemons recorded there and removes it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, run } from '../../../src/lab/process';
import { startLearningSwitch } from '../../../examples/learning-switch';

const script = join(__dirname, '../../../examples/mininet/ovs-default.sh');
const LOCK = '/run/lock/ovs-sdn-mininet.lock';

/** Takes the root-namespace Mininet lock; resolves once held, with a function that releases it. */
function takeLock(timeoutMs: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const p = spawn('flock', ['-w', String(timeoutMs / 1000), LOCK, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const release = () =>
      new Promise<void>((r) => {
        if (p.exitCode !== null) return r();
        p.once('exit', () => r());
        p.stdin!.end();
      });
    p.stdout!.once('data', () => resolve(release));
    p.once('exit', (code) => reject(new Error(`could not take ${LOCK} (flock exit ${code})`)));
  });
}

/** Every descendant PID of `root` (from /proc; Mininet's host shells are children of mn). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function kill(pid: number, sig: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/** Runs `mn` in its own process group; resolves with its output. On timeout, mn and its descendants are killed. */
function mn(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, started: (p: ChildProcess) => void): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('mn', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env, cwd: env.OVS_RUNDIR });
    started(p);
    let out = '';
    p.stdout!.on('data', (d) => (out += String(d)));
    p.stderr!.on('data', (d) => (out += String(d)));
    const timer = setTimeout(() => killMn(p), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Kills mn's descendants (collected first: they leave mn's process group) and then mn's group. */
function killMn(p: ChildProcess): void {
  if (p.pid === undefined || p.exitCode !== null) return;
  const all = descendants(p.pid);
  kill(-p.pid);
  for (const pid of all) kill(pid);
}

const linkNames = async (): Promise<Set<string>> =>
  new Set([...(await run('ip', ['-o', 'link', 'show'])).stdout.matchAll(/^\d+: ([^:@\s]+)[@:]/gm)].map((m) => m[1]!));

describe('Mininet with the learning-switch example', () => {
  it('pingall on tree,depth=2,fanout=2 loses nothing', async () => {
    const release = await takeLock(120_000);
    // Holding the lock, any state directory of this test that is still there belongs to a run that was killed
    // (jest itself SIGKILLed): stop its daemons by their pidfiles (with `exit --cleanup`) and remove it.
    for (const d of readdirSync(tmpdir())) {
      if (d.startsWith('ovs-sdn-mn-')) {
        await run('bash', [script, 'stop', join(tmpdir(), d)]).catch(() => undefined);
        await rm(join(tmpdir(), d), { recursive: true, force: true });
      }
    }
    const state = await mkdtemp(join(tmpdir(), 'ovs-sdn-mn-'));
    const before = await linkNames();
    const defaultDbBefore = existsSync('/var/run/openvswitch/db.sock');
    const { controller, stats, port } = await startLearningSwitch('ptcp:0:127.0.0.1');
    let proc: ChildProcess | undefined;
    let hostPids: number[] = [];
    try {
      await run('bash', [script, 'start', state]);
      const env = { ...process.env, OVS_RUNDIR: state, OVS_LOGDIR: state, OVS_DBDIR: state, OVS_SYSCONFDIR: state };
      const r = await mn(
        ['--switch', 'ovs,datapath=user,protocols=OpenFlow13', '--controller', `remote,ip=127.0.0.1,port=${port}`, '--topo', 'tree,depth=2,fanout=2', '--test', 'pingall'],
        env,
        60_000,
        (p) => (proc = p),
      );
      expect(r.out).toContain('Results: 0% dropped (12/12 received)');
      expect(r.code).toBe(0);
      expect(stats.packetIns).toBeGreaterThan(0);
      expect(stats.flowsInstalled).toBeGreaterThan(0);
    } finally {
      if (proc) {
        hostPids = proc.pid !== undefined ? descendants(proc.pid) : [];
        killMn(proc);
      }
      await controller.close();
      await run('bash', [script, 'stop', state]);
      // mn removes its links and bridges itself, and ovs-default.sh stops ovs-vswitchd with `exit --cleanup`
      // (its tap devices go). After a killed run, remove what appeared during the test under Mininet's or the
      // netdev datapath's names (sN-ethM, sN, ovs-netdev; a host end hN-ethM vanishes with its namespace).
      for (const name of await linkNames()) {
        if (!before.has(name) && /^(?:[sh]\d+-eth\d+|s\d+|ovs-netdev)$/.test(name)) await run('ip', ['link', 'del', name]).catch(() => undefined);
      }
      await rm(state, { recursive: true, force: true });
      await release();
    }
    // Nothing of ours is left: no Mininet process, no new interface, nothing at the default OVS paths.
    expect(hostPids.filter(isAlive)).toEqual([]);
    const extra = [...(await linkNames())].filter((n) => !before.has(n));
    expect(extra).toEqual([]);
    expect(existsSync('/var/run/openvswitch/db.sock')).toBe(defaultDbBefore);
  }, 90_000);
});

/** The lab, overlay and demo subcommands, run in-process. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import demo from '../../../src/cli/demo';
import lab from '../../../src/cli/lab';
import { isAlive } from '../../../src/lab/process';
import overlay from '../../../src/cli/overlay';

jest.setTimeout(60_000);

function captureStdout() {
  let out = '';
  const waiters = new Set<() => void>();
  const write = (chunk: string | Uint8Array) => {
    out += String(chunk);
    for (const w of [...waiters]) w();
    return true;
  };
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(write);
  const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation(write);
  return {
    get text() {
      return out;
    },
    restore() {
      spy.mockRestore();
      errSpy.mockRestore();
    },
    /** Resolves once the output matches (checked on every write). */
    until(re: RegExp, timeoutMs = 20_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`timeout waiting for ${re}; output:\n${out}`)), timeoutMs);
        const check = () => {
          if (!re.test(out)) return;
          waiters.delete(check);
          clearTimeout(deadline);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

describe('ovs-sdn lab / overlay / demo', () => {
  const base = mkdtempSync(join(tmpdir(), 'osdn-cli-'));
  afterAll(async () => {
    for (const d of ['lab', 'demo-keep']) if (existsSync(join(base, d, 'lab.json'))) await lab(['down', '--dir', join(base, d)]);
    rmSync(base, { recursive: true, force: true });
  });

  it('lab up / overlay (following a config edit) / lab down', async () => {
    const dir = join(base, 'lab');
    const cap = captureStdout();
    try {
      expect(await lab(['up', '2', '--pods', '1', '--dir', dir])).toBe(0);
      expect(cap.text).toMatch(/lab: 2 node\(s\) up in \d+ ms/);
      expect(await lab(['up', '2', '--dir', dir])).toBe(1); // already up
      const cfgPath = join(dir, 'cluster.json');
      const run = overlay(['--config', cfgPath, '--audit-ms', '0']);
      await cap.until(/node1: converged .*\n[\s\S]*node2: converged|node2: converged .*\n[\s\S]*node1: converged/);
      const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
      cfg.nodes = cfg.nodes.slice(0, 1);
      writeFileSync(cfgPath, JSON.stringify(cfg));
      await cap.until(/topology v\d+: node1=10\.244\.1\.0\/24\(1 pods\)\n/);
      await cap.until(/node1: converged \(change[^\n]*-1\n/);
      process.emit('SIGINT');
      expect(await run).toBe(0);
      expect(await lab(['down', '--dir', dir])).toBe(0);
      expect(existsSync(dir)).toBe(false);
      expect(await lab(['down', '--dir', dir])).toBe(1);
    } finally {
      cap.restore();
    }
  });

  it('demo: 2 nodes x 1 pod, full matrix, cleans up', async () => {
    const dir = join(base, 'demo');
    const cap = captureStdout();
    let code: number;
    try {
      code = await demo(['--nodes', '2', '--pods', '1', '--dir', dir]);
    } finally {
      cap.restore();
    }
    expect(cap.text).toContain('all pairs reachable');
    expect(cap.text).toMatch(/overlay: all nodes converged in \d+ ms/);
    expect(code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('demo --keep leaves the lab running (flows installed); lab down then removes it', async () => {
    const dir = join(base, 'demo-keep');
    const cap = captureStdout();
    let code: number;
    try {
      code = await demo(['--nodes', '2', '--pods', '1', '--dir', dir, '--keep']);
    } finally {
      cap.restore();
    }
    expect(code).toBe(0);
    expect(cap.text).toContain('--keep: lab left running');
    const state = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as { nodes: { netns: string; vswitchdPid: number; pods: { netns: string }[] }[] };
    const namespaces = state.nodes.flatMap((n) => [n.netns, ...n.pods.map((p) => p.netns)]);
    const listed = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]);
    expect(namespaces.every((ns) => listed().includes(ns))).toBe(true);
    expect(state.nodes.every((n) => isAlive(n.vswitchdPid))).toBe(true);
    // the pods still reach each other with the controller gone (flows stay installed)
    const pod2 = (JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as { nodes: { pods: { ip: string }[] }[] }).nodes[1].pods[0].ip;
    expect(() => execFileSync('ip', ['netns', 'exec', state.nodes[0].pods[0].netns, 'ping', '-c', '1', '-W', '2', pod2])).not.toThrow();
    const cap2 = captureStdout();
    try {
      expect(await lab(['down', '--dir', dir])).toBe(0);
    } finally {
      cap2.restore();
    }
    expect(existsSync(dir)).toBe(false);
    expect(namespaces.some((ns) => listed().includes(ns))).toBe(false);
    expect(state.nodes.some((n) => isAlive(n.vswitchdPid))).toBe(false); // a zombie awaiting PID 1 counts as gone
  });
});

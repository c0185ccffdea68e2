import { run, runSyncQuiet } from './process';

/** A Linux network namespace created (and later deleted) by the lab. */
export class NetNs {
  private constructor(readonly name: string) {}

  /** Creates a namespace with loopback up. */
  static async create(name: string): Promise<NetNs> {
    await run('ip', ['netns', 'add', name]);
    const ns = new NetNs(name);
    await ns.exec('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Wraps a namespace that already exists (and that the caller owns). */
  static attach(name: string): NetNs {
    return new NetNs(name);
  }

  /** Runs a program inside the namespace. */
  exec(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
    return run('ip', ['netns', 'exec', this.name, file, ...args], opts);
  }

  /** PIDs of processes living in the namespace. */
  async pids(): Promise<number[]> {
    const { stdout } = await run('ip', ['netns', 'pids', this.name]);
    return stdout.split(/\s+/).filter(Boolean).map(Number);
  }

  async delete(): Promise<void> {
    await run('ip', ['netns', 'del', this.name]).catch(() => undefined);
  }

  /** For process exit handlers. */
  deleteSync(): void {
    runSyncQuiet('ip', ['netns', 'del', this.name]);
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetNs } from './netns';
import { readPidfile, run, runSyncQuiet, terminate } from './process';

/** Where Debian's openvswitch-common puts the Open_vSwitch schema. */
export const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** Options for {@link OvsInstance.start}. */
export interface OvsInstanceOptions {
  /** Network namespace name; created if absent. Default: a fresh `osdn-<pid>-<n>` namespace. */
  netns?: string;
  /** Working directory (conf.db, sockets, logs, pidfiles). Default: a fresh temp directory. */
  dir?: string;
  /** Start ovs-vswitchd too (default true). */
  vswitchd?: boolean;
  /** Extra ovsdb-server remotes, e.g. `ptcp:6640:127.0.0.1` (inside the namespace). */
  remotes?: string[];
  /** Extra ovsdb-server arguments (e.g. SSL key/cert options). */
  ovsdbArgs?: string[];
  /** Database schema (default: Open_vSwitch). */
  schema?: string;
  /** Keep the directory on stop (default false). */
  keepDir?: boolean;
}

let counter = 0;
const live = new Set<OvsInstance>();
process.once('exit', () => {
  for (const i of live) i.stopSync();
});

/**
 * One Open vSwitch "node": its own network namespace, directory, ovsdb-server and (optionally) ovs-vswitchd
 * with the userspace datapath. The OVSDB socket is `unix:<dir>/db.sock`; each bridge listens for OpenFlow on
 * `unix:<dir>/<bridge>.mgmt`. Unix sockets are files, so they are reachable from the root namespace.
 *
 * This is the lab's and the tests' harness: it runs the OVS daemons as programs. The library itself talks to
 * them only over OVSDB and OpenFlow.
 */
export class OvsInstance {
  ovsdbPid = 0;
  vswitchdPid = 0;
  private ownsNetns = false;

  private constructor(
    readonly netns: NetNs,
    readonly dir: string,
    private readonly opts: OvsInstanceOptions,
  ) {}

  /** OVSDB endpoint in OVS syntax. */
  get dbEndpoint(): string {
    return `unix:${this.dbSock}`;
  }

  get dbSock(): string {
    return join(this.dir, 'db.sock');
  }

  /** OpenFlow management socket path of a bridge. */
  mgmtSock(bridge: string): string {
    return join(this.dir, `${bridge}.mgmt`);
  }

  /** Environment that points OVS tools and daemons at this instance's directory. */
  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      OVS_RUNDIR: this.dir,
      OVS_LOGDIR: this.dir,
      OVS_DBDIR: this.dir,
      OVS_SYSCONFDIR: this.dir,
    };
  }

  static async start(opts: OvsInstanceOptions = {}): Promise<OvsInstance> {
    const name = opts.netns ?? `osdn-${process.pid}-${++counter}`;
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'ovs-sdn-')));
    let ns: NetNs;
    let owns = false;
    const existing = await run('ip', ['netns', 'list']);
    if (existing.stdout.split('\n').some((l) => l.split(' ')[0] === name)) ns = NetNs.attach(name);
    else {
      ns = await NetNs.create(name);
      owns = true;
    }
    const inst = new OvsInstance(ns, dir, opts);
    inst.ownsNetns = owns;
    live.add(inst);
    try {
      await run('ovsdb-tool', ['create', join(dir, 'conf.db'), opts.schema ?? VSWITCH_SCHEMA]);
      await inst.startOvsdb();
      if ((opts.schema ?? VSWITCH_SCHEMA) === VSWITCH_SCHEMA) {
        await run('ovs-vsctl', [`--db=${inst.dbEndpoint}`, '--no-wait', 'init'], { env: inst.env });
        if (opts.vswitchd !== false) await inst.startVswitchd();
      }
      return inst;
    } catch (e) {
      await inst.stop();
      throw e;
    }
  }

  /** Starts (or restarts) ovsdb-server on the existing conf.db. */
  async startOvsdb(): Promise<void> {
    const pidfile = join(this.dir, 'ovsdb-server.pid');
    await this.netns.exec(
      'ovsdb-server',
      [
        join(this.dir, 'conf.db'),
        `--remote=punix:${this.dbSock}`,
        ...(this.opts.remotes ?? []).map((r) => `--remote=${r}`),
        ...(this.opts.ovsdbArgs ?? []),
        `--pidfile=${pidfile}`,
        `--unixctl=${join(this.dir, 'ovsdb-server.ctl')}`,
        `--log-file=${join(this.dir, 'ovsdb-server.log')}`,
        '--detach',
      ],
      { env: this.env },
    );
    this.ovsdbPid = await readPidfile(pidfile);
  }

  /** Starts (or restarts) ovs-vswitchd. */
  async startVswitchd(): Promise<void> {
    const pidfile = join(this.dir, 'ovs-vswitchd.pid');
    await this.netns.exec(
      'ovs-vswitchd',
      [
        this.dbEndpoint,
        `--pidfile=${pidfile}`,
        `--unixctl=${join(this.dir, 'ovs-vswitchd.ctl')}`,
        `--log-file=${join(this.dir, 'ovs-vswitchd.log')}`,
        '--detach',
      ],
      { env: this.env },
    );
    this.vswitchdPid = await readPidfile(pidfile);
  }

  /** Stops ovs-vswitchd (SIGKILL when `hard`, to simulate a crash). */
  async stopVswitchd(hard = false): Promise<void> {
    const pid = this.vswitchdPid;
    this.vswitchdPid = 0;
    if (pid) await terminate(pid, hard ? 0 : 3000);
  }

  async stopOvsdb(hard = false): Promise<void> {
    const pid = this.ovsdbPid;
    this.ovsdbPid = 0;
    if (pid) await terminate(pid, hard ? 0 : 3000);
  }

  /** Runs `ovs-vsctl` against this instance (tests only; the library never does). */
  vsctl(...args: string[]) {
    return run('ovs-vsctl', [`--db=${this.dbEndpoint}`, '--timeout=20', ...args], { env: this.env });
  }

  /** Runs `ovs-ofctl -O OpenFlow13 <cmd> unix:<bridge.mgmt> ...` (tests only). */
  ofctl(cmd: string, bridge: string, ...args: string[]) {
    return run('ovs-ofctl', ['-O', 'OpenFlow13', cmd, this.mgmtSock(bridge), ...args], { env: this.env });
  }

  /** Runs `ovs-appctl -t <daemon>.ctl ...`. */
  appctl(daemon: 'ovs-vswitchd' | 'ovsdb-server', ...args: string[]) {
    return run('ovs-appctl', ['-t', join(this.dir, `${daemon}.ctl`), ...args], { env: this.env });
  }

  /** Stops both daemons (by PID), deletes the namespace if we created it, and removes the directory. */
  async stop(): Promise<void> {
    live.delete(this);
    await this.stopVswitchd();
    await this.stopOvsdb();
    if (this.ownsNetns) await this.netns.delete();
    if (!this.opts.keepDir && !this.opts.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * Leaves the daemons running after this process exits (the lab's `up` command hands them over to a later
   * `lab down`, which stops them by PID). Stops the exit-time cleanup for this instance only.
   */
  detach(): void {
    live.delete(this);
  }

  /** Synchronous best-effort cleanup for process exit. */
  stopSync(): void {
    for (const pid of [this.vswitchdPid, this.ovsdbPid]) {
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    if (this.ownsNetns) this.netns.deleteSync();
    if (!this.opts.keepDir && !this.opts.dir) runSyncQuiet('rm', ['-rf', this.dir]);
  }
}

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetNs } from './netns';
import { OvsInstance } from './ovs-instance';
import { readPidfile, run, runSyncQuiet, terminate } from './process';
import { cidrHost, formatCidr, formatIpv4Address, macForIpv4, parseCidr } from '../topology/cidr';
import { attachPodPort } from '../topology/attach';
import { tunnelOverhead } from '../topology/model';
import { Vswitch } from '../ovsdb/vswitch';

/** How a lab pod addresses itself. */
export type PodAddressing =
  /** A /24 address with a default route via the node's gateway address (what CNI plugins do). */
  | 'cni'
  /** An address with the whole cluster CIDR on-link (the original Kubernetes OVS design). */
  | 'onlink';

/** Options for {@link Lab.up}. */
export interface LabOptions {
  /** Number of nodes (1..200). */
  nodes: number;
  /** Pods per node (default 2, at most 200). */
  podsPerNode?: number;
  /** Lab directory (node dirs, `lab.json` state, `cluster.json`); default: a fresh temp directory. */
  dir?: string;
  /** Namespace name prefix (default: `osl<random>` when persistent, else `osdn-<pid>-<n>` names). */
  prefix?: string;
  /** Cluster CIDR (default 10.244.0.0/16); node i gets `<cluster>.i.0/24`. Must be a /16. */
  clusterCidr?: string;
  tunnel?: 'gre' | 'vxlan';
  mode?: 'routed' | 'classic';
  /** MTU of the underlay links (default 1500). */
  underlayMtu?: number;
  /** Pod addressing (default `cni`). */
  podAddressing?: PodAddressing;
  /**
   * Leave everything running when this process exits (the CLI's `lab up`); default false, in which case an
   * exit handler stops what is still running.
   */
  persistent?: boolean;
  /** Attaches a pod's node-side veth to `obr0` (routed mode). Default: {@link ovsdbPodAttacher}. */
  attachPod?: PodAttacher;
}

/** A lab pod: a namespace whose `eth0` is a veth whose peer (`port`) sits in its node's namespace. */
export interface LabPod {
  name: string;
  netns: string;
  /** The node-side veth name (the obr0 port in routed mode, a kbr0 member in classic mode). */
  port: string;
  ip: string;
  mac: string;
  mtu: number;
}

/** A lab node as recorded in the state file. */
export interface LabNode {
  name: string;
  netns: string;
  dir: string;
  ovsdbPid: number;
  vswitchdPid: number;
  dbEndpoint: string;
  openflowEndpoint: string;
  underlayIp: string;
  podCidr: string;
  gatewayIp: string;
  pods: LabPod[];
}

/** Everything `lab up` started, so that `lab down` stops exactly that, by PID. */
export interface LabState {
  version: 1;
  prefix: string;
  dir: string;
  underlayNetns: string;
  configPath: string;
  clusterCidr: string;
  tunnel: 'gre' | 'vxlan';
  mode: 'routed' | 'classic';
  underlayMtu: number;
  podMtu: number;
  podAddressing: PodAddressing;
  nodes: LabNode[];
}

/** Attaches a pod's node-side interface to obr0 with the pod's Interface external_ids. */
export type PodAttacher = (vs: Vswitch, node: LabNode, pod: LabPod) => Promise<void>;

/** The error thrown for bad lab arguments. */
export class LabError extends Error {
  override readonly name = 'LabError';
  constructor(
    readonly code: 'LAB_BAD_OPTIONS' | 'LAB_BAD_STATE',
    message: string,
  ) {
    super(message);
  }
}

/** Default pod attacher: the library's attach helper over the node's OVSDB connection. */
export const ovsdbPodAttacher: PodAttacher = async (vs, _node, pod) => {
  await attachPodPort(vs, { port: pod.port, ip: pod.ip, mac: pod.mac, podName: pod.name });
};

let nsCounter = 0;
/** Namespace name for a lab part: `<prefix>-<what>`, or `osdn-<pid>-<n>` when the prefix is empty. */
function nsName(prefix: string, what: string): string {
  return prefix ? `${prefix}-${what}` : `osdn-${process.pid}-${900_000 + ++nsCounter}`;
}

const live = new Set<Lab>();
process.once('exit', () => {
  for (const l of live) downSync(l.state);
});

/**
 * An N-node Open vSwitch lab on one machine: per node a network namespace with its own ovsdb-server and
 * ovs-vswitchd (userspace datapath), a `br-phy` netdev bridge holding the node's underlay address, veths into
 * a Linux bridge in an "underlay" namespace, and pods as namespaces. Writes a matching cluster config.
 */
export class Lab {
  private constructor(readonly state: LabState) {}

  /** Path of the state file. */
  get statePath(): string {
    return join(this.state.dir, 'lab.json');
  }

  /** Brings a lab up. On failure everything started so far is stopped again. */
  static async up(opts: LabOptions): Promise<Lab> {
    const n = opts.nodes;
    const podsPer = opts.podsPerNode ?? 2;
    if (!Number.isInteger(n) || n < 1 || n > 200)
      throw new LabError('LAB_BAD_OPTIONS', `nodes must be an integer 1..200, got ${n}`);
    if (!Number.isInteger(podsPer) || podsPer < 0 || podsPer > 200)
      throw new LabError('LAB_BAD_OPTIONS', `podsPerNode must be an integer 0..200, got ${podsPer}`);
    const cluster = parseCidr(opts.clusterCidr ?? '10.244.0.0/16');
    if (!cluster || cluster.prefix !== 16)
      throw new LabError('LAB_BAD_OPTIONS', `clusterCidr must be a /16, got ${opts.clusterCidr}`);
    const tunnel = opts.tunnel ?? 'gre';
    const mode = opts.mode ?? 'routed';
    const underlayMtu = opts.underlayMtu ?? 1500;
    const podMtu = underlayMtu - tunnelOverhead(tunnel);
    // Non-persistent labs (tests, the demo) use the test harness's `osdn-<pid>-<n>` names, which the jest
    // global teardown removes if this process dies; persistent labs (`lab up`) use `osl<random>-<what>`.
    const prefix = opts.prefix ?? (opts.persistent ? `osl${Math.random().toString(36).slice(2, 7)}` : '');
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'ovs-sdn-lab-')));
    await mkdir(dir, { recursive: true });
    const state: LabState = {
      version: 1,
      prefix,
      dir,
      underlayNetns: nsName(prefix, 'ul'),
      configPath: join(dir, 'cluster.json'),
      clusterCidr: formatCidr(cluster),
      tunnel,
      mode,
      underlayMtu,
      podMtu,
      podAddressing: opts.podAddressing ?? 'cni',
      nodes: [],
    };
    for (let i = 1; i <= n; i++) {
      const podCidr = { base: cidrHost(cluster, i * 256), prefix: 24 };
      const gw = cidrHost(podCidr, 1);
      const nodeDir = join(dir, `node${i}`);
      const pods: LabPod[] = [];
      for (let j = 1; j <= podsPer; j++) {
        const ip = cidrHost(podCidr, 1 + j);
        pods.push({
          name: `pod${i}-${j}`,
          netns: nsName(prefix, `n${i}p${j}`),
          port: `n${i}p${j}`,
          ip: formatIpv4Address(ip),
          mac: macForIpv4(ip),
          mtu: podMtu,
        });
      }
      state.nodes.push({
        name: `node${i}`,
        netns: nsName(prefix, `n${i}`),
        dir: nodeDir,
        ovsdbPid: 0,
        vswitchdPid: 0,
        dbEndpoint: `unix:${join(nodeDir, 'db.sock')}`,
        openflowEndpoint: `unix:${join(nodeDir, 'obr0.mgmt')}`,
        underlayIp: `172.31.255.${i}`,
        podCidr: formatCidr(podCidr),
        gatewayIp: formatIpv4Address(gw),
        pods,
      });
    }
    const lab = new Lab(state);
    if (!opts.persistent) live.add(lab);
    try {
      await writeState(lab);
      const ul = await NetNs.create(state.underlayNetns);
      await ul.exec('ip', ['link', 'add', 'ulbr', 'type', 'bridge']);
      await ul.exec('ip', ['link', 'set', 'ulbr', 'up']);
      await Promise.all(state.nodes.map((node) => lab.startNode(node, opts.attachPod ?? ovsdbPodAttacher)));
      await writeState(lab);
      await writeFile(state.configPath, `${JSON.stringify(lab.clusterConfig(), null, 2)}\n`);
      return lab;
    } catch (e) {
      await lab.down();
      throw e;
    }
  }

  /** Reads a lab state file written by {@link Lab.up}. */
  static async load(dir: string): Promise<Lab> {
    const path = join(dir, 'lab.json');
    let state: LabState;
    try {
      state = JSON.parse(await readFile(path, 'utf8')) as LabState;
    } catch (e) {
      throw new LabError('LAB_BAD_STATE', `cannot read lab state ${path}: ${(e as Error).message}`);
    }
    if (state?.version !== 1 || !Array.isArray(state.nodes))
      throw new LabError('LAB_BAD_STATE', `${path} is not a lab state file`);
    return new Lab(state);
  }

  /** The cluster config (the JSON that `ovs-sdn overlay --config` reads) matching this lab. */
  clusterConfig(): Record<string, unknown> {
    const s = this.state;
    return {
      clusterCidr: s.clusterCidr,
      tunnel: s.tunnel,
      mode: s.mode,
      datapathType: 'netdev',
      underlayMtu: s.underlayMtu,
      nodes: s.nodes.map((n) => ({ name: n.name, ovsdb: n.dbEndpoint, underlayIp: n.underlayIp, podCidr: n.podCidr })),
    };
  }

  /** Runs a program inside a namespace of this lab. */
  exec(netns: string, file: string, args: readonly string[], timeoutMs?: number) {
    return run('ip', ['netns', 'exec', netns, file, ...args], { timeoutMs });
  }

  /**
   * Pings from a namespace; resolves true when a reply came back within `timeoutS` seconds, trying up to
   * `attempts` times (default 1). The first packet to a new peer may be consumed by the userspace tunnel's
   * neighbor resolution of the outer address, so reachability checks use 3 attempts.
   */
  async ping(
    netns: string,
    dst: string,
    opts: { timeoutS?: number; size?: number; dontFragment?: boolean; attempts?: number; source?: string } = {},
  ): Promise<boolean> {
    const args = ['-n', '-q', '-c', '1', '-W', String(opts.timeoutS ?? 1)];
    if (opts.size !== undefined) args.push('-s', String(opts.size));
    if (opts.dontFragment) args.push('-M', 'do');
    if (opts.source) args.push('-I', opts.source);
    args.push(dst);
    for (let i = 0; i < (opts.attempts ?? 1); i++) {
      try {
        await this.exec(netns, 'ping', args, ((opts.timeoutS ?? 1) + 5) * 1000);
        return true;
      } catch {
        /* no reply (or an error): try again */
      }
    }
    return false;
  }

  /** Adds one more node (with its pods) to a running lab and rewrites the state and cluster config. */
  async addNode(attachPod: PodAttacher = ovsdbPodAttacher, podsPerNode = 2): Promise<LabNode> {
    const s = this.state;
    const i = Math.max(0, ...s.nodes.map((n) => Number(n.name.replace('node', '')))) + 1;
    const cluster = parseCidr(s.clusterCidr);
    if (!cluster) throw new LabError('LAB_BAD_STATE', `bad clusterCidr ${s.clusterCidr}`);
    const podCidr = { base: cidrHost(cluster, i * 256), prefix: 24 };
    const nodeDir = join(s.dir, `node${i}`);
    const node: LabNode = {
      name: `node${i}`,
      netns: nsName(s.prefix, `n${i}`),
      dir: nodeDir,
      ovsdbPid: 0,
      vswitchdPid: 0,
      dbEndpoint: `unix:${join(nodeDir, 'db.sock')}`,
      openflowEndpoint: `unix:${join(nodeDir, 'obr0.mgmt')}`,
      underlayIp: `172.31.255.${i}`,
      podCidr: formatCidr(podCidr),
      gatewayIp: formatIpv4Address(cidrHost(podCidr, 1)),
      pods: Array.from({ length: podsPerNode }, (_, k) => {
        const ip = cidrHost(podCidr, 2 + k);
        return {
          name: `pod${i}-${k + 1}`,
          netns: nsName(s.prefix, `n${i}p${k + 1}`),
          port: `n${i}p${k + 1}`,
          ip: formatIpv4Address(ip),
          mac: macForIpv4(ip),
          mtu: s.podMtu,
        };
      }),
    };
    s.nodes.push(node);
    await writeState(this);
    await this.startNode(node, attachPod);
    await writeState(this);
    await writeFile(s.configPath, `${JSON.stringify(this.clusterConfig(), null, 2)}\n`);
    return node;
  }

  /** Stops one node's daemons and deletes its namespaces (pods included); rewrites state and config. */
  async removeNode(name: string): Promise<void> {
    const s = this.state;
    const node = s.nodes.find((n) => n.name === name);
    if (!node) throw new LabError('LAB_BAD_OPTIONS', `no lab node ${name}`);
    await stopNode(node);
    await run('ip', ['-n', s.underlayNetns, 'link', 'del', node.name]).catch(() => undefined);
    s.nodes = s.nodes.filter((n) => n !== node);
    await writeState(this);
    await writeFile(s.configPath, `${JSON.stringify(this.clusterConfig(), null, 2)}\n`);
  }

  /**
   * Kills one node's ovsdb-server or ovs-vswitchd (SIGKILL: a crash, by the PID the lab recorded) and starts
   * it again on the same database, sockets and namespace; records the new PID. Resolves once it is running.
   */
  async restartDaemon(name: string, daemon: 'ovsdb-server' | 'ovs-vswitchd'): Promise<number> {
    const node = this.state.nodes.find((n) => n.name === name);
    if (!node) throw new LabError('LAB_BAD_OPTIONS', `no lab node ${name}`);
    const pid = daemon === 'ovsdb-server' ? node.ovsdbPid : node.vswitchdPid;
    if (isOurDaemon(pid, node.dir)) {
      process.kill(pid, 'SIGKILL');
      await terminate(pid, 0); // waits until it is gone
    }
    const d = node.dir;
    const pidfile = join(d, `${daemon}.pid`);
    const common = [`--pidfile=${pidfile}`, `--unixctl=${join(d, `${daemon}.ctl`)}`, `--log-file=${join(d, `${daemon}.log`)}`, '--detach'];
    const args = daemon === 'ovsdb-server' ? [join(d, 'conf.db'), `--remote=punix:${join(d, 'db.sock')}`, ...common] : [node.dbEndpoint, ...common];
    await run('ip', ['netns', 'exec', node.netns, daemon, ...args], {
      env: { ...process.env, OVS_RUNDIR: d, OVS_LOGDIR: d, OVS_DBDIR: d, OVS_SYSCONFDIR: d },
    });
    const newPid = await readPidfile(pidfile);
    if (daemon === 'ovsdb-server') node.ovsdbPid = newPid;
    else node.vswitchdPid = newPid;
    await writeState(this);
    return newPid;
  }

  /** Stops everything this lab started (by PID), deletes its namespaces and its directory. */
  async down(): Promise<void> {
    live.delete(this);
    const s = this.state;
    await Promise.all(s.nodes.map(stopNode));
    await NetNs.attach(s.underlayNetns).delete();
    await rm(s.dir, { recursive: true, force: true });
  }

  private async startNode(node: LabNode, attachPod: PodAttacher): Promise<void> {
    await mkdir(node.dir, { recursive: true });
    const ovs = await OvsInstance.start({ netns: node.netns, dir: node.dir, keepDir: true });
    ovs.detach(); // the lab owns the PIDs from here on (state file + exit handler)
    node.ovsdbPid = ovs.ovsdbPid;
    node.vswitchdPid = ovs.vswitchdPid;
    const ns = ovs.netns;
    const vs = await Vswitch.connect(ovs.dbEndpoint);
    try {
      await this.plumbNode(node, ns, vs, attachPod);
    } finally {
      await vs.close();
    }
  }

  private async plumbNode(node: LabNode, ns: NetNs, vs: Vswitch, attachPod: PodAttacher): Promise<void> {
    const s = this.state;
    // Underlay: veth <node name> (underlay namespace, in ulbr) <-> ul0 (node namespace, in br-phy).
    await run('ip', ['-n', s.underlayNetns, 'link', 'add', node.name, 'mtu', String(s.underlayMtu), 'type', 'veth',
      'peer', 'name', 'ul0', 'mtu', String(s.underlayMtu), 'netns', node.netns]);
    await run('ip', ['-n', s.underlayNetns, 'link', 'set', node.name, 'master', 'ulbr', 'up']);
    await run('ip', ['-n', node.netns, 'link', 'set', 'ul0', 'up']);
    await vs.ensureBridge({ name: 'br-phy', datapathType: 'netdev' });
    await vs.ensurePort('br-phy', { name: 'ul0' });
    await run('ip', ['-n', node.netns, 'addr', 'add', `${node.underlayIp}/24`, 'dev', 'br-phy']);
    await run('ip', ['-n', node.netns, 'link', 'set', 'br-phy', 'up']);
    if (s.mode === 'routed') {
      // A bare obr0 so that pods can be attached; the overlay adopts it and sets the rest.
      await vs.ensureBridge({ name: 'obr0', datapathType: 'netdev', failMode: 'secure', protocols: ['OpenFlow13'] });
    } else {
      await ns.exec('ip', ['link', 'add', 'kbr0', 'type', 'bridge']);
      await ns.exec('ip', ['link', 'set', 'kbr0', 'up']);
    }
    const gw = node.gatewayIp;
    for (const pod of node.pods) {
      await NetNs.create(pod.netns);
      await run('ip', ['-n', pod.netns, 'link', 'add', 'eth0', 'mtu', String(pod.mtu), 'address', pod.mac, 'type',
        'veth', 'peer', 'name', pod.port, 'mtu', String(pod.mtu), 'netns', node.netns]);
      await run('ip', ['-n', pod.netns, 'addr', 'add', `${pod.ip}/${s.podAddressing === 'cni' ? 24 : 16}`, 'dev', 'eth0']);
      await run('ip', ['-n', pod.netns, 'link', 'set', 'eth0', 'up']);
      await disableTxChecksumOffload(pod.netns, 'eth0');
      if (s.podAddressing === 'cni') await run('ip', ['-n', pod.netns, 'route', 'add', 'default', 'via', gw]);
      if (s.mode === 'classic') await run('ip', ['-n', node.netns, 'link', 'set', pod.port, 'master', 'kbr0', 'up']);
      else {
        await run('ip', ['-n', node.netns, 'link', 'set', pod.port, 'up']);
        await attachPod(vs, node, pod);
      }
    }
  }
}

/**
 * Turns off TX checksum offload on a veth end (ETHTOOL_STXCSUM). The userspace datapath reads packets with
 * AF_PACKET and does not complete a partial checksum, so without this a pod's TCP/UDP packets would leave the
 * tunnel with a wrong checksum and be dropped by the receiver (ICMP, which has no offload, would still work).
 */
async function disableTxChecksumOffload(netns: string, dev: string): Promise<void> {
  // Without ethtool installed, the same ioctl (SIOCETHTOOL 0x8946, struct ethtool_value {cmd, data}) from
  // Debian's python3.
  const script =
    'import fcntl,socket,struct,ctypes,sys\n' +
    'ev=ctypes.create_string_buffer(struct.pack("II",0x17,0))\n' +
    'ifr=struct.pack("16sP",sys.argv[1].encode(),ctypes.addressof(ev))+bytes(16)\n' +
    's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n' +
    'fcntl.ioctl(s.fileno(),0x8946,ifr)\n';
  await run('ip', ['netns', 'exec', netns, 'ethtool', '-K', dev, 'tx', 'off']).catch(() =>
    run('ip', ['netns', 'exec', netns, '/usr/bin/python3', '-c', script, dev]),
  );
}

async function writeState(lab: Lab): Promise<void> {
  await writeFile(lab.statePath, `${JSON.stringify(lab.state, null, 2)}\n`);
}

/** True when `pid` is still the daemon we started for `dir` (guards against PID reuse). */
function isOurDaemon(pid: number, dir: string): boolean {
  if (!pid) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

async function stopNode(node: LabNode): Promise<void> {
  await Promise.all(
    [node.vswitchdPid, node.ovsdbPid].filter((pid) => isOurDaemon(pid, node.dir)).map((pid) => terminate(pid, 2000)),
  );
  await Promise.all([...node.pods.map((p) => p.netns), node.netns].map((n) => NetNs.attach(n).delete()));
}

function downSync(s: LabState): void {
  for (const node of s.nodes) {
    for (const pid of [node.vswitchdPid, node.ovsdbPid]) {
      if (isOurDaemon(pid, node.dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    for (const p of node.pods) runSyncQuiet('ip', ['netns', 'del', p.netns]);
    runSyncQuiet('ip', ['netns', 'del', node.netns]);
  }
  runSyncQuiet('ip', ['netns', 'del', s.underlayNetns]);
  runSyncQuiet('rm', ['-rf', s.dir]);
}

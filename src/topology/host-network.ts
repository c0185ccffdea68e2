/**
 * Host-side network settings that are neither OVSDB nor OpenFlow: the gateway address, the route for the
 * cluster CIDR, the Linux bridge's MTU and (classic mode) the Linux bridge. (OVS ports' MTUs go through OVSDB
 * `mtu_request`; pod interfaces' MTU is the pod creator's job.) Pluggable: the reconciler only sees
 * {@link HostNetwork}; the default {@link IprouteHostNetwork} runs iproute2.
 */
import { execFile } from 'node:child_process';
import type { HostNetworkSpec } from './desired';

/** Applies a node's {@link HostNetworkSpec}. Implementations must be idempotent. */
export interface HostNetwork {
  /** Makes the host match `spec` (address present, route present, MTU set, bridge membership). */
  apply(node: string, spec: HostNetworkSpec): Promise<void>;
  /** Removes what `apply` added (best effort). */
  remove?(node: string, spec: HostNetworkSpec): Promise<void>;
}

/** A host-network command failed. */
export class HostNetworkError extends Error {
  override readonly name = 'HostNetworkError';
  readonly code = 'HOST_NETWORK_FAILED';
  constructor(
    readonly node: string,
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`node ${node}: ${command} failed: ${stderr.trim()}`);
  }
}

/** Runs a command and resolves with stdout; the default uses `child_process.execFile` (no shell). */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<string>;

const execRunner: CommandRunner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(String(stderr) || err.message), { stderr: String(stderr) }));
      else resolve(String(stdout));
    });
  });

/** Options of {@link IprouteHostNetwork}. */
export interface IprouteHostNetworkOptions {
  /** Network namespace per node (`ip -n NS`); undefined = the current namespace. */
  netnsOf?: (node: string) => string | undefined;
  /** Command runner (default: execFile). */
  runner?: CommandRunner;
  /** Path of the `ip` program (default `ip`). */
  ip?: string;
  /** How long to wait for the gateway device to appear (ms; default 5000). */
  deviceTimeoutMs?: number;
}

/**
 * Default adapter: iproute2. `ip addr replace` and `ip route replace` are idempotent. Waits (with a deadline)
 * for the gateway device, which ovs-vswitchd creates asynchronously after the OVSDB transaction.
 */
export class IprouteHostNetwork implements HostNetwork {
  private readonly run: CommandRunner;
  constructor(private readonly opts: IprouteHostNetworkOptions = {}) {
    this.run = opts.runner ?? execRunner;
  }

  private async ip(node: string, args: string[]): Promise<string> {
    const ns = this.opts.netnsOf?.(node);
    const full = ns ? ['-n', ns, ...args] : args;
    try {
      return await this.run(this.opts.ip ?? 'ip', full);
    } catch (e) {
      throw new HostNetworkError(node, `ip ${full.join(' ')}`, (e as { stderr?: string }).stderr ?? (e as Error).message);
    }
  }

  private async waitForDevice(node: string, dev: string): Promise<void> {
    // No event tells us when ovs-vswitchd has created the tap/internal device; poll with a deadline.
    const deadline = Date.now() + (this.opts.deviceTimeoutMs ?? 5000);
    for (;;) {
      try {
        await this.ip(node, ['link', 'show', 'dev', dev]);
        return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  async apply(node: string, spec: HostNetworkSpec): Promise<void> {
    if (spec.linuxBridge) {
      const br = spec.linuxBridge.name;
      const have = await this.ip(node, ['link', 'show', 'dev', br]).then(
        () => true,
        () => false,
      );
      if (!have) await this.ip(node, ['link', 'add', br, 'type', 'bridge']);
      await this.waitForDevice(node, spec.linuxBridge.member);
      // The member's MTU comes from OVSDB (obr0's Interface mtu_request), set before this runs.
      await this.ip(node, ['link', 'set', spec.linuxBridge.member, 'master', br, 'up']);
    } else await this.waitForDevice(node, spec.gatewayDevice);
    if (spec.ipForward) {
      // sysctl net.ipv4.ip_forward=1 in the node's namespace (iproute2 has no verb for it; `ip netns exec`).
      const ns = this.opts.netnsOf?.(node);
      const args = ['-qw', 'net.ipv4.ip_forward=1'];
      try {
        await this.run(ns ? this.opts.ip ?? 'ip' : 'sysctl', ns ? ['netns', 'exec', ns, 'sysctl', ...args] : args);
      } catch (e) {
        throw new HostNetworkError(node, 'sysctl -w net.ipv4.ip_forward=1', (e as { stderr?: string }).stderr ?? (e as Error).message);
      }
    }
    await this.ip(node, ['link', 'set', spec.gatewayDevice, ...(spec.mtu !== undefined ? ['mtu', String(spec.mtu)] : []), 'up']);
    await this.ip(node, ['addr', 'replace', spec.gatewayAddress, 'dev', spec.gatewayDevice]);
    await this.ip(node, ['route', 'replace', spec.clusterRoute, 'dev', spec.gatewayDevice, 'src', spec.gatewayAddress.split('/')[0]]);
  }

  /**
   * Removes the route and the gateway address (best effort: the device may be gone already) and, in classic
   * mode, takes the obr0 member out of the Linux bridge. The Linux bridge itself is left (it may hold pods).
   */
  async remove(node: string, spec: HostNetworkSpec): Promise<void> {
    await this.ip(node, ['route', 'del', spec.clusterRoute, 'dev', spec.gatewayDevice]).catch(() => undefined);
    await this.ip(node, ['addr', 'del', spec.gatewayAddress, 'dev', spec.gatewayDevice]).catch(() => undefined);
    if (spec.linuxBridge) await this.ip(node, ['link', 'set', spec.linuxBridge.member, 'nomaster']).catch(() => undefined);
  }
}

/** IprouteHostNetwork: the iproute2 commands it builds, and typed errors when one fails. */
import { HostNetworkError, IprouteHostNetwork, type CommandRunner } from '../../../src/topology/host-network';
import { computeNodeDesired } from '../../../src/topology/desired';
import { initialTopologyState, reduceTopology } from '../../../src/topology/reducers';

function spec(mode: 'routed' | 'classic') {
  let s = initialTopologyState({ mode, tunnel: 'vxlan' });
  s = reduceTopology(s, [
    { type: 'addNode', node: { name: 'node1', ovsdb: 'unix:/run/n1/db.sock', underlayIp: '172.31.255.1', podCidr: '10.244.1.0/24' } },
    { type: 'addNode', node: { name: 'node2', ovsdb: 'unix:/run/n2/db.sock', underlayIp: '172.31.255.2', podCidr: '10.244.2.0/24' } },
  ]);
  return computeNodeDesired(s, 'node1')!.host;
}

/** A runner that records each command line and fails the ones `fail` selects (with stderr like ip's). */
function recorder(fail: (line: string) => string | undefined = () => undefined) {
  const lines: string[] = [];
  const runner: CommandRunner = async (file, args) => {
    const line = [file, ...args].join(' ');
    lines.push(line);
    const err = fail(line);
    if (err !== undefined) throw Object.assign(new Error(err), { stderr: err });
    return '';
  };
  return { lines, runner };
}

describe('IprouteHostNetwork', () => {
  it('routed: waits for obr0-gw, then address and cluster route, inside the node namespace; no MTU (OVSDB sets it)', async () => {
    const { lines, runner } = recorder();
    await new IprouteHostNetwork({ runner, netnsOf: (n) => `ns-${n}` }).apply('node1', spec('routed'));
    expect(lines).toEqual([
      'ip -n ns-node1 link show dev obr0-gw',
      'ip -n ns-node1 link set obr0-gw up',
      'ip -n ns-node1 addr replace 10.244.1.1/24 dev obr0-gw',
      'ip -n ns-node1 route replace 10.244.0.0/16 dev obr0-gw src 10.244.1.1',
    ]);
  });

  it('classic: creates kbr0 when missing, enslaves obr0, turns on forwarding, sets kbr0 MTU, address and route', async () => {
    const { lines, runner } = recorder((l) => (l === 'ip link show dev kbr0' ? 'Device "kbr0" does not exist.' : undefined));
    await new IprouteHostNetwork({ runner }).apply('node1', spec('classic'));
    expect(lines).toEqual([
      'ip link show dev kbr0',
      'ip link add kbr0 type bridge',
      'ip link show dev obr0',
      'ip link set obr0 master kbr0 up',
      'sysctl -qw net.ipv4.ip_forward=1',
      'ip link set kbr0 mtu 1450 up',
      'ip addr replace 10.244.1.1/24 dev kbr0',
      'ip route replace 10.244.0.0/16 dev kbr0 src 10.244.1.1',
    ]);
    // with a namespace, sysctl runs through `ip netns exec`; kbr0 present: not created again
    const r2 = recorder();
    await new IprouteHostNetwork({ runner: r2.runner, netnsOf: () => 'nsx', ip: '/sbin/ip' }).apply('node1', spec('classic'));
    expect(r2.lines).toContain('/sbin/ip netns exec nsx sysctl -qw net.ipv4.ip_forward=1');
    expect(r2.lines.some((l) => l.includes('link add'))).toBe(false);
  });

  it('a failing command is a HostNetworkError with a stable code, the node, the command line and stderr', async () => {
    const { runner } = recorder((l) => (l.includes('addr replace') ? 'RTNETLINK answers: Permission denied\n' : undefined));
    const err = await new IprouteHostNetwork({ runner, netnsOf: () => 'nsx' }).apply('node1', spec('routed')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostNetworkError);
    expect(err).toMatchObject({
      code: 'HOST_NETWORK_FAILED',
      node: 'node1',
      command: 'ip -n nsx addr replace 10.244.1.1/24 dev obr0-gw',
      stderr: 'RTNETLINK answers: Permission denied\n',
    });
    expect((err as Error).message).toBe('node node1: ip -n nsx addr replace 10.244.1.1/24 dev obr0-gw failed: RTNETLINK answers: Permission denied');
    // a failing sysctl too
    const r2 = recorder((l) => (l.startsWith('sysctl') ? 'sysctl: permission denied' : undefined));
    await expect(new IprouteHostNetwork({ runner: r2.runner }).apply('node1', spec('classic'))).rejects.toMatchObject({
      code: 'HOST_NETWORK_FAILED',
      command: 'sysctl -w net.ipv4.ip_forward=1',
    });
  });

  it('gives up waiting for a device that never appears (deadline), with the ip error', async () => {
    const { lines, runner } = recorder((l) => (l.includes('link show') ? 'Device "obr0-gw" does not exist.' : undefined));
    const t0 = Date.now();
    const err = await new IprouteHostNetwork({ runner, deviceTimeoutMs: 100 }).apply('node1', spec('routed')).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(err).toMatchObject({ code: 'HOST_NETWORK_FAILED', command: 'ip link show dev obr0-gw', stderr: 'Device "obr0-gw" does not exist.' });
    expect(lines.every((l) => l === 'ip link show dev obr0-gw')).toBe(true);
  });

  it('with the real iproute2: a missing device is a HostNetworkError carrying ip’s stderr', async () => {
    const err = await new IprouteHostNetwork({ deviceTimeoutMs: 0 })
      .apply('n', { ...spec('routed'), gatewayDevice: 'osdn-nodev0' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostNetworkError);
    expect((err as HostNetworkError).stderr).toMatch(/osdn-nodev0.*does not exist|Cannot find device/);
  });

  it('remove: best effort route, address and (classic) bridge membership', async () => {
    const { lines, runner } = recorder(() => 'Cannot find device');
    await new IprouteHostNetwork({ runner }).remove('node1', spec('classic'));
    expect(lines).toEqual(['ip route del 10.244.0.0/16 dev kbr0', 'ip addr del 10.244.1.1/24 dev kbr0', 'ip link set obr0 nomaster']);
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OvsdbTimeoutError } from '../../../src/ovsdb/errors';
import { Vswitch, VswitchError, VswitchInterfaceError } from '../../../src/ovsdb/vswitch';

describe('vswitch operations against real ovsdb-server + ovs-vswitchd', () => {
  let ovs: OvsInstance;
  let vs: Vswitch;

  beforeAll(async () => {
    ovs = await OvsInstance.start();
    vs = await Vswitch.connect(ovs.dbEndpoint);
  });
  afterAll(async () => {
    await vs?.close();
    await ovs?.stop();
  });

  const get = async (...args: string[]) => (await ovs.vsctl('get', ...args)).stdout.trim();

  it('ensureBridge creates the bridge in one transaction, waits for ovs-vswitchd, and is idempotent', async () => {
    const ctl = `punix:${join(ovs.dir, 'ctl0.sock')}`;
    const spec = {
      name: 'br0',
      datapathType: 'netdev',
      protocols: ['OpenFlow13'] as const,
      failMode: 'secure' as const,
      stpEnable: false,
      controllers: [ctl],
      externalIds: { owner: 'ovs-sdn' },
      otherConfig: { 'datapath-id': '0000000000000042' },
    };
    const r1 = await vs.ensureBridge({ ...spec, protocols: [...spec.protocols] });
    expect(r1.changed).toBe(true);
    expect(r1.nextCfg).toBeGreaterThan(0);
    expect(r1.failed).toEqual([]);
    expect(r1.interfaces).toEqual([{ name: 'br0', ofport: 65534, error: null }]);
    // ovs-vswitchd applied it: cur_cfg caught up and the bridge's OpenFlow socket exists.
    expect(Number(await get('Open_vSwitch', '.', 'cur_cfg'))).toBeGreaterThanOrEqual(r1.nextCfg as number);
    expect(existsSync(ovs.mgmtSock('br0'))).toBe(true);
    expect(await get('Bridge', 'br0', 'datapath_type')).toBe('netdev');
    expect(await get('Bridge', 'br0', 'protocols')).toBe('[OpenFlow13]');
    expect(await get('Bridge', 'br0', 'fail_mode')).toBe('secure');
    expect(await get('Bridge', 'br0', 'external_ids:owner')).toBe('ovs-sdn');
    expect(await get('Bridge', 'br0', 'other_config:datapath-id')).toBe('"0000000000000042"');
    expect((await ovs.vsctl('get-controller', 'br0')).stdout.trim()).toBe(ctl);
    expect((await ovs.vsctl('list-ports', 'br0')).stdout.trim()).toBe('');
    expect(await get('Bridge', 'br0', 'datapath_id')).toBe('"0000000000000042"');

    const seq = vs.replica.seq;
    const r2 = await vs.ensureBridge({ ...spec, protocols: [...spec.protocols] });
    expect(r2).toMatchObject({ changed: false, failed: [] });
    expect(vs.replica.seq).toBe(seq); // nothing was sent

    // A changed property: only that is sent.
    const r3 = await vs.ensureBridge({ name: 'br0', externalIds: { owner: 'other', gone: null }, protocols: ['OpenFlow13', 'OpenFlow14'] });
    expect(r3.changed).toBe(true);
    expect(await get('Bridge', 'br0', 'external_ids:owner')).toBe('other');
    expect(await get('Bridge', 'br0', 'protocols')).toBe('[OpenFlow13, OpenFlow14]');
    expect(await get('Bridge', 'br0', 'fail_mode')).toBe('secure');
  });

  it('ensurePort: internal, gre (flow), vxlan, geneve, patch; ofport_request pinning; idempotent', async () => {
    const specs = [
      { name: 'int0', type: 'internal', ofportRequest: 10 },
      { name: 'gre0', type: 'gre', remoteIp: 'flow', key: 'flow', ofportRequest: 11 },
      { name: 'vx0', type: 'vxlan', remoteIp: '192.0.2.2', localIp: '192.0.2.1', key: 5001, dstPort: 4790, csum: true, ttl: 64, tos: 'inherit' },
      { name: 'gnv0', type: 'geneve', remoteIp: '192.0.2.3', key: 7 },
      { name: 'patch-a', type: 'patch', peer: 'patch-b', ofportRequest: 20 },
      { name: 'patch-b', type: 'patch', peer: 'patch-a', ofportRequest: 21, tag: 5, interfaceExternalIds: { 'iface-id': 'pod-1' } },
    ];
    const r = await vs.ensurePorts('br0', specs);
    expect(r.changed).toBe(true);
    expect(r.failed).toEqual([]);
    expect(Object.fromEntries(r.interfaces.map((i) => [i.name, i.ofport]))).toMatchObject({ int0: 10, gre0: 11, 'patch-a': 20, 'patch-b': 21 });
    expect(vs.ofport('gre0')).toBe(11);
    expect(vs.ofports('br0').get('br0')).toBe(65534);
    expect(await get('Interface', 'vx0', 'options')).toBe(
      '{csum="true", dst_port="4790", key="5001", local_ip="192.0.2.1", remote_ip="192.0.2.2", tos=inherit, ttl="64"}',
    );
    expect(await get('Interface', 'gre0', 'options')).toBe('{key=flow, remote_ip=flow}');
    expect(await get('Interface', 'patch-b', 'external_ids:iface-id')).toBe('pod-1');
    expect(await get('Port', 'patch-b', 'tag')).toBe('5');
    const desc = (await ovs.ofctl('dump-ports-desc', 'br0')).stdout;
    expect(desc).toMatch(/ 11\(gre0\)/);
    expect(desc).toMatch(/ 20\(patch-a\)/);
    const vxPort = vs.ofport('vx0') as number;
    expect(desc).toContain(` ${vxPort}(vx0)`);

    const seq = vs.replica.seq;
    const again = await vs.ensurePorts('br0', specs);
    expect(again.changed).toBe(false);
    expect(vs.replica.seq).toBe(seq);

    // Interface.mac on an internal port: ovs-vswitchd uses it (mac_in_use follows).
    const mac = await vs.ensurePort('br0', { ...specs[0], mac: '02:00:00:00:00:42' });
    expect(mac.changed).toBe(true);
    expect(await get('Interface', 'int0', 'mac_in_use')).toBe('"02:00:00:00:00:42"');
    expect((await vs.ensurePort('br0', { ...specs[0], mac: '02:00:00:00:00:42' })).changed).toBe(false);

    // ensureInterface changes only what is given; option keys are merged.
    const ei = await vs.ensureInterface({ name: 'vx0', key: 6000, interfaceExternalIds: { tier: 'x' } });
    expect(ei.changed).toBe(true);
    expect(await get('Interface', 'vx0', 'options:key')).toBe('"6000"');
    expect(await get('Interface', 'vx0', 'options:remote_ip')).toBe('"192.0.2.2"');
    expect(await get('Interface', 'vx0', 'type')).toBe('vxlan');
    expect((await vs.ensureInterface({ name: 'vx0', key: 6000 })).changed).toBe(false);
    await expect(vs.ensureInterface({ name: 'nope0' })).rejects.toMatchObject({ code: 'VSWITCH_NO_INTERFACE' });

    // Re-pin one port: only that interface changes, and ovs-vswitchd moves it.
    const moved = await vs.ensurePort('br0', { ...specs[0], ofportRequest: 12 });
    expect(moved.changed).toBe(true);
    expect(moved.interfaces).toEqual([{ name: 'int0', ofport: 12, error: null }]);
  });

  it('reports a failed interface (system device that does not exist) with its error column', async () => {
    let err: unknown;
    try {
      await vs.ensurePort('br0', { name: 'nosuchdev0', type: 'system' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VswitchInterfaceError);
    const res = (err as VswitchInterfaceError).result;
    expect((err as VswitchInterfaceError).code).toBe('VSWITCH_INTERFACE_FAILED');
    expect(res.failed).toHaveLength(1);
    expect(res.failed[0]).toMatchObject({ name: 'nosuchdev0', ofport: -1 });
    expect(res.failed[0].error).toMatch(/nosuchdev0/);
    const again = await vs.ensurePort('br0', { name: 'nosuchdev0', type: 'system' }, { allowInterfaceErrors: true });
    expect(again.changed).toBe(false);
    // Nothing changed, but the interface asked about is still failing: it is reported, and thrown by default,
    // also when asked about among healthy ones.
    expect(again.failed).toEqual([expect.objectContaining({ name: 'nosuchdev0', ofport: -1 })]);
    const seq = vs.replica.seq;
    const third = await vs.ensurePorts('br0', [{ name: 'int0', type: 'internal', ofportRequest: 12 }, { name: 'nosuchdev0', type: 'system' }]).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(VswitchInterfaceError);
    expect((third as VswitchInterfaceError).result).toMatchObject({ changed: false, failed: [{ name: 'nosuchdev0', ofport: -1 }] });
    expect((third as VswitchInterfaceError).result.interfaces.map((i) => i.name)).toEqual(['int0', 'nosuchdev0']);
    await expect(vs.ensureInterface({ name: 'nosuchdev0' })).rejects.toMatchObject({ code: 'VSWITCH_INTERFACE_FAILED' });
    expect(vs.replica.seq).toBe(seq); // nothing was sent
    // Without waiting, nothing is judged.
    expect((await vs.ensurePort('br0', { name: 'nosuchdev0', type: 'system' }, { wait: false })).failed).toEqual([]);
  });

  it('deletePort removes the port (GC takes the interface) and is idempotent', async () => {
    const r = await vs.deletePort('br0', 'nosuchdev0');
    expect(r.changed).toBe(true);
    expect((await ovs.vsctl('list-ports', 'br0')).stdout).not.toContain('nosuchdev0');
    expect(vs.iface('nosuchdev0')).toBeUndefined();
    expect((await vs.deletePort('br0', 'nosuchdev0')).changed).toBe(false);
    await expect(vs.ensurePort('nobr', { name: 'x' })).rejects.toBeInstanceOf(VswitchError);
    await expect(vs.ensurePort('nobr', { name: 'x' })).rejects.toMatchObject({ code: 'VSWITCH_NO_BRIDGE', context: { bridge: 'nobr' } });
    await expect(vs.setController('nobr', [])).rejects.toMatchObject({ code: 'VSWITCH_NO_BRIDGE' });
    await expect(vs.ensurePorts('br0', [{ name: 'd0' }, { name: 'd0' }])).rejects.toMatchObject({ code: 'VSWITCH_DUPLICATE_PORT' });
    // Several at once, in one transaction.
    await vs.ensurePorts('br0', [{ name: 'del0', type: 'internal' }, { name: 'del1', type: 'internal' }]);
    const r2 = await vs.deletePorts('br0', ['del0', 'del1', 'not-there']);
    expect(r2.changed).toBe(true);
    expect(vs.port('del0')).toBeUndefined();
    expect(vs.port('del1')).toBeUndefined();
    const seq = vs.replica.seq;
    expect((await vs.deletePorts('br0', ['del0', 'del1'])).changed).toBe(false);
    expect(vs.replica.seq).toBe(seq);
  });

  it('two clients ensuring the same port concurrently: one creates it, the other retries from the new state', async () => {
    const vs2 = await Vswitch.connect(ovs.dbEndpoint);
    try {
      const spec = { name: 'race0', type: 'internal' };
      const [a, b] = await Promise.all([vs.ensurePort('br0', spec), vs2.ensurePort('br0', spec)]);
      expect([a.changed, b.changed].sort()).toEqual([false, true]);
      expect(a.attempts + b.attempts).toBe(3);
      expect((await ovs.vsctl('list-ports', 'br0')).stdout.split('\n').filter((l) => l === 'race0')).toHaveLength(1);
    } finally {
      await vs2.close();
    }
  });

  it('setController and setManager set exactly the given targets, idempotently', async () => {
    const t1 = `punix:${join(ovs.dir, 'c1.sock')}`;
    const t2 = `punix:${join(ovs.dir, 'c2.sock')}`;
    expect((await vs.setController('br0', [t1, t2])).changed).toBe(true);
    expect((await ovs.vsctl('get-controller', 'br0')).stdout.trim().split('\n').sort()).toEqual([t1, t2].sort());
    expect((await vs.setController('br0', [t2, t1])).changed).toBe(false);
    expect((await vs.setController('br0', [t2])).changed).toBe(true);
    expect((await ovs.vsctl('get-controller', 'br0')).stdout.trim()).toBe(t2);
    const m = `punix:${join(ovs.dir, 'mgr.sock')}`;
    expect((await vs.setManager([m])).changed).toBe(true);
    expect((await ovs.vsctl('get-manager')).stdout.trim()).toBe(m);
    expect((await vs.setManager([m])).changed).toBe(false);
    expect((await vs.setManager([])).changed).toBe(true);
    expect((await ovs.vsctl('get-manager')).stdout.trim()).toBe('');
  });

  it('times out waiting for cur_cfg when ovs-vswitchd is not running, then works again once it is', async () => {
    await ovs.stopVswitchd();
    try {
      await expect(vs.ensureBridge({ name: 'br1', datapathType: 'netdev' }, { timeoutMs: 300 })).rejects.toBeInstanceOf(OvsdbTimeoutError);
      // The change itself was committed; without waiting, a second call has nothing to do.
      expect((await vs.ensureBridge({ name: 'br1', datapathType: 'netdev' }, { wait: false })).changed).toBe(false);
    } finally {
      await ovs.startVswitchd();
    }
    // Nothing to change, but ovs-vswitchd was behind (cur_cfg < next_cfg): the call waits until it applied the
    // configuration, then reports the bridge's local interface as ovs-vswitchd set it up.
    const caught = await vs.ensureBridge({ name: 'br1', datapathType: 'netdev' });
    expect(caught).toMatchObject({ changed: false, failed: [], interfaces: [{ name: 'br1', ofport: 65534, error: null }] });
    expect(Number(vs.root()!.cur_cfg)).toBeGreaterThanOrEqual(Number(vs.root()!.next_cfg));
    const r = await vs.ensureBridge({ name: 'br1', externalIds: { x: '1' } });
    expect(r.changed).toBe(true);
    expect(existsSync(ovs.mgmtSock('br1'))).toBe(true);
    // br0's local port cannot be ensured on br1.
    await expect(vs.ensurePort('br1', { name: 'br0', type: 'internal' })).rejects.toMatchObject({
      code: 'VSWITCH_PORT_CONFLICT',
      context: { bridge: 'br1', port: 'br0' },
    });
    expect((await vs.deleteBridge('br1')).changed).toBe(true);
    expect((await vs.deleteBridge('br1')).changed).toBe(false);
    expect((await ovs.vsctl('list-br')).stdout.trim()).toBe('br0');
  });
});

/** applyBridgeShape against a real ovsdb-server + ovs-vswitchd: one transaction, idempotent, repairs drift. */
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { Vswitch } from '../../../src/ovsdb/vswitch';
import { computeNodeDesired } from '../../../src/topology/desired';
import { applyBridgeShape } from '../../../src/topology/ovsdb-shape';
import { initialTopologyState, reduceTopology } from '../../../src/topology/reducers';

function desired(mode: 'routed' | 'classic', peers: number) {
  let s = initialTopologyState({ datapathType: 'netdev', mode, tunnel: 'vxlan' });
  s = reduceTopology(s, Array.from({ length: peers + 1 }, (_, i) => ({ type: 'addNode' as const,
    node: { name: `n${i + 1}`, ovsdb: `unix:/x/${i}/db.sock`, underlayIp: `172.31.255.${i + 1}` } })));
  return computeNodeDesired(s, 'n1')!;
}

describe('applyBridgeShape', () => {
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

  it('creates obr0 with its ports in ONE transaction, then sends nothing; repairs drift', async () => {
    const d = desired('routed', 2);
    const seq0 = vs.replica.seq;
    const transacts = jest.spyOn(vs.client, 'transact'); // counts calls; the real method runs
    const r1 = await applyBridgeShape(vs, d.bridge, { 'ovs-sdn-round': '1' });
    expect(r1).toEqual({ changed: true, failed: [] });
    expect(transacts).toHaveBeenCalledTimes(1);
    // one committed transaction of ours (the monitor saw our insert), then ovs-vswitchd's own updates
    const show = (await ovs.vsctl('--format=json', '--columns=name,type,options,ofport,mac_in_use', 'list', 'Interface')).stdout;
    const rows = Object.fromEntries((JSON.parse(show).data as unknown[][]).map((r) => [r[0], r]));
    expect(rows['obr0-tun'][1]).toBe('vxlan');
    expect(rows['obr0-tun'][3]).toBe(65001);
    expect(rows['obr0-gw'][3]).toBe(65002);
    expect(rows['obr0-gw'][4]).toBe(d.gatewayMac);
    expect((await ovs.vsctl('get', 'bridge', 'obr0', 'fail_mode', 'protocols', 'external_ids:ovs-sdn-round')).stdout.split('\n').slice(0, 3))
      .toEqual(['secure', '[OpenFlow13]', '"1"']);
    expect(vs.replica.seq).toBeGreaterThan(seq0);
    const seq1 = vs.replica.seq;
    expect(await applyBridgeShape(vs, d.bridge, { 'ovs-sdn-round': '1' })).toEqual({ changed: false, failed: [] });
    expect(vs.replica.seq).toBe(seq1); // nothing was sent, so nothing changed
    expect(transacts).toHaveBeenCalledTimes(1);
    // drift: the tunnel port deleted and the fail mode changed by hand -> one transaction repairs both
    await ovs.vsctl('del-port', 'obr0', 'obr0-tun', '--', 'set', 'bridge', 'obr0', 'fail_mode=standalone');
    await vs.replica.waitFor((s) => (s.lookup('Port', { name: 'obr0-tun' }) ? undefined : true), 5000);
    expect((await applyBridgeShape(vs, d.bridge, { 'ovs-sdn-round': '2' })).changed).toBe(true);
    expect(transacts).toHaveBeenCalledTimes(2);
    transacts.mockRestore();
    expect((await ovs.vsctl('get', 'interface', 'obr0-tun', 'ofport')).stdout.trim()).toBe('65001');
    expect((await ovs.vsctl('get', 'bridge', 'obr0', 'fail_mode')).stdout.trim()).toBe('secure');
  });

  it('classic mode: per-peer tunnel ports follow the peers; pods and foreign ports are left alone; mode changes are one transaction', async () => {
    await ovs.vsctl('add-port', 'obr0', 'foreign0', '--', 'set', 'interface', 'foreign0', 'type=internal');
    await ovs.vsctl('add-port', 'obr0', 'pod0', '--', 'set', 'interface', 'pod0', 'type=internal', 'external_ids:pod-ip=10.244.1.5');
    const ports = async () => (await ovs.vsctl('list-ports', 'obr0')).stdout.split('\n').filter(Boolean).sort();
    const stp = async () => (await ovs.vsctl('get', 'bridge', 'obr0', 'stp_enable', 'other_config')).stdout.split('\n').slice(0, 2);
    const transacts = jest.spyOn(vs.client, 'transact');
    // routed -> classic: obr0-tun and obr0-gw go, the mesh comes, STP on, in ONE transaction
    expect((await applyBridgeShape(vs, desired('classic', 3).bridge, {})).changed).toBe(true);
    expect(transacts).toHaveBeenCalledTimes(1);
    expect(await ports()).toEqual(['foreign0', 'pod0', 'vxlan-ac1fff02', 'vxlan-ac1fff03', 'vxlan-ac1fff04']);
    expect(await stp()).toEqual(['true', '{stp-forward-delay="4", stp-hello-time="1", stp-max-age="6"}']);
    // a peer leaves
    expect((await applyBridgeShape(vs, desired('classic', 1).bridge, {})).changed).toBe(true);
    expect(await ports()).toEqual(['foreign0', 'pod0', 'vxlan-ac1fff02']);
    // classic -> routed: the mesh goes, obr0-tun/obr0-gw come back with their pinned ofports, STP off and its
    // settings removed, again ONE transaction
    const d = desired('routed', 2);
    expect((await applyBridgeShape(vs, d.bridge, {})).changed).toBe(true);
    expect(transacts).toHaveBeenCalledTimes(3);
    transacts.mockRestore();
    expect(await ports()).toEqual(['foreign0', 'obr0-gw', 'obr0-tun', 'pod0']);
    expect(await stp()).toEqual(['false', '{}']);
    expect((await ovs.vsctl('get', 'interface', 'obr0-tun', 'ofport')).stdout.trim()).toBe('65001');
    expect((await ovs.vsctl('get', 'interface', 'obr0-gw', 'ofport')).stdout.trim()).toBe('65002');
    expect(await applyBridgeShape(vs, d.bridge, {})).toEqual({ changed: false, failed: [] });
  });
});

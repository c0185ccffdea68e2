/**
 * The OVSDB half of a reconcile pass: obr0 and the overlay's own ports brought to the desired shape in ONE
 * transaction (computed from the replica; nothing is sent when it already matches), tagged like ovs-vsctl
 * does (`Open_vSwitch.next_cfg += 1`, then wait until ovs-vswitchd copies it to `cur_cfg`).
 *
 * Schema rules (ovs-vswitchd.conf.db(5)): Bridge/Port/Interface are not root tables, so every inserted row is
 * referenced in the same transaction (Open_vSwitch.bridges, Bridge.ports, Port.interfaces); removing a port is
 * removing it from Bridge.ports (the rows are garbage-collected). Ports of the bridge that the desired shape
 * does not list (pods, foreign ports) are left alone, except the overlay's own ports of the other mode or of
 * departed peers: classic-mode tunnel ports (`gre-ac1fff02`) and routed mode's `obr0-tun`/`obr0-gw`. So a mode
 * change (routed <-> classic) on a running cluster is one transaction per node that also drops the STP
 * settings (`other_config:stp-*`) the other mode used.
 */
import { mutate, where, type Mutation } from '../ovsdb/notation';
import { valuesEqual, type ReplicaSnapshot } from '../ovsdb/replica';
import { openVSwitchSchema, type OpenVSwitchDb } from '../ovsdb/schemas/open-vswitch';
import { Transaction, type TransactionResult } from '../ovsdb/transaction';
import type { Vswitch } from '../ovsdb/vswitch';
import { GATEWAY_PORT, TUNNEL_PORT, type DesiredBridge, type DesiredPort } from './desired';
import { TopologyError } from './model';

/** Ports named like classic-mode tunnel ports (`gre-ac1fff02`), which the overlay owns. */
export const CLASSIC_TUNNEL_PORT_RE = /^(gre|vxlan)-[0-9a-f]{8}$/;

/** True for a port the overlay owns in either mode (removed when the desired shape does not list it). */
export function isOverlayOwnedPort(name: string): boolean {
  return name === TUNNEL_PORT || name === GATEWAY_PORT || CLASSIC_TUNNEL_PORT_RE.test(name);
}

/** Bridge `other_config` keys the overlay owns (classic mode's STP timers); removed when not wanted. */
export const OWNED_OTHER_CONFIG_KEYS: readonly string[] = ['stp-forward-delay', 'stp-max-age', 'stp-hello-time'];

function num(v: number | bigint | null | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function mapMuts<C extends string>(col: C, cur: Record<string, string>, want: Record<string, string>): Mutation<C>[] {
  const del = Object.keys(want).filter((k) => k in cur && cur[k] !== want[k]);
  const ins = Object.fromEntries(Object.entries(want).filter(([k, v]) => cur[k] !== v));
  const out: Mutation<C>[] = [];
  if (del.length) out.push(mutate.delete(col, del));
  if (Object.keys(ins).length) out.push(mutate.insert(col, ins));
  return out;
}

/** Result of {@link applyBridgeShape}. */
export interface BridgeShapeResult {
  /** A transaction was sent (false: the database already matched). */
  changed: boolean;
  /** Interfaces that ovs-vswitchd could not set up (ofport -1 or `error` set), with the reason. */
  failed: { name: string; error: string | null }[];
}

/**
 * Makes the bridge match `want` (plus `externalIds`, e.g. the controller round) in at most one OVSDB
 * transaction, then waits (up to `timeoutMs`) for ovs-vswitchd to apply it.
 */
export async function applyBridgeShape(
  vs: Vswitch,
  want: DesiredBridge,
  externalIds: Record<string, string>,
  timeoutMs = 10_000,
): Promise<BridgeShapeResult> {
  let sent = false;
  const build = (txn: Transaction<OpenVSwitchDb>, snap: ReplicaSnapshot<OpenVSwitchDb>) => {
    sent = false;
    const root = [...snap.rows('Open_vSwitch').values()][0];
    if (!root) throw new TopologyError('TOPOLOGY_INVALID_FIELD', 'the Open_vSwitch table has no row (ovs-vsctl init was never run)');
    const br = snap.lookup('Bridge', { name: want.name });
    const newPortRefs: string[] = [];
    const addPort = (p: DesiredPort) => {
      const i = txn.insert('Interface', {
        name: p.name,
        type: p.type,
        options: { ...(p.options ?? {}) },
        ...(p.ofport !== undefined ? { ofport_request: p.ofport } : {}),
        ...(p.mtu !== undefined ? { mtu_request: p.mtu } : {}),
        ...(p.mac !== undefined ? { mac: p.mac } : {}),
      });
      newPortRefs.push(txn.insert('Port', { name: p.name, interfaces: [i.uuidName] }).uuidName);
      sent = true;
    };
    if (!br) {
      txn.verifyWhere('Bridge', [where.eq('name', want.name)], ['name'], []);
      const li = txn.insert('Interface', {
        name: want.name,
        type: 'internal',
        ...(want.localMtu !== undefined ? { mtu_request: want.localMtu } : {}),
      });
      const lp = txn.insert('Port', { name: want.name, interfaces: [li.uuidName] });
      for (const p of want.ports) addPort(p);
      const b = txn.insert('Bridge', {
        name: want.name,
        datapath_type: want.datapathType,
        protocols: [...want.protocols],
        fail_mode: want.failMode,
        stp_enable: want.stpEnable,
        other_config: { ...want.otherConfig },
        external_ids: { ...externalIds },
        ports: [lp.uuidName, ...newPortRefs],
      });
      txn.mutate('Open_vSwitch', [where.uuid(root._uuid)], [mutate.insert('bridges', [b.uuidName])]);
      sent = true;
    } else {
      const upd: Record<string, unknown> = {};
      if (br.datapath_type !== want.datapathType) upd.datapath_type = want.datapathType;
      if (!valuesEqual(br.protocols, [...want.protocols])) upd.protocols = [...want.protocols];
      if (br.fail_mode !== want.failMode) upd.fail_mode = want.failMode;
      if (br.stp_enable !== want.stpEnable) upd.stp_enable = want.stpEnable;
      if (Object.keys(upd).length) {
        txn.update('Bridge', [where.uuid(br._uuid)], upd);
        sent = true;
      }
      const muts = [...mapMuts('external_ids', br.external_ids, externalIds), ...mapMuts('other_config', br.other_config, want.otherConfig)];
      const staleKeys = OWNED_OTHER_CONFIG_KEYS.filter((k) => k in br.other_config && !(k in want.otherConfig));
      if (staleKeys.length) muts.push(mutate.delete('other_config', staleKeys));
      if (muts.length) {
        txn.mutate('Bridge', [where.uuid(br._uuid)], muts);
        sent = true;
      }
      const wanted = new Set(want.ports.map((p) => p.name));
      const stale: string[] = [];
      for (const pu of br.ports) {
        const port = snap.get('Port', pu);
        if (port && isOverlayOwnedPort(port.name) && !wanted.has(port.name)) stale.push(pu);
      }
      for (const p of want.ports) {
        const port = snap.lookup('Port', { name: p.name });
        if (!port) {
          txn.verifyWhere('Port', [where.eq('name', p.name)], ['name'], []);
          addPort(p);
          continue;
        }
        if (!br.ports.includes(port._uuid))
          throw new TopologyError('TOPOLOGY_INVALID_FIELD', `port ${p.name} exists on another bridge`, { field: 'ports', value: p.name });
        const iface = port.interfaces.map((u) => snap.get('Interface', u)).find((i) => i?.name === p.name);
        if (!iface) continue;
        const iu: Record<string, unknown> = {};
        if (iface.type !== p.type) iu.type = p.type;
        if (!valuesEqual(iface.options, { ...(p.options ?? {}) })) iu.options = { ...(p.options ?? {}) };
        if (p.ofport !== undefined && num(iface.ofport_request) !== p.ofport) iu.ofport_request = p.ofport;
        if (p.mtu !== undefined && num(iface.mtu_request) !== p.mtu) iu.mtu_request = p.mtu;
        if (p.mac !== undefined && iface.mac_in_use !== p.mac) iu.mac = p.mac;
        if (Object.keys(iu).length) {
          txn.update('Interface', [where.uuid(iface._uuid)], iu);
          sent = true;
        }
      }
      if (want.localMtu !== undefined) {
        const local = snap.lookup('Interface', { name: want.name });
        if (local && num(local.mtu_request) !== want.localMtu) {
          txn.update('Interface', [where.uuid(local._uuid)], { mtu_request: want.localMtu });
          sent = true;
        }
      }
      const pm: Mutation<'ports'>[] = [];
      if (newPortRefs.length) pm.push(mutate.insert('ports', newPortRefs));
      if (stale.length) pm.push(mutate.delete('ports', stale));
      if (stale.length) sent = true;
      if (pm.length) txn.mutate('Bridge', [where.uuid(br._uuid)], pm);
    }
    if (!sent) return undefined;
    txn.mutate('Open_vSwitch', [where.uuid(root._uuid)], [mutate.add('next_cfg', 1)]);
    return txn.select('Open_vSwitch', [where.uuid(root._uuid)], ['next_cfg']);
  };
  // As Replica.transact (retry when a verify found the replica stale), but nothing is sent when the snapshot
  // already matches.
  let result: TransactionResult | undefined;
  let cfgRef: ReturnType<typeof build>;
  for (let attempt = 1; ; attempt++) {
    const snap = vs.replica.snapshot();
    const txn = new Transaction<OpenVSwitchDb>(openVSwitchSchema());
    cfgRef = build(txn, snap);
    if (!cfgRef) return { changed: false, failed: [] };
    try {
      result = await txn.execute(vs.client);
      break;
    } catch (e) {
      if (!txn.isVerifyFailure(e) || attempt >= 10) throw e;
      await vs.replica.changedSince(snap.seq, 10_000);
    }
  }
  const [row] = result.rows(cfgRef) as { next_cfg: number | bigint }[];
  const target = Number(row.next_cfg);
  await vs.replica.waitFor((s) => {
    const r = [...s.rows('Open_vSwitch').values()][0];
    return r && Number(r.cur_cfg) >= target ? true : undefined;
  }, timeoutMs);
  const failed = want.ports
    .map((p) => vs.iface(p.name))
    .filter((i) => i && (num(i.ofport) === -1 || (i.error ?? '') !== ''))
    .map((i) => ({ name: i!.name, error: i!.error ?? null }));
  return { changed: true, failed };
}

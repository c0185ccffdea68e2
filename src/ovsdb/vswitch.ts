/**
 * Open vSwitch configuration operations over OVSDB (the `Open_vSwitch` database, vswitch.ovsschema), each
 * ONE transaction and idempotent: an operation first compares what it is asked for with the replica and
 * sends only the difference; a second identical call sends nothing and reports `changed: false`.
 *
 * Rules of the schema honoured here (ovs-vswitchd.conf.db(5)):
 * - `Bridge`, `Port`, `Interface`, `Controller` and `Manager` are not root tables: a row that no
 *   `Open_vSwitch.bridges` / `Bridge.ports` / `Port.interfaces` / `Bridge.controller` /
 *   `Open_vSwitch.manager_options` references is garbage-collected at commit. So every insert is referenced
 *   in the same transaction, and deleting a port is removing it from `Bridge.ports`.
 * - Like `ovs-vsctl add-br`, a new bridge gets its local port: an `internal` Port+Interface named as the
 *   bridge.
 *
 * Waiting for ovs-vswitchd, as `ovs-vsctl` does: the transaction also increments `Open_vSwitch.next_cfg`
 * (`mutate +=1`) and selects it back; ovs-vswitchd copies it to `cur_cfg` when it has applied the
 * configuration, which the replica observes. Then each interface the operation was asked about is checked,
 * whether this call changed it or not (a call with nothing to send first waits for ovs-vswitchd only if it is
 * behind, cur_cfg < next_cfg): an `ofport` of -1 or a non-empty `error` column is a failure (reported in the
 * result; thrown as {@link VswitchInterfaceError} unless `allowInterfaceErrors`).
 *
 * Concurrency: operations build from the replica and guard their assumptions with `wait` operations
 * (e.g. "no bridge named X exists"); if another client got there first, the transaction fails at that
 * operation, the replica catches up and the operation is rebuilt and retried (see `Replica.transact`).
 */
import { OvsdbClient, OvsdbClientOptions } from './client';
import { OvsdbError, type OvsdbErrorCode, OvsdbTimeoutError } from './errors';
import { Mutation, mutate, where } from './notation';
import { Replica, ReplicaSnapshot, ReplicaRow, valuesEqual } from './replica';
import { BridgeRow, InterfaceRow, OpenVSwitchDb, PortRow, openVSwitchSchema } from './schemas/open-vswitch';
import { SelectRef, Transaction } from './transaction';

type Db = OpenVSwitchDb;
type Snap = ReplicaSnapshot<Db>;

/** Options common to every operation. */
export interface VswitchOpOptions {
  /** Wait until ovs-vswitchd has applied the change (default true). */
  wait?: boolean;
  /** How long to wait for ovs-vswitchd, ms (default 10 s); then {@link OvsdbTimeoutError}. */
  timeoutMs?: number;
  /** Return interface failures in the result instead of throwing {@link VswitchInterfaceError}. */
  allowInterfaceErrors?: boolean;
}

/** What a bridge should look like. Properties left out are not touched. */
export interface BridgeSpec {
  name: string;
  /** `netdev` for the userspace datapath, `system` (or '') for the kernel one. */
  datapathType?: string;
  /** OpenFlow versions, e.g. `['OpenFlow13']`. */
  protocols?: BridgeRow['protocols'];
  /** `secure` (no flows without a controller) or `standalone`; null clears it. */
  failMode?: BridgeRow['fail_mode'];
  stpEnable?: boolean;
  /** Controller targets (`tcp:IP:PORT`, `unix:PATH`, `ssl:...`, `punix:`...); the set becomes exactly this. */
  controllers?: readonly string[];
  /** Keys to set in `external_ids` (other keys are kept; a null value removes the key). */
  externalIds?: Record<string, string | null>;
  /** Keys to set in `other_config` (e.g. `datapath-id`, `hwaddr`); a null value removes the key. */
  otherConfig?: Record<string, string | null>;
}

/** Interface types this module knows the options of; any other string is passed through. */
export type InterfaceType = 'internal' | 'system' | 'patch' | 'gre' | 'vxlan' | 'geneve' | (string & {});

/** What a port (with one interface of the same name) should look like. */
export interface PortSpec {
  name: string;
  /** Interface type (default `system`, stored as '' like ovs-vsctl does). */
  type?: InterfaceType;
  /** Tunnel remote IP, or `flow` for a flow-based tunnel (options:remote_ip). */
  remoteIp?: string;
  /** Tunnel local IP, or `flow` (options:local_ip). */
  localIp?: string;
  /** Tunnel key / VNI, a number or `flow` (options:key). */
  key?: number | string;
  /** UDP destination port of vxlan/geneve (options:dst_port). */
  dstPort?: number;
  /** Tunnel checksums (options:csum). */
  csum?: boolean;
  /** Outer TTL, a number or `inherit` (options:ttl). */
  ttl?: number | string;
  /** Outer TOS, a number or `inherit` (options:tos). */
  tos?: number | string;
  /** Patch port peer (options:peer). */
  peer?: string;
  /** Further options; together with the above they become the interface's whole `options` map. */
  options?: Record<string, string>;
  /** Pin the OpenFlow port number (Interface.ofport_request, 1..65279); null unpins. */
  ofportRequest?: number | null;
  /** Access VLAN (Port.tag); null clears it. */
  tag?: number | null;
  /** Keys to set in Port.external_ids (null removes). */
  externalIds?: Record<string, string | null>;
  /** Keys to set in Interface.external_ids (null removes), e.g. `iface-id`. */
  interfaceExternalIds?: Record<string, string | null>;
  /** Interface.mtu_request; null clears it. */
  mtuRequest?: number | null;
  /** Interface.mac: the MAC address to use for an internal interface (`aa:bb:cc:dd:ee:ff`); null clears it. */
  mac?: string | null;
}

/** The interface part of a {@link PortSpec} (for {@link Vswitch.ensureInterface}). */
export type InterfaceSpec = Omit<PortSpec, 'tag' | 'externalIds'>;

/** State of one interface after an operation. */
export interface InterfaceStatus {
  name: string;
  /** OpenFlow port number; -1 when ovs-vswitchd could not create the interface; null if not yet assigned. */
  ofport: number | null;
  /** The interface's `error` column (why it failed), or null. */
  error: string | null;
}

/** Outcome of a vswitch operation. */
export interface VswitchResult {
  /** False when the database already matched and nothing was sent. */
  changed: boolean;
  /** The `next_cfg` this change was tagged with (when waiting for ovs-vswitchd). */
  nextCfg?: number;
  /**
   * Status of every interface the operation was asked about (ensurePort(s)/ensureInterface: the given names;
   * ensureBridge: the bridge's local interface), whether this call changed it or it was already so, read
   * after ovs-vswitchd applied the configuration when waiting.
   */
  interfaces: InterfaceStatus[];
  /**
   * The subset of {@link interfaces} that failed (ofport -1 or error set), when waiting: also an interface
   * that was already failing before this call and that the call did not change.
   */
  failed: InterfaceStatus[];
  /** Transaction attempts (more than 1 when a concurrent change forced a rebuild). */
  attempts: number;
}

/** Interfaces that ovs-vswitchd could not set up (code VSWITCH_INTERFACE_FAILED); `result` has all the details. */
export class VswitchInterfaceError extends OvsdbError {
  override readonly name = 'VswitchInterfaceError';
  declare readonly code: 'VSWITCH_INTERFACE_FAILED';
  constructor(readonly result: VswitchResult) {
    super(
      'VSWITCH_INTERFACE_FAILED',
      `ovs-vswitchd could not set up ${result.failed.map((f) => `${f.name} (${f.error ?? `ofport ${f.ofport}`})`).join(', ')}`,
      { failed: result.failed, nextCfg: result.nextCfg },
    );
  }
}

/** Stable codes of {@link VswitchError}. */
export type VswitchErrorCode = Extract<
  OvsdbErrorCode,
  'VSWITCH_NO_ROOT' | 'VSWITCH_NO_BRIDGE' | 'VSWITCH_NO_INTERFACE' | 'VSWITCH_PORT_CONFLICT' | 'VSWITCH_DUPLICATE_PORT'
>;

/**
 * A request that cannot be carried out: no Open_vSwitch row, unknown bridge or interface, port on another
 * bridge, a port given twice. Raised before anything is sent. An {@link OvsdbError}.
 */
export class VswitchError extends OvsdbError {
  override readonly name = 'VswitchError';
  declare readonly code: VswitchErrorCode;
  constructor(code: VswitchErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
  }
}

/**
 * Tables and columns the {@link Vswitch} replica follows (rows in `vs.replica` have only these columns plus
 * `_uuid`). Statistics columns are left out: ovs-vswitchd rewrites them every few seconds.
 */
export const VSWITCH_REPLICA_TABLES = {
  Open_vSwitch: { columns: ['bridges', 'manager_options', 'next_cfg', 'cur_cfg', 'external_ids', 'other_config', 'ovs_version'] },
  Bridge: {
    columns: ['name', 'datapath_type', 'protocols', 'fail_mode', 'stp_enable', 'controller', 'ports', 'external_ids', 'other_config', 'datapath_id'],
  },
  Port: { columns: ['name', 'interfaces', 'tag', 'trunks', 'vlan_mode', 'external_ids', 'other_config'] },
  Interface: {
    columns: ['name', 'type', 'options', 'ofport', 'ofport_request', 'error', 'external_ids', 'mtu', 'mtu_request', 'mac', 'mac_in_use', 'admin_state', 'link_state'],
  },
  Controller: { columns: ['target', 'is_connected', 'role'] },
  Manager: { columns: ['target', 'is_connected'] },
} as const;

function num(v: number | bigint | null | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** Mutations that make map column `col` contain `want` (null values delete keys); none if it already does. */
function mapMutations<C extends string>(col: C, cur: Record<string, string>, want: Record<string, string | null> | undefined): Mutation<C>[] {
  if (!want) return [];
  const del: string[] = [];
  const ins: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) {
    const has = Object.prototype.hasOwnProperty.call(cur, k);
    if (v === null) {
      if (has) del.push(k);
    } else if (!has || cur[k] !== v) {
      if (has) del.push(k);
      ins[k] = v;
    }
  }
  const out: Mutation<C>[] = [];
  if (del.length) out.push(mutate.delete(col, del));
  if (Object.keys(ins).length) out.push(mutate.insert(col, ins));
  return out;
}

/** The full `options` map a port spec asks for. */
export function interfaceOptions(spec: PortSpec): Record<string, string> {
  const o: Record<string, string> = { ...(spec.options ?? {}) };
  if (spec.remoteIp !== undefined) o.remote_ip = spec.remoteIp;
  if (spec.localIp !== undefined) o.local_ip = spec.localIp;
  if (spec.key !== undefined) o.key = String(spec.key);
  if (spec.dstPort !== undefined) o.dst_port = String(spec.dstPort);
  if (spec.csum !== undefined) o.csum = String(spec.csum);
  if (spec.ttl !== undefined) o.ttl = String(spec.ttl);
  if (spec.tos !== undefined) o.tos = String(spec.tos);
  if (spec.peer !== undefined) o.peer = spec.peer;
  return o;
}

function ifaceType(t: InterfaceType | undefined): string {
  return t === undefined || t === 'system' ? '' : t;
}

function newInterfaceRow(spec: InterfaceSpec, type: string, options: Record<string, string>): Partial<InterfaceRow> {
  return {
    name: spec.name,
    type,
    options,
    ...(spec.ofportRequest !== undefined ? { ofport_request: spec.ofportRequest } : {}),
    ...(spec.mtuRequest !== undefined ? { mtu_request: spec.mtuRequest } : {}),
    ...(spec.mac !== undefined ? { mac: spec.mac } : {}),
    external_ids: Object.fromEntries(Object.entries(spec.interfaceExternalIds ?? {}).filter(([, v]) => v !== null)) as Record<string, string>,
  };
}

/**
 * The vswitch operations on one OVSDB connection, with a replica of the tables they need (Open_vSwitch,
 * Bridge, Port, Interface, Controller, Manager; statistics columns excluded).
 */
export class Vswitch {
  private constructor(
    /** The OVSDB client (owned when created by {@link connect}). */
    readonly client: OvsdbClient,
    /** The live replica; use it for lookups (`replica.snapshot().lookup('Bridge', { name })`) and change streams. */
    readonly replica: Replica<Db>,
    private readonly ownsClient: boolean,
  ) {}

  /** Connects to ovsdb-server (e.g. `unix:/var/run/openvswitch/db.sock`) and loads the replica. */
  static async connect(endpoint: string, opts: OvsdbClientOptions = {}): Promise<Vswitch> {
    const client = await OvsdbClient.connect(endpoint, opts);
    try {
      const replica = await Replica.start<Db>(client, openVSwitchSchema(), { tables: VSWITCH_REPLICA_TABLES });
      return new Vswitch(client, replica, true);
    } catch (e) {
      await client.close();
      throw e;
    }
  }

  /** Uses an existing client (not closed by {@link close}). */
  static async attach(client: OvsdbClient): Promise<Vswitch> {
    const replica = await Replica.start<Db>(client, openVSwitchSchema(), { tables: VSWITCH_REPLICA_TABLES });
    return new Vswitch(client, replica, false);
  }

  /** Stops the replica and, if {@link connect} created it, closes the client. */
  async close(): Promise<void> {
    await this.replica.close();
    if (this.ownsClient) await this.client.close();
  }

  // ---------------------------------------------------------------------------------------------------
  // Lookups (synchronous, from the replica).

  /** The Open_vSwitch root row. */
  root(snap: Snap = this.replica.snapshot()): ReplicaRow<Db, 'Open_vSwitch'> | undefined {
    const [row] = snap.rows('Open_vSwitch').values();
    return row;
  }

  /** A bridge by name. */
  bridge(name: string, snap: Snap = this.replica.snapshot()): ReplicaRow<Db, 'Bridge'> | undefined {
    return snap.lookup('Bridge', { name });
  }

  /** A port by name. */
  port(name: string, snap: Snap = this.replica.snapshot()): ReplicaRow<Db, 'Port'> | undefined {
    return snap.lookup('Port', { name });
  }

  /** An interface by name. */
  iface(name: string, snap: Snap = this.replica.snapshot()): ReplicaRow<Db, 'Interface'> | undefined {
    return snap.lookup('Interface', { name });
  }

  /** OpenFlow port number of an interface: a number (-1 = failed), or undefined if unknown/not assigned. */
  ofport(ifaceName: string): number | undefined {
    const v = num(this.iface(ifaceName)?.ofport);
    return v === null ? undefined : v;
  }

  /** Interface name to OpenFlow port number for every interface on a bridge that has one. */
  ofports(bridge: string): Map<string, number> {
    const snap = this.replica.snapshot();
    const out = new Map<string, number>();
    const br = this.bridge(bridge, snap);
    if (!br) return out;
    for (const pu of br.ports) {
      const p = snap.get('Port', pu);
      for (const iu of p?.interfaces ?? []) {
        const i = snap.get('Interface', iu);
        const n = num(i?.ofport);
        if (i && n !== null) out.set(i.name, n);
      }
    }
    return out;
  }

  /** Waits until an interface has an ofport assigned (>0) and resolves with it; -1 rejects with the error. */
  async waitOfport(ifaceName: string, timeoutMs = 10_000): Promise<number> {
    const st = await this.replica.waitFor((s) => {
      const i = this.iface(ifaceName, s);
      const n = num(i?.ofport);
      return i && n !== null && (n > 0 || n === -1) ? { name: ifaceName, ofport: n, error: i.error } : undefined;
    }, timeoutMs);
    if (st.ofport === -1) throw new VswitchInterfaceError({ changed: false, interfaces: [st], failed: [st], attempts: 0 });
    return st.ofport;
  }

  // ---------------------------------------------------------------------------------------------------
  // Operations.

  /** Creates the bridge or brings it to `spec` (only the properties given). */
  ensureBridge(spec: BridgeSpec, opts: VswitchOpOptions = {}): Promise<VswitchResult> {
    return this.run(opts, (txn, snap) => {
      const root = this.requireRoot(snap);
      const br = snap.lookup('Bridge', { name: spec.name });
      if (!br) {
        // Guard: nobody else created it meanwhile (retried from the updated replica if so).
        txn.verifyWhere('Bridge', [where.eq('name', spec.name)], ['name'], []);
        const iface = txn.insert('Interface', { name: spec.name, type: 'internal' });
        const port = txn.insert('Port', { name: spec.name, interfaces: [iface.uuidName] });
        const ctrls = (spec.controllers ?? []).map((target) => txn.insert('Controller', { target }).uuidName);
        const ext = Object.fromEntries(Object.entries(spec.externalIds ?? {}).filter(([, v]) => v !== null)) as Record<string, string>;
        const oc = Object.fromEntries(Object.entries(spec.otherConfig ?? {}).filter(([, v]) => v !== null)) as Record<string, string>;
        const b = txn.insert('Bridge', {
          name: spec.name,
          ports: [port.uuidName],
          controller: ctrls,
          ...(spec.datapathType !== undefined ? { datapath_type: spec.datapathType } : {}),
          ...(spec.protocols !== undefined ? { protocols: [...spec.protocols] } : {}),
          ...(spec.failMode !== undefined ? { fail_mode: spec.failMode } : {}),
          ...(spec.stpEnable !== undefined ? { stp_enable: spec.stpEnable } : {}),
          external_ids: ext,
          other_config: oc,
        });
        txn.mutate('Open_vSwitch', [where.uuid(root._uuid)], [mutate.insert('bridges', [b.uuidName])]);
        return [spec.name];
      }
      // Report on the bridge's local interface also when nothing changes (it may be failing).
      const upd: Partial<BridgeRow> = {};
      if (spec.datapathType !== undefined && br.datapath_type !== spec.datapathType) upd.datapath_type = spec.datapathType;
      if (spec.protocols !== undefined && !valuesEqual(br.protocols, [...spec.protocols])) upd.protocols = [...spec.protocols];
      if (spec.failMode !== undefined && br.fail_mode !== spec.failMode) upd.fail_mode = spec.failMode;
      if (spec.stpEnable !== undefined && br.stp_enable !== spec.stpEnable) upd.stp_enable = spec.stpEnable;
      if (Object.keys(upd).length) txn.update('Bridge', [where.uuid(br._uuid)], upd);
      const muts = [
        ...mapMutations('external_ids', br.external_ids, spec.externalIds),
        ...mapMutations('other_config', br.other_config, spec.otherConfig),
      ];
      if (muts.length) txn.mutate('Bridge', [where.uuid(br._uuid)], muts);
      if (spec.controllers !== undefined) this.setControllerOps(txn, snap, br, spec.controllers);
      return [spec.name];
    });
  }

  /** Removes a bridge (and, by garbage collection, its ports, interfaces and controllers). No-op if absent. */
  deleteBridge(name: string, opts: VswitchOpOptions = {}): Promise<VswitchResult> {
    return this.run(opts, (txn, snap) => {
      const br = snap.lookup('Bridge', { name });
      if (!br) return [];
      const root = this.requireRoot(snap);
      txn.mutate('Open_vSwitch', [where.uuid(root._uuid)], [mutate.delete('bridges', [br._uuid])]);
      return [];
    });
  }

  /** Creates the port (one interface of the same name) on `bridge` or brings it to `spec`. */
  ensurePort(bridge: string, spec: PortSpec, opts: VswitchOpOptions = {}): Promise<VswitchResult> {
    return this.ensurePorts(bridge, [spec], opts);
  }

  /** {@link ensurePort} for many ports, in ONE transaction. */
  ensurePorts(bridge: string, specs: readonly PortSpec[], opts: VswitchOpOptions = {}): Promise<VswitchResult> {
    return this.run(opts, (txn, snap) => {
      const br = snap.lookup('Bridge', { name: bridge });
      if (!br) throw new VswitchError('VSWITCH_NO_BRIDGE', `no bridge named ${bridge}`, { bridge });
      const newPorts: string[] = [];
      const seen = new Set<string>();
      for (const spec of specs) {
        if (seen.has(spec.name)) throw new VswitchError('VSWITCH_DUPLICATE_PORT', `port ${spec.name} is given twice`, { bridge, port: spec.name });
        seen.add(spec.name);
      }
      for (const spec of specs) this.portOps(txn, snap, br, spec, newPorts);
      if (newPorts.length) {
        // Guard, as ovs-vsctl does (verify Bridge.ports): if another client changed the bridge's ports since
        // the snapshot (e.g. added one of these names), this fails and the operation is rebuilt and retried.
        txn.verify('Bridge', br._uuid, ['ports'], { ports: [...br.ports] });
        txn.mutate('Bridge', [where.uuid(br._uuid)], [mutate.insert('ports', newPorts)]);
      }
      // Report on every port asked about, changed or not (an unchanged one may have been failing all along).
      return specs.map((p) => p.name);
    });
  }

  private portOps(txn: Transaction<Db>, snap: Snap, br: ReplicaRow<Db, 'Bridge'>, spec: PortSpec, newPorts: string[]): boolean {
    const port = snap.lookup('Port', { name: spec.name });
    const options = interfaceOptions(spec);
    const type = ifaceType(spec.type);
    if (!port) {
      const iface = txn.insert('Interface', newInterfaceRow(spec, type, options));
      const p = txn.insert('Port', {
        name: spec.name,
        interfaces: [iface.uuidName],
        ...(spec.tag !== undefined ? { tag: spec.tag } : {}),
        external_ids: Object.fromEntries(Object.entries(spec.externalIds ?? {}).filter(([, v]) => v !== null)) as Record<string, string>,
      });
      newPorts.push(p.uuidName);
      return true;
    }
    if (!br.ports.includes(port._uuid)) {
      throw new VswitchError('VSWITCH_PORT_CONFLICT', `port ${spec.name} exists on another bridge`, { bridge: br.name, port: spec.name });
    }
    let changed = false;
    const pUpd: Partial<PortRow> = {};
    if (spec.tag !== undefined && num(port.tag) !== spec.tag) pUpd.tag = spec.tag;
    if (Object.keys(pUpd).length) {
      txn.update('Port', [where.uuid(port._uuid)], pUpd);
      changed = true;
    }
    const pm = mapMutations('external_ids', port.external_ids, spec.externalIds);
    if (pm.length) {
      txn.mutate('Port', [where.uuid(port._uuid)], pm);
      changed = true;
    }
    const iface = port.interfaces.map((u) => snap.get('Interface', u)).find((i) => i?.name === spec.name);
    if (!iface) {
      // The port has no interface of its name (e.g. a bond): give it exactly that one interface.
      const ni = txn.insert('Interface', newInterfaceRow(spec, type, options));
      txn.update('Port', [where.uuid(port._uuid)], { interfaces: [ni.uuidName] });
      return true;
    }
    return this.ifaceOps(txn, iface, spec, false) || changed;
  }

  /** Adds the updates that bring an existing interface to `spec`; `partial`: only the properties given. */
  private ifaceOps(txn: Transaction<Db>, iface: ReplicaRow<Db, 'Interface'>, spec: InterfaceSpec, partial: boolean): boolean {
    let changed = false;
    const iUpd: Partial<InterfaceRow> = {};
    if (!partial || spec.type !== undefined) {
      const type = ifaceType(spec.type);
      if (iface.type !== type) iUpd.type = type;
    }
    const optionKeys: (keyof InterfaceSpec)[] = ['remoteIp', 'localIp', 'key', 'dstPort', 'csum', 'ttl', 'tos', 'peer', 'options'];
    if (!partial || optionKeys.some((k) => spec[k] !== undefined)) {
      // ensurePort: the options map becomes exactly the spec's; ensureInterface: the given keys are merged in.
      const options = partial ? { ...iface.options, ...interfaceOptions(spec) } : interfaceOptions(spec);
      if (!valuesEqual(iface.options, options)) iUpd.options = options;
    }
    if (spec.ofportRequest !== undefined && num(iface.ofport_request) !== spec.ofportRequest) iUpd.ofport_request = spec.ofportRequest;
    if (spec.mtuRequest !== undefined && num(iface.mtu_request) !== spec.mtuRequest) iUpd.mtu_request = spec.mtuRequest;
    if (spec.mac !== undefined && iface.mac !== spec.mac) iUpd.mac = spec.mac;
    if (Object.keys(iUpd).length) {
      txn.update('Interface', [where.uuid(iface._uuid)], iUpd);
      changed = true;
    }
    const im = mapMutations('external_ids', iface.external_ids, spec.interfaceExternalIds);
    if (im.length) {
      txn.mutate('Interface', [where.uuid(iface._uuid)], im);
      changed = true;
    }
    return changed;
  }

  /**
   * Brings an EXISTING interface (on any port) to `spec`, touching only the properties given: `type` if given;
   * option properties (`remoteIp`, `key`, ..., `options`) are merged into the existing `options` map (other
   * keys are kept; use {@link ensurePort} to set the whole map). Throws `VSWITCH_NO_INTERFACE` if absent
   * (an interface cannot exist without its port: use {@link ensurePort} to create one).
   */
  ensureInterface(spec: InterfaceSpec, opts: VswitchOpOptions = {}): Promise<VswitchResult> {
    return this.run(opts, (txn, snap) => {
      const iface = snap.lookup('Interface', { name: spec.name });
      if (!iface) throw new VswitchError('VSWITCH_NO_INTERFACE', `no interface named ${spec.name}`, { interface: spec.name });
      this.ifaceOps(txn, iface, spec, true);
      return [spec.name];
    });
  }

  /** Removes a port from a bridge (its row and interfaces are garbage-collected). No-op if absent. */
  deletePort(bridge: string, name: string, opts: VswitchOpOptions = {}): Promise<VswitchResult> {
    return this.deletePorts(bridge, [name], opts);
  }

  /** {@link deletePort} for many ports, in ONE transaction; names not on the bridge are ignored. */
  deletePorts(bridge: string, names: readonly string[], opts: VswitchOpOptions = {}): Promise<VswitchResult> {
    return this.run(opts, (txn, snap) => {
      const br = snap.lookup('Bridge', { name: bridge });
      if (!br) return [];
      const gone: string[] = [];
      for (const name of new Set(names)) {
        const port = snap.lookup('Port', { name });
        if (port && br.ports.includes(port._uuid)) gone.push(port._uuid);
      }
      if (gone.length) txn.mutate('Bridge', [where.uuid(br._uuid)], [mutate.delete('ports', gone)]);
      return [];
    });
  }

  /** Makes the bridge's controller set exactly `targets` (empty removes them all). */
  setController(bridge: string, targets: readonly string[], opts: VswitchOpOptions = {}): Promise<VswitchResult> {
    return this.run(opts, (txn, snap) => {
      const br = snap.lookup('Bridge', { name: bridge });
      if (!br) throw new VswitchError('VSWITCH_NO_BRIDGE', `no bridge named ${bridge}`, { bridge });
      this.setControllerOps(txn, snap, br, targets);
      return [];
    });
  }

  private setControllerOps(txn: Transaction<Db>, snap: Snap, br: ReplicaRow<Db, 'Bridge'>, targets: readonly string[]): void {
    const want = new Set(targets);
    const keep: string[] = [];
    const drop: string[] = [];
    const have = new Set<string>();
    for (const u of br.controller) {
      const c = snap.get('Controller', u);
      if (c && want.has(c.target) && !have.has(c.target)) {
        keep.push(u);
        have.add(c.target);
      } else drop.push(u);
    }
    const add = [...want].filter((t) => !have.has(t)).map((target) => txn.insert('Controller', { target }).uuidName);
    const muts: Mutation<'controller'>[] = [];
    if (drop.length) muts.push(mutate.delete('controller', drop));
    if (add.length) muts.push(mutate.insert('controller', add));
    if (muts.length) {
      // The set was computed from the replica: verify it (a concurrent change makes us rebuild and retry).
      txn.verify('Bridge', br._uuid, ['controller'], { controller: [...br.controller] });
      txn.mutate('Bridge', [where.uuid(br._uuid)], muts);
    }
  }

  /** Makes `Open_vSwitch.manager_options` exactly the Managers with these targets (e.g. `ptcp:6640`). */
  setManager(targets: readonly string[], opts: VswitchOpOptions = {}): Promise<VswitchResult> {
    return this.run(opts, (txn, snap) => {
      const root = this.requireRoot(snap);
      const want = new Set(targets);
      const have = new Set<string>();
      const drop: string[] = [];
      for (const u of root.manager_options) {
        const m = snap.get('Manager', u);
        if (m && want.has(m.target) && !have.has(m.target)) have.add(m.target);
        else drop.push(u);
      }
      const addTargets = [...want].filter((t) => !have.has(t));
      for (const t of addTargets) txn.verifyWhere('Manager', [where.eq('target', t)], ['target'], []);
      const add = addTargets.map((target) => txn.insert('Manager', { target }).uuidName);
      const muts: Mutation<'manager_options'>[] = [];
      if (drop.length) muts.push(mutate.delete('manager_options', drop));
      if (add.length) muts.push(mutate.insert('manager_options', add));
      if (muts.length) {
        txn.verify('Open_vSwitch', root._uuid, ['manager_options'], { manager_options: [...root.manager_options] });
        txn.mutate('Open_vSwitch', [where.uuid(root._uuid)], muts);
      }
      return [];
    });
  }

  // ---------------------------------------------------------------------------------------------------

  private requireRoot(snap: Snap): ReplicaRow<Db, 'Open_vSwitch'> {
    const root = this.root(snap);
    if (!root) throw new VswitchError('VSWITCH_NO_ROOT', 'the Open_vSwitch table has no row (run `ovs-vsctl init` once)');
    return root;
  }

  /**
   * Runs one operation: `build` adds the operations (from the snapshot) and returns the interface names to
   * report on (all those asked about). Adds the next_cfg increment when waiting, sends one transaction (none
   * if nothing to do), waits for cur_cfg, then reads the interfaces' status.
   */
  private async run(
    opts: VswitchOpOptions,
    build: (txn: Transaction<Db>, snap: Snap) => string[],
  ): Promise<VswitchResult> {
    const wait = opts.wait ?? true;
    let cfgRef: SelectRef<{ next_cfg: number | bigint }> | undefined;
    let empty = false;
    const { value: touched, result, attempts } = await this.replica.transact((txn, snap) => {
      cfgRef = undefined;
      const names = build(txn, snap);
      empty = txn.length === 0;
      if (!empty && wait) {
        const root = this.requireRoot(snap);
        // ovs-vsctl's wait: bump next_cfg in the same transaction and read it back.
        txn.mutate('Open_vSwitch', [where.uuid(root._uuid)], [mutate.add('next_cfg', 1)]);
        cfgRef = txn.select('Open_vSwitch', [where.uuid(root._uuid)], ['next_cfg']);
      }
      return names;
    });
    let nextCfg: number | undefined;
    let target: number | undefined;
    if (cfgRef) {
      const [row] = result.rows(cfgRef);
      target = Number(row.next_cfg);
      nextCfg = target;
    } else if (wait && touched.length) {
      // Nothing to send, but the interfaces are reported on: if ovs-vswitchd has not yet applied the latest
      // configuration (cur_cfg < next_cfg: an earlier wait timed out, or another client such as ovs-vsctl bumped
      // next_cfg), wait for it first so that the status read below is the applied one.
      const r = this.root();
      if (r && Number(r.cur_cfg) < Number(r.next_cfg)) target = Number(r.next_cfg);
    }
    if (target !== undefined) {
      const timeoutMs = opts.timeoutMs ?? 10_000;
      try {
        await this.replica.waitFor((s) => {
          const r = this.root(s);
          return r && Number(r.cur_cfg) >= (target as number) ? true : undefined;
        }, timeoutMs);
      } catch (e) {
        if (e instanceof OvsdbTimeoutError)
          throw new OvsdbTimeoutError(`ovs-vswitchd did not apply next_cfg ${target} within ${timeoutMs} ms (is it running?)`, {
            nextCfg: target,
            timeoutMs,
          });
        throw e;
      }
    }
    const snap = this.replica.snapshot();
    const interfaces: InterfaceStatus[] = touched.map((name) => {
      const i = this.iface(name, snap);
      const err = i?.error ?? null;
      return { name, ofport: num(i?.ofport), error: err === '' ? null : err };
    });
    const failed = wait ? interfaces.filter((s) => s.ofport === -1 || s.error !== null) : [];
    const res: VswitchResult = { changed: !empty, ...(nextCfg !== undefined ? { nextCfg } : {}), interfaces, failed, attempts };
    if (failed.length && !opts.allowInterfaceErrors) throw new VswitchInterfaceError(res);
    return res;
  }
}

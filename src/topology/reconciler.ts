/**
 * The overlay reconciler: keeps every node's Open vSwitch equal to its desired state.
 *
 * Per node, each change batch (a new desired state), OpenFlow reconnect or audit tick becomes one pass:
 * 1. OVSDB: obr0 and the overlay's own ports brought to the desired shape through the vswitch operations,
 *    which compare with the replica and send only the difference (nothing when it already matches). The
 *    controller round is written to obr0 `external_ids:ovs-sdn-round` in the same transaction.
 * 2. OpenFlow: the flows of the current round's cookie space are dumped (flow stats by cookie/mask), compared
 *    with the desired set, and the difference is applied as ONE atomic bundle (OpenFlow 1.3 bundle extension,
 *    ONF EXT-230). A peer that left is removed with one FLOW_MOD DELETE by cookie/mask inside that bundle.
 * 3. Host: gateway address, cluster route and MTU through the {@link HostNetwork} adapter (when changed, and
 *    after a reconnect, since a restarted ovs-vswitchd recreates the gateway device).
 * 3b. MAC-less pods (no `pod-mac`) without a learned MAC flow (table 35, category `learned`) get an ARP probe:
 *    a PACKET_OUT of an ARP request from the gateway to the pod's port (see `arp-probe.ts`); the pod's reply
 *    is learned by the switch. At most one probe per pod when it appears (or its port/IP changes), after each
 *    OpenFlow reconnect, and per audit period while nothing is learned (learned flows idle-time out).
 * 4. After the first convergence of a round, flows of older rounds are deleted (one DELETE by cookie/mask per
 *    round). The new round's flows have the same table/priority/match as the old ones, so installing them
 *    replaced the old entries in place: traffic never stops. This delete is a SECOND bundle, sent only after
 *    the switch confirmed the first one's commit (the new round is installed) and only when a flow of an older
 *    round is still there (one the new round did not replace). So the first pass of a restarted controller
 *    may send two bundles to a node; every later pass (change batch, reconnect, audit) sends at most one.
 *
 * Flows with a foreign cookie (any top byte other than ours) are never dumped as ours, modified or deleted.
 */
import { Observable, Subject, type Subscription } from 'rxjs';
import { flowDeleteByCookie, syncFlowsWithin } from './reconciler-flows';
import { arpProbePacketOut } from './arp-probe';
import { Vswitch } from '../ovsdb/vswitch';
import { applyBridgeShape } from './ovsdb-shape';
import type { OvsdbClientOptions } from '../ovsdb/client';
import { OpenFlowSession, type OpenFlowConnectOptions } from '../openflow/session';
import {
  CookieCategory,
  MASK_APP,
  MASK_OBJECT,
  cookieObjectId,
  learnedCookieMask,
  makeOverlayCookie,
  parseOverlayCookie,
  peerCookieMask,
  roundCookieMask,
} from './cookies';
import { OVERLAY_BRIDGE, OverlayTable, ROUND_KEY, computeNodeDesired, type HostNetworkSpec, type NodeDesiredState } from './desired';
import { IprouteHostNetwork, type HostNetwork } from './host-network';
import { TopologyError, type NodeState, type PodInfo, type TopologyState } from './model';
import { sameDesired, type TopologyStore } from './store';

/** Options of {@link OverlayReconciler}. */
export interface OverlayReconcilerOptions {
  /** Host-side adapter (default: {@link IprouteHostNetwork} in the current network namespace). */
  hostNetwork?: HostNetwork;
  /** Period of the drift audit in ms (default 10 s; 0 disables). */
  auditIntervalMs?: number;
  /** Delay before retrying a node whose OVSDB endpoint could not be reached (ms, default 1 s). */
  retryMs?: number;
  /** Options for the OVSDB connections. */
  ovsdb?: OvsdbClientOptions;
  /** Options for the OpenFlow connections. */
  openflow?: OpenFlowConnectOptions;
}

/** Why a pass ran. */
export type ReconcileReason = 'start' | 'change' | 'reconnect' | 'audit';

/** A node matches its desired state (emitted on {@link OverlayReconciler.converged$}). */
export interface NodeConvergence {
  readonly node: string;
  readonly round: number;
  /** The topology version the pass started from. */
  readonly version: number;
  readonly reason: ReconcileReason;
  /** From the triggering event (change batch, reconnect, audit tick) to the bundle commit confirmed. */
  readonly ms: number;
  readonly flows: number;
  readonly added: number;
  readonly modified: number;
  readonly deleted: number;
  /** OVSDB transaction sent in this pass (false when the database already matched). */
  readonly ovsdbChanged: boolean;
  readonly at: number;
}

/** ARP probes sent in one pass (emitted on {@link OverlayReconciler.macProbes$}). */
export interface MacProbeEvent {
  readonly node: string;
  /** Pod ports probed. */
  readonly ports: readonly string[];
  readonly reason: ReconcileReason;
  readonly at: number;
}

/** Cookie mask selecting app byte + round + category (object id free). */
const MASK_APP_ROUND_CATEGORY = 0xffff_ffff_0000_0000n;

/** A node-level failure (emitted on {@link OverlayReconciler.errors$}); the node is retried. */
export interface OverlayNodeError {
  readonly node: string;
  readonly error: Error;
}

function num(v: number | bigint | null | undefined): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

/** Pods on obr0 per the OVSDB replica: Interfaces whose external_ids carry `pod-ip`. */
export function discoverPods(vs: Vswitch, bridge = OVERLAY_BRIDGE): PodInfo[] {
  const snap = vs.replica.snapshot();
  const br = vs.bridge(bridge, snap);
  if (!br) return [];
  const pods: PodInfo[] = [];
  for (const pu of br.ports) {
    const p = snap.get('Port', pu);
    for (const iu of p?.interfaces ?? []) {
      const i = snap.get('Interface', iu);
      const ip = i?.external_ids['pod-ip'];
      if (!i || !ip) continue;
      const mac = i.external_ids['pod-mac'] ?? undefined;
      const ofport = num(i.ofport);
      pods.push({
        port: i.name,
        ip,
        ...(mac ? { mac } : {}),
        ...(i.external_ids['pod-name'] ? { podName: i.external_ids['pod-name'] } : {}),
        ...(ofport !== undefined && ofport > 0 ? { ofport } : {}),
      });
    }
  }
  return pods;
}

/** One node's connections and reconcile loop. */
class NodeAgent {
  vs?: Vswitch;
  session?: OpenFlowSession;
  round = 0;
  desired?: NodeDesiredState;
  private version = 0;
  private triggerAt = 0;
  private reason: ReconcileReason = 'start';
  private pending = false;
  private loop?: Promise<void>;
  private hostApplied?: string;
  private hostSpec?: HostNetworkSpec;
  private forceHost = false;
  private peers = new Set<string>();
  private readonly removedPeers: string[] = [];
  /** Pod ports whose MAC the switch learned (programmed by the last successful pass). */
  private learnedPorts = new Set<string>();
  /** Last ARP probe per MAC-less pod port: what it was sent to and when. */
  private readonly probed = new Map<string, { ofport: number; ip: string; at: number }>();
  /** The desired state the last successful pass established. */
  convergedFor?: NodeDesiredState;

  /** True when idle and the last pass established the current desired state. */
  get converged(): boolean {
    return !this.pending && !this.loop && this.desired !== undefined && this.convergedFor === this.desired;
  }
  private oldRoundsCleared = false;
  private stopped = false;
  private readonly subs: Subscription[] = [];
  private unwatch?: () => void;
  private retryTimer?: NodeJS.Timeout;
  private auditTimer?: NodeJS.Timeout;
  private connecting?: Promise<void>;

  constructor(
    readonly name: string,
    private node: NodeState,
    private readonly owner: OverlayReconciler,
    private readonly opts: OverlayReconcilerOptions,
  ) {}

  update(node: NodeState): void {
    this.node = node;
  }

  /** The endpoints this agent connects to. */
  get endpoints(): { ovsdb: string; openflow: string } {
    return { ovsdb: this.node.ovsdb, openflow: this.node.openflow };
  }

  /** A new topology state: records the desired state and triggers a pass when it differs. */
  setDesired(d: NodeDesiredState | undefined, version: number, peers: readonly string[]): void {
    if (!d) return;
    const now = new Set(peers);
    const removed = [...this.peers].filter((p) => !now.has(p));
    this.removedPeers.push(...removed);
    this.peers = now;
    if (this.desired && sameDesired(this.desired, d) && removed.length === 0) return;
    this.desired = d;
    this.version = version;
    this.trigger('change');
  }

  trigger(reason: ReconcileReason): void {
    if (this.stopped) return;
    if (!this.pending) {
      this.triggerAt = Date.now();
      this.reason = reason;
    }
    this.pending = true;
    if (!this.loop) this.loop = this.run().finally(() => (this.loop = undefined));
  }

  private async run(): Promise<void> {
    while (this.pending && !this.stopped) {
      this.pending = false;
      const t0 = this.triggerAt;
      const reason = this.reason;
      try {
        await this.ensureConnected();
        if (this.stopped || !this.vs || !this.desired) return;
        // Changes that arrived while connecting (e.g. the pods just discovered) are in this.desired already.
        this.pending = false;
        await this.pass(t0, reason);
      } catch (e) {
        if (this.stopped) return;
        this.owner.reportError(this.name, e as Error);
        this.scheduleRetry();
        return;
      }
    }
  }

  private failures = 0;

  /** Retries a failed pass with exponential backoff (retryMs, doubling, at most 30 s). */
  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    const delay = Math.min(30_000, (this.opts.retryMs ?? 1000) * 2 ** Math.min(this.failures++, 15));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.trigger(this.reason);
    }, delay);
  }

  private ensureConnected(): Promise<void> {
    if (this.vs) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    let vs: Vswitch;
    try {
      vs = await Vswitch.connect(this.node.ovsdb, { connectTimeoutMs: 3000, ...this.opts.ovsdb });
    } catch (e) {
      throw new TopologyError('TOPOLOGY_UNREACHABLE', `node ${this.name} ovsdb: cannot reach ${this.node.ovsdb}: ${(e as Error).message}`, {
        node: this.name,
        field: 'ovsdb',
        value: this.node.ovsdb,
      });
    }
    if (this.stopped) {
      await vs.close();
      return;
    }
    this.vs = vs;
    const prev = Number(vs.bridge(OVERLAY_BRIDGE)?.external_ids[ROUND_KEY] ?? '0');
    this.round = ((Number.isInteger(prev) ? prev : 0) % 0xffff) + 1;
    const publishPods = () => {
      try {
        this.owner.store.setPods(this.name, discoverPods(vs));
      } catch (e) {
        if (!(e instanceof TopologyError && e.code === 'TOPOLOGY_UNKNOWN_NODE')) this.owner.reportError(this.name, e as Error);
      }
    };
    this.unwatch = vs.replica.watch(() => publishPods());
    publishPods();
    const audit = this.opts.auditIntervalMs ?? 10_000;
    if (audit > 0) {
      this.auditTimer = setInterval(() => this.trigger('audit'), audit);
      this.auditTimer.unref?.();
    }
  }

  private async connectOpenFlow(): Promise<OpenFlowSession> {
    const opts: OpenFlowConnectOptions = {
      reconnect: true,
      retryFirst: true,
      // A restarted ovs-vswitchd recreates obr0.mgmt within a second or so: retry quickly, and keep it bounded.
      backoff: { initialMs: 20, maxMs: 1000 },
      ...this.opts.openflow,
    };
    const s = await OpenFlowSession.connect(this.node.openflow, opts);
    if (this.stopped) {
      await s.close(false);
      throw new TopologyError('TOPOLOGY_UNREACHABLE', `node ${this.name}: stopped`);
    }
    this.subs.push(
      s.up$.subscribe((u) => {
        if (u.reconnected) {
          this.forceHost = true;
          this.owner.reconnects$.next({ node: this.name, at: Date.now() });
          this.trigger('reconnect');
        }
      }),
    );
    return s;
  }

  private async pass(t0: number, reason: ReconcileReason): Promise<void> {
    const vs = this.vs!;
    const d = this.desired!;
    const version = this.version;
    // 1. OVSDB: at most one transaction (nothing when the replica already matches).
    const shape = await applyBridgeShape(vs, d.bridge, { [ROUND_KEY]: String(this.round) });
    const ovsdbChanged = shape.changed;
    for (const f of shape.failed)
      this.owner.reportError(this.name, new TopologyError('TOPOLOGY_INVALID_FIELD', `node ${this.name} ports: ovs-vswitchd could not set up ${f.name}: ${f.error ?? 'ofport -1'}`, {
        node: this.name,
        field: 'ports',
        value: f.name,
      }));
    // 2. OpenFlow: one bundle with the difference (and one delete per departed peer).
    this.session ??= await this.connectOpenFlow();
    const removed = this.removedPeers.splice(0);
    // Learned MACs of pods that left (or now have a pod-mac) go in the same bundle.
    const goneLearned = [...this.learnedPorts].filter((p) => !d.learnedMacPorts.includes(p));
    let res: Awaited<ReturnType<typeof syncFlowsWithin>>;
    try {
      res = await syncFlowsWithin(this.session, d.flows, this.round, [
        ...removed.map((p) => peerCookieMask(p)),
        ...goneLearned.map((p) => learnedCookieMask(p)),
      ]);
      this.learnedPorts = new Set(d.learnedMacPorts);
    } catch (e) {
      this.removedPeers.unshift(...removed); // retried with the next pass
      throw e;
    }
    // 3. Host network.
    const hostKey = JSON.stringify(d.host);
    // Re-applied on audits too (idempotent `replace` commands), so a removed address or route comes back.
    if (this.forceHost || reason === 'audit' || this.hostApplied !== hostKey) {
      this.forceHost = false;
      // A mode change moves the gateway (obr0-gw <-> kbr0): undo the old device's address and route first.
      const prev = this.hostSpec;
      if (prev && (prev.gatewayDevice !== d.host.gatewayDevice || prev.linuxBridge?.name !== d.host.linuxBridge?.name))
        await this.owner.hostNetwork.remove?.(this.name, prev);
      await (this.owner.hostNetwork.apply(this.name, d.host));
      this.hostApplied = hostKey;
      this.hostSpec = d.host;
    }
    // 3b. ARP probes for MAC-less pods that have not been learned yet.
    await this.probeUnlearnedPods(d, reason);
    // 4. Old rounds go only after this round converged.
    if (!this.oldRoundsCleared) {
      const ours = await this.session.dumpFlows({ cookie: makeOverlayCookie(0, 0, 0) & MASK_APP, cookieMask: MASK_APP });
      // Round 0 holds only learned flows (pod MACs), which belong to no round; those of pods that are gone
      // (removed while no controller ran) go here too.
      const cookies = ours.map((f) => parseOverlayCookie(f.cookie));
      const old = new Set(cookies.map((c) => c.round).filter((r) => r !== this.round && r !== 0));
      const keep = new Set(d.learnedMacPorts.map((p) => cookieObjectId(p)));
      const staleLearned = new Set(cookies.filter((c) => c.round === 0 && c.category === CookieCategory.learned && !keep.has(c.object)).map((c) => c.object));
      const dels = [
        ...[...old].map((r) => flowDeleteByCookie(roundCookieMask(r))),
        ...[...staleLearned].map((o) => flowDeleteByCookie({ cookie: makeOverlayCookie(CookieCategory.learned, o), mask: MASK_OBJECT })),
      ];
      if (dels.length) await this.session.bundle(dels, { atomic: true, ordered: true });
      this.oldRoundsCleared = true;
    }
    this.convergedFor = d;
    this.failures = 0;
    this.owner.emitConverged({
      node: this.name,
      round: this.round,
      version,
      reason,
      ms: Date.now() - t0,
      flows: d.flows.length,
      added: res.added,
      modified: res.modified,
      deleted: res.deleted + removed.length,
      ovsdbChanged,
      at: Date.now(),
    });
  }

  /**
   * Sends an ARP probe (PACKET_OUT) to each MAC-less pod that has no learned flow in table 35: once when the
   * pod appears (or its ofport/IP changes), once per reconnect (a restarted ovs-vswitchd lost its learned
   * flows), and at most once per audit period otherwise. One flow dump (table 35, cookie = app | round 0 |
   * category `learned`) per pass, and only when the node has MAC-less pods. A rejected probe is reported on
   * `errors$` and does not fail the pass.
   */
  private async probeUnlearnedPods(d: NodeDesiredState, reason: ReconcileReason): Promise<void> {
    const targets = d.macProbes;
    const live = new Set(targets.map((t) => t.port));
    for (const p of this.probed.keys()) if (!live.has(p)) this.probed.delete(p);
    if (targets.length === 0 || !this.session) return;
    const session = this.session;
    const learnedSpace = makeOverlayCookie(CookieCategory.learned, 0, 0);
    const learned = await session.dumpFlows({ tableId: OverlayTable.podMac, cookie: learnedSpace, cookieMask: MASK_APP_ROUND_CATEGORY });
    const have = new Set(learned.map((f) => parseOverlayCookie(f.cookie).object));
    const now = Date.now();
    const audit = this.opts.auditIntervalMs ?? 10_000;
    // Audit ticks are one period apart (timer jitter aside); forced audits come no closer than that either.
    const minGap = audit > 0 ? Math.floor(audit * 0.8) : 1000;
    const due = targets.filter((t) => {
      if (have.has(cookieObjectId(t.port))) return false;
      const prev = this.probed.get(t.port);
      if (!prev || prev.ofport !== t.ofport || prev.ip !== t.ip || reason === 'reconnect') return true;
      return reason === 'audit' && now - prev.at >= minGap;
    });
    if (due.length === 0) return;
    for (const t of due) this.probed.set(t.port, { ofport: t.ofport, ip: t.ip, at: now });
    const results = await Promise.allSettled(
      due.map((t) => session.request(arpProbePacketOut({ ofport: t.ofport, senderMac: d.gatewayMac, senderIp: d.gatewayIp, targetIp: t.ip }))),
    );
    results.forEach((r, i) => {
      if (r.status === 'rejected')
        this.owner.reportError(this.name, new TopologyError('TOPOLOGY_PROBE_FAILED', `node ${this.name} pod ${due[i]!.port}: ARP probe rejected: ${(r.reason as Error).message}`, {
          node: this.name,
          field: 'ports',
          value: due[i]!.port,
        }));
    });
    this.owner.probes$.next({ node: this.name, ports: due.map((t) => t.port), reason, at: now });
  }

  /** The node left the topology: delete all our flows there (one delete by cookie/mask), then disconnect. */
  async remove(): Promise<void> {
    try {
      if (this.session?.state === 'up') await this.session.bundle([flowDeleteByCookie({ cookie: makeOverlayCookie(0, 0), mask: MASK_APP })]);
    } catch {
      /* unreachable node: nothing more to do */
    }
    await this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.auditTimer) clearInterval(this.auditTimer);
    for (const s of this.subs) s.unsubscribe();
    await this.loop?.catch(() => undefined);
    await this.connecting?.catch(() => undefined);
    this.unwatch?.();
    await this.session?.close(false).catch(() => undefined);
    await this.vs?.close().catch(() => undefined);
  }
}

/**
 * Runs the overlay: one agent per node of the store's topology. Nodes added to the topology are connected and
 * programmed; removed nodes have their flows deleted everywhere (peers drop theirs in their next bundle).
 */
export class OverlayReconciler {
  private readonly agents = new Map<string, NodeAgent>();
  private readonly convergedSubject = new Subject<NodeConvergence>();
  private readonly errorsSubject = new Subject<OverlayNodeError>();
  /** @internal */ readonly reconnects$ = new Subject<{ node: string; at: number }>();
  /** @internal */ readonly probes$ = new Subject<MacProbeEvent>();
  private sub?: Subscription;
  private readonly removing = new Set<Promise<void>>();
  readonly hostNetwork: HostNetwork;

  /** Each pass that left a node matching its desired state, with timings. */
  readonly converged$: Observable<NodeConvergence> = this.convergedSubject.asObservable();
  /** Node-level failures (unreachable OVSDB, rejected bundle, host command failed); the node is retried. */
  readonly errors$: Observable<OverlayNodeError> = this.errorsSubject.asObservable();
  /** OpenFlow reconnects (e.g. ovs-vswitchd restarted); a replay pass follows. */
  readonly reconnected$: Observable<{ node: string; at: number }> = this.reconnects$.asObservable();
  /** ARP probes sent to MAC-less pods whose MAC was not learned yet (one event per pass that sent any). */
  readonly macProbes$: Observable<MacProbeEvent> = this.probes$.asObservable();

  constructor(
    readonly store: TopologyStore,
    private readonly opts: OverlayReconcilerOptions = {},
  ) {
    this.hostNetwork = opts.hostNetwork ?? new IprouteHostNetwork();
  }

  /** Starts following the store. */
  start(): void {
    if (this.sub) return;
    this.sub = this.store.state$.subscribe((s) => this.onState(s));
  }

  /** The controller round a node runs in (0 before its OVSDB connection). */
  round(node: string): number {
    return this.agents.get(node)?.round ?? 0;
  }

  /** The node's OpenFlow session, once connected (for tests and tools). */
  session(node: string): OpenFlowSession | undefined {
    return this.agents.get(node)?.session;
  }

  /** True when every node of the topology matches its current desired state. */
  get allConverged(): boolean {
    const s = this.store.snapshot();
    return s.nodes.every((n) => this.agents.get(n.name)?.converged === true);
  }

  /**
   * Resolves when every node matches its current desired state (checked after each pass) and departed nodes
   * have had their flows deleted, or rejects after `timeoutMs`.
   */
  async whenConverged(timeoutMs = 30_000): Promise<void> {
    await this.convergedOnce(timeoutMs);
    // Departed nodes: their own flows are being deleted.
    await Promise.all([...this.removing]);
  }

  private convergedOnce(timeoutMs: number): Promise<void> {
    if (this.allConverged) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unsubscribe();
        const lagging = this.store.snapshot().nodes.filter((n) => !this.agents.get(n.name)?.converged).map((n) => n.name);
        reject(new TopologyError('TOPOLOGY_UNREACHABLE', `not converged within ${timeoutMs} ms: ${lagging.join(', ')}`));
      }, timeoutMs);
      const sub = this.convergedSubject.subscribe(() => {
        // The pass that emitted is still finishing its loop; check once the microtask queue settles.
        setImmediate(() => {
          if (this.allConverged) {
            clearTimeout(timer);
            sub.unsubscribe();
            resolve();
          }
        });
      });
    });
  }

  /** Forces an audit pass on one node (or all). */
  audit(node?: string): void {
    for (const [n, a] of this.agents) if (!node || n === node) a.trigger('audit');
  }

  private onState(s: TopologyState): void {
    const names = new Set(s.nodes.map((n) => n.name));
    for (const [name, agent] of this.agents) {
      if (!names.has(name)) {
        this.agents.delete(name);
        const p = agent.remove().finally(() => this.removing.delete(p));
        this.removing.add(p);
      }
    }
    for (const n of s.nodes) {
      let agent = this.agents.get(n.name);
      if (agent && (agent.endpoints.ovsdb !== n.ovsdb || agent.endpoints.openflow !== n.openflow)) {
        // New endpoints: drop the old connections (flows stay) and start over.
        const old = agent;
        const p = old.stop().finally(() => this.removing.delete(p));
        this.removing.add(p);
        agent = undefined;
      }
      if (!agent) {
        agent = new NodeAgent(n.name, n, this, this.opts);
        this.agents.set(n.name, agent);
      } else agent.update(n);
    }
    for (const n of s.nodes) {
      const d = computeNodeDesired(s, n.name);
      this.agents.get(n.name)!.setDesired(d, s.version, s.nodes.filter((x) => x !== n).map((x) => x.name));
    }
  }

  /** @internal */
  emitConverged(c: NodeConvergence): void {
    this.convergedSubject.next(c);
  }

  /** @internal */
  reportError(node: string, error: Error): void {
    this.errorsSubject.next({ node, error });
  }

  /**
   * Stops: closes every connection. Flows stay installed (a restarted controller takes them over in a new
   * round without interrupting traffic).
   */
  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    await Promise.all([...this.removing]);
    this.agents.clear();
    this.convergedSubject.complete();
    this.errorsSubject.complete();
    this.reconnects$.complete();
    this.probes$.complete();
  }
}

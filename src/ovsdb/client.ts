/**
 * The raw OVSDB client: every RFC 7047 method plus the Open vSwitch extensions, JSON in and JSON out, with
 * reconnect and exponential backoff. After a reconnect every monitor and lock registered through this client
 * is re-established automatically, and {@link OvsdbMonitor.events} tells the replica layer so it can
 * re-sync.
 *
 * Requests are never queued across connections: a request issued while disconnected, or pending when the
 * connection drops, rejects with OVSDB_DISCONNECTED and is never re-sent (a transaction is never split).
 */
import { BehaviorSubject, Observable, Subject, type Subscription, filter, map } from 'rxjs';
import {
  type OvsdbActiveEndpoint,
  type OvsdbPassiveEndpoint,
  formatOvsdbEndpoint,
  isOvsdbActiveEndpoint,
  parseOvsdbEndpoint,
  parseOvsdbEndpointList,
} from './endpoint';
import {
  OvsdbCanceledError,
  OvsdbConnectionClosedError,
  OvsdbEndpointError,
  type OvsdbError,
  OvsdbMonitorOverflowError,
  OvsdbNotLeaderError,
  OvsdbProtocolError,
  OvsdbUnknownDatabaseError,
  transactionErrorFromResult,
} from './errors';
import { ovsdbJsonStringify } from './framer';
import { type OvsdbJsonRpcOptions, type OvsdbNotification, OvsdbJsonRpc, type OvsdbRequestOptions } from './jsonrpc';
import { type OvsdbSocket, type OvsdbTlsOptions, OvsdbListener, openOvsdbSocket } from './transport';
import { type OvsdbServerDatabase, readOvsdbServerDatabases } from './server-db';

/** Reconnect policy: exponential backoff between `initialDelayMs` and `maxDelayMs`. */
export interface OvsdbReconnectOptions {
  /** First delay after a drop (default 100 ms). */
  initialDelayMs?: number;
  /** Longest delay (default 8 s, as OVS's reconnect module). */
  maxDelayMs?: number;
  /** Growth factor (default 2). */
  factor?: number;
  /** Random spread added to each delay, as a fraction of it (default 0.2). */
  jitter?: number;
}

/** Options of {@link OvsdbClient.connect}. */
export interface OvsdbClientOptions extends OvsdbJsonRpcOptions {
  /** Key, certificate and CA for `ssl:` endpoints (made by `ovs-pki`). */
  tls?: OvsdbTlsOptions;
  /** Connect (and TLS handshake) timeout per attempt, ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Reconnect after a drop (default on). `false` closes the client when the connection drops. */
  reconnect?: boolean | OvsdbReconnectOptions;
  /**
   * Clustered databases: only accept a server that is the cluster leader for {@link database} (checked in
   * the `_Server` database, like OVS's IDL `leader_only`); other remotes in the list are tried in turn.
   * While connected, the client watches `_Server` and reconnects if the server stops being the leader.
   */
  leaderOnly?: boolean;
  /** The database `leaderOnly` checks (default `Open_vSwitch`). */
  database?: string;
  /**
   * How long {@link OvsdbClient.connect} keeps trying (all remotes, with the reconnect backoff) before it
   * gives up, for a server that is not up yet (default 0: each remote is tried once).
   */
  firstConnectTimeoutMs?: number;
  /** Aborts a pending {@link OvsdbClient.connect} (rejects with OVSDB_DISCONNECTED). */
  signal?: AbortSignal;
}

/** Connection state of an {@link OvsdbClient}. */
export type OvsdbConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Which monitor method to use (RFC 7047 4.1.5 `monitor`; OVS extensions `monitor_cond`, `monitor_cond_since`). */
export type OvsdbMonitorMethod = 'monitor' | 'monitor_cond' | 'monitor_cond_since';

/** Options of {@link OvsdbClient.monitor}. */
export interface OvsdbMonitorOptions {
  /** Default `monitor_cond` (updates arrive as `update2`). */
  method?: OvsdbMonitorMethod;
  /** The monitor id (`json-value`, RFC 7047 4.1.5). Default: a fresh string. */
  id?: string;
  /** `monitor_cond_since` only: resume after this transaction id (default: the all-zero uuid = full dump). */
  lastTxnId?: string;
  /**
   * Most events kept for a consumer that has not subscribed to {@link OvsdbMonitor.events} yet, including those
   * arriving while the client re-establishes the session (default
   * {@link OVSDB_DEFAULT_MAX_BUFFERED_EVENTS}). One more cancels the monitor and ends `events` with
   * {@link OvsdbMonitorOverflowError} (OVSDB_MONITOR_OVERFLOW) instead of growing without bound.
   */
  maxBufferedEvents?: number;
}

/** Default of {@link OvsdbMonitorOptions.maxBufferedEvents}. */
export const OVSDB_DEFAULT_MAX_BUFFERED_EVENTS = 10_000;

/**
 * An event of a monitor, in wire order:
 * - `initial`: the reply to the monitor request: the first one, or (`resync: true`) the reply after the
 *   client re-established the monitor on a new connection (or after the server cancelled it with
 *   `monitor_canceled` on a db-change-aware session, see {@link OvsdbClient.setDbChangeAware}). For `monitor_cond_since`, `found` says whether
 *   the server could resume from the last transaction id (then `updates` holds only the changes since);
 *   otherwise `updates` is a full dump and the consumer must replace its state.
 * - `update`: an `update`/`update2`/`update3` notification.
 */
export type OvsdbMonitorEvent =
  | { kind: 'initial'; resync: boolean; found: boolean; lastTxnId: string | undefined; updates: Record<string, unknown> }
  | {
      kind: 'update';
      notification: 'update' | 'update2' | 'update3';
      lastTxnId: string | undefined;
      updates: Record<string, unknown>;
    };

/** The all-zero uuid: `monitor_cond_since` with it asks for a full dump. */
export const OVSDB_ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * A monitor registered on an {@link OvsdbClient}. It survives reconnects: the client re-sends it (for
 * `monitor_cond_since` from the last transaction id seen) and emits a new `initial` event.
 */
export class OvsdbMonitor {
  private readonly subject = new Subject<OvsdbMonitorEvent>();
  private buffer: OvsdbMonitorEvent[] | undefined = [];
  private held: OvsdbMonitorEvent[] | undefined;
  /** The last transaction id seen (monitor_cond_since / update3). */
  lastTxnId: string | undefined;
  private active = true;

  private ended: { error?: unknown } | undefined;

  /**
   * The monitor's events. Events are buffered until the first subscription, so the first subscriber sees
   * everything from the initial reply on; later subscribers see events from the moment they subscribe.
   * The buffer holds at most `maxBufferedEvents` (see {@link OvsdbMonitorOptions}); past that the monitor is
   * cancelled and this errors with OVSDB_MONITOR_OVERFLOW after the buffered events. Also errors if the
   * monitor cannot be re-established after a reconnect; completes on cancel or client close.
   */
  readonly events: Observable<OvsdbMonitorEvent> = new Observable<OvsdbMonitorEvent>((sub) => {
    const buf = this.buffer;
    this.buffer = undefined;
    if (buf) for (const e of buf) sub.next(e);
    if (this.ended) {
      if ('error' in this.ended) sub.error(this.ended.error);
      else sub.complete();
      return undefined;
    }
    return this.subject.subscribe(sub);
  });

  constructor(
    private readonly client: OvsdbClient,
    /** Database name. */
    readonly db: string,
    /** Monitor id as sent. */
    readonly id: string,
    /** Monitor method. */
    readonly method: OvsdbMonitorMethod,
    /** Current monitor requests (RFC 7047 `<monitor-requests>`; updated by {@link change}). */
    public requests: Record<string, unknown>,
    /** The first reply's `initial` event. */
    public initial: Extract<OvsdbMonitorEvent, { kind: 'initial' }> | undefined,
    /** Cap of the events kept while nobody subscribed to {@link events}. */
    readonly maxBufferedEvents: number = OVSDB_DEFAULT_MAX_BUFFERED_EVENTS,
  ) {}

  /** False after {@link cancel} or when the client closed. */
  get isActive(): boolean {
    return this.active;
  }

  /** @internal */
  emit(e: OvsdbMonitorEvent): void {
    if (!this.active) return;
    if (e.lastTxnId !== undefined) this.lastTxnId = e.lastTxnId;
    // The cap applies while nobody subscribed (everything held lands in the buffer); with a subscriber, events
    // are only held for the few round trips of a re-establishment.
    if (this.buffer && this.buffer.length + (this.held?.length ?? 0) >= this.maxBufferedEvents) {
      this.overflow();
      return;
    }
    if (this.held) this.held.push(e);
    else this.deliver(e);
  }

  /** Too many undelivered events: cancel on the server (best effort) and end with a typed error. */
  private overflow(): void {
    this.client.unregisterMonitor(this);
    if (this.client.state === 'connected') this.client.request('monitor_cancel', [this.id]).catch(() => undefined);
    this.end(
      new OvsdbMonitorOverflowError(`monitor ${this.id} has more than ${this.maxBufferedEvents} undelivered events; cancelled`, {
        id: this.id,
        db: this.db,
        maxBufferedEvents: this.maxBufferedEvents,
      }),
    );
  }

  private deliver(e: OvsdbMonitorEvent): void {
    if (this.buffer) this.buffer.push(e);
    else this.subject.next(e);
  }

  /**
   * @internal While the client re-establishes a session, events are held back and delivered by
   * {@link release} once the client is `connected` again, so that a subscriber reacting to the re-sync
   * can use the client at once.
   */
  hold(): void {
    if (this.active && !this.held) this.held = [];
  }

  /** @internal Delivers the events held since {@link hold}, in order. */
  release(): void {
    const h = this.held;
    this.held = undefined;
    if (h) for (const e of h) if (this.active) this.deliver(e);
  }

  /** @internal */
  end(err?: unknown): void {
    if (!this.active) return;
    this.release();
    this.active = false;
    this.ended = err === undefined ? {} : { error: err };
    if (err !== undefined) this.subject.error(err);
    else this.subject.complete();
  }

  /**
   * `monitor_cond_change` (OVS extension, ovsdb-server(7)): replaces the conditions of some of this monitor's
   * tables. `requests` maps a table name to `{"where": [...]}` or an array of them (one per element of the
   * table's monitor request); a full monitor request may be passed, but only its `where` is sent: the wire
   * `<monitor-cond-update-requests>` is table -> ARRAY of `{"where": [...]}` and ovsdb-server refuses a
   * `columns` member ("changing columns is unsupported"). A `columns` list that differs from the monitored
   * one therefore rejects with OVSDB_BAD_MESSAGE before anything is sent (cancel and monitor again to change
   * columns); a missing `where` means all rows (`[true]`). The stored request keeps its columns and takes the
   * new conditions, so a reconnect re-sends exactly what the server had.
   */
  async change(requests: Record<string, unknown>): Promise<void> {
    if (this.method === 'monitor') {
      throw new OvsdbProtocolError('monitor_cond_change needs a monitor_cond or monitor_cond_since monitor', { id: this.id });
    }
    const wire: Record<string, Array<{ where: unknown[] }>> = {};
    for (const [table, upd] of Object.entries(requests)) {
      const cur = this.requests[table];
      if (cur === undefined) throw new OvsdbProtocolError(`monitor ${this.id} does not monitor table ${table}`, { id: this.id, table });
      const curElems = asElements(cur);
      const elems = asElements(upd);
      if (elems.length === 0) throw new OvsdbProtocolError(`no condition given for table ${table}`, { id: this.id, table });
      wire[table] = elems.map((e, i) => {
        if (typeof e !== 'object' || e === null || Array.isArray(e)) {
          throw new OvsdbProtocolError(`monitor-cond-update-request for ${table} is not an object`, { id: this.id, table, value: e });
        }
        const r = e as Record<string, unknown>;
        if (r.columns !== undefined && !sameColumns(r.columns, (curElems[i] ?? curElems[0])?.columns)) {
          throw new OvsdbProtocolError(`monitor_cond_change cannot change the columns of table ${table} (ovsdb-server(7)); cancel the monitor and monitor again`, {
            id: this.id,
            table,
            columns: r.columns,
          });
        }
        if (r.where !== undefined && !Array.isArray(r.where)) {
          throw new OvsdbProtocolError(`"where" of table ${table} is not an array`, { id: this.id, table, value: r.where });
        }
        return { where: (r.where as unknown[] | undefined) ?? [true] };
      });
    }
    await this.client.request('monitor_cond_change', [this.id, this.id, wire]);
    const next: Record<string, unknown> = { ...this.requests };
    for (const [table, w] of Object.entries(wire)) {
      const cur = this.requests[table];
      next[table] = Array.isArray(cur)
        ? asElements(cur).map((c, i) => ({ ...c, where: (w[i] ?? w[0]).where }))
        : { ...(cur as Record<string, unknown>), where: w[0].where };
    }
    this.requests = next;
  }

  /** `monitor_cancel` (RFC 7047 4.1.7) and forget the registration; a no-op once the monitor has ended. */
  async cancel(): Promise<void> {
    // A monitor that already ended (cancelled, overflowed, its database removed) is gone on the server too.
    const wasActive = this.active;
    this.client.unregisterMonitor(this);
    this.end();
    if (wasActive && this.client.state === 'connected') await this.client.request('monitor_cancel', [this.id]);
  }
}

/** A lock registered with {@link OvsdbClient.lock} / {@link OvsdbClient.steal}. */
interface LockReg {
  name: string;
  /** True while this session owns the lock (granted, not stolen, connection up). */
  held: boolean;
}

let monitorCounter = 0;

/**
 * An OVSDB client connection (active, with reconnect), or a session accepted on a passive endpoint
 * (see {@link OvsdbClient.listen}; no reconnect, the server dials again).
 */
export class OvsdbClient {
  private peer: OvsdbJsonRpc | undefined;
  private readonly stateSubject = new BehaviorSubject<OvsdbConnectionState>('connecting');
  private readonly notificationSubject = new Subject<OvsdbNotification>();
  private readonly reconnectedSubject = new Subject<{ endpoint: string; attempt: number }>();
  private readonly disconnectSubject = new Subject<OvsdbError | undefined>();
  private readonly lockLostSubject = new Subject<string>();
  private readonly monitors = new Map<string, OvsdbMonitor>();
  private readonly locks = new Map<string, LockReg>();
  private dbChangeAware = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private delay = 0;
  private remoteIndex = 0;
  private sessionCount = 0;
  private closing = false;
  private leaderWatch: Subscription | undefined;
  private currentEndpointText: string | undefined;

  /** Connection state over time (starts with the current state). */
  readonly state$: Observable<OvsdbConnectionState> = this.stateSubject.asObservable();
  /** Every notification from the server (all sessions), in order. */
  readonly notifications$: Observable<OvsdbNotification> = this.notificationSubject.asObservable();
  /** `locked` notifications (RFC 7047 4.1.9): the name of a lock we now own. */
  readonly locked$: Observable<string> = this.notificationSubject.pipe(
    filter((n) => n.method === 'locked'),
    map((n) => String(n.params[0])),
  );
  /** `stolen` notifications (RFC 7047 4.1.10): the name of a lock another client stole from us. */
  readonly stolen$: Observable<string> = this.notificationSubject.pipe(
    filter((n) => n.method === 'stolen'),
    map((n) => String(n.params[0])),
  );
  /**
   * Emits once per lost connection with the reason: an {@link OvsdbFramingError} (malformed, oversized or
   * too deep message), {@link OvsdbProtocolError}, {@link OvsdbTimeoutError} (inactivity probe) or
   * {@link OvsdbConnectionClosedError}; `undefined` when the client closed it itself.
   */
  readonly disconnects$: Observable<OvsdbError | undefined> = this.disconnectSubject.asObservable();
  /**
   * The name of each lock we held when the connection dropped (the server releases a session's locks when it
   * ends, RFC 7047 4.1.8). The client requests it again after reconnecting; `locked$` tells when it is ours.
   */
  readonly lockLost$: Observable<string> = this.lockLostSubject.asObservable();
  /**
   * Emits after each successful reconnect, once every registered monitor, lock and set_db_change_aware has
   * been re-established. Order after a reconnect: {@link state$} emits `connected`, then each monitor
   * delivers its `initial` event with `resync: true` (and any update that followed it), then this emits; so a
   * subscriber reacting to the re-sync can send requests at once.
   */
  readonly reconnected$: Observable<{ endpoint: string; attempt: number }> = this.reconnectedSubject.asObservable();

  private constructor(
    private readonly remotes: OvsdbActiveEndpoint[],
    private readonly opts: OvsdbClientOptions,
  ) {}

  /**
   * Connects to `endpoint` (OVS syntax, e.g. `unix:/run/openvswitch/db.sock`, `tcp:127.0.0.1:6640`,
   * `ssl:10.0.0.1:6640`, or a comma-separated list of cluster members). Each remote in the list is tried
   * once (or, with `firstConnectTimeoutMs`, round after round with backoff until that time is up); rejects
   * with the last failure (OVSDB_CONNECT_FAILED, OVSDB_TLS, OVSDB_NOT_LEADER) if none works.
   * Once connected, a drop triggers reconnects with backoff unless `reconnect: false`.
   */
  static async connect(endpoint: string | OvsdbActiveEndpoint | OvsdbActiveEndpoint[], opts: OvsdbClientOptions = {}): Promise<OvsdbClient> {
    const remotes =
      typeof endpoint === 'string' ? parseOvsdbEndpointList(endpoint) : Array.isArray(endpoint) ? endpoint : [endpoint];
    if (remotes.length === 0) throw new OvsdbEndpointError('no endpoint given', String(endpoint));
    const c = new OvsdbClient(remotes, opts);
    const deadline = Date.now() + (opts.firstConnectTimeoutMs ?? 0);
    let lastErr: unknown;
    for (;;) {
      for (let i = 0; i < remotes.length; i++) {
        if (opts.signal?.aborted) {
          lastErr = new OvsdbConnectionClosedError('connect aborted', { endpoint: formatOvsdbEndpoint(remotes[i]) });
          break;
        }
        try {
          await c.establish(remotes[i], false);
          c.remoteIndex = i;
          return c;
        } catch (e) {
          lastErr = e;
        }
      }
      const wait = c.nextDelay();
      if (opts.signal?.aborted || Date.now() + wait > deadline) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, wait);
        function done() {
          clearTimeout(t);
          opts.signal?.removeEventListener('abort', done);
          resolve();
        }
        opts.signal?.addEventListener('abort', done, { once: true });
      });
    }
    c.stateSubject.next('closed');
    c.stateSubject.complete();
    throw lastErr;
  }

  /**
   * Listens on a passive endpoint (`ptcp:PORT[:IP]`, `pssl:PORT[:IP]`, `punix:PATH`) for OVSDB servers that
   * dial in (`ovs-vsctl set-manager`). Each accepted connection becomes an {@link OvsdbClient} session
   * (no reconnect: when it drops it is closed; the server will dial again and appear as a new session).
   */
  static async listen(endpoint: string | OvsdbPassiveEndpoint, opts: OvsdbClientOptions = {}): Promise<OvsdbManager> {
    const ep = typeof endpoint === 'string' ? parseOvsdbEndpoint(endpoint) : endpoint;
    if (isOvsdbActiveEndpoint(ep)) throw new OvsdbEndpointError('listen needs a passive endpoint (ptcp:, pssl:, punix:)', formatOvsdbEndpoint(ep));
    const listener = await OvsdbListener.listen(ep, { tls: opts.tls });
    return new OvsdbManager(listener, opts);
  }

  /** @internal Wraps an accepted socket. */
  static fromSocket(socket: OvsdbSocket, name: string, opts: OvsdbClientOptions = {}): OvsdbClient {
    const c = new OvsdbClient([], { ...opts, reconnect: false });
    c.attach(new OvsdbJsonRpc(socket, { ...opts, peerName: name }), name);
    return c;
  }

  /** Current connection state. */
  get state(): OvsdbConnectionState {
    return this.stateSubject.value;
  }

  /** The endpoint of the current (or last) connection. */
  get endpoint(): string | undefined {
    return this.currentEndpointText;
  }

  /** The JSON-RPC peer of the current connection (undefined while disconnected). */
  get rpc(): OvsdbJsonRpc | undefined {
    return this.peer?.open ? this.peer : undefined;
  }

  // ---------------------------------------------------------------------------------------------------
  // Connection management.

  private async establish(ep: OvsdbActiveEndpoint, isReconnect: boolean): Promise<void> {
    const name = formatOvsdbEndpoint(ep);
    const sock = await openOvsdbSocket(ep, { tls: this.opts.tls, connectTimeoutMs: this.opts.connectTimeoutMs });
    if (this.closing) {
      sock.destroy();
      throw new OvsdbConnectionClosedError('client closed', { endpoint: name });
    }
    const peer = new OvsdbJsonRpc(sock, { ...this.opts, peerName: name });
    // Monitor events of the re-sync are held, and the notifications that arrive meanwhile queued, until the
    // state is `connected` (see OvsdbMonitor.hold), so a subscriber that transacts in reaction to them (a
    // replica's re-sync batch, a re-acquired lock) finds the client usable. On failure the held re-sync replies
    // are delivered anyway (they were true when sent, and lastTxnId already moved past them); the queued
    // notifications of the dead session are dropped (lastTxnId did not move past them).
    const held = isReconnect ? [...this.monitors.values()] : [];
    const queued: OvsdbNotification[] = [];
    const release = () => {
      for (const m of held) m.release();
    };
    for (const m of held) m.hold();
    try {
      if (this.opts.leaderOnly) await this.checkLeader(peer, name);
      if (isReconnect) await this.restore(peer, queued);
    } catch (e) {
      peer.close();
      this.dropLocks();
      release();
      throw e;
    }
    if (this.closing || !peer.open) {
      peer.close();
      this.dropLocks();
      release();
      throw new OvsdbConnectionClosedError(this.closing ? 'client closed' : 'connection lost while re-establishing', { endpoint: name }, peer.closeReason);
    }
    this.attach(peer, name);
    if (this.opts.leaderOnly) this.watchLeader(peer);
    for (const n of queued) this.onNotification(n);
    release();
    if (isReconnect) this.reconnectedSubject.next({ endpoint: name, attempt: this.sessionCount });
  }

  private attach(peer: OvsdbJsonRpc, name: string): void {
    this.peer = peer;
    this.currentEndpointText = name;
    this.sessionCount++;
    this.delay = 0;
    peer.notifications.subscribe((n) => this.onNotification(n));
    void peer.closed.then(() => this.onPeerClosed(peer));
    this.stateSubject.next('connected');
  }

  private async checkLeader(peer: OvsdbJsonRpc, name: string): Promise<void> {
    const db = this.opts.database ?? 'Open_vSwitch';
    let rows: OvsdbServerDatabase[];
    try {
      rows = await readOvsdbServerDatabases((m, p) => peer.request(m, p));
    } catch (e) {
      if (e instanceof OvsdbUnknownDatabaseError) return; // no _Server database: not a clustered server
      throw e;
    }
    const row = rows.find((r) => r.name === db);
    if (!row) throw new OvsdbNotLeaderError(`${name} does not serve database ${db}`, { endpoint: name, database: db });
    if (row.model === 'clustered' && !(row.leader && row.connected)) {
      throw new OvsdbNotLeaderError(`${name} is not the leader of clustered database ${db}`, { endpoint: name, database: db });
    }
  }

  /** With leaderOnly: monitor `_Server.Database` and drop the connection when the server stops being leader. */
  private watchLeader(peer: OvsdbJsonRpc): void {
    const db = this.opts.database ?? 'Open_vSwitch';
    const id = `leader-watch-${++monitorCounter}`;
    const check = (upd: unknown) => {
      const t = (upd as Record<string, Record<string, { new?: Record<string, unknown> }>>)?.Database;
      if (!t) return;
      for (const r of Object.values(t)) {
        const row = r?.new;
        if (row && row.name === db && row.model === 'clustered' && (row.leader === false || row.connected === false)) {
          peer.close();
        }
      }
    };
    const sub = peer.notifications.subscribe((n) => {
      if (n.method === 'update' && n.params[0] === id) check(n.params[1]);
    });
    this.leaderWatch = sub;
    peer
      .request('monitor', ['_Server', id, { Database: { columns: ['name', 'model', 'leader', 'connected'] } }], {
        onResult: check,
      })
      .catch(() => undefined);
  }

  /**
   * Re-registers monitors, locks and db-change-awareness on a fresh connection (before it goes live). The
   * notifications that arrive meanwhile (and the `locked` of a re-acquired lock) are collected in `queued`, to
   * be dispatched once the client is `connected` again, after each monitor's re-sync reply.
   */
  private async restore(peer: OvsdbJsonRpc, queued: OvsdbNotification[]): Promise<void> {
    const early = peer.notifications.subscribe((n) => queued.push(n));
    try {
      if (this.dbChangeAware) await peer.request('set_db_change_aware', [true]);
      for (const m of [...this.monitors.values()]) {
        try {
          await this.sendMonitor(peer, m, true);
        } catch (e) {
          if (e instanceof OvsdbConnectionClosedError) throw e;
          this.monitors.delete(monitorKey(m.id));
          m.end(e);
        }
      }
      for (const l of this.locks.values()) {
        // RFC 7047 4.1.8: re-request the lock; `locked` follows when granted.
        const r = (await peer.request('lock', [l.name])) as { locked?: boolean } | null;
        if (r && r.locked === true) {
          l.held = true;
          queued.push({ method: 'locked', params: [l.name] });
        }
      }
    } finally {
      early.unsubscribe();
    }
  }

  private onPeerClosed(peer: OvsdbJsonRpc): void {
    if (peer !== this.peer) return;
    this.leaderWatch?.unsubscribe();
    this.leaderWatch = undefined;
    this.peer = undefined;
    this.disconnectSubject.next(peer.closeReason);
    this.dropLocks();
    if (this.closing || this.opts.reconnect === false) {
      this.finish();
      return;
    }
    this.stateSubject.next('reconnecting');
    this.scheduleReconnect();
  }

  /** The session ended: every lock it held is gone (RFC 7047 4.1.8). */
  private dropLocks(): void {
    for (const l of this.locks.values()) {
      if (l.held) {
        l.held = false;
        this.lockLostSubject.next(l.name);
      }
    }
  }

  /** The next backoff delay (grows from `initialDelayMs` by `factor` up to `maxDelayMs`, plus jitter). */
  private nextDelay(): number {
    const r = typeof this.opts.reconnect === 'object' ? this.opts.reconnect : {};
    const initial = r.initialDelayMs ?? 100;
    const max = r.maxDelayMs ?? 8000;
    const factor = r.factor ?? 2;
    const jitter = r.jitter ?? 0.2;
    this.delay = this.delay === 0 ? initial : Math.min(max, this.delay * factor);
    return this.delay * (1 + Math.random() * jitter);
  }

  private scheduleReconnect(): void {
    const wait = this.nextDelay();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing) return;
      const ep = this.remotes[this.remoteIndex % this.remotes.length];
      this.remoteIndex = (this.remoteIndex + 1) % this.remotes.length;
      this.establish(ep, true).then(
        () => {
          this.remoteIndex = (this.remoteIndex + this.remotes.length - 1) % this.remotes.length;
        },
        () => {
          if (!this.closing) this.scheduleReconnect();
        },
      );
    }, wait);
  }

  private finish(): void {
    if (this.stateSubject.value === 'closed') return;
    for (const m of this.monitors.values()) m.end();
    this.monitors.clear();
    this.locks.clear();
    this.stateSubject.next('closed');
    this.stateSubject.complete();
    this.notificationSubject.complete();
    this.reconnectedSubject.complete();
    this.disconnectSubject.complete();
    this.lockLostSubject.complete();
  }

  /** Closes the connection for good: no reconnect; pending requests reject with OVSDB_DISCONNECTED. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const p = this.peer;
    if (p) {
      p.close();
      await p.closed;
    }
    this.finish();
  }

  private onNotification(n: OvsdbNotification): void {
    const { method, params } = n;
    if (method === 'locked' || method === 'stolen') {
      const l = this.locks.get(String(params[0]));
      if (l) l.held = method === 'locked';
    }
    if (method === 'monitor_canceled') {
      // OVS extension (ovsdb-server(7)): on a db-change-aware session the server cancels the monitors of a
      // database whose schema changed (ovsdb-server/convert) or that was removed, instead of closing the
      // connection. Re-send the monitor: its reply is a full dump, delivered as an `initial` event with
      // `resync: true`; if the database is gone, the monitor ends with the error (e.g. unknown database).
      const m = this.monitors.get(monitorKey(params[0]));
      if (m) void this.resendCanceledMonitor(m);
    }
    if (method === 'update' || method === 'update2' || method === 'update3') {
      const m = this.monitors.get(monitorKey(params[0]));
      if (m) {
        const update3 = method === 'update3';
        const updates = (update3 ? params[2] : params[1]) as Record<string, unknown>;
        const lastTxnId = update3 && typeof params[1] === 'string' ? params[1] : undefined;
        m.emit({ kind: 'update', notification: method, lastTxnId, updates: updates ?? {} });
      }
    }
    this.notificationSubject.next(n);
  }

  private async resendCanceledMonitor(m: OvsdbMonitor): Promise<void> {
    const peer = this.rpc;
    if (!peer) return; // the reconnect re-establishes it
    try {
      await this.sendMonitor(peer, m, true);
    } catch (e) {
      if (e instanceof OvsdbConnectionClosedError) return; // likewise
      this.unregisterMonitor(m);
      m.end(e);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Raw requests.

  /**
   * Sends any request on the current connection. Rejects with OVSDB_DISCONNECTED if not connected (nothing
   * is queued), with an {@link OvsdbRpcError} subclass on an error reply, or OVSDB_TIMEOUT.
   */
  request(method: string, params: unknown[], opts?: OvsdbRequestOptions): Promise<unknown> {
    const p = this.rpc;
    if (!p) {
      return Promise.reject(
        new OvsdbConnectionClosedError(`not connected (state ${this.state})`, { method, endpoint: this.currentEndpointText }),
      );
    }
    return p.request(method, params, opts);
  }

  /** RFC 7047 4.1.1 `list_dbs`. */
  async listDbs(): Promise<string[]> {
    const r = await this.request('list_dbs', []);
    if (!Array.isArray(r) || !r.every((x) => typeof x === 'string')) throw new OvsdbProtocolError('list_dbs result is not an array of strings', { result: r });
    return r;
  }

  /** RFC 7047 4.1.2 `get_schema`: the database schema as JSON. */
  getSchema(db: string): Promise<Record<string, unknown>> {
    return this.request('get_schema', [db]) as Promise<Record<string, unknown>>;
  }

  /**
   * RFC 7047 4.1.3 `transact`. Resolves with the result array (one element per operation). Rejects with the
   * {@link OvsdbTransactionError} subclass of the first failing operation (or the commit-level error), an
   * {@link OvsdbRpcError} for a method-level error (e.g. unknown database), OVSDB_DISCONNECTED if the
   * connection drops before the reply (the outcome is then unknown; it is not re-sent), or
   * OVSDB_CANCELED if `signal` aborts it first (the client sends `cancel`, RFC 7047 4.1.4).
   */
  async transact(db: string, ops: readonly unknown[], opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<unknown[]> {
    const p = this.rpc;
    if (!p) throw new OvsdbConnectionClosedError(`not connected (state ${this.state})`, { method: 'transact', endpoint: this.currentEndpointText });
    const { id, result } = p.start('transact', [db, ...ops], { timeoutMs: opts.timeoutMs });
    const onAbort = () => {
      // RFC 7047 4.1.4: `cancel` names the request; the server answers the request with error "canceled".
      // ovsdb-server only sends that reply on db-change-aware sessions and otherwise drops the request
      // silently, so follow the cancel with an echo: requests are handled in order, so if the echo's reply
      // arrives first, the transaction was cancelled without a reply and we fail it here.
      p.notify('cancel', [id]);
      p.request('echo', ['cancel', id]).then(
        () => p.abandon(id, new OvsdbCanceledError('transact', { error: 'canceled', details: 'cancelled by the client' })),
        () => undefined,
      );
    };
    if (opts.signal) {
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    try {
      const r = await result;
      const err = transactionErrorFromResult(r, ops);
      if (err) throw err;
      return r as unknown[];
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** RFC 7047 4.1.4 `cancel` (a notification naming the id of an outstanding request). */
  cancel(requestId: unknown): void {
    this.rpc?.notify('cancel', [requestId]);
  }

  /**
   * Registers a monitor (RFC 7047 4.1.5 `monitor`, or OVS's `monitor_cond` / `monitor_cond_since`) and
   * resolves with its handle once the server replied. `requests` maps table names to monitor requests
   * (`{"columns": [...], "select": {...}}`, with `"where"` for the conditional methods). The handle's
   * `events` start with the `initial` reply, then every update; after a reconnect the client re-sends the
   * monitor and emits a new `initial` (with `resync: true`).
   */
  async monitor(db: string, requests: Record<string, unknown>, opts: OvsdbMonitorOptions = {}): Promise<OvsdbMonitor> {
    const method = opts.method ?? 'monitor_cond';
    const id = opts.id ?? `m${++monitorCounter}`;
    if (this.monitors.has(monitorKey(id))) throw new OvsdbProtocolError(`a monitor with id ${id} is already registered`, { id });
    const p = this.rpc;
    if (!p) throw new OvsdbConnectionClosedError(`not connected (state ${this.state})`, { method, endpoint: this.currentEndpointText });
    const cap = opts.maxBufferedEvents ?? OVSDB_DEFAULT_MAX_BUFFERED_EVENTS;
    if (!Number.isInteger(cap) || cap < 1) throw new OvsdbProtocolError('maxBufferedEvents must be a positive integer', { maxBufferedEvents: cap });
    const m = new OvsdbMonitor(this, db, id, method, requests, undefined, cap);
    if (opts.lastTxnId !== undefined) m.lastTxnId = opts.lastTxnId;
    // Register first: updates may follow the reply in the same read.
    this.monitors.set(monitorKey(id), m);
    try {
      await this.sendMonitor(p, m, false);
    } catch (e) {
      this.monitors.delete(monitorKey(id));
      m.end();
      throw e;
    }
    return m;
  }

  private async sendMonitor(peer: OvsdbJsonRpc, m: OvsdbMonitor, resync: boolean): Promise<void> {
    const params: unknown[] = [m.db, m.id, m.requests];
    if (m.method === 'monitor_cond_since') params.push(m.lastTxnId ?? OVSDB_ZERO_UUID);
    await peer.request(m.method, params, {
      onResult: (r) => {
        let ev: Extract<OvsdbMonitorEvent, { kind: 'initial' }>;
        if (m.method === 'monitor_cond_since') {
          // Reply: [found, last-txn-id, table-updates2] (OVS ovsdb-server(7) "monitor_cond_since").
          if (!Array.isArray(r) || r.length < 3 || typeof r[0] !== 'boolean') {
            throw new OvsdbProtocolError('monitor_cond_since reply is not [found, last-txn-id, updates]', { id: m.id });
          }
          ev = {
            kind: 'initial',
            resync,
            found: r[0],
            lastTxnId: typeof r[1] === 'string' ? r[1] : undefined,
            updates: (r[2] ?? {}) as Record<string, unknown>,
          };
        } else {
          ev = { kind: 'initial', resync, found: false, lastTxnId: undefined, updates: (r ?? {}) as Record<string, unknown> };
        }
        if (!resync) m.initial = ev;
        m.emit(ev);
      },
    });
  }

  /** @internal */
  unregisterMonitor(m: OvsdbMonitor): void {
    if (this.monitors.get(monitorKey(m.id)) === m) this.monitors.delete(monitorKey(m.id));
  }

  /** The monitors currently registered (re-established on reconnect). */
  get registeredMonitors(): readonly OvsdbMonitor[] {
    return [...this.monitors.values()];
  }

  /** RFC 7047 4.1.7 `monitor_cancel` by id (prefer {@link OvsdbMonitor.cancel}). */
  async monitorCancel(id: string): Promise<void> {
    const m = this.monitors.get(monitorKey(id));
    if (m) {
      await m.cancel();
      return;
    }
    await this.request('monitor_cancel', [id]);
  }

  /**
   * RFC 7047 4.1.8 `lock`. Resolves with `locked` (true if acquired at once; otherwise a `locked`
   * notification on {@link locked$} follows when it is). The lock is re-requested after a reconnect until
   * {@link unlock}.
   */
  async lock(name: string): Promise<{ locked: boolean }> {
    const r = (await this.request('lock', [name])) as { locked?: unknown };
    const locked = r?.locked === true;
    this.locks.set(name, { name, held: locked });
    return { locked };
  }

  /** RFC 7047 4.1.8 `steal`: take the lock from its owner (who gets `stolen`). */
  async steal(name: string): Promise<{ locked: boolean }> {
    const r = (await this.request('steal', [name])) as { locked?: unknown };
    const locked = r?.locked === true;
    this.locks.set(name, { name, held: locked });
    return { locked };
  }

  /** True while this client owns lock `name` (granted and not stolen, on the current connection). */
  isLockHeld(name: string): boolean {
    return this.locks.get(name)?.held === true;
  }

  /** RFC 7047 4.1.8 `unlock`: release (or stop waiting for) the lock. */
  async unlock(name: string): Promise<void> {
    this.locks.delete(name);
    await this.request('unlock', [name]);
  }

  /** RFC 7047 4.1.11 `echo`: resolves with the params echoed back. */
  async echo(...params: unknown[]): Promise<unknown[]> {
    return (await this.request('echo', params)) as unknown[];
  }

  /**
   * OVS extension `set_db_change_aware` (ovsdb-server(7)): on a schema change (ovsdb-server/convert) or the
   * removal of a database, the server then cancels the affected monitors with a `monitor_canceled`
   * notification (and reports it in `_Server`) instead of closing the connection. The client re-sends a
   * cancelled monitor (a re-sync: `initial` with `resync: true`), or ends it with the error if the database is
   * gone. Re-sent on reconnect.
   */
  async setDbChangeAware(aware = true): Promise<void> {
    await this.request('set_db_change_aware', [aware]);
    this.dbChangeAware = aware;
  }

  /** The rows of the `_Server` database's `Database` table (OVS extension, ovsdb-server(5)). */
  serverDatabases(): Promise<OvsdbServerDatabase[]> {
    return readOvsdbServerDatabases((m, p) => this.request(m, p));
  }
}

/** A passive endpoint with the OVSDB sessions of the servers that dialed in. */
export class OvsdbManager {
  private readonly sessionSubject = new Subject<OvsdbClient>();
  private readonly live = new Set<OvsdbClient>();
  private readonly sub: Subscription;
  private counter = 0;

  /** One {@link OvsdbClient} per accepted connection. Completes when the manager closes. */
  readonly clients: Observable<OvsdbClient> = this.sessionSubject.asObservable();

  /** @internal */
  constructor(
    /** The underlying listener. */
    readonly listener: OvsdbListener,
    opts: OvsdbClientOptions,
  ) {
    this.sub = listener.connections.subscribe({
      next: (s) => {
        const name = `${formatOvsdbEndpoint(listener.endpoint)}#${++this.counter}(${s.remoteAddress ?? 'unix'})`;
        const c = OvsdbClient.fromSocket(s, name, opts);
        this.live.add(c);
        c.state$.subscribe({ complete: () => this.live.delete(c) });
        this.sessionSubject.next(c);
      },
      complete: () => this.sessionSubject.complete(),
    });
  }

  /** An active endpoint string servers can be pointed at (`ovs-vsctl set-manager <target>`). */
  get connectTarget(): string {
    return this.listener.connectTarget;
  }

  /** Sessions currently open. */
  get sessions(): readonly OvsdbClient[] {
    return [...this.live];
  }

  /** Stops listening and closes every session. */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((c) => c.close()));
    await this.listener.close();
    this.sub.unsubscribe();
    this.sessionSubject.complete();
  }
}

/** A table's monitor request, or an update of it: one object or an array of them (RFC 7047 4.1.5). */
function asElements(v: unknown): Array<Record<string, unknown>> {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]) as Array<Record<string, unknown>>;
}

/** Same column set (order-insensitive); `undefined` (all columns) only equals `undefined`. */
function sameColumns(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (!Array.isArray(a) || !Array.isArray(b)) return false;
  const sa = new Set(a.map(String));
  const sb = new Set(b.map(String));
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function monitorKey(id: unknown): string {
  return typeof id === 'string' ? id : ovsdbJsonStringify(id);
}


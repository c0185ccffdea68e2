/**
 * A controller: listens for switches (`ptcp:`, `pssl:`, `punix:`) and dials switches (`tcp:`, `ssl:`,
 * `unix:`), keeps the registry of connected switches by datapath id, and reports connects and disconnects as
 * rxjs streams.
 */
import { Observable, Subject, Subscription } from 'rxjs';
import type { OpenFlowBackoffOptions } from './backoff';
import { parseOpenFlowEndpoint } from './endpoint';
import { OpenFlowRuntimeError } from './runtime-errors';
import { OpenFlowConnectOptions, OpenFlowSession, OpenFlowSessionOptions } from './session';
import { OpenFlowListener, OpenFlowSocket, OpenFlowTlsOptions } from './transport';

/** A switch that completed the handshake (again, for `reconnected`). */
export interface OpenFlowSwitchEvent {
  dpid: bigint;
  session: OpenFlowSession;
  reconnected: boolean;
}

/** A switch that went away; `error` says why. */
export interface OpenFlowSwitchDownEvent {
  dpid: bigint;
  session: OpenFlowSession;
  error?: Error;
}

/** Options of {@link OpenFlowController}. */
export interface OpenFlowControllerOptions extends OpenFlowSessionOptions {
  /** TLS material for `pssl:` listeners and `ssl:` dials. */
  tls?: OpenFlowTlsOptions;
  /** Reconnection backoff of the sessions {@link OpenFlowController.connect} dials. */
  backoff?: OpenFlowBackoffOptions;
}

/**
 * Registry of connected switches. Sessions accepted from a listener and sessions dialled with
 * {@link OpenFlowController.connect} both appear in {@link switches} (by datapath id) once their handshake is
 * done, and on {@link connect$}; losing one emits on {@link disconnect$}. A switch that connects again with
 * the same datapath id replaces its old session.
 */
export class OpenFlowController {
  private readonly registry = new Map<bigint, OpenFlowSession>();
  private readonly listeners: OpenFlowListener[] = [];
  private readonly sessions = new Set<OpenFlowSession>();
  private readonly subs = new Map<OpenFlowSession, Subscription>();
  private readonly handshaking = new Set<OpenFlowSocket>();
  private readonly _connect = new Subject<OpenFlowSwitchEvent>();
  private readonly _disconnect = new Subject<OpenFlowSwitchDownEvent>();
  private readonly _errors = new Subject<Error>();
  private closed = false;

  /** A switch completed its handshake. */
  readonly connect$: Observable<OpenFlowSwitchEvent> = this._connect.asObservable();
  /** A registered switch's connection went down. */
  readonly disconnect$: Observable<OpenFlowSwitchDownEvent> = this._disconnect.asObservable();
  /**
   * Failed handshakes (e.g. `OFPSDN_HELLO_FAILED`), listener errors, and every session's {@link OpenFlowSession.errors$}
   * (problems its connection survives). A registered switch's lost connection is reported on {@link disconnect$}
   * only.
   */
  readonly errors$: Observable<Error> = this._errors.asObservable();

  constructor(private readonly opts: OpenFlowControllerOptions = {}) {}

  /** Connected switches by datapath id. */
  get switches(): ReadonlyMap<bigint, OpenFlowSession> {
    return this.registry;
  }

  /** The session of a datapath id, if connected. */
  get(dpid: bigint): OpenFlowSession | undefined {
    return this.registry.get(dpid);
  }

  /** Resolves with the session of `dpid` once it is connected (at once if it is). */
  waitFor(dpid: bigint, timeoutMs = 30_000): Promise<OpenFlowSession> {
    const s = this.registry.get(dpid);
    if (s && s.state === 'up') return Promise.resolve(s);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unsubscribe();
        reject(new OpenFlowRuntimeError('OFPSDN_TIMEOUT', `switch ${dpid.toString(16)} did not connect within ${timeoutMs} ms`, { dpid }));
      }, timeoutMs);
      const sub = this._connect.subscribe((e) => {
        if (e.dpid !== dpid) return;
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(e.session);
      });
    });
  }

  /** Listens on a passive endpoint; every switch that connects and completes the handshake is registered. */
  async listen(endpoint: string): Promise<OpenFlowListener> {
    if (this.closed) throw new OpenFlowRuntimeError('OFPSDN_CLOSED', 'controller closed');
    const l = await OpenFlowListener.listen(endpoint, { tls: this.opts.tls });
    this.listeners.push(l);
    l.errors$.subscribe((e) => this._errors.next(e));
    l.connections$.subscribe((sock) => this.onAccepted(sock, endpoint));
    return l;
  }

  private onAccepted(sock: OpenFlowSocket, endpoint: string): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    this.handshaking.add(sock);
    OpenFlowSession.accept(sock, this.opts).then(
      (s) => {
        this.handshaking.delete(sock);
        if (this.closed) {
          void s.close(false);
          return;
        }
        this.track(s);
      },
      (e: Error) => {
        this.handshaking.delete(sock);
        this._errors.next(
          e instanceof OpenFlowRuntimeError
            ? e
            : new OpenFlowRuntimeError('OFPSDN_PROTOCOL_ERROR', `handshake on ${endpoint} failed: ${e.message}`, { endpoint }, { cause: e }),
        );
      },
    );
  }

  /** Dials a switch (with reconnection, unless `reconnect: false`) and registers it. */
  async connect(endpoint: string, opts: OpenFlowConnectOptions = {}): Promise<OpenFlowSession> {
    if (this.closed) throw new OpenFlowRuntimeError('OFPSDN_CLOSED', 'controller closed');
    parseOpenFlowEndpoint(endpoint);
    const s = await OpenFlowSession.connect(endpoint, { ...this.opts, ...opts });
    this.track(s);
    return s;
  }

  private track(s: OpenFlowSession): void {
    this.sessions.add(s);
    const register = (reconnected: boolean) => {
      const dpid = s.datapathId;
      const old = this.registry.get(dpid);
      if (old && old !== s) {
        // The switch reconnected on a new channel: the old one is stale.
        this.registry.delete(dpid);
        this._disconnect.next({
          dpid,
          session: old,
          error: new OpenFlowRuntimeError('OFPSDN_CLOSED', 'replaced by a newer connection from the same datapath', { dpid }),
        });
        void old.close(false);
      }
      this.registry.set(dpid, s);
      this._connect.next({ dpid, session: s, reconnected });
    };
    const sub = new Subscription();
    let wasUp = false;
    sub.add(
      s.state$.subscribe((e) => {
        if (e.state === 'up') {
          register(wasUp || e.epoch > 1);
          wasUp = true;
        } else if ((e.state === 'down' || e.state === 'closed') && wasUp && this.registry.get(s.datapathId) === s) {
          // Only connected switches are listed; a dialled session that comes back registers again.
          this.registry.delete(s.datapathId);
          this._disconnect.next({ dpid: s.datapathId, session: s, ...(e.error ? { error: e.error } : {}) });
        }
        if (e.state === 'closed') {
          if (this.registry.get(s.datapathId) === s) this.registry.delete(s.datapathId);
          this.sessions.delete(s);
          this.subs.get(s)?.unsubscribe();
          this.subs.delete(s);
        }
      }),
    );
    sub.add(s.errors$.subscribe((e) => this._errors.next(e)));
    if (!this.sessions.has(s)) sub.unsubscribe();
    else this.subs.set(s, sub);
  }

  /** Stops listening, closes every session, completes the streams. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sock of this.handshaking) sock.destroy();
    await Promise.all([...this.sessions].map((s) => s.close(false)));
    await Promise.all(this.listeners.map((l) => l.close()));
    this.registry.clear();
    this._connect.complete();
    this._disconnect.complete();
    this._errors.complete();
  }
}

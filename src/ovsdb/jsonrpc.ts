/**
 * JSON-RPC 1.0 peer as OVSDB uses it (RFC 7047 section 4; JSON-RPC 1.0 "request", "response",
 * "notification"):
 *
 * - request `{"method": M, "params": [...], "id": ID}`, answered by `{"id": ID, "result": R, "error": null}`
 *   or `{"id": ID, "result": null, "error": E}`;
 * - notification: a request with `"id": null`, never answered (`update`, `update2`, `update3`, `locked`,
 *   `stolen` from the server; `cancel` from us, RFC 7047 4.1.4);
 * - `echo` (RFC 7047 4.1.11) may come from either side and is answered at once with its params;
 * - an unknown method from the server gets an error reply `"unknown method"` (as ovsdb-server does);
 * - optional inactivity probe of our own: after `probeIntervalMs` of silence we send `echo`; after another
 *   `probeIntervalMs` without any message we drop the connection (OVS's jsonrpc_session probe).
 *
 * When the connection drops (or a framing error closes it), every pending request rejects with
 * {@link OvsdbConnectionClosedError} (OVSDB_DISCONNECTED); nothing hangs.
 */
import type { Duplex } from 'node:stream';
import { Observable, Subject } from 'rxjs';
import {
  OvsdbConnectionClosedError,
  type OvsdbError,
  OvsdbFramingError,
  OvsdbProtocolError,
  OvsdbTimeoutError,
  rpcErrorFromReply,
} from './errors';
import { OvsdbJsonFramer, type OvsdbJsonFramerOptions, ovsdbJsonStringify } from './framer';

/** A notification (a JSON-RPC request with a null id) received from the peer. */
export interface OvsdbNotification {
  method: string;
  params: unknown[];
}

/** Options of {@link OvsdbJsonRpc}. */
export interface OvsdbJsonRpcOptions extends OvsdbJsonFramerOptions {
  /** Default per-request timeout in ms (0 = none; default 60 s). */
  requestTimeoutMs?: number;
  /** Inactivity probe interval in ms (0 = off, the default). */
  probeIntervalMs?: number;
  /** Name of the peer for error context (e.g. the endpoint). */
  peerName?: string;
}

/** Per-request options. */
export interface OvsdbRequestOptions {
  /** Overrides the default request timeout (0 = none). */
  timeoutMs?: number;
  /**
   * Called synchronously with the successful result while the reply is being dispatched, before any later
   * message is processed (used to order a monitor's initial reply before its first update).
   */
  onResult?: (result: unknown) => void;
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout | undefined;
  onResult: ((result: unknown) => void) | undefined;
}

/** A request in flight: its JSON-RPC id (for `cancel`) and its outcome. */
export interface OvsdbPendingRequest {
  id: number;
  result: Promise<unknown>;
}

/**
 * One JSON-RPC connection over a byte stream. Closing is final; the client layer makes a new peer for each
 * (re)connection.
 */
export class OvsdbJsonRpc {
  private readonly framer: OvsdbJsonFramer;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly notificationSubject = new Subject<OvsdbNotification>();
  private closeError: OvsdbError | undefined;
  private isClosed = false;
  private readonly closedPromise: Promise<OvsdbError | undefined>;
  private resolveClosed!: (e: OvsdbError | undefined) => void;
  private readonly requestTimeoutMs: number;
  private readonly probeIntervalMs: number;
  private probeTimer: NodeJS.Timeout | undefined;
  private lastRx = Date.now();
  private probeSent = false;
  readonly peerName: string;

  /** Notifications from the peer, in arrival order. Completes when the connection closes. */
  readonly notifications: Observable<OvsdbNotification> = this.notificationSubject.asObservable();

  constructor(
    private readonly socket: Duplex,
    opts: OvsdbJsonRpcOptions = {},
  ) {
    this.framer = new OvsdbJsonFramer(opts);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.probeIntervalMs = opts.probeIntervalMs ?? 0;
    this.peerName = opts.peerName ?? 'peer';
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) =>
      this.shutdown(new OvsdbConnectionClosedError(`connection error: ${e.message}`, { peer: this.peerName }, e)),
    );
    socket.on('close', () => this.shutdown(new OvsdbConnectionClosedError('connection closed by peer', { peer: this.peerName })));
    socket.on('end', () => this.shutdown(new OvsdbConnectionClosedError('connection closed by peer', { peer: this.peerName })));
    if (this.probeIntervalMs > 0) this.armProbe();
  }

  /** True until the connection closes. */
  get open(): boolean {
    return !this.isClosed;
  }

  /** Number of requests awaiting a reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Resolves once the connection is closed: with the reason (a {@link OvsdbFramingError},
   * {@link OvsdbProtocolError}, {@link OvsdbTimeoutError} for a failed probe, or
   * {@link OvsdbConnectionClosedError}), or `undefined` after {@link close}.
   */
  get closed(): Promise<OvsdbError | undefined> {
    return this.closedPromise;
  }

  /** Why the connection closed (undefined while open or after a local {@link close}). */
  get closeReason(): OvsdbError | undefined {
    return this.closeError;
  }

  /** Sends a request; resolves with its `result`, rejects with an {@link OvsdbRpcError} subclass on an error reply. */
  request(method: string, params: unknown[], opts: OvsdbRequestOptions = {}): Promise<unknown> {
    return this.start(method, params, opts).result;
  }

  /** Like {@link request} but also returns the request id (needed to `cancel` it). */
  start(method: string, params: unknown[], opts: OvsdbRequestOptions = {}): OvsdbPendingRequest {
    const id = this.nextId++;
    if (this.isClosed) {
      return {
        id,
        result: Promise.reject(
          new OvsdbConnectionClosedError('connection is closed', { peer: this.peerName, method }, this.closeError),
        ),
      };
    }
    let text: string;
    try {
      text = this.encode({ method, params, id });
    } catch (e) {
      return { id, result: Promise.reject(e) };
    }
    const result = new Promise<unknown>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
      const p: Pending = { method, resolve, reject, timer: undefined, onResult: opts.onResult };
      if (timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new OvsdbTimeoutError(`${method} got no reply within ${timeoutMs} ms`, { peer: this.peerName, method, id }));
        }, timeoutMs);
      }
      this.pending.set(id, p);
    });
    this.socket.write(text);
    return { id, result };
  }

  /**
   * Rejects a pending request locally with `error` and forgets it (a late reply is then ignored). Returns
   * false if the request is no longer pending.
   */
  abandon(id: number, error: unknown): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    p.reject(error);
    return true;
  }

  /** True while request `id` awaits its reply. */
  isPending(id: number): boolean {
    return this.pending.has(id);
  }

  /** Sends a notification (a request with a null id), e.g. `cancel`. No-op once closed. */
  notify(method: string, params: unknown[]): void {
    if (!this.isClosed) this.send({ method, params, id: null });
  }

  /** Closes the connection. Pending requests reject with OVSDB_DISCONNECTED. */
  close(): void {
    this.shutdown(undefined);
    this.socket.destroy();
  }

  private encode(msg: unknown): string {
    try {
      return ovsdbJsonStringify(msg);
    } catch (e) {
      throw new OvsdbProtocolError(`cannot encode message: ${(e as Error).message}`, { peer: this.peerName });
    }
  }

  private send(msg: unknown): void {
    this.socket.write(this.encode(msg));
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed) return;
    this.lastRx = Date.now();
    this.probeSent = false;
    let msgs: unknown[];
    try {
      msgs = this.framer.push(chunk);
    } catch (e) {
      this.fail(e instanceof OvsdbFramingError ? e : new OvsdbProtocolError(String(e), { peer: this.peerName }));
      return;
    }
    for (const m of msgs) {
      if (this.isClosed) return;
      this.dispatch(m);
    }
  }

  private dispatch(m: unknown): void {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      this.fail(new OvsdbProtocolError('JSON-RPC message is not an object', { peer: this.peerName }));
      return;
    }
    const msg = m as Record<string, unknown>;
    if ('method' in msg) {
      const { method, params, id } = msg;
      if (typeof method !== 'string' || !Array.isArray(params)) {
        this.fail(new OvsdbProtocolError('JSON-RPC request needs a string "method" and an array "params"', { peer: this.peerName }));
        return;
      }
      if (id === null || id === undefined) {
        this.notificationSubject.next({ method, params });
        return;
      }
      if (method === 'echo') {
        // RFC 7047 4.1.11: reply with the same params.
        this.send({ id, result: params, error: null });
        return;
      }
      this.send({ id, result: null, error: 'unknown method', details: `method "${method}" is not supported by this client` });
      return;
    }
    if (!('id' in msg) || (!('result' in msg) && !('error' in msg))) {
      this.fail(new OvsdbProtocolError('JSON-RPC message is neither request nor response', { peer: this.peerName }));
      return;
    }
    const id = msg.id;
    const p = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!p) return; // a reply to a request that timed out, or a reply to our probe echo
    this.pending.delete(id as number);
    if (p.timer) clearTimeout(p.timer);
    if (msg.error !== null && msg.error !== undefined) {
      p.reject(rpcErrorFromReply(p.method, msg.error));
      return;
    }
    try {
      p.onResult?.(msg.result);
    } catch (e) {
      p.reject(e);
      return;
    }
    p.resolve(msg.result);
  }

  private armProbe(): void {
    const tick = () => {
      if (this.isClosed) return;
      const idle = Date.now() - this.lastRx;
      if (idle >= this.probeIntervalMs) {
        if (this.probeSent) {
          this.fail(
            new OvsdbTimeoutError(`no message from peer for ${idle} ms (inactivity probe)`, {
              peer: this.peerName,
              probeIntervalMs: this.probeIntervalMs,
            }),
          );
          return;
        }
        this.probeSent = true;
        this.lastRx = Date.now();
        // Our probe: an ordinary echo request; any message from the peer counts as activity.
        const id = this.nextId++;
        this.send({ method: 'echo', params: [], id });
      }
      this.probeTimer = setTimeout(tick, Math.max(10, this.probeIntervalMs - (Date.now() - this.lastRx)));
      this.probeTimer.unref?.();
    };
    this.probeTimer = setTimeout(tick, this.probeIntervalMs);
    this.probeTimer.unref?.();
  }

  private fail(e: OvsdbError): void {
    if (this.isClosed) return;
    this.shutdown(e);
    this.socket.destroy();
  }

  private shutdown(reason: OvsdbError | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = reason;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(
        new OvsdbConnectionClosedError(
          `connection closed before the reply to ${p.method}${reason ? `: ${reason.message}` : ''}`,
          { peer: this.peerName, method: p.method },
          reason,
        ),
      );
    }
    this.notificationSubject.complete();
    this.resolveClosed(reason);
  }
}

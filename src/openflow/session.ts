/**
 * One OpenFlow 1.3 channel to one switch (OpenFlow 1.3.5 section 6.3): the handshake, request/reply
 * correlation by xid, multipart reassembly, barriers, bundles, keepalive, asynchronous message streams, and
 * (for sessions we dialled) reconnection with exponential backoff.
 */
import { BehaviorSubject, Observable, Subject, filter } from 'rxjs';
import { OpenFlowBackoff, OpenFlowBackoffOptions } from './backoff';
import { OpenFlowEndpoint, parseOpenFlowEndpoint } from './endpoint';
import { OpenFlowDecodeError } from './errors';
import { OpenFlowFramer } from './framer';
import { decodeMessage, encodeMessage } from './dispatch';
import { OpenFlowRequestError, OpenFlowRuntimeError, ofpErrorNames } from './runtime-errors';
import { OpenFlowSocket, OpenFlowTlsOptions, OpenFlowWriteQueue, OpenFlowWriteQueueOptions, dialOpenFlow } from './transport';
import {
  AsyncConfig,
  BundleAdd,
  ErrorMsg,
  FeaturesReply,
  FlowMod,
  FlowRemoved,
  FlowStats,
  FlowStatsRequestBody,
  GroupDesc,
  MultipartReplyBody,
  MultipartRequestBody,
  NxPacketIn2,
  NxResume,
  OFP13_VERSION,
  OFPBF_ATOMIC,
  OFPBF_ORDERED,
  OFPBCT_CLOSE_REQUEST,
  OFPBCT_COMMIT_REQUEST,
  OFPBCT_DISCARD_REQUEST,
  OFPBCT_OPEN_REQUEST,
  OFPCR_ROLE_EQUAL,
  OFPCR_ROLE_MASTER,
  OFPCR_ROLE_SLAVE,
  OFPG_ANY,
  OFPMPF_REPLY_MORE,
  OFPP_ANY,
  OFPTT_ALL,
  OFPT_ERROR,
  OFPT_HELLO,
  OfpMessage,
  OfpPort,
  PacketIn,
  PortStatus,
} from './types';
import { Writer } from './writer';

/** Lifecycle of a session. `up` = handshake done; an active session goes `down` -> `connecting` -> `up` again. */
export type OpenFlowSessionState = 'connecting' | 'handshaking' | 'up' | 'down' | 'closed';

/** A state change; `epoch` counts connections (1 for the first), `error` says why a connection went down. */
export interface OpenFlowSessionStateEvent {
  state: OpenFlowSessionState;
  epoch: number;
  error?: Error;
}

/** Emitted on {@link OpenFlowSession.up$} each time the handshake completes; `reconnected` after the first. */
export interface OpenFlowSessionUp {
  epoch: number;
  features: FeaturesReply;
  reconnected: boolean;
}

/** A controller role request (OpenFlow 1.3.5 section 6.3.6). */
export interface OpenFlowRoleOptions {
  role: 'master' | 'slave' | 'equal';
  /** Generation id; required by the spec for master/slave (default 0). */
  generationId?: bigint;
}

/** Options of a session. */
export interface OpenFlowSessionOptions {
  /** Timeout of one request, in ms (default 10 s). */
  requestTimeoutMs?: number;
  /** Timeout of the whole handshake (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Echo request period in ms (default 5 s; 0 disables keepalive). */
  echoIntervalMs?: number;
  /** The peer is declared dead after this many unanswered echo requests in a row (default 3). */
  maxMissedEchoes?: number;
  /** SET_CONFIG miss_send_len (default 0xffff = OFPCML_NO_BUFFER: whole packets, no buffering). */
  missSendLen?: number;
  /** SET_CONFIG flags (default 0 = OFPC_FRAG_NORMAL). */
  configFlags?: number;
  /** Send a ROLE_REQUEST during the handshake. */
  role?: OpenFlowRoleOptions;
  /** Send SET_ASYNC during the handshake. */
  async?: AsyncConfig;
  /** Ask Open vSwitch for NXT_PACKET_IN2 (needed for continuations / `resume`). Default 'standard'. */
  packetInFormat?: 'standard' | 'nxt_packet_in2';
  /** NXT_SET_CONTROLLER_ID during the handshake (Open vSwitch extension). */
  controllerId?: number;
  /** Write queue limits (backpressure). */
  writeQueue?: OpenFlowWriteQueueOptions;
  /** Largest message accepted from the peer (default 65535). */
  maxMessageLength?: number;
  /** Cap on the bytes of one reassembled multipart reply (default 512 MiB). */
  maxMultipartBytes?: number;
  /** Cap on the reply bytes {@link OpenFlowSession.multipartIter} buffers ahead of its consumer (default 64 MiB). */
  multipartIterBufferBytes?: number;
}

/** Options of an active (dialled) session. */
export interface OpenFlowConnectOptions extends OpenFlowSessionOptions {
  /** TLS material for `ssl:`. */
  tls?: OpenFlowTlsOptions;
  /** Reconnect after the connection is lost (default true). */
  reconnect?: boolean;
  /** Backoff between attempts. */
  backoff?: OpenFlowBackoffOptions;
  /** Connect timeout per attempt (default 10 s). */
  connectTimeoutMs?: number;
  /** Keep retrying the FIRST connection too instead of rejecting (default false). */
  retryFirst?: boolean;
  /** Aborting it before the first handshake completes closes the session and rejects `connect()`. */
  signal?: AbortSignal;
}

/** A packet-in from either OFPT_PACKET_IN or NXT_PACKET_IN2. */
export type OpenFlowPacketIn = PacketIn | NxPacketIn2;

interface Pending {
  request: OfpMessage;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Multipart: parts so far, or a sink for the async iterator. */
  parts?: MultipartReplyBody[];
  partBytes?: number;
  onPart?: (body: MultipartReplyBody, last: boolean) => void;
  /** For messages without a reply: resolved when this barrier xid answers. */
  barrierFor?: number;
}

/** Message types that the switch answers (everything else is confirmed by a barrier). */
const HAS_REPLY = new Set<string>([
  'ECHO_REQUEST',
  'FEATURES_REQUEST',
  'GET_CONFIG_REQUEST',
  'MULTIPART_REQUEST',
  'BARRIER_REQUEST',
  'QUEUE_GET_CONFIG_REQUEST',
  'ROLE_REQUEST',
  'GET_ASYNC_REQUEST',
  'BUNDLE_CONTROL',
]);

/** @internal xids of a bulk send, and what to do with an ERROR for the i-th of them. */
export interface OpenFlowXidSink {
  xids: Uint32Array;
  count: number;
  onError: (index: number, e: OpenFlowRequestError) => void;
}

/** Errors collected while a batch of messages without replies was applied. */
export class OpenFlowBatchError extends Error {
  override readonly name = 'OpenFlowBatchError';
  readonly code = 'OFPSDN_BATCH_FAILED';
  constructor(readonly errors: OpenFlowRequestError[]) {
    super(`${errors.length} message(s) rejected; first: ${errors[0]?.message ?? ''}`);
  }
}

/**
 * An OpenFlow 1.3 session with one switch. Create one with {@link OpenFlowSession.connect} (we dial the
 * switch, e.g. `unix:<dir>/br0.mgmt`) or through {@link OpenFlowController} (the switch dials us).
 *
 * Requests: {@link request} resolves with the reply (matched by xid) or rejects with
 * {@link OpenFlowRequestError}; {@link multipart}/{@link multipartIter} reassemble OFPMPF_REPLY_MORE parts;
 * {@link barrier}; {@link openBundle} for atomic changes. Streams: {@link packetIn$}, {@link portStatus$},
 * {@link flowRemoved$}, {@link errors$}, {@link state$}, {@link up$}, {@link messages$}.
 */
export class OpenFlowSession {
  private sock: OpenFlowSocket | undefined;
  private queue: OpenFlowWriteQueue | undefined;
  private framer: OpenFlowFramer;
  private readonly pending = new Map<number, Pending>();
  /** xid -> handler for errors to messages that have no reply of their own (bundle adds, batches). */
  private readonly errorSinks = new Map<number, (e: OpenFlowRequestError) => void>();
  /**
   * Messages of bulk sends ({@link sendBatch}, bundles) in flight: their xids in one typed array each instead of
   * one map entry and closure per message (100,000 flow-mods in a row). Searched only when an ERROR arrives
   * that nothing else claims.
   */
  private readonly xidSinks = new Set<OpenFlowXidSink>();
  private nextXid = 1;
  private frameLen = 0;
  private nextBundleId = 1;
  private echoTimer: NodeJS.Timeout | undefined;
  private missedEchoes = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly backoff: OpenFlowBackoff;
  private _epoch = 0;
  private _features: FeaturesReply | undefined;
  /** Why the last connection ended. */
  private lastLoss: Error | undefined;
  /** When the keepalive timer last ran (to tell a stalled event loop from a silent peer). */
  private lastEchoTick = 0;
  private handshake:
    | { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout; helloSeen: boolean }
    | undefined;

  private readonly _state = new BehaviorSubject<OpenFlowSessionStateEvent>({ state: 'connecting', epoch: 0 });
  private readonly _messages = new Subject<OfpMessage>();
  private readonly _errors = new Subject<Error>();
  private readonly _up = new Subject<OpenFlowSessionUp>();

  /**
   * Every state change (replays the current state to new subscribers). This is THE place where a lost
   * connection is reported: `down` (or `closed` when the session will not reconnect) with `error` saying why
   * (`OFPSDN_DISCONNECTED`, `OFPSDN_PEER_DEAD`, `OFPSDN_PROTOCOL_ERROR`, ...).
   */
  readonly state$: Observable<OpenFlowSessionStateEvent> = this._state.asObservable();
  /** Every message received after the handshake (including replies). */
  readonly messages$: Observable<OfpMessage> = this._messages.asObservable();
  /**
   * Problems the connection survives: unsolicited OFPT_ERRORs (as {@link OpenFlowRequestError}) and messages
   * that do not decode (`OFPSDN_PROTOCOL_ERROR` with the bytes). Errors that end a connection are not repeated
   * here; they arrive once on {@link state$}.
   */
  readonly errors$: Observable<Error> = this._errors.asObservable();
  /** Each completed handshake: subscribe to replay state after a reconnect (`reconnected: true`). */
  readonly up$: Observable<OpenFlowSessionUp> = this._up.asObservable();
  /** OFPT_PACKET_IN and NXT_PACKET_IN2. */
  readonly packetIn$: Observable<OpenFlowPacketIn> = this._messages.pipe(
    filter((m): m is OpenFlowPacketIn => m.type === 'PACKET_IN' || m.type === 'NXT_PACKET_IN2'),
  );
  /** OFPT_PORT_STATUS. */
  readonly portStatus$: Observable<PortStatus> = this._messages.pipe(filter((m): m is PortStatus => m.type === 'PORT_STATUS'));
  /** OFPT_FLOW_REMOVED. */
  readonly flowRemoved$: Observable<FlowRemoved> = this._messages.pipe(
    filter((m): m is FlowRemoved => m.type === 'FLOW_REMOVED'),
  );

  private constructor(
    private readonly opts: OpenFlowConnectOptions,
    /** Where we dial, for active sessions. */
    readonly endpoint: OpenFlowEndpoint | undefined,
  ) {
    this.framer = new OpenFlowFramer({ maxMessageLength: opts.maxMessageLength });
    this.backoff = new OpenFlowBackoff(opts.backoff);
  }

  /**
   * Dials a switch (`unix:<dir>/<bridge>.mgmt`, `tcp:IP[:PORT]`, `ssl:IP[:PORT]`) and completes the
   * handshake. After a loss the session reconnects with exponential backoff (unless `reconnect: false`) and
   * emits on {@link up$} with `reconnected: true` once the new handshake is done.
   */
  static async connect(endpoint: string, opts: OpenFlowConnectOptions = {}): Promise<OpenFlowSession> {
    const ep = parseOpenFlowEndpoint(endpoint);
    if (ep.passive) {
      throw new OpenFlowRuntimeError('OFPSDN_BAD_ENDPOINT', `${endpoint} is passive; use OpenFlowController.listen`, {
        endpoint,
      });
    }
    const s = new OpenFlowSession(opts, ep);
    const onAbort = () => s.shutdown(s.closedError());
    if (opts.signal?.aborted) throw s.closedError();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await OpenFlowSession.firstConnect(s, opts);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private static async firstConnect(s: OpenFlowSession, opts: OpenFlowConnectOptions): Promise<OpenFlowSession> {
    if (opts.retryFirst) {
      const first = new Promise<void>((resolve, reject) => {
        const sub = s._up.subscribe(() => {
          sub.unsubscribe();
          resolve();
        });
        s._state.pipe(filter((e) => e.state === 'closed')).subscribe(() => reject(s.closedError()));
      });
      s.dialLoop();
      await first;
      return s;
    }
    try {
      await s.attempt();
    } catch (e) {
      s.shutdown(e as Error);
      throw e;
    }
    return s;
  }

  /**
   * Runs the handshake on a socket a switch opened to us (used by {@link OpenFlowController}); such a
   * session does not reconnect: the switch will dial again and become a new session.
   */
  static async accept(sock: OpenFlowSocket, opts: OpenFlowSessionOptions = {}): Promise<OpenFlowSession> {
    const s = new OpenFlowSession({ ...opts, reconnect: false }, undefined);
    try {
      await s.attach(sock);
    } catch (e) {
      s.shutdown(e as Error);
      throw e;
    }
    return s;
  }

  /** The current state. */
  get state(): OpenFlowSessionState {
    return this._state.value.state;
  }

  /** Connection counter (1 for the first connection, +1 for each reconnection). */
  get epoch(): number {
    return this._epoch;
  }

  /** FEATURES_REPLY of the current (or last) connection. */
  get features(): FeaturesReply | undefined {
    return this._features;
  }

  /** The switch's datapath id (from FEATURES_REPLY). */
  get datapathId(): bigint {
    return this._features?.datapathId ?? 0n;
  }

  /** Datapath id as 16 hex digits, as OVS prints it. */
  get dpidHex(): string {
    return this.datapathId.toString(16).padStart(16, '0');
  }

  /** Whether the current connection is TLS (`ssl:`/`pssl:`), with a verified peer certificate. */
  get secure(): boolean {
    const s = this.sock as { authorized?: boolean } | undefined;
    return s?.authorized === true;
  }

  /** Bytes waiting to be written (for backpressure decisions). */
  get pendingWriteBytes(): number {
    return this.queue?.pendingBytes ?? 0;
  }

  /** A fresh transaction id. Never 0. */
  allocXid(): number {
    const x = this.nextXid;
    this.nextXid = this.nextXid >= 0xffffffff ? 1 : this.nextXid + 1;
    return x;
  }

  // -----------------------------------------------------------------------------------------------------------
  // Connection lifecycle
  // -----------------------------------------------------------------------------------------------------------

  private async attempt(): Promise<void> {
    const ep = this.endpoint!;
    this.setState('connecting');
    const sock = await dialOpenFlow(ep, { tls: this.opts.tls, timeoutMs: this.opts.connectTimeoutMs });
    if (this.state === 'closed') {
      sock.destroy();
      throw this.closedError();
    }
    await this.attach(sock);
  }

  private dialLoop(): void {
    if (this.state === 'closed') return;
    this.attempt().then(
      () => this.backoff.reset(),
      (e: Error) => {
        if (this.state === 'closed') return;
        if (this.state !== 'down') this.setState('down', e);
        const delay = this.backoff.next();
        this.reconnectTimer = setTimeout(() => {
          this.reconnectTimer = undefined;
          this.dialLoop();
        }, delay);
      },
    );
  }

  /** Takes over a connected socket and runs the handshake (section 6.3.1). */
  private attach(sock: OpenFlowSocket): Promise<void> {
    this._epoch++;
    const epoch = this._epoch;
    this.sock = sock;
    this.queue = new OpenFlowWriteQueue(sock, this.opts.writeQueue);
    this.framer = new OpenFlowFramer({ maxMessageLength: this.opts.maxMessageLength });
    this.nextXid = 1;
    this.setState('handshaking');

    sock.on('data', (chunk: Buffer) => {
      if (this.sock !== sock) return;
      this.missedEchoes = 0; // any byte from the peer shows it is alive
      let frames: Buffer[];
      try {
        frames = this.framer.push(chunk);
      } catch (e) {
        this.connectionLost(
          sock,
          new OpenFlowRuntimeError('OFPSDN_PROTOCOL_ERROR', `bad framing from peer: ${(e as Error).message}`, this.ctx(), {
            cause: e,
          }),
        );
        return;
      }
      for (const f of frames) {
        if (this.sock !== sock) return;
        this.onFrame(f);
      }
      // The framer hands out the whole messages that preceded a bad header and keeps the error for the next
      // push; the stream cannot be resynchronised, so end the connection now rather than on the next chunk.
      const ferr = this.framer.error;
      if (ferr && this.sock === sock) {
        this.connectionLost(
          sock,
          new OpenFlowRuntimeError('OFPSDN_PROTOCOL_ERROR', `bad framing from peer: ${ferr.message}`, this.ctx(), { cause: ferr }),
        );
      }
    });
    sock.on('error', (e) => {
      this.connectionLost(sock, new OpenFlowRuntimeError('OFPSDN_DISCONNECTED', `connection error: ${e.message}`, this.ctx(), { cause: e }));
    });
    sock.on('close', () => {
      this.connectionLost(sock, new OpenFlowRuntimeError('OFPSDN_DISCONNECTED', 'connection closed by peer', this.ctx()));
    });

    const hs = new Promise<void>((resolve, reject) => {
      const ms = this.opts.handshakeTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        this.connectionLost(
          sock,
          new OpenFlowRuntimeError('OFPSDN_HANDSHAKE_TIMEOUT', `handshake did not complete within ${ms} ms`, this.ctx()),
        );
      }, ms);
      this.handshake = { resolve, reject, timer, helloSeen: false };
    });
    // HELLO with a version bitmap that offers OpenFlow 1.3 only (section A.5.1: bit 4 = wire version 0x04).
    this.sendRaw({ type: 'HELLO', xid: this.allocXid(), version: OFP13_VERSION, elements: [{ type: 'VERSIONBITMAP', bitmaps: [1 << OFP13_VERSION] }] });
    // A failed configuration step (e.g. the switch refuses the ROLE_REQUEST) ends this connection too.
    return hs
      .then(() => this.configure(epoch, sock))
      .catch((e: Error) => {
        // When the connection ended first (garbage, a hang-up), its reason is the error, not the step's
        // follow-up failure (OFPSDN_NOT_CONNECTED / OFPSDN_DISCONNECTED of the request that was cut off).
        const err = this.sock !== sock && this.lastLoss ? this.lastLoss : e;
        this.connectionLost(sock, err);
        throw err;
      });
  }

  /** After HELLO: FEATURES, SET_CONFIG, optional ROLE / SET_ASYNC / packet-in format, then a barrier. */
  private async configure(epoch: number, sock: OpenFlowSocket): Promise<void> {
    // The connection can end between any two steps (a reply and garbage in one chunk, a peer that hangs up):
    // every step re-checks that this socket is still the session's.
    const lost = () => this._epoch !== epoch || this.sock !== sock;
    const lostError = () =>
      this.lastLoss ?? new OpenFlowRuntimeError('OFPSDN_DISCONNECTED', 'connection lost during handshake', this.ctx());
    const features = await this.request({ type: 'FEATURES_REQUEST', xid: 0 });
    if (lost()) throw lostError();
    this._features = features;
    this.send({ type: 'SET_CONFIG', xid: 0, flags: this.opts.configFlags ?? 0, missSendLen: this.opts.missSendLen ?? 0xffff });
    if (this.opts.controllerId !== undefined) {
      this.send({ type: 'NXT_SET_CONTROLLER_ID', xid: 0, controllerId: this.opts.controllerId });
    }
    if (this.opts.packetInFormat === 'nxt_packet_in2') {
      this.send({ type: 'NXT_SET_PACKET_IN_FORMAT', xid: 0, format: 2 });
    }
    if (this.opts.role) await this.requestRole(this.opts.role);
    if (this.opts.async) this.send({ type: 'SET_ASYNC', xid: 0, ...this.opts.async });
    await this.barrier();
    if (lost()) throw lostError();
    clearTimeout(this.handshake?.timer);
    this.handshake = undefined;
    this.startKeepalive();
    this.setState('up');
    this._up.next({ epoch, features, reconnected: epoch > 1 });
  }

  /** Sends ROLE_REQUEST (section 7.3.9) and resolves with the switch's reply. */
  async requestRole(r: OpenFlowRoleOptions): Promise<{ role: number; generationId: bigint }> {
    const role = r.role === 'master' ? OFPCR_ROLE_MASTER : r.role === 'slave' ? OFPCR_ROLE_SLAVE : OFPCR_ROLE_EQUAL;
    const reply = await this.request({ type: 'ROLE_REQUEST', xid: 0, role, generationId: r.generationId ?? 0n });
    return { role: reply.role, generationId: reply.generationId };
  }

  /**
   * Keepalive (section 6.3.2, echo request/reply): every `echoIntervalMs` an ECHO_REQUEST goes out. Anything the
   * peer sends counts as a sign of life (as Open vSwitch's rconn does: a switch busy streaming a large reply is
   * alive even if our echo waits behind it); the peer is declared dead after `maxMissedEchoes` intervals in a
   * row without a byte from it. A tick that runs more than two intervals late means our own event loop was
   * stalled (GC, CPU starvation) and the peer's answers may be waiting unread: such an interval does not count.
   */
  private startKeepalive(): void {
    const every = this.opts.echoIntervalMs ?? 5000;
    if (every <= 0) return;
    const maxMissed = this.opts.maxMissedEchoes ?? 3;
    this.missedEchoes = 0;
    this.lastEchoTick = performance.now();
    clearInterval(this.echoTimer);
    this.echoTimer = setInterval(() => {
      const sock = this.sock;
      if (!sock) return;
      const now = performance.now();
      const stalled = now - this.lastEchoTick > 2 * every;
      this.lastEchoTick = now;
      if (stalled) {
        // Not the peer's fault: probe again without counting a miss.
      } else if (this.missedEchoes >= maxMissed) {
        this.connectionLost(
          sock,
          new OpenFlowRuntimeError('OFPSDN_PEER_DEAD', `peer did not answer ${this.missedEchoes} echo requests`, this.ctx()),
        );
        return;
      }
      if (!stalled) this.missedEchoes++;
      try {
        this.sendRaw({ type: 'ECHO_REQUEST', xid: this.allocXid(), data: Buffer.alloc(0) });
      } catch {
        /* a full write queue counts as a missed echo */
      }
    }, every);
    this.echoTimer.unref();
  }

  private connectionLost(sock: OpenFlowSocket, err: Error, flush = false): void {
    if (this.sock !== sock) return;
    this.sock = undefined;
    this.lastLoss = err;
    this.queue?.close();
    this.queue = undefined;
    clearInterval(this.echoTimer);
    this.echoTimer = undefined;
    if (flush) {
      sock.destroySoon();
      setTimeout(() => sock.destroy(), 1000).unref();
    } else sock.destroy();
    if (this.handshake) {
      clearTimeout(this.handshake.timer);
      this.handshake.reject(err);
      this.handshake = undefined;
    }
    this.failAll(err);
    if (this.state === 'closed') return;
    // The loss itself is reported once, on state$ ('down' or 'closed' with `error`), not on errors$.
    const wasUp = this.state === 'up';
    this.setState('down', err);
    if (this.endpoint && this.opts.reconnect !== false && wasUp) {
      const delay = this.backoff.next();
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        this.dialLoop();
      }, delay);
    } else if (!this.endpoint || this.opts.reconnect === false) {
      if (wasUp) this.shutdown(err);
    }
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    this.errorSinks.clear();
    this.xidSinks.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(
        new OpenFlowRuntimeError('OFPSDN_DISCONNECTED', `${p.request.type} xid=${p.request.xid} failed: ${err.message}`, {
          ...this.ctx(),
          request: p.request,
        }, { cause: err }),
      );
    }
  }

  private closedError(): OpenFlowRuntimeError {
    return new OpenFlowRuntimeError('OFPSDN_CLOSED', 'session closed', this.ctx());
  }

  private shutdown(err: Error): void {
    if (this.state === 'closed') return;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.echoTimer);
    const sock = this.sock;
    this.sock = undefined;
    this.lastLoss = err;
    this.queue?.close();
    this.queue = undefined;
    if (this.handshake) {
      clearTimeout(this.handshake.timer);
      this.handshake.reject(err);
      this.handshake = undefined;
    }
    this.failAll(err);
    sock?.destroy();
    this.setState('closed', err);
    this._state.complete();
    this._messages.complete();
    this._errors.complete();
    this._up.complete();
  }

  /**
   * Closes the session for good: pending requests reject with `OFPSDN_CLOSED`, no reconnection, every stream
   * completes. Queued writes are flushed first when `graceful` (default true).
   */
  async close(graceful = true): Promise<void> {
    const sock = this.sock;
    if (graceful && sock && this.queue) {
      this.queue.flush();
      // Wait (at most 1 s: a peer that stopped reading must not hold us) for queued bytes to leave.
      await new Promise<void>((resolve) => {
        if (sock.writableLength === 0) return resolve();
        const t = setTimeout(resolve, 1000);
        const done = () => {
          clearTimeout(t);
          resolve();
        };
        sock.once('drain', done).once('close', done);
      });
    }
    this.shutdown(this.closedError());
  }

  private setState(state: OpenFlowSessionState, error?: Error): void {
    if (this._state.value.state === 'closed') return;
    this._state.next({ state, epoch: this._epoch, ...(error ? { error } : {}) });
  }

  private ctx(): Record<string, unknown> {
    return {
      ...(this.endpoint ? { endpoint: this.endpoint.text } : {}),
      ...(this._features ? { dpid: this.dpidHex } : {}),
      epoch: this._epoch,
    };
  }

  // -----------------------------------------------------------------------------------------------------------
  // Receive path
  // -----------------------------------------------------------------------------------------------------------

  private onFrame(f: Buffer): void {
    const version = f[0]!;
    const type = f[1]!;
    const xid = f.readUInt32BE(4);
    if (this.handshake && !this.handshake.helloSeen) {
      this.onHello(f, version, type);
      return;
    }
    if (version !== OFP13_VERSION) {
      this.connectionLost(
        this.sock!,
        new OpenFlowRuntimeError('OFPSDN_PROTOCOL_ERROR', `peer sent version 0x${version.toString(16)} after negotiating OpenFlow 1.3`, this.ctx()),
      );
      return;
    }
    this.frameLen = f.length;
    let msg: OfpMessage;
    try {
      msg = decodeMessage(f);
    } catch (e) {
      const err = new OpenFlowRuntimeError(
        'OFPSDN_PROTOCOL_ERROR',
        `undecodable message (type ${type}, xid ${xid}) from peer: ${(e as Error).message}`,
        { ...this.ctx(), xid, bytes: Buffer.from(f.subarray(0, 64)) },
        { cause: e },
      );
      const p = this.pending.get(xid);
      if (p && !(e instanceof OpenFlowDecodeError && type === OFPT_ERROR)) {
        this.settle(xid, p, err);
      } else this._errors.next(err);
      return;
    }
    this.onMessage(msg);
  }

  /** HELLO negotiation (section 6.3.1 and A.5.1). */
  private onHello(f: Buffer, version: number, type: number): void {
    const hs = this.handshake!;
    const sock = this.sock!;
    if (type === OFPT_ERROR && f.length >= 12 && f.readUInt16BE(8) === 0) {
      // The peer refused our HELLO (OFPET_HELLO_FAILED); its data is an ASCII explanation (section A.4.4).
      const text = f.subarray(12).toString('latin1').replace(/[^\x20-\x7e]/g, '');
      this.connectionLost(
        sock,
        new OpenFlowRuntimeError('OFPSDN_HELLO_FAILED', `peer refused version negotiation: code ${f.readUInt16BE(10)}${text ? ` (${text})` : ''}`, {
          ...this.ctx(),
          peerVersion: version,
        }),
      );
      return;
    }
    if (type !== OFPT_HELLO) {
      this.connectionLost(sock, new OpenFlowRuntimeError('OFPSDN_PROTOCOL_ERROR', `expected HELLO, got message type ${type}`, this.ctx()));
      return;
    }
    // Elements: u16 type, u16 length (incl. header, excl. padding), padded to 8. A VERSIONBITMAP element's
    // bitmaps say which wire versions the peer supports; without one, the peer's header version is its
    // highest version and the negotiated version is min(ours, theirs).
    let bitmap: number | undefined;
    let pos = 8;
    while (f.length - pos >= 4) {
      const et = f.readUInt16BE(pos);
      const el = f.readUInt16BE(pos + 2);
      if (el < 4 || pos + el > f.length) break;
      if (et === 1 && el >= 8) bitmap = f.readUInt32BE(pos + 4);
      pos += (el + 7) & ~7;
    }
    const ok = bitmap !== undefined ? (bitmap & (1 << OFP13_VERSION)) !== 0 : version >= OFP13_VERSION;
    if (!ok) {
      const text = `we support OpenFlow 1.3 (version 0x04) only; peer ${bitmap !== undefined ? `bitmap 0x${bitmap.toString(16)}` : `version 0x${version.toString(16)}`}`;
      // OFPT_ERROR OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE with an ASCII explanation, in a version the peer reads.
      const w = new Writer(64 + text.length);
      w.u8(Math.min(version, OFP13_VERSION)).u8(OFPT_ERROR).u16(0).u32(0).u16(0).u16(0);
      w.bytes(Buffer.from(text, 'latin1'));
      w.patchU16(2, w.pos);
      const err = new OpenFlowRuntimeError('OFPSDN_HELLO_FAILED', `version negotiation failed: ${text}`, {
        ...this.ctx(),
        peerVersion: version,
        peerBitmap: bitmap,
      });
      this.queue?.flush();
      // Let the ERROR reach the peer before the socket goes (destroy would drop unwritten data).
      sock.end(w.toBuffer());
      this.connectionLost(sock, err, true);
      return;
    }
    hs.helloSeen = true;
    hs.resolve();
  }

  private onMessage(msg: OfpMessage): void {
    switch (msg.type) {
      case 'ECHO_REQUEST':
        this.sendRaw({ type: 'ECHO_REPLY', xid: msg.xid, data: msg.data });
        return;
      case 'ECHO_REPLY':
        break;
      case 'ERROR':
        this.onError(msg);
        return;
      case 'MULTIPART_REPLY': {
        const p = this.pending.get(msg.xid);
        if (p && (p.parts || p.onPart)) {
          this.onMultipartPart(msg.xid, p, msg.body, (msg.flags & OFPMPF_REPLY_MORE) === 0, msg);
          return;
        }
        break;
      }
      case 'BARRIER_REPLY': {
        const p = this.pending.get(msg.xid);
        if (p?.barrierFor !== undefined) {
          this.settle(msg.xid, p, undefined, undefined);
          return;
        }
        break;
      }
      default:
        break;
    }
    const p = this.pending.get(msg.xid);
    if (p && msg.type !== 'PACKET_IN' && msg.type !== 'NXT_PACKET_IN2' && msg.type !== 'PORT_STATUS' && msg.type !== 'FLOW_REMOVED') {
      this.settle(msg.xid, p, undefined, msg);
    }
    this._messages.next(msg);
  }

  private onError(msg: ErrorMsg): void {
    const p = this.pending.get(msg.xid);
    const [typeName, codeName] = ofpErrorNames(msg.errType, msg.code, msg.experimenter);
    const sink = this.errorSinks.get(msg.xid);
    const err = new OpenFlowRequestError(msg.errType, msg.code, typeName, codeName, p?.request, msg.data, {
      ...this.ctx(),
      xid: msg.xid,
      ...(msg.experimenter !== undefined ? { experimenter: msg.experimenter } : {}),
    });
    if (p) {
      this.settle(msg.xid, p, err);
    } else if (sink) {
      sink(err);
    } else if (!this.claimByXidSink(msg.xid, err)) {
      this._errors.next(err);
    }
    this._messages.next(msg);
  }

  private claimByXidSink(xid: number, err: OpenFlowRequestError): boolean {
    for (const b of this.xidSinks) {
      const i = b.xids.subarray(0, b.count).indexOf(xid);
      if (i >= 0) {
        b.onError(i, err);
        return true;
      }
    }
    return false;
  }

  /** @internal registers a bulk send's xids (see {@link xidSinks}); the caller removes it with {@link _dropXidSink}. */
  _addXidSink(sink: OpenFlowXidSink): void {
    this.xidSinks.add(sink);
  }

  /** @internal */
  _dropXidSink(sink: OpenFlowXidSink): void {
    this.xidSinks.delete(sink);
  }

  private onMultipartPart(xid: number, p: Pending, body: MultipartReplyBody, last: boolean, _msg: OfpMessage): void {
    if (p.onPart) {
      p.onPart(body, last);
      if (last) this.settle(xid, p, undefined, undefined);
      else this.armTimer(xid, p);
      return;
    }
    p.parts!.push(body);
    p.partBytes = (p.partBytes ?? 0) + this.frameLen;
    const cap = this.opts.maxMultipartBytes ?? 512 * 1024 * 1024;
    if (p.partBytes > cap) {
      // Later parts of this xid find no pending request and are dropped.
      this.settle(
        xid,
        p,
        new OpenFlowRuntimeError('OFPSDN_MULTIPART_TOO_LARGE', `multipart reply over ${cap} bytes`, {
          ...this.ctx(),
          request: p.request,
          parts: p.parts!.length,
        }),
      );
      return;
    }
    if (last) this.settle(xid, p, undefined, p.parts);
    else this.armTimer(xid, p);
  }

  private settle(xid: number, p: Pending, err?: Error, value?: unknown): void {
    this.pending.delete(xid);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(value);
  }

  /** Another part arrived: the request's timeout (the per-call `timeoutMs`, if given) starts again. */
  private armTimer(_xid: number, p: Pending): void {
    p.timer?.refresh();
  }

  // -----------------------------------------------------------------------------------------------------------
  // Send path
  // -----------------------------------------------------------------------------------------------------------

  private sendRaw(msg: OfpMessage): void {
    const q = this.queue;
    if (!q) throw new OpenFlowRuntimeError('OFPSDN_NOT_CONNECTED', `cannot send ${msg.type}: not connected`, this.ctx());
    const mark = q.mark();
    try {
      encodeMessage(msg, q.writer());
    } catch (e) {
      q.rollback(mark);
      throw e;
    }
    q.commit(mark);
  }

  private requireUp(what: string): void {
    const st = this.state;
    if (st === 'up' || (st === 'handshaking' && this.handshake?.helloSeen)) return;
    throw new OpenFlowRuntimeError(
      st === 'closed' ? 'OFPSDN_CLOSED' : 'OFPSDN_NOT_CONNECTED',
      `cannot send ${what}: session is ${st}`,
      this.ctx(),
    );
  }

  /**
   * Sends a message without waiting for anything (an xid is assigned when `msg.xid` is 0; the message object
   * is updated). Throws `OFPSDN_NOT_CONNECTED` when down and `OFPSDN_WRITE_QUEUE_FULL` at the cap. Errors
   * the switch reports for it arrive on {@link errors$}.
   */
  send(msg: OfpMessage): number {
    this.requireUp(msg.type);
    if (!msg.xid) msg.xid = this.allocXid();
    this.sendRaw(msg);
    return msg.xid;
  }

  /** Resolves once the write queue is below its low-water mark (await it in bulk loops). */
  drained(): Promise<void> {
    return this.queue?.drained() ?? Promise.resolve();
  }

  /**
   * Sends a request (with a fresh xid, written into `msg.xid`) and resolves with its reply (matched by xid).
   * A message without a reply of its own (FLOW_MOD, GROUP_MOD, PACKET_OUT, ...) is followed by a BARRIER_REQUEST and resolves (with undefined)
   * when the barrier answers. Rejects with {@link OpenFlowRequestError} when the switch answers OFPT_ERROR,
   * `OFPSDN_TIMEOUT`, or `OFPSDN_DISCONNECTED` when the connection drops first.
   */
  request<M extends OfpMessage>(msg: M, opts: { timeoutMs?: number } = {}): Promise<ReplyOf<M>> {
    return new Promise<ReplyOf<M>>((resolve, reject) => {
      try {
        this.requireUp(msg.type);
        // Always a fresh xid (the object is updated): a reused message object must not match an old reply.
        msg.xid = this.allocXid();
        if (msg.type === 'MULTIPART_REQUEST') {
          throw new OpenFlowRuntimeError('OFPSDN_BAD_ARGUMENT', 'use multipart() or multipartIter() for MULTIPART_REQUEST', this.ctx());
        }
        const p: Pending = { request: msg, resolve: resolve as (v: unknown) => void, reject, timer: undefined };
        if (HAS_REPLY.has(msg.type)) {
          this.pending.set(msg.xid, p);
          this.armTimerMs(msg.xid, p, opts.timeoutMs);
          this.sendRaw(msg);
        } else {
          // Errors for msg carry msg.xid; the barrier's reply comes after them (section 6.2, barrier).
          const bxid = this.allocXid();
          const barrier = { type: 'BARRIER_REQUEST' as const, xid: bxid };
          p.barrierFor = msg.xid;
          this.pending.set(bxid, p);
          this.errorSinks.set(msg.xid, (e) => {
            this.errorSinks.delete(msg.xid);
            const pp = this.pending.get(bxid);
            if (pp) this.settle(bxid, pp, withRequest(e, msg));
          });
          const origResolve = p.resolve;
          const origReject = p.reject;
          p.resolve = (v) => {
            this.errorSinks.delete(msg.xid);
            origResolve(v);
          };
          p.reject = (e) => {
            this.errorSinks.delete(msg.xid);
            origReject(e);
          };
          this.armTimerMs(bxid, p, opts.timeoutMs);
          this.sendRaw(msg);
          this.sendRaw(barrier);
        }
      } catch (e) {
        reject(e as Error);
      }
    });
  }

  private armTimerMs(xid: number, p: Pending, ms?: number): void {
    const timeout = ms ?? this.opts.requestTimeoutMs ?? 10_000;
    p.timer = setTimeout(() => {
      if (this.pending.get(xid) !== p) return;
      this.pending.delete(xid);
      p.reject(
        new OpenFlowRuntimeError('OFPSDN_TIMEOUT', `${p.request.type} xid=${p.request.xid}: no reply within ${timeout} ms`, {
          ...this.ctx(),
          request: p.request,
        }),
      );
    }, timeout);
  }

  /** BARRIER_REQUEST -> BARRIER_REPLY (section 6.2): everything sent before has been processed. */
  async barrier(opts: { timeoutMs?: number } = {}): Promise<void> {
    await this.request({ type: 'BARRIER_REQUEST', xid: 0 }, opts);
  }

  /**
   * Sends many messages without replies (flow-mods, group-mods...) as fast as the write queue allows, then a
   * barrier. Resolves when the barrier answers; rejects with {@link OpenFlowBatchError} listing every
   * message the switch rejected (each error carries its request), after the barrier.
   */
  async sendBatch(msgs: readonly OfpMessage[], opts: { timeoutMs?: number } = {}): Promise<void> {
    this.requireUp('batch');
    const errors: OpenFlowRequestError[] = [];
    const sink: OpenFlowXidSink = { xids: new Uint32Array(msgs.length), count: 0, onError: (i, e) => errors.push(withRequest(e, msgs[i]!)) };
    this.xidSinks.add(sink);
    try {
      for (let i = 0; i < msgs.length; i++) {
        const m = msgs[i]!;
        m.xid = this.allocXid();
        sink.xids[i] = m.xid;
        sink.count = i + 1;
        this.sendRaw(m);
        if ((i & 1023) === 1023 && this.queue && this.queue.pendingBytes > 1024 * 1024) await this.drained();
      }
      await this.barrier(opts);
    } finally {
      this.xidSinks.delete(sink);
    }
    if (errors.length) throw new OpenFlowBatchError(errors);
  }

  /**
   * A multipart request (section 7.3.5); resolves with the bodies of all reply parts in order once the part
   * without OFPMPF_REPLY_MORE arrives. `timeoutMs` bounds the wait for the first part and between parts.
   */
  multipart(body: MultipartRequestBody, opts: { timeoutMs?: number } = {}): Promise<MultipartReplyBody[]> {
    return new Promise((resolve, reject) => {
      try {
        this.requireUp('MULTIPART_REQUEST');
        const msg: OfpMessage = { type: 'MULTIPART_REQUEST', xid: this.allocXid(), flags: 0, body };
        const p: Pending = { request: msg, resolve: resolve as (v: unknown) => void, reject, timer: undefined, parts: [] };
        this.pending.set(msg.xid, p);
        this.armTimerMs(msg.xid, p, opts.timeoutMs);
        this.sendRaw(msg);
      } catch (e) {
        reject(e as Error);
      }
    });
  }

  /**
   * A multipart request as an async iterator over reply parts as they arrive (a 50,000-flow dump can be
   * consumed without holding every part at once). Parts the consumer has not taken yet are buffered for this
   * request only -- the socket keeps being read, so other requests, echoes and async messages of the session
   * are never held up by a slow consumer. The buffer is bounded by `multipartIterBufferBytes` (default 64 MiB
   * of reply messages); a consumer that falls further behind gets `OFPSDN_MULTIPART_TOO_LARGE` and the rest of
   * the reply is dropped as it arrives. Breaking out of the loop early also drops the rest.
   */
  multipartIter(body: MultipartRequestBody, opts: { timeoutMs?: number } = {}): AsyncIterableIterator<MultipartReplyBody> {
    const queue: { body: MultipartReplyBody; bytes: number }[] = [];
    let queuedBytes = 0;
    const cap = this.opts.multipartIterBufferBytes ?? 64 * 1024 * 1024;
    let done = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    let started = false;
    let cancelled = false;
    const start = () => {
      started = true;
      this.requireUp('MULTIPART_REQUEST');
      const msg: OfpMessage = { type: 'MULTIPART_REQUEST', xid: this.allocXid(), flags: 0, body };
      const p: Pending = {
        request: msg,
        resolve: () => {
          done = true;
          wake?.();
        },
        reject: (e) => {
          failure ??= e;
          done = true;
          wake?.();
        },
        timer: undefined,
        onPart: (b) => {
          if (cancelled) return; // the consumer stopped or overflowed: drop the remaining parts
          queue.push({ body: b, bytes: this.frameLen });
          queuedBytes += this.frameLen;
          if (queuedBytes > cap) {
            cancelled = true;
            queue.length = 0;
            queuedBytes = 0;
            failure = new OpenFlowRuntimeError(
              'OFPSDN_MULTIPART_TOO_LARGE',
              `multipart reply: the consumer fell more than ${cap} bytes behind`,
              { ...this.ctx(), request: msg },
            );
          }
          wake?.();
        },
      };
      this.pending.set(msg.xid, p);
      this.armTimerMs(msg.xid, p, opts.timeoutMs);
      this.sendRaw(msg);
    };
    const it: AsyncIterableIterator<MultipartReplyBody> = {
      [Symbol.asyncIterator]() {
        return it;
      },
      next: async (): Promise<IteratorResult<MultipartReplyBody>> => {
        if (!started) start();
        for (;;) {
          if (queue.length) {
            const v = queue.shift()!;
            queuedBytes -= v.bytes;
            return { value: v.body, done: false };
          }
          if (failure) throw failure;
          if (done) return { value: undefined, done: true };
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
      return: async (): Promise<IteratorResult<MultipartReplyBody>> => {
        // Remaining parts are dropped as they arrive; the request stays pending until its last part.
        cancelled = true;
        queue.length = 0;
        queuedBytes = 0;
        return { value: undefined, done: true };
      },
    };
    return it;
  }

  /** OFPMP_FLOW: every flow matching the filter (all tables, any cookie by default), all parts joined. */
  async dumpFlows(f: Partial<FlowStatsRequestBody> = {}): Promise<FlowStats[]> {
    const parts = await this.multipart({
      mpType: 'FLOW',
      tableId: f.tableId ?? OFPTT_ALL,
      outPort: f.outPort ?? OFPP_ANY,
      outGroup: f.outGroup ?? OFPG_ANY,
      cookie: f.cookie ?? 0n,
      cookieMask: f.cookieMask ?? 0n,
      match: f.match ?? [],
    });
    const out: FlowStats[] = [];
    for (const p of parts) if (p.mpType === 'FLOW') for (const s of p.stats) out.push(s);
    return out;
  }

  /** OFPMP_GROUP_DESC: every group. */
  async dumpGroups(): Promise<GroupDesc[]> {
    const parts = await this.multipart({ mpType: 'GROUP_DESC' });
    const out: GroupDesc[] = [];
    for (const p of parts) if (p.mpType === 'GROUP_DESC') out.push(...p.groups);
    return out;
  }

  /** OFPMP_PORT_DESC: every port. */
  async portDesc(): Promise<OfpPort[]> {
    const parts = await this.multipart({ mpType: 'PORT_DESC' });
    const out: OfpPort[] = [];
    for (const p of parts) if (p.mpType === 'PORT_DESC') out.push(...p.ports);
    return out;
  }

  /** Adds (or with `command` in `fm`, modifies/deletes) one flow and confirms it with a barrier. */
  flowMod(fm: FlowMod): Promise<void> {
    return this.request(fm) as Promise<void>;
  }

  /**
   * Resumes a paused pipeline (Open vSwitch NXT_RESUME): sends the packet-in2's properties back, including its
   * continuation, optionally with a modified packet.
   */
  resume(pin: NxPacketIn2, packet?: Buffer): void {
    const { type: _t, xid: _x, ...props } = pin;
    const msg: NxResume = { ...props, type: 'NXT_RESUME', xid: 0, ...(packet ? { packet } : {}) };
    this.send(msg);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Bundles (ONF extension 230 for OpenFlow 1.3; OpenFlow 1.4 section 6.8)
  // -----------------------------------------------------------------------------------------------------------

  /**
   * Opens a bundle (BUNDLE_CONTROL OPEN_REQUEST -> OPEN_REPLY). Add messages with
   * {@link OpenFlowBundle.add}, then {@link OpenFlowBundle.commit} or {@link OpenFlowBundle.discard}. On a
   * session that is down this rejects with `OFPSDN_NOT_CONNECTED`; if the connection drops while the bundle
   * is open, every later call rejects with `OFPSDN_DISCONNECTED` (the switch discards it, section 6.8).
   */
  async openBundle(opts: { atomic?: boolean; ordered?: boolean } = {}): Promise<OpenFlowBundle> {
    const flags = (opts.atomic !== false ? OFPBF_ATOMIC : 0) | (opts.ordered !== false ? OFPBF_ORDERED : 0);
    const id = this.nextBundleId;
    this.nextBundleId = this.nextBundleId >= 0xffffffff ? 1 : this.nextBundleId + 1;
    const epoch = this._epoch;
    const reply = await this.request({ type: 'BUNDLE_CONTROL', xid: 0, bundleId: id, ctrlType: OFPBCT_OPEN_REQUEST, flags, properties: [] });
    if (reply.type !== 'BUNDLE_CONTROL' || reply.ctrlType !== OFPBCT_OPEN_REQUEST + 1) {
      throw new OpenFlowRuntimeError('OFPSDN_UNEXPECTED_REPLY', `bundle open answered with ${reply.type}`, this.ctx());
    }
    return new OpenFlowBundle(this, id, flags, epoch);
  }

  /**
   * Applies `msgs` atomically: open, add all, commit. Resolves when committed; rejects with
   * {@link OpenFlowBundleError} (carrying each failed message's error) and leaves the switch unchanged.
   */
  async bundle(msgs: readonly OfpMessage[], opts: { atomic?: boolean; ordered?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const b = await this.openBundle(opts);
    try {
      await b.addAll(msgs);
    } catch (e) {
      await b.discard().catch(() => undefined);
      throw e;
    }
    await b.commit({ timeoutMs: opts.timeoutMs });
  }

  /** @internal used by {@link OpenFlowBundle}. */
  _bundleSend(epoch: number, msg: BundleAdd): void {
    if (this._epoch !== epoch || this.state !== 'up') {
      throw new OpenFlowRuntimeError(
        this.state === 'closed' ? 'OFPSDN_CLOSED' : 'OFPSDN_DISCONNECTED',
        `bundle ${msg.bundleId}: the connection it was opened on is gone`,
        { ...this.ctx(), bundleId: msg.bundleId },
      );
    }
    msg.xid = this.allocXid();
    // ONF 230: the inner message's xid must equal the BUNDLE_ADD's (OFPBFC_MSG_BAD_XID otherwise).
    msg.message.xid = msg.xid;
    this.sendRaw(msg);
  }

  /** @internal */
  _epochOf(): number {
    return this._epoch;
  }
}

/** A bundle commit failed: the switch applied none of it. `failures` are the errors of the failing messages. */
export class OpenFlowBundleError extends Error {
  override readonly name = 'OpenFlowBundleError';
  readonly code: string;
  constructor(
    readonly bundleId: number,
    /** The error the switch sent for the commit (typically OFPET_EXPERIMENTER/OFPBFC_MSG_FAILED). */
    readonly commitError: OpenFlowRequestError | undefined,
    /** Errors the switch sent for individual added messages (each with its request). */
    readonly failures: OpenFlowRequestError[],
  ) {
    const first = failures[0] ?? commitError;
    super(`bundle ${bundleId} failed${first ? `: ${first.message}` : ''}${failures.length > 1 ? ` (+${failures.length - 1} more)` : ''}`);
    this.code = commitError?.code ?? failures[0]?.code ?? 'OFPSDN_BUNDLE_FAILED';
  }
}

/** An open bundle. Not reusable after commit or discard. */
export class OpenFlowBundle {
  private state: 'open' | 'committed' | 'discarded' | 'failed' = 'open';
  private readonly failures: OpenFlowRequestError[] = [];
  /** The added messages and their xids (errors the switch sends for them are matched by xid). */
  private readonly msgs: OfpMessage[] = [];
  private readonly sink: OpenFlowXidSink = {
    xids: new Uint32Array(1024),
    count: 0,
    onError: (i, e) => this.failures.push(withRequest(e, this.msgs[i]!)),
  };

  /** @internal */
  constructor(
    private readonly session: OpenFlowSession,
    readonly id: number,
    readonly flags: number,
    private readonly epoch: number,
  ) {
    session._addXidSink(this.sink);
  }

  /** Number of messages added. */
  get size(): number {
    return this.sink.count;
  }

  private forget(): void {
    this.session._dropXidSink(this.sink);
  }

  private check(what: string): void {
    if (this.state !== 'open') {
      throw new OpenFlowRuntimeError('OFPSDN_BUNDLE_STATE', `cannot ${what} bundle ${this.id}: it is ${this.state}`, {
        bundleId: this.id,
      });
    }
  }

  /** Adds one message (BUNDLE_ADD). Errors the switch reports for it are collected for {@link commit}. */
  add(msg: OfpMessage): void {
    this.check('add to');
    const add: BundleAdd = { type: 'BUNDLE_ADD', xid: 0, bundleId: this.id, flags: this.flags, message: msg, properties: [] };
    this.session._bundleSend(this.epoch, add);
    const sink = this.sink;
    if (sink.count === sink.xids.length) {
      const bigger = new Uint32Array(sink.xids.length * 2);
      bigger.set(sink.xids);
      sink.xids = bigger;
    }
    sink.xids[sink.count++] = add.xid;
    this.msgs.push(msg);
  }

  /** Adds many, waiting for the write queue to drain as needed. */
  async addAll(msgs: readonly OfpMessage[]): Promise<void> {
    for (let i = 0; i < msgs.length; i++) {
      this.add(msgs[i]!);
      if ((i & 1023) === 1023 && this.session.pendingWriteBytes > 1024 * 1024) await this.session.drained();
    }
  }

  /**
   * BUNDLE_CONTROL COMMIT_REQUEST. Resolves on COMMIT_REPLY; rejects with {@link OpenFlowBundleError} when the
   * switch refuses (nothing of the bundle is applied), `OFPSDN_DISCONNECTED` if the connection drops.
   */
  async commit(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.check('commit');
    // Open vSwitch validates each BUNDLE_ADD as it arrives and answers a bad one with an error, but leaves
    // the bundle open and would commit the rest. To keep the all-or-nothing promise, a barrier first
    // collects every add error (they precede its reply); any error discards the bundle instead.
    try {
      await this.session.barrier({ timeoutMs: opts.timeoutMs });
    } catch (e) {
      this.state = 'failed';
      this.forget();
      throw e;
    }
    if (this.failures.length) {
      await this.control(OFPBCT_DISCARD_REQUEST, 'discard').catch(() => undefined);
      this.state = 'failed';
      throw new OpenFlowBundleError(this.id, undefined, [...this.failures]);
    }
    await this.control(OFPBCT_COMMIT_REQUEST, 'commit', opts.timeoutMs);
    this.state = 'committed';
  }

  /** BUNDLE_CONTROL DISCARD_REQUEST: drops the bundle on the switch. */
  async discard(): Promise<void> {
    await this.control(OFPBCT_DISCARD_REQUEST, 'discard');
    this.state = 'discarded';
  }

  /** BUNDLE_CONTROL CLOSE_REQUEST: no more adds (optional before commit). */
  async closeBundle(): Promise<void> {
    this.check('close');
    await this.control(OFPBCT_CLOSE_REQUEST, 'close', undefined, true);
  }

  private async control(ctrlType: number, what: string, timeoutMs?: number, keepOpen = false): Promise<void> {
    this.check(what);
    if (this.session._epochOf() !== this.epoch || this.session.state !== 'up') {
      this.state = 'failed';
      throw new OpenFlowRuntimeError(
        this.session.state === 'closed' ? 'OFPSDN_CLOSED' : 'OFPSDN_DISCONNECTED',
        `cannot ${what} bundle ${this.id}: the connection it was opened on is gone`,
        { bundleId: this.id },
      );
    }
    try {
      await this.session.request(
        { type: 'BUNDLE_CONTROL', xid: 0, bundleId: this.id, ctrlType, flags: this.flags, properties: [] },
        { timeoutMs },
      );
      if (!keepOpen) this.forget();
    } catch (e) {
      this.forget();
      this.state = 'failed';
      if (e instanceof OpenFlowRequestError) throw new OpenFlowBundleError(this.id, e, [...this.failures]);
      throw e;
    }
    if (this.failures.length && ctrlType === OFPBCT_COMMIT_REQUEST) {
      // Should not happen (a failed message fails the commit), but never report success over an error.
      this.state = 'failed';
      throw new OpenFlowBundleError(this.id, undefined, [...this.failures]);
    }
  }
}

function withRequest(e: OpenFlowRequestError, request: OfpMessage): OpenFlowRequestError {
  return new OpenFlowRequestError(e.errType, e.errCode, e.typeName, e.codeName, request, e.data, e.context);
}

/** The reply type of a request message. */
export type ReplyOf<M extends OfpMessage> = M extends { type: 'ECHO_REQUEST' }
  ? Extract<OfpMessage, { type: 'ECHO_REPLY' }>
  : M extends { type: 'FEATURES_REQUEST' }
    ? FeaturesReply
    : M extends { type: 'GET_CONFIG_REQUEST' }
      ? Extract<OfpMessage, { type: 'GET_CONFIG_REPLY' }>
      : M extends { type: 'BARRIER_REQUEST' }
        ? Extract<OfpMessage, { type: 'BARRIER_REPLY' }>
        : M extends { type: 'QUEUE_GET_CONFIG_REQUEST' }
          ? Extract<OfpMessage, { type: 'QUEUE_GET_CONFIG_REPLY' }>
          : M extends { type: 'ROLE_REQUEST' }
            ? Extract<OfpMessage, { type: 'ROLE_REPLY' }>
            : M extends { type: 'GET_ASYNC_REQUEST' }
              ? Extract<OfpMessage, { type: 'GET_ASYNC_REPLY' }>
              : M extends { type: 'BUNDLE_CONTROL' }
                ? Extract<OfpMessage, { type: 'BUNDLE_CONTROL' }>
                : void;

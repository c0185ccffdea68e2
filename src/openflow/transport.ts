/**
 * Byte transports for OpenFlow: active sockets (`tcp:`, `ssl:`, `unix:`), listeners (`ptcp:`, `pssl:`,
 * `punix:`), and the bounded, batching write queue every session writes through.
 */
import { once } from 'node:events';
import { unlink } from 'node:fs/promises';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { Observable, Subject } from 'rxjs';
import { OpenFlowEndpoint, parseOpenFlowEndpoint } from './endpoint';
import { OpenFlowRuntimeError } from './runtime-errors';
import { Writer } from './writer';

/**
 * TLS material for `ssl:`/`pssl:` (the same three files `ovs-vsctl set-ssl` takes). Each value is PEM text or
 * a path to a PEM file. Both directions verify the peer's certificate chain against `ca`. Like Open vSwitch,
 * the peer's host name is not checked against the certificate unless `checkHostname` is set (ovs-pki
 * certificates name a switch or controller, not a host).
 */
export interface OpenFlowTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  ca: string | Buffer;
  checkHostname?: boolean;
}

function pem(v: string | Buffer): string | Buffer {
  return typeof v === 'string' && !v.includes('-----BEGIN') ? readFileSync(v) : v;
}

/** A connected byte stream (plain socket or TLS socket). */
export type OpenFlowSocket = net.Socket | tls.TLSSocket;

/** Opens an active connection. Rejects with `OFPSDN_CONNECT_FAILED` (cause: the socket error). */
export async function dialOpenFlow(
  endpoint: string | OpenFlowEndpoint,
  opts: { tls?: OpenFlowTlsOptions; timeoutMs?: number } = {},
): Promise<OpenFlowSocket> {
  const ep = typeof endpoint === 'string' ? parseOpenFlowEndpoint(endpoint) : endpoint;
  if (ep.passive) {
    throw new OpenFlowRuntimeError('OFPSDN_BAD_ENDPOINT', `${ep.text} is passive; use a listener`, { endpoint: ep.text });
  }
  let sock: OpenFlowSocket;
  let ready: string;
  if (ep.kind === 'unix') {
    sock = net.connect({ path: ep.path });
    ready = 'connect';
  } else if (ep.kind === 'tcp') {
    sock = net.connect({ host: ep.host, port: ep.port });
    ready = 'connect';
  } else {
    if (!opts.tls) throw new OpenFlowRuntimeError('OFPSDN_BAD_ENDPOINT', `${ep.text} needs TLS options`, { endpoint: ep.text });
    sock = tls.connect({
      host: ep.host,
      port: ep.port,
      key: pem(opts.tls.key),
      cert: pem(opts.tls.cert),
      ca: pem(opts.tls.ca),
      rejectUnauthorized: true,
      ...(opts.tls.checkHostname ? {} : { checkServerIdentity: () => undefined }),
    });
    ready = 'secureConnect';
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    await once(sock, ready, { signal: ac.signal });
    sock.setNoDelay?.(true);
    return sock;
  } catch (e) {
    sock.destroy();
    const why = ac.signal.aborted ? `timed out after ${timeoutMs} ms` : (e as Error).message;
    throw new OpenFlowRuntimeError('OFPSDN_CONNECT_FAILED', `connect to ${ep.text} failed: ${why}`, { endpoint: ep.text }, {
      cause: e,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A passive endpoint: every switch that connects arrives on {@link OpenFlowListener.connections$}. TLS
 * listeners require and verify a client certificate.
 */
export class OpenFlowListener {
  private readonly conns = new Subject<OpenFlowSocket>();
  private readonly errs = new Subject<Error>();
  /** Accepted connections (for TLS, after a successful handshake). */
  readonly connections$: Observable<OpenFlowSocket> = this.conns.asObservable();
  /** Accept-side failures (e.g. a client whose certificate does not verify); the listener keeps running. */
  readonly errors$: Observable<Error> = this.errs.asObservable();

  private constructor(
    readonly endpoint: OpenFlowEndpoint,
    private readonly server: net.Server,
  ) {}

  /** Starts listening on `ptcp:`, `pssl:` or `punix:`. A stale `punix:` socket file is replaced. */
  static async listen(endpoint: string | OpenFlowEndpoint, opts: { tls?: OpenFlowTlsOptions } = {}): Promise<OpenFlowListener> {
    const ep = typeof endpoint === 'string' ? parseOpenFlowEndpoint(endpoint) : endpoint;
    if (!ep.passive) {
      throw new OpenFlowRuntimeError('OFPSDN_BAD_ENDPOINT', `${ep.text} is active; use dial`, { endpoint: ep.text });
    }
    let server: net.Server;
    if (ep.kind === 'ssl') {
      if (!opts.tls) throw new OpenFlowRuntimeError('OFPSDN_BAD_ENDPOINT', `${ep.text} needs TLS options`, { endpoint: ep.text });
      server = tls.createServer({
        key: pem(opts.tls.key),
        cert: pem(opts.tls.cert),
        ca: pem(opts.tls.ca),
        requestCert: true,
        rejectUnauthorized: true,
      });
    } else {
      server = net.createServer();
    }
    const l = new OpenFlowListener(ep, server);
    if (ep.kind === 'ssl') {
      server.on('secureConnection', (s: tls.TLSSocket) => l.accept(s));
      server.on('tlsClientError', (e: Error) => l.errs.next(e));
    } else {
      server.on('connection', (s: net.Socket) => l.accept(s));
    }
    server.on('error', (e) => l.errs.next(e));
    if (ep.kind === 'unix') await unlink(ep.path).catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error) =>
        reject(new OpenFlowRuntimeError('OFPSDN_CONNECT_FAILED', `listen on ${ep.text} failed: ${e.message}`, { endpoint: ep.text }, { cause: e }));
      server.once('error', onErr);
      const done = () => {
        server.off('error', onErr);
        resolve();
      };
      if (ep.kind === 'unix') server.listen(ep.path, done);
      else server.listen(ep.port, ep.host, done);
    });
    return l;
  }

  private accept(s: OpenFlowSocket): void {
    s.setNoDelay?.(true);
    this.conns.next(s);
  }

  /** The bound TCP port (useful with `ptcp:0`), or undefined for unix sockets. */
  get port(): number | undefined {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Stops accepting (already accepted sockets stay open), completes the streams, removes a unix socket file. */
  async close(): Promise<void> {
    // server.close() stops accepting at once; its callback would wait for every accepted connection to end,
    // and those belong to their sessions, so it is not awaited.
    if (this.server.listening) this.server.close();
    this.conns.complete();
    this.errs.complete();
    if (this.endpoint.kind === 'unix') await unlink(this.endpoint.path).catch(() => undefined);
  }
}

/** Options of {@link OpenFlowWriteQueue}. */
export interface OpenFlowWriteQueueOptions {
  /** Hard cap on bytes queued but not yet taken by the kernel (default 64 MiB). Beyond it, writes fail. */
  maxBytes?: number;
  /** {@link OpenFlowWriteQueue.drained} waits until fewer bytes than this are queued (default 1 MiB). */
  lowWaterBytes?: number;
  /** A batch this large is handed to the socket at once instead of waiting for the next tick (default 256 KiB). */
  flushBytes?: number;
}

/**
 * Batches outgoing messages into one socket write per event-loop turn and bounds what a peer that stops
 * reading can make us hold. Encoders write straight into {@link OpenFlowWriteQueue.writer}; {@link OpenFlowWriteQueue.commit}
 * checks the cap and schedules the flush.
 */
export class OpenFlowWriteQueue {
  private w = new Writer(64 * 1024);
  private scheduled = false;
  private waiters: (() => void)[] = [];
  private readonly maxBytes: number;
  private readonly lowWater: number;
  private readonly flushBytes: number;
  private closed = false;

  constructor(
    private readonly sock: OpenFlowSocket,
    opts: OpenFlowWriteQueueOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.lowWater = Math.min(opts.lowWaterBytes ?? 1024 * 1024, this.maxBytes);
    this.flushBytes = opts.flushBytes ?? 256 * 1024;
    sock.on('drain', () => this.wake());
  }

  /** Bytes queued: batched here plus buffered in the socket. */
  get pendingBytes(): number {
    return this.w.pos + this.sock.writableLength;
  }

  /** The writer the next message is encoded into (valid until {@link commit}/{@link rollback}). */
  writer(): Writer {
    return this.w;
  }

  /** Position to roll back to if encoding fails. */
  mark(): number {
    return this.w.pos;
  }

  rollback(mark: number): void {
    this.w.pos = mark;
  }

  /**
   * Accepts what was encoded since `mark`. Throws `OFPSDN_WRITE_QUEUE_FULL` (and drops the message) when
   * the queue would exceed its cap.
   */
  commit(mark: number): void {
    if (this.closed) {
      this.w.pos = mark;
      throw new OpenFlowRuntimeError('OFPSDN_NOT_CONNECTED', 'connection is closed');
    }
    if (this.w.pos + this.sock.writableLength > this.maxBytes) {
      const size = this.w.pos - mark;
      this.w.pos = mark;
      throw new OpenFlowRuntimeError(
        'OFPSDN_WRITE_QUEUE_FULL',
        `write queue full: ${this.pendingBytes} bytes queued, cap ${this.maxBytes} (the peer is not reading)`,
        { pendingBytes: this.pendingBytes, maxBytes: this.maxBytes, messageBytes: size },
      );
    }
    if (this.w.pos >= this.flushBytes) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Hands the current batch to the socket now. */
  flush(): void {
    this.scheduled = false;
    if (this.closed || this.w.pos === 0) return;
    const chunk = this.w.buf.subarray(0, this.w.pos);
    this.w = new Writer(Math.max(64 * 1024, Math.min(this.w.buf.length, 4 * 1024 * 1024)));
    this.sock.write(chunk);
  }

  /** Resolves once fewer than `lowWaterBytes` are queued (at once if that is already so, or when closed). */
  drained(): Promise<void> {
    if (this.closed || this.pendingBytes < this.lowWater) return Promise.resolve();
    if (this.w.pos > 0) this.flush();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    if (this.pendingBytes >= this.lowWater && !this.closed) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const f of ws) f();
  }

  /** Drops everything queued and releases waiters. */
  close(): void {
    this.closed = true;
    this.w = new Writer(16);
    this.wake();
  }
}

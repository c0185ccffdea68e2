/**
 * Byte transports for OVSDB: active connections (tcp, ssl, unix) and passive listeners (ptcp, pssl, punix)
 * that OVSDB servers dial into (RFC 7047 section 6: the OVSDB protocol runs over TCP, or TLS, port 6640; OVS
 * also uses unix sockets).
 *
 * TLS follows Open vSwitch: both sides present a certificate signed by a CA the other side trusts
 * (`ovs-pki`); the peer's chain is verified against `ca`, but its host name is not compared with the
 * certificate (ovs-pki certificates name a role and id, not a host), exactly as OVS's stream-ssl does.
 */
import { unlinkSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Observable, Subject } from 'rxjs';
import { type OvsdbActiveEndpoint, type OvsdbPassiveEndpoint, formatOvsdbEndpoint } from './endpoint';
import { OvsdbConnectError, OvsdbError } from './errors';

/** TLS material (PEM text or buffers), as `ovs-pki` produces: our key and certificate, and the CA to trust. */
export interface OvsdbTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  ca: string | Buffer | Array<string | Buffer>;
  /** Also check the peer's host name against its certificate (default false, like OVS). */
  checkHostname?: boolean;
}

/** Options for {@link openOvsdbSocket}. */
export interface OvsdbConnectOptions {
  /** Required for `ssl:`. */
  tls?: OvsdbTlsOptions;
  /** Give up connecting (incl. the TLS handshake) after this long (default 10 s). */
  connectTimeoutMs?: number;
}

/** A connected byte stream: a `net.Socket` or `tls.TLSSocket`. */
export type OvsdbSocket = net.Socket;

/**
 * Connects to an active endpoint. Resolves once the stream is usable (after the TLS handshake for `ssl:`);
 * rejects with {@link OvsdbConnectError}: OVSDB_CONNECT_FAILED (refused, no such socket, timeout) or
 * OVSDB_TLS (handshake or certificate verification failed).
 */
export function openOvsdbSocket(ep: OvsdbActiveEndpoint, opts: OvsdbConnectOptions = {}): Promise<OvsdbSocket> {
  const endpoint = formatOvsdbEndpoint(ep);
  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  return new Promise<OvsdbSocket>((resolve, reject) => {
    let sock: net.Socket;
    let ready = 'connect';
    if (ep.kind === 'ssl') {
      if (!opts.tls) {
        reject(new OvsdbConnectError('OVSDB_TLS', 'ssl: endpoint needs tls options (key, cert, ca)', { endpoint }));
        return;
      }
      sock = tls.connect({
        host: ep.host,
        port: ep.port,
        key: opts.tls.key,
        cert: opts.tls.cert,
        ca: opts.tls.ca,
        rejectUnauthorized: true,
        checkServerIdentity: opts.tls.checkHostname ? tls.checkServerIdentity : () => undefined,
        servername: net.isIP(ep.host) ? undefined : ep.host,
      });
      ready = 'secureConnect';
    } else if (ep.kind === 'tcp') {
      sock = net.connect({ host: ep.host, port: ep.port });
    } else {
      sock = net.connect({ path: ep.path });
    }
    const timer = setTimeout(() => fail(new Error(`no connection after ${timeoutMs} ms`)), timeoutMs);
    const onError = (e: Error) => fail(e);
    const fail = (e: Error) => {
      clearTimeout(timer);
      sock.removeListener(ready, onReady);
      sock.removeListener('error', onError);
      sock.on('error', () => undefined);
      sock.destroy();
      const isTls = ep.kind === 'ssl' && (/ssl|tls|cert|handshake|self.signed|verify|alert/i.test(e.message) || 'code' in e && /ERR_SSL|CERT|TLS/.test(String((e as NodeJS.ErrnoException).code)));
      reject(
        new OvsdbConnectError(isTls ? 'OVSDB_TLS' : 'OVSDB_CONNECT_FAILED', `cannot connect to ${endpoint}: ${e.message}`, { endpoint }, e),
      );
    };
    const onReady = () => {
      clearTimeout(timer);
      sock.removeListener('error', onError);
      sock.setNoDelay?.(true);
      resolve(sock);
    };
    sock.once(ready, onReady);
    sock.once('error', onError);
  });
}

/** Options for {@link OvsdbListener.listen}. */
export interface OvsdbListenOptions {
  /** Required for `pssl:`: our key/cert and the CA that signed the servers' certificates. */
  tls?: OvsdbTlsOptions;
}

/**
 * A passive endpoint (`ptcp:`, `pssl:`, `punix:`): OVSDB servers connect to us, e.g. after
 * `ovs-vsctl set-manager tcp:OUR_IP:PORT`. Every accepted connection is emitted on {@link connections}
 * (for `pssl:` only after a verified handshake). {@link OvsdbClient.listen} wraps this into OVSDB sessions.
 */
export class OvsdbListener {
  private readonly subject = new Subject<OvsdbSocket>();
  private readonly rejectedSubject = new Subject<OvsdbConnectError>();
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  /** Accepted connections. Completes when the listener is closed. */
  readonly connections: Observable<OvsdbSocket> = this.subject.asObservable();
  /**
   * `pssl:` only: a peer whose TLS handshake failed (e.g. its certificate is not signed by our CA), as an
   * OVSDB_TLS error with the peer's address; the connection is closed and never becomes a session.
   * Completes when the listener is closed.
   */
  readonly rejected: Observable<OvsdbConnectError> = this.rejectedSubject.asObservable();

  private constructor(
    private readonly server: net.Server,
    /** The endpoint as given. */
    readonly endpoint: OvsdbPassiveEndpoint,
  ) {}

  /** Starts listening. Rejects with {@link OvsdbConnectError} (OVSDB_CONNECT_FAILED) if the address is taken. */
  static listen(ep: OvsdbPassiveEndpoint, opts: OvsdbListenOptions = {}): Promise<OvsdbListener> {
    const endpoint = formatOvsdbEndpoint(ep);
    let server: net.Server;
    if (ep.kind === 'pssl') {
      if (!opts.tls) {
        return Promise.reject(new OvsdbConnectError('OVSDB_TLS', 'pssl: endpoint needs tls options', { endpoint }));
      }
      server = tls.createServer({
        key: opts.tls.key,
        cert: opts.tls.cert,
        ca: opts.tls.ca,
        requestCert: true,
        rejectUnauthorized: true,
      });
    } else {
      server = net.createServer();
    }
    const l = new OvsdbListener(server, ep);
    server.on(ep.kind === 'pssl' ? 'secureConnection' : 'connection', (s: net.Socket) => l.accept(s));
    // Handshake failures of one client are that client's problem, not the listener's: report and drop it.
    server.on('tlsClientError', (e: Error, s: net.Socket) => {
      const peer = s.remoteAddress === undefined ? undefined : `${s.remoteAddress}:${s.remotePort}`;
      s.destroy();
      l.rejectedSubject.next(new OvsdbConnectError('OVSDB_TLS', `TLS handshake with ${peer ?? 'a peer'} on ${endpoint} failed: ${e.message}`, { endpoint, peer }, e));
    });
    return new Promise<OvsdbListener>((resolve, reject) => {
      const onError = (e: Error) =>
        reject(new OvsdbConnectError('OVSDB_CONNECT_FAILED', `cannot listen on ${endpoint}: ${e.message}`, { endpoint }, e));
      server.once('error', onError);
      const done = () => {
        server.removeListener('error', onError);
        server.on('error', () => undefined);
        resolve(l);
      };
      if (ep.kind === 'punix') {
        try {
          unlinkSync(ep.path); // OVS also removes a stale socket file before binding.
        } catch {
          /* none */
        }
        server.listen(ep.path, done);
      } else server.listen(ep.port, ep.host, done);
    });
  }

  /** The bound TCP port (useful with port 0), or undefined for punix. */
  get port(): number | undefined {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** An active endpoint string a server can dial to reach this listener (e.g. for `set-manager`). */
  get connectTarget(): string {
    const ep = this.endpoint;
    if (ep.kind === 'punix') return `unix:${ep.path}`;
    const host = ep.host === '0.0.0.0' ? '127.0.0.1' : ep.host === '::' ? '::1' : ep.host;
    return formatOvsdbEndpoint({ kind: ep.kind === 'pssl' ? 'ssl' : 'tcp', host, port: this.port ?? ep.port });
  }

  private accept(s: net.Socket): void {
    if (this.closed) {
      s.destroy();
      return;
    }
    s.setNoDelay?.(true);
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    this.subject.next(s);
  }

  /** Stops listening, closes accepted connections that are still open, completes {@link connections}. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.endpoint.kind === 'punix') {
      try {
        unlinkSync(this.endpoint.path);
      } catch {
        /* already gone */
      }
    }
    this.subject.complete();
    this.rejectedSubject.complete();
  }
}

/** True if `e` is an OVSDB error with one of the connection-level codes. */
export function isOvsdbConnectionError(e: unknown): boolean {
  return e instanceof OvsdbError && (e.code === 'OVSDB_DISCONNECTED' || e.code === 'OVSDB_CONNECT_FAILED' || e.code === 'OVSDB_TLS');
}

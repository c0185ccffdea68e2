/**
 * OVSDB endpoints in Open vSwitch syntax (ovsdb-server(1) "--remote", ovs-vsctl(8) "--db"):
 *
 * - active: `tcp:IP:PORT`, `ssl:IP:PORT`, `unix:PATH`
 * - passive (we listen, servers dial in, as `ovs-vsctl set-manager ptcp:...` configures): `ptcp:PORT[:IP]`,
 *   `pssl:PORT[:IP]`, `punix:PATH`
 *
 * IPv6 addresses are written in brackets: `tcp:[::1]:6640`, `ptcp:6640:[::1]`. A comma-separated list
 * (`tcp:a:6641,tcp:b:6641`) names the members of a cluster; see {@link parseOvsdbEndpointList}.
 */
import { isIP } from 'node:net';
import { OvsdbEndpointError } from './errors';

/** An active endpoint: we connect. */
export type OvsdbActiveEndpoint =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'ssl'; host: string; port: number }
  | { kind: 'unix'; path: string };

/** A passive endpoint: we listen and OVSDB servers connect to us. `port` 0 picks a free port. */
export type OvsdbPassiveEndpoint =
  | { kind: 'ptcp'; port: number; host: string }
  | { kind: 'pssl'; port: number; host: string }
  | { kind: 'punix'; path: string };

/** Any endpoint. */
export type OvsdbEndpoint = OvsdbActiveEndpoint | OvsdbPassiveEndpoint;

/** Default OVSDB port (IANA, RFC 7047 section 6). Used when the port is omitted, as OVS does. */
export const OVSDB_DEFAULT_PORT = 6640;

/** Parses one endpoint; throws {@link OvsdbEndpointError} (code OVSDB_BAD_ENDPOINT) with the reason. */
export function parseOvsdbEndpoint(text: string): OvsdbEndpoint {
  if (typeof text !== 'string') throw new OvsdbEndpointError('endpoint is not a string', String(text));
  const s = text.trim();
  const colon = s.indexOf(':');
  if (colon < 0) throw new OvsdbEndpointError('missing "type:" prefix (tcp:, ssl:, unix:, ptcp:, pssl:, punix:)', text);
  const kind = s.slice(0, colon);
  const rest = s.slice(colon + 1);
  switch (kind) {
    case 'unix':
    case 'punix':
      if (rest.length === 0) throw new OvsdbEndpointError('empty socket path', text);
      if (rest.includes('\0')) throw new OvsdbEndpointError('NUL byte in socket path', text);
      return { kind, path: rest };
    case 'tcp':
    case 'ssl': {
      const { host, after } = splitHost(rest, text);
      if (host === '') throw new OvsdbEndpointError('missing IP address', text);
      const port = after === undefined ? OVSDB_DEFAULT_PORT : parsePort(after, text, false);
      return { kind, host, port };
    }
    case 'ptcp':
    case 'pssl': {
      // ptcp:[PORT][:IP]
      let portText = rest;
      let host = '0.0.0.0';
      const c = rest.indexOf(':');
      if (c >= 0) {
        portText = rest.slice(0, c);
        const { host: h, after } = splitHost(rest.slice(c + 1), text);
        if (after !== undefined) throw new OvsdbEndpointError('unexpected text after the IP address', text);
        if (h === '') throw new OvsdbEndpointError('empty IP address', text);
        host = h;
      }
      const port = portText === '' ? OVSDB_DEFAULT_PORT : parsePort(portText, text, true);
      return { kind, port, host };
    }
    default:
      throw new OvsdbEndpointError(`unknown connection type "${kind}"`, text);
  }
}

/** Parses a comma-separated list of active endpoints (the members of a clustered database). */
export function parseOvsdbEndpointList(text: string): OvsdbActiveEndpoint[] {
  const items = text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  if (items.length === 0) throw new OvsdbEndpointError('no endpoint given', text);
  return items.map((x) => {
    const e = parseOvsdbEndpoint(x);
    if (!isOvsdbActiveEndpoint(e)) throw new OvsdbEndpointError('a passive endpoint cannot be connected to', x);
    return e;
  });
}

/** True for tcp/ssl/unix. */
export function isOvsdbActiveEndpoint(e: OvsdbEndpoint): e is OvsdbActiveEndpoint {
  return e.kind === 'tcp' || e.kind === 'ssl' || e.kind === 'unix';
}

/** Formats an endpoint back into OVS syntax. */
export function formatOvsdbEndpoint(e: OvsdbEndpoint): string {
  const h = (host: string) => (isIP(host) === 6 ? `[${host}]` : host);
  switch (e.kind) {
    case 'unix':
    case 'punix':
      return `${e.kind}:${e.path}`;
    case 'tcp':
    case 'ssl':
      return `${e.kind}:${h(e.host)}:${e.port}`;
    case 'ptcp':
    case 'pssl':
      return `${e.kind}:${e.port}:${h(e.host)}`;
  }
}

function splitHost(s: string, text: string): { host: string; after: string | undefined } {
  let host: string;
  let after: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new OvsdbEndpointError('unterminated "[" in IPv6 address', text);
    host = s.slice(1, close);
    const tail = s.slice(close + 1);
    if (tail === '') after = undefined;
    else if (tail.startsWith(':')) after = tail.slice(1);
    else throw new OvsdbEndpointError('expected ":" after "]"', text);
    if (isIP(host) !== 6) throw new OvsdbEndpointError(`"${host}" is not an IPv6 address`, text);
    return { host, after };
  }
  const c = s.indexOf(':');
  if (c >= 0 && s.indexOf(':', c + 1) >= 0) {
    throw new OvsdbEndpointError('IPv6 address must be written in brackets, e.g. tcp:[::1]:6640', text);
  }
  host = c >= 0 ? s.slice(0, c) : s;
  after = c >= 0 ? s.slice(c + 1) : undefined;
  if (host !== '' && isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
    throw new OvsdbEndpointError(`"${host}" is not an IP address or host name`, text);
  }
  return { host, after };
}

function parsePort(s: string, text: string, allowZero: boolean): number {
  if (!/^\d{1,5}$/.test(s)) throw new OvsdbEndpointError(`bad port "${s}"`, text);
  const port = Number(s);
  if (port > 65535 || (port === 0 && !allowZero)) throw new OvsdbEndpointError(`port ${port} out of range`, text);
  return port;
}

/**
 * Open vSwitch's connection-method syntax, shared by OVSDB (ovsdb-server(1) `--remote`, ovs-vsctl(8) `--db`)
 * and OpenFlow (ovs-vswitchd.conf.db(5) Controller `target`, ovs-ofctl(8) "Connection Methods"):
 *
 * - active: `tcp:HOST[:PORT]`, `ssl:HOST[:PORT]`, `unix:PATH`
 * - passive: `ptcp:[PORT][:IP]`, `pssl:[PORT][:IP]`, `punix:PATH` (note: the port comes first)
 *
 * IPv6 addresses are written in brackets: `tcp:[::1]:6640`, `ptcp:6653:[::1]`. Each protocol layer wraps this
 * parser with its own default port, result shape and error class.
 */
import { isIP } from 'node:net';

/** What the text said, before a layer applies its defaults. `port` is undefined where it was omitted. */
export type OvsEndpointSyntax =
  | { method: 'tcp' | 'ssl'; host: string; port: number | undefined }
  | { method: 'ptcp' | 'pssl'; port: number | undefined; host: string | undefined }
  | { method: 'unix' | 'punix'; path: string };

/** Raised for malformed text; `why` is a short reason. Layers turn it into their own typed error. */
export type EndpointFail = (why: string) => Error;

/**
 * Parses OVS connection-method text. Active ports must be 1-65535; passive ports may be 0 (any free port).
 * Hosts are IP addresses or DNS names; an IPv6 address must be bracketed.
 */
export function parseOvsEndpointSyntax(text: string, fail: EndpointFail): OvsEndpointSyntax {
  if (typeof text !== 'string') throw fail('endpoint is not a string');
  const s = text.trim();
  const colon = s.indexOf(':');
  if (colon < 0) throw fail('missing "type:" prefix (tcp:, ssl:, unix:, ptcp:, pssl:, punix:)');
  const method = s.slice(0, colon);
  const rest = s.slice(colon + 1);
  switch (method) {
    case 'unix':
    case 'punix':
      if (rest.length === 0) throw fail('empty socket path');
      if (rest.includes('\0')) throw fail('NUL byte in socket path');
      return { method, path: rest };
    case 'tcp':
    case 'ssl': {
      const { host, after } = splitHost(rest, fail);
      if (host === '') throw fail('missing IP address');
      return { method, host, port: after === undefined || after === '' ? undefined : parsePort(after, fail, false) };
    }
    case 'ptcp':
    case 'pssl': {
      const c = rest.indexOf(':');
      const portText = c < 0 ? rest : rest.slice(0, c);
      let host: string | undefined;
      if (c >= 0) {
        const { host: h, after } = splitHost(rest.slice(c + 1), fail);
        if (after !== undefined) throw fail('unexpected text after the IP address');
        if (h === '') throw fail('empty IP address');
        if (isIP(h) === 0) throw fail(`bad listen address "${h}"`);
        host = h;
      }
      return { method, port: portText === '' ? undefined : parsePort(portText, fail, true), host };
    }
    default:
      throw fail(`unknown connection type "${method}" (tcp, ssl, unix, ptcp, pssl, punix)`);
  }
}

/** Brackets an IPv6 address for endpoint text. */
export function formatEndpointHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function splitHost(s: string, fail: EndpointFail): { host: string; after: string | undefined } {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw fail('unterminated "[" in IPv6 address');
    const host = s.slice(1, close);
    const tail = s.slice(close + 1);
    if (tail !== '' && !tail.startsWith(':')) throw fail('expected ":" after "]"');
    if (isIP(host) !== 6) throw fail(`"${host}" is not an IPv6 address`);
    return { host, after: tail === '' ? undefined : tail.slice(1) };
  }
  const c = s.indexOf(':');
  if (c >= 0 && s.indexOf(':', c + 1) >= 0) throw fail('an IPv6 address must be written in brackets, e.g. tcp:[::1]:6640');
  const host = c >= 0 ? s.slice(0, c) : s;
  if (host !== '' && isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
    throw fail(`"${host}" is not an IP address or host name`);
  }
  return { host, after: c >= 0 ? s.slice(c + 1) : undefined };
}

function parsePort(s: string, fail: EndpointFail, allowZero: boolean): number {
  if (!/^\d{1,5}$/.test(s)) throw fail(`bad port "${s}"`);
  const port = Number(s);
  if (port > 65535 || (port === 0 && !allowZero)) throw fail(`port ${port} out of range`);
  return port;
}

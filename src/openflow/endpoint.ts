/**
 * OpenFlow connection endpoints in Open vSwitch syntax (ovs-vswitchd.conf.db(5), "Controller" table, and
 * ovs-ofctl(8) "Connection Methods"):
 *
 * - active: `tcp:IP[:PORT]`, `ssl:IP[:PORT]`, `unix:PATH`
 * - passive: `ptcp:[PORT][:IP]`, `pssl:[PORT][:IP]`, `punix:PATH`
 *
 * PORT defaults to 6653 (the IANA OpenFlow port). IPv6 addresses are written in brackets: `tcp:[::1]:6653`,
 * `ptcp:6653:[::]`.
 */
import { isIP } from 'node:net';
import { OpenFlowRuntimeError } from './runtime-errors';

/** The IANA-assigned OpenFlow port. */
export const OFP_TCP_PORT = 6653;

/** A parsed OpenFlow endpoint. */
export type OpenFlowEndpoint =
  | { kind: 'tcp' | 'ssl'; passive: false; host: string; port: number; text: string }
  | { kind: 'tcp' | 'ssl'; passive: true; host: string | undefined; port: number; text: string }
  | { kind: 'unix'; passive: boolean; path: string; text: string };

function bad(text: string, why: string): OpenFlowRuntimeError {
  return new OpenFlowRuntimeError('OFPSDN_BAD_ENDPOINT', `bad OpenFlow endpoint ${JSON.stringify(text)}: ${why}`, {
    endpoint: text,
  });
}

function parsePort(text: string, s: string): number {
  if (!/^\d{1,5}$/.test(s)) throw bad(text, `port ${JSON.stringify(s)} is not a number`);
  const p = Number(s);
  if (p > 65535) throw bad(text, `port ${p} out of range`);
  return p;
}

/** Splits `HOST[:PORT]` or `[V6][:PORT]`. */
function splitHostPort(text: string, s: string): { host: string; port?: string } {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw bad(text, 'unterminated [');
    const host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw bad(text, `junk after ]`);
    return { host, port: rest === '' ? undefined : rest.slice(1) };
  }
  const i = s.indexOf(':');
  return i < 0 ? { host: s } : { host: s.slice(0, i), port: s.slice(i + 1) };
}

/**
 * Parses an endpoint string; throws {@link OpenFlowRuntimeError} `OFPSDN_BAD_ENDPOINT` when it is not valid.
 */
export function parseOpenFlowEndpoint(text: string): OpenFlowEndpoint {
  const colon = text.indexOf(':');
  if (colon < 0) throw bad(text, 'expected METHOD:ARGS');
  const method = text.slice(0, colon);
  const arg = text.slice(colon + 1);
  switch (method) {
    case 'unix':
    case 'punix':
      if (arg === '') throw bad(text, 'empty path');
      return { kind: 'unix', passive: method === 'punix', path: arg, text };
    case 'tcp':
    case 'ssl': {
      const { host, port } = splitHostPort(text, arg);
      if (host === '') throw bad(text, 'missing host');
      if (!isIP(host) && !/^[A-Za-z0-9.-]+$/.test(host)) throw bad(text, `bad host ${JSON.stringify(host)}`);
      return {
        kind: method,
        passive: false,
        host,
        port: port === undefined || port === '' ? OFP_TCP_PORT : parsePort(text, port),
        text,
      };
    }
    case 'ptcp':
    case 'pssl': {
      // ptcp:[PORT][:IP] -- the port comes first here, and the IP may be a bracketed IPv6 address.
      const i = arg.indexOf(':');
      const portText = i < 0 ? arg : arg.slice(0, i);
      let host = i < 0 ? undefined : arg.slice(i + 1);
      if (host !== undefined) {
        if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
        if (host === '') host = undefined;
        else if (!isIP(host)) throw bad(text, `bad listen address ${JSON.stringify(host)}`);
      }
      return {
        kind: method === 'ptcp' ? 'tcp' : 'ssl',
        passive: true,
        host,
        port: portText === '' ? OFP_TCP_PORT : parsePort(text, portText),
        text,
      };
    }
    default:
      throw bad(text, `unknown method ${JSON.stringify(method)} (tcp, ssl, unix, ptcp, pssl, punix)`);
  }
}

/** Formats an endpoint back to OVS syntax. */
export function formatOpenFlowEndpoint(e: OpenFlowEndpoint): string {
  if (e.kind === 'unix') return `${e.passive ? 'p' : ''}unix:${e.path}`;
  const h = e.host !== undefined && e.host.includes(':') ? `[${e.host}]` : e.host;
  if (e.passive) return `p${e.kind}:${e.port}${h !== undefined ? `:${h}` : ''}`;
  return `${e.kind}:${h}:${e.port}`;
}

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
import { formatEndpointHost, parseOvsEndpointSyntax } from '../common/endpoint';
import { OpenFlowRuntimeError } from './runtime-errors';

/** The IANA-assigned OpenFlow port. */
export const OFP_TCP_PORT = 6653;

/** A parsed OpenFlow endpoint. */
export type OpenFlowEndpoint =
  | { kind: 'tcp' | 'ssl'; passive: false; host: string; port: number; text: string }
  | { kind: 'tcp' | 'ssl'; passive: true; host: string | undefined; port: number; text: string }
  | { kind: 'unix'; passive: boolean; path: string; text: string };

/**
 * Parses an endpoint string; throws {@link OpenFlowRuntimeError} `OFPSDN_BAD_ENDPOINT` when it is not valid.
 */
export function parseOpenFlowEndpoint(text: string): OpenFlowEndpoint {
  const e = parseOvsEndpointSyntax(
    text,
    (why) => new OpenFlowRuntimeError('OFPSDN_BAD_ENDPOINT', `bad OpenFlow endpoint ${JSON.stringify(text)}: ${why}`, { endpoint: text }),
  );
  switch (e.method) {
    case 'unix':
    case 'punix':
      return { kind: 'unix', passive: e.method === 'punix', path: e.path, text };
    case 'tcp':
    case 'ssl':
      return { kind: e.method, passive: false, host: e.host, port: e.port ?? OFP_TCP_PORT, text };
    case 'ptcp':
    case 'pssl':
      return { kind: e.method === 'ptcp' ? 'tcp' : 'ssl', passive: true, host: e.host, port: e.port ?? OFP_TCP_PORT, text };
  }
}

/** Formats an endpoint back to OVS syntax. */
export function formatOpenFlowEndpoint(e: OpenFlowEndpoint): string {
  if (e.kind === 'unix') return `${e.passive ? 'p' : ''}unix:${e.path}`;
  const h = e.host === undefined ? undefined : formatEndpointHost(e.host);
  if (e.passive) return `p${e.kind}:${e.port}${h !== undefined ? `:${h}` : ''}`;
  return `${e.kind}:${h}:${e.port}`;
}

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
import { formatEndpointHost, parseOvsEndpointSyntax } from '../common/endpoint';
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
  const e = parseOvsEndpointSyntax(text, (why) => new OvsdbEndpointError(why, String(text)));
  switch (e.method) {
    case 'unix':
    case 'punix':
      return { kind: e.method, path: e.path };
    case 'tcp':
    case 'ssl':
      return { kind: e.method, host: e.host, port: e.port ?? OVSDB_DEFAULT_PORT };
    case 'ptcp':
    case 'pssl':
      return { kind: e.method, port: e.port ?? OVSDB_DEFAULT_PORT, host: e.host ?? '0.0.0.0' };
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
  switch (e.kind) {
    case 'unix':
    case 'punix':
      return `${e.kind}:${e.path}`;
    case 'tcp':
    case 'ssl':
      return `${e.kind}:${formatEndpointHost(e.host)}:${e.port}`;
    case 'ptcp':
    case 'pssl':
      return `${e.kind}:${e.port}:${formatEndpointHost(e.host)}`;
  }
}

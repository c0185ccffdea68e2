/**
 * The `_Server` database (an Open vSwitch extension, ovsdb-server(5) "_Server"): one `Database` row per
 * database the server serves, with its storage model and, for clustered databases, whether this server is
 * connected to the cluster and is its leader. OVS's IDL uses it for `leader_only` connections.
 */
import { OvsdbProtocolError, transactionErrorFromResult } from './errors';

/** One row of `_Server.Database`. */
export interface OvsdbServerDatabase {
  /** Row uuid. */
  uuid: string;
  /** Database name. */
  name: string;
  /** `standalone`, `clustered`, `relay` or `backup`. */
  model: string;
  /** True if the database is connected to its storage (for a cluster: to a quorum). */
  connected: boolean;
  /** True if this server is the cluster leader (always true for standalone). */
  leader: boolean;
  /** Cluster id (clustered only). */
  cid: string | undefined;
  /** Server id within the cluster (clustered only). */
  sid: string | undefined;
  /** Raft log index of the last change (clustered only). */
  index: number | bigint | undefined;
  /** The schema as JSON text; undefined if the database is being removed. */
  schema: string | undefined;
}

/** A function that sends one request (an {@link OvsdbClient.request} or a raw JSON-RPC peer). */
export type OvsdbRequestFn = (method: string, params: unknown[]) => Promise<unknown>;

/** Reads `_Server.Database` with one `select` (RFC 7047 5.2.2). */
export async function readOvsdbServerDatabases(request: OvsdbRequestFn): Promise<OvsdbServerDatabase[]> {
  const ops = [{ op: 'select', table: 'Database', where: [] }];
  const res = await request('transact', ['_Server', ...ops]);
  const err = transactionErrorFromResult(res, ops);
  if (err) throw err;
  const rows = (res as Array<{ rows?: unknown }>)[0]?.rows;
  if (!Array.isArray(rows)) throw new OvsdbProtocolError('_Server select returned no rows array', { result: res });
  return rows.map((r) => decodeOvsdbServerDatabase(r));
}

/** Decodes one `Database` row in RFC 7047 notation (optional columns are `["set", []]` when empty). */
export function decodeOvsdbServerDatabase(row: unknown): OvsdbServerDatabase {
  if (typeof row !== 'object' || row === null) throw new OvsdbProtocolError('_Server Database row is not an object', { row });
  const r = row as Record<string, unknown>;
  return {
    uuid: uuidOf(r._uuid) ?? '',
    name: String(r.name ?? ''),
    model: String(r.model ?? ''),
    connected: r.connected === true,
    leader: r.leader === true,
    cid: uuidOf(optional(r.cid)),
    sid: uuidOf(optional(r.sid)),
    index: ((v) => (typeof v === 'number' || typeof v === 'bigint' ? v : undefined))(optional(r.index)),
    schema: ((v) => (typeof v === 'string' ? v : undefined))(optional(r.schema)),
  };
}

/** An optional column (min 0, max 1) is either the bare atom or `["set", []]` / `["set", [atom]]`. */
function optional(v: unknown): unknown {
  if (Array.isArray(v) && v[0] === 'set' && Array.isArray(v[1])) return v[1].length > 0 ? v[1][0] : undefined;
  return v;
}

function uuidOf(v: unknown): string | undefined {
  return Array.isArray(v) && v[0] === 'uuid' && typeof v[1] === 'string' ? v[1] : undefined;
}

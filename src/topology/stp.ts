/**
 * Classic mode: waiting for 802.1D STP on obr0 to settle, through OVSDB. ovs-vswitchd publishes each port's
 * STP state in the Port table's `status` column (`stp_state`: disabled, listening, learning, forwarding or
 * blocking; ovs-vswitchd.conf.db(5), "Port Status"), so a replica of Bridge/Port turns the state changes into
 * events: no polling and no ping retries while the forward delay runs.
 */
import { OvsdbClient, type OvsdbClientOptions } from '../ovsdb/client';
import { Replica } from '../ovsdb/replica';
import { openVSwitchSchema, type OpenVSwitchDb } from '../ovsdb/schemas/open-vswitch';
import { OVERLAY_BRIDGE } from './desired';
import { CLASSIC_TUNNEL_PORT_RE } from './ovsdb-shape';

/** STP state of each classic tunnel port of a bridge, by port name. */
export type StpPortStates = Record<string, string>;

/**
 * Resolves when every classic-mode tunnel port of `bridge` reports `stp_state` `forwarding` or `blocking` and at
 * least one forwards (the spanning tree has settled); resolves with the states. Rejects after `timeoutMs`
 * (default 30 s) with the replica's timeout error.
 */
export async function waitForStpSettled(
  ovsdb: string,
  opts: { bridge?: string; timeoutMs?: number; client?: OvsdbClientOptions } = {},
): Promise<StpPortStates> {
  const client = await OvsdbClient.connect(ovsdb, opts.client);
  try {
    const replica = await Replica.start<OpenVSwitchDb>(client, openVSwitchSchema(), {
      tables: { Bridge: { columns: ['name', 'ports'] }, Port: { columns: ['name', 'status'] } },
    });
    try {
      return await replica.waitFor((s) => {
        const br = s.lookup('Bridge', { name: opts.bridge ?? OVERLAY_BRIDGE });
        if (!br) return undefined;
        const states: StpPortStates = {};
        for (const pu of br.ports) {
          const p = s.get('Port', pu);
          if (p && CLASSIC_TUNNEL_PORT_RE.test(p.name)) states[p.name] = p.status.stp_state ?? 'none';
        }
        const v = Object.values(states);
        return v.length > 0 && v.every((x) => x === 'forwarding' || x === 'blocking') && v.includes('forwarding') ? states : undefined;
      }, opts.timeoutMs ?? 30_000);
    } finally {
      await replica.close();
    }
  } finally {
    await client.close();
  }
}

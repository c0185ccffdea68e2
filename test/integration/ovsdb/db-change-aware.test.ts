/**
 * set_db_change_aware (OVS extension, ovsdb-server(7)) on a real ovsdb-server: a schema conversion and the
 * removal of the database, seen by a db-change-aware client (monitor_canceled, the session stays) and by one
 * that is not (the server closes its connection; it reconnects).
 */
import { firstValueFrom, filter } from 'rxjs';
import { OvsInstance, VSWITCH_SCHEMA } from '../../../src/lab/ovs-instance';
import { run } from '../../../src/lab/process';
import { OvsdbClient } from '../../../src/ovsdb/client';
import { OvsdbError, OvsdbUnknownDatabaseError } from '../../../src/ovsdb/errors';
import { mutate, where } from '../../../src/ovsdb/notation';
import { type ChangeBatch, Replica } from '../../../src/ovsdb/replica';
import { type OpenVSwitchDb, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';

type Db = OpenVSwitchDb;
const TABLES = { Open_vSwitch: { columns: ['bridges'] }, Bridge: { columns: ['name'] } } as const;

it('convert and remove-db: the aware client keeps its session and re-syncs; the unaware one is disconnected', async () => {
  const ovs = await OvsInstance.start({ vswitchd: false });
  const reconnect = { initialDelayMs: 20, maxDelayMs: 100 };
  const aware = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect });
  const plain = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect });
  try {
    await aware.setDbChangeAware(true);
    const ra = await Replica.start<Db>(aware, openVSwitchSchema(), { tables: TABLES });
    const rp = await Replica.start<Db>(plain, openVSwitchSchema(), { tables: TABLES });
    const drops = { aware: 0, plain: 0 };
    aware.disconnects$.subscribe(() => drops.aware++);
    plain.disconnects$.subscribe(() => drops.plain++);
    const addBridge = (name: string) =>
      ra.transact((txn, snap) => {
        const b = txn.insert('Bridge', { name });
        txn.mutate('Open_vSwitch', [where.uuid([...snap.rows('Open_vSwitch').keys()][0])], [mutate.insert('bridges', [b.uuidName])]);
      });
    await addBridge('before');
    // The awareness survives a reconnect (the client re-sends set_db_change_aware): kill and restart first.
    const backA = firstValueFrom(aware.reconnected$);
    const backP = firstValueFrom(plain.reconnected$);
    await ovs.stopOvsdb(true);
    await ovs.startOvsdb();
    await Promise.all([backA, backP]);
    drops.aware = 0;
    drops.plain = 0;

    // Schema conversion (to the same schema): the server cancels the aware client's monitor and closes the
    // unaware client's connection.
    const awareResync = firstValueFrom(ra.changes$.pipe(filter((b: ChangeBatch<Db>) => b.resync)));
    const plainBack = firstValueFrom(plain.reconnected$);
    const canceled = firstValueFrom(aware.notifications$.pipe(filter((n) => n.method === 'monitor_canceled')));
    await run('ovsdb-client', ['convert', ovs.dbEndpoint, VSWITCH_SCHEMA], { env: ovs.env });
    await canceled;
    expect((await awareResync).changes).toEqual([]); // a full re-dump with nothing new
    await plainBack;
    expect(drops).toEqual({ aware: 0, plain: 1 });
    expect(aware.state).toBe('connected');
    // Both replicas keep following the database.
    await addBridge('after');
    await rp.waitFor((s) => s.lookup('Bridge', { name: 'after' }), 5000);
    expect([...ra.snapshot().rows('Bridge').values()].map((b) => b.name).sort()).toEqual(['after', 'before']);

    // Removing the database: the aware client's monitor cannot be re-sent and ends with the typed error; the
    // session itself stays up.
    const ended = new Promise<unknown>((resolve) => ra.changes$.subscribe({ error: resolve, complete: () => resolve('completed') }));
    await ovs.appctl('ovsdb-server', 'ovsdb-server/remove-db', 'Open_vSwitch');
    const err = await ended;
    expect(err).toBeInstanceOf(OvsdbUnknownDatabaseError);
    expect((err as OvsdbError).code).toBe('OVSDB_UNKNOWN_DATABASE');
    expect(aware.registeredMonitors).toHaveLength(0);
    await expect(aware.echo('still here')).resolves.toEqual(['still here']);
    expect(drops.aware).toBe(0);
  } finally {
    await aware.close();
    await plain.close();
    await ovs.stop();
  }
});

/*
 * A replica fed by a fake ovsdb-server that misbehaves on purpose: malformed update2/update3 row updates.
 * (A fake is used only because a real ovsdb-server never sends these.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { OvsdbClient } from '../../../src/ovsdb/client';
import { OvsdbJsonFramer } from '../../../src/ovsdb/framer';
import { OvsdbReplicaError, Replica } from '../../../src/ovsdb/replica';
import { OpenVSwitchDb, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';

const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';
const U3 = '33333333-3333-3333-3333-333333333333';

describe('Replica with a misbehaving server', () => {
  let dir: string;
  let server: net.Server;
  let peer: net.Socket | undefined;
  const requests: { method: string; params: unknown[] }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osdn-fake-'));
    server = net.createServer((s) => {
      peer = s;
      const framer = new OvsdbJsonFramer();
      s.on('data', (chunk) => {
        for (const m of framer.push(chunk) as { method: string; params: unknown[]; id: unknown }[]) {
          requests.push(m);
          if (m.method === 'monitor_cond_since') {
            // No monitor_cond_since on this "server": the replica must fall back to monitor_cond.
            s.write(JSON.stringify({ id: m.id, result: null, error: 'unknown method' }));
          } else if (m.method === 'monitor_cond') {
            s.write(JSON.stringify({ id: m.id, error: null, result: { Bridge: { [U1]: { initial: { name: 'a', external_ids: ['map', [['k', 'v']]] } } } } }));
          } else if (m.method === 'monitor_cancel') {
            s.write(JSON.stringify({ id: m.id, error: null, result: {} }));
          }
        }
      });
    });
    await new Promise<void>((r) => server.listen(join(dir, 'fake.sock'), r));
  });
  afterAll(async () => {
    peer?.destroy();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('reports malformed updates as typed errors, applies none of a bad update, keeps going', async () => {
    const client = await OvsdbClient.connect(`unix:${join(dir, 'fake.sock')}`, { reconnect: false });
    const replica = await Replica.start<OpenVSwitchDb>(client, openVSwitchSchema(), { tables: { Bridge: { columns: ['name', 'external_ids', 'ports'] } } });
    try {
      expect(replica.method).toBe('monitor_cond');
      const monitorId = (requests.find((r) => r.method === 'monitor_cond') as { params: unknown[] }).params[1];
      expect(replica.snapshot().lookup('Bridge', { name: 'a' })).toMatchObject({ _uuid: U1, external_ids: { k: 'v' }, ports: [] });
      const errors = firstValueFrom(replica.errors$.pipe(take(4), toArray()));
      const send = (updates: unknown) => peer?.write(JSON.stringify({ method: 'update2', params: [monitorId, updates], id: null }));
      const seq = replica.seq;
      // A valid insert together with a modify of an unknown row: nothing of it is applied.
      send({ Bridge: { [U2]: { insert: { name: 'b' } }, [U3]: { modify: { name: 'c' } } } });
      send({ Bridge: { [U1]: { modify: { ports: 'not-a-uuid' } } } });
      send({ Bridge: { [U1]: { frobnicate: {} } } });
      send({ Bridge: [] });
      send({ Bridge: { [U2]: { insert: { name: 'b', ports: ['uuid', U3] } } } });
      const errs = await errors;
      for (const e of errs) {
        expect(e).toBeInstanceOf(OvsdbReplicaError);
        expect((e as OvsdbReplicaError).code).toBe('OVSDB_REPLICA_BAD_UPDATE');
      }
      await replica.waitFor((s) => s.lookup('Bridge', { name: 'b' }), 5000);
      expect(replica.seq).toBe(seq + 1);
      const s = replica.snapshot();
      expect(s.rows('Bridge').size).toBe(2);
      expect(s.get('Bridge', U1)).toMatchObject({ name: 'a', ports: [] });
      expect(s.get('Bridge', U2)).toMatchObject({ name: 'b', ports: [U3] });
      expect(s.get('Bridge', U3)).toBeUndefined();
      expect(() => s.lookup('Bridge', { ports: [] } as never)).toThrow(OvsdbReplicaError);
    } finally {
      await replica.close();
      await client.close();
    }
  });
});

import { firstValueFrom, filter } from 'rxjs';
import { OvsdbClient } from '../../../src/ovsdb/client';
import { OvsInstance, VSWITCH_SCHEMA } from '../../../src/lab/ovs-instance';
import { run } from '../../../src/lab/process';
import { ChangeBatch, Replica, ReplicaSnapshot, RowChange } from '../../../src/ovsdb/replica';
import { Transaction } from '../../../src/ovsdb/transaction';
import { OpenVSwitchDb, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';
import { mutate, where } from '../../../src/ovsdb/notation';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { canon, rng, selectAll as selectTables } from './replica-helpers';

const schema = openVSwitchSchema();
const TABLES = { Open_vSwitch: true, Bridge: true, Port: true, Interface: true } as const;
type Db = OpenVSwitchDb;

/** Every row of the replicated tables read with a plain `select` (no monitor, no diffs), decoded. */
function selectAll(client: OvsdbClient): ReturnType<typeof selectTables> {
  return selectTables(client, Object.keys(TABLES) as (keyof typeof TABLES)[]);
}

describe('Replica against a real ovsdb-server', () => {
  let ovs: OvsInstance;
  let client: OvsdbClient;
  let other: OvsdbClient;
  let replica: Replica<Db>;
  let otherReplica: Replica<Db>;

  beforeAll(async () => {
    ovs = await OvsInstance.start({ vswitchd: false });
    client = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    other = await OvsdbClient.connect(ovs.dbEndpoint);
    replica = await Replica.start<Db>(client, schema, { tables: TABLES });
    otherReplica = await Replica.start<Db>(other, schema, { tables: TABLES });
  });
  afterAll(async () => {
    await replica?.close();
    await otherReplica?.close();
    await client?.close();
    await other?.close();
    await ovs?.stop();
  });

  function ovsRow(s: ReplicaSnapshot<Db>) {
    const [row] = s.rows('Open_vSwitch').values();
    return row;
  }

  it('loads the initial state and uses monitor_cond_since', () => {
    expect(replica.method).toBe('monitor_cond_since');
    const row = ovsRow(replica.snapshot());
    expect(row).toBeDefined();
    expect(row.bridges).toEqual([]);
    expect(typeof row.next_cfg).toBe('number');
  });

  it('read-your-writes: when transact resolves, the replica already has the change (update precedes reply)', async () => {
    const order: string[] = [];
    const sub = replica.changes$.subscribe(() => order.push('update'));
    const seq = replica.seq;
    const { value } = await replica.transact((txn, snap) => {
      const br = txn.insert('Bridge', { name: 'ryw0', external_ids: { k: 'v' } });
      txn.mutate('Open_vSwitch', [where.uuid(ovsRow(snap)._uuid)], [mutate.insert('bridges', [br.uuidName])]);
      return br;
    }).then((r) => {
      order.push('reply');
      return r;
    });
    sub.unsubscribe();
    expect(order).toEqual(['update', 'reply']);
    expect(replica.seq).toBe(seq + 1);
    const s = replica.snapshot();
    const br = s.lookup('Bridge', { name: 'ryw0' });
    expect(br?.external_ids).toEqual({ k: 'v' });
    expect(ovsRow(s).bridges).toContain(br?._uuid);
    expect(value.uuidName).toBe('row1');
  });

  it('lookups by index: schema (unique) and extra (non-unique, multi-column) indexes follow inserts, updates, deletes', async () => {
    await expect(
      Replica.start<Db>(client, schema, { tables: { Interface: { columns: ['name'], indexes: [['type']] } } }),
    ).rejects.toMatchObject({ code: 'OVSDB_NO_INDEX', context: { table: 'Interface', column: 'type' } });
    const ix = await Replica.start<Db>(client, schema, {
      tables: { Interface: { columns: ['name', 'type', 'ofport_request'], indexes: [['type'], ['type', 'ofport_request']] } },
    });
    try {
      const rand = rng(3);
      const types = ['internal', 'gre', 'vxlan'];
      // Interfaces without a port are garbage-collected: keep them referenced from one port each.
      const bridge = await replica.transact((txn, snap) => {
        const b = txn.insert('Bridge', { name: 'ixbr' });
        txn.mutate('Open_vSwitch', [where.uuid(ovsRow(snap)._uuid)], [mutate.insert('bridges', [b.uuidName])]);
      });
      expect(bridge.attempts).toBe(1);
      const check = () => {
        const snap = ix.snapshot();
        const rows = [...snap.rows('Interface').values()];
        for (const t of types) {
          const want = rows.filter((r) => r.type === t).map((r) => r._uuid).sort();
          expect(snap.lookupAll('Interface', { type: t }).map((r) => r._uuid).sort()).toEqual(want);
          const one = snap.lookup('Interface', { type: t });
          if (want.length === 0) expect(one).toBeUndefined();
          else expect(want).toContain(one?._uuid);
          for (const o of [null, 1, 2]) {
            const w2 = rows.filter((r) => r.type === t && r.ofport_request === o).map((r) => r._uuid).sort();
            expect(snap.lookupAll('Interface', { type: t, ofport_request: o }).map((r) => r._uuid).sort()).toEqual(w2);
          }
        }
        for (const r of rows) expect(snap.lookup('Interface', { name: r.name })?._uuid).toBe(r._uuid);
      };
      for (let i = 0; i < 60; i++) {
        await replica.transact((txn, snap) => {
          const br = snap.lookup('Bridge', { name: 'ixbr' })!;
          const mine = [...snap.rows('Interface').values()].filter((r) => r.name.startsWith('ix'));
          const r = rand();
          if (mine.length < 4 || r < 0.4) {
            const name = `ix${i}`;
            const iface = txn.insert('Interface', { name, type: types[i % 3], ofport_request: i % 3 === 0 ? null : 1 + (i % 2) });
            const port = txn.insert('Port', { name, interfaces: [iface.uuidName] });
            txn.mutate('Bridge', [where.uuid(br._uuid)], [mutate.insert('ports', [port.uuidName])]);
          } else if (r < 0.7) {
            const victim = mine[Math.floor(rand() * mine.length)];
            txn.update('Interface', [where.uuid(victim._uuid)], { type: types[Math.floor(rand() * 3)], ofport_request: rand() < 0.5 ? null : 2 });
          } else {
            const victim = mine[Math.floor(rand() * mine.length)];
            const port = snap.lookup('Port', { name: victim.name })!;
            txn.mutate('Bridge', [where.uuid(br._uuid)], [mutate.delete('ports', [port._uuid])]);
          }
        });
        check();
      }
      expect(ix.snapshot().lookupAll('Interface', { type: 'gre' }).length).toBeGreaterThan(1);
    } finally {
      await ix.close();
    }
  });

  it('snapshots are immutable: later updates do not change an earlier snapshot; state$ emits them', async () => {
    const states: ReplicaSnapshot<Db>[] = [];
    const sub = replica.state$.subscribe((s) => states.push(s));
    const before = replica.snapshot();
    expect(states).toEqual([before]);
    const n = before.rows('Bridge').size;
    await replica.transact((txn, snap) => {
      const br = txn.insert('Bridge', { name: 'snap0' });
      txn.mutate('Open_vSwitch', [where.uuid(ovsRow(snap)._uuid)], [mutate.insert('bridges', [br.uuidName])]);
    });
    expect(before.rows('Bridge').size).toBe(n);
    expect(before.lookup('Bridge', { name: 'snap0' })).toBeUndefined();
    expect(replica.snapshot().rows('Bridge').size).toBe(n + 1);
    sub.unsubscribe();
    expect(states).toHaveLength(2);
    expect(states[1].lookup('Bridge', { name: 'snap0' })).toBeDefined();
    expect(states[1].seq).toBe(before.seq + 1);
  });

  it('equals the database after 1,000 random transactions from another client', async () => {
    const rand = rng(7);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    let portN = 0;
    const batches: ChangeBatch<Db>[] = [];
    const sub = replica.changes$.subscribe((b) => batches.push(b));
    for (let i = 0; i < 1000; i++) {
      await otherReplica.transact((txn, snap) => {
        const root = ovsRow(snap);
        const bridges = [...snap.rows('Bridge').values()];
        const r = rand();
        if (bridges.length < 3 || r < 0.08) {
          const br = txn.insert('Bridge', { name: `b${i}`, other_config: { n: String(i) } });
          txn.mutate('Open_vSwitch', [where.uuid(root._uuid)], [mutate.insert('bridges', [br.uuidName])]);
        } else if (r < 0.12 && bridges.length > 3) {
          txn.mutate('Open_vSwitch', [where.uuid(root._uuid)], [mutate.delete('bridges', [pick(bridges)._uuid])]);
        } else if (r < 0.4) {
          const br = pick(bridges);
          const name = `p${++portN}`;
          const iface = txn.insert('Interface', { name, type: pick(['internal', 'gre', 'vxlan']), options: { remote_ip: `10.0.0.${i % 250}` } });
          const port = txn.insert('Port', { name, interfaces: [iface.uuidName], tag: rand() < 0.5 ? null : i % 4096 });
          txn.mutate('Bridge', [where.uuid(br._uuid)], [mutate.insert('ports', [port.uuidName])]);
        } else if (r < 0.55) {
          const br = pick(bridges.filter((b) => b.ports.length > 0).concat(bridges[0]));
          if (br.ports.length) txn.mutate('Bridge', [where.uuid(br._uuid)], [mutate.delete('ports', [pick(br.ports)])]);
          else txn.comment('no port to delete');
        } else if (r < 0.7) {
          txn.update('Bridge', [where.uuid(pick(bridges)._uuid)], {
            external_ids: { a: String(i), ...(rand() < 0.5 ? { b: 'x' } : {}) },
            stp_enable: rand() < 0.5,
            fail_mode: pick([null, 'secure', 'standalone'] as const),
            protocols: rand() < 0.5 ? ['OpenFlow13'] : ['OpenFlow10', 'OpenFlow13'],
          });
        } else if (r < 0.8) {
          const br = pick(bridges);
          txn.mutate('Bridge', [where.uuid(br._uuid)], [
            rand() < 0.5 ? mutate.insert('external_ids', { [`k${i % 7}`]: String(i) }) : mutate.delete('external_ids', [`k${i % 7}`]),
          ]);
        } else {
          const ports = [...snap.rows('Port').values()];
          if (ports.length === 0) {
            txn.comment('no ports');
            return;
          }
          const p = pick(ports);
          txn.update('Port', [where.uuid(p._uuid)], { trunks: rand() < 0.5 ? [] : [1, 2, 3 + (i % 4000)], tag: rand() < 0.5 ? null : 5 });
          const ifs = [...snap.rows('Interface').values()];
          txn.update('Interface', [where.uuid(pick(ifs)._uuid)], {
            ofport_request: rand() < 0.5 ? null : 1 + (i % 100),
            options: rand() < 0.5 ? {} : { key: String(i), remote_ip: 'flow' },
          });
        }
      });
    }
    // The marker: the last transaction of the other client; wait until our replica has seen it.
    await other.transact('Open_vSwitch', [{ op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['external_ids', 'insert', ['map', [['marker', 'done']]]]] }]);
    await replica.waitFor((s) => ovsRow(s).external_ids.marker === 'done', 10_000);
    sub.unsubscribe();
    const db = await selectAll(client);
    expect(canon(replica.snapshot().toJSON())).toEqual(canon(db));
    expect(Object.keys(db.Port).length).toBeGreaterThan(10);
    expect(batches.length).toBeGreaterThan(900);
    // Every batch is one committed transaction; applying the changes in order explains the final state.
    const applied = new Map<string, unknown>();
    for (const b of batches) for (const c of b.changes) {
      if (c.table !== 'Port') continue;
      if (c.kind === 'delete') applied.delete(c.uuid);
      else applied.set(c.uuid, c.new);
    }
    const before = new Set(Object.keys(db.Port));
    for (const k of applied.keys()) expect(before.has(k)).toBe(true);
  }, 60_000);

  it('monitor_cond conditions, and changeConditions (monitor_cond_change) applied before it resolves', async () => {
    const cond = await Replica.start<Db>(client, schema, { tables: { Bridge: { columns: ['name', 'external_ids'], where: [where.eq('name', 'cond_a')] } } });
    try {
      const batches: ChangeBatch<Db>[] = [];
      const sub = cond.changes$.subscribe((b) => batches.push(b));
      await replica.transact((txn, snap) => {
        const a = txn.insert('Bridge', { name: 'cond_a' });
        const b = txn.insert('Bridge', { name: 'cond_b' });
        txn.mutate('Open_vSwitch', [where.uuid(ovsRow(snap)._uuid)], [mutate.insert('bridges', [a.uuidName, b.uuidName])]);
      });
      await cond.waitFor((s) => s.lookup('Bridge', { name: 'cond_a' }), 5000);
      expect([...cond.snapshot().rows('Bridge').values()].map((r) => r.name)).toEqual(['cond_a']);
      await cond.changeConditions({ Bridge: [where.eq('name', 'cond_b')] });
      expect([...cond.snapshot().rows('Bridge').values()].map((r) => r.name)).toEqual(['cond_b']);
      const last = batches[batches.length - 1].changes.map((c) => `${c.kind} ${c.table === 'Bridge' ? (c.kind === 'delete' ? c.old.name : c.new.name) : c.table}`).sort();
      expect(last).toEqual(['delete cond_a', 'insert cond_b']);
      await cond.changeConditions({ Bridge: [] });
      expect(cond.snapshot().rows('Bridge').size).toBe(replica.snapshot().rows('Bridge').size);
      // What a reconnect re-sends: the replica's columns, the last conditions.
      const mon = client.registeredMonitors.find((m) => (m.requests.Bridge as { where?: unknown })?.where !== undefined)!;
      expect(mon.requests).toEqual({ Bridge: { columns: ['name', 'external_ids'], where: [true] } });
      sub.unsubscribe();
      await expect(cond.changeConditions({ Port: [] })).rejects.toMatchObject({ code: 'OVSDB_NOT_REPLICATED' });
    } finally {
      await cond.close();
    }
  });

  it('maps with integer keys and optional integers stay equal under random mutations (QoS/Queue, root tables)', async () => {
    const rand = rng(11);
    const q = await Replica.start<Db>(client, schema, { tables: { QoS: true, Queue: true } });
    try {
      const queues: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { value, result } = await q.transact((txn) => txn.insert('Queue', { dscp: i, other_config: { i: String(i) } }));
        queues.push(result.uuid(value));
      }
      const { value: qref, result: qres } = await q.transact((txn) => txn.insert('QoS', { type: 'linux-htb' }));
      const qos = qres.uuid(qref);
      for (let i = 0; i < 150; i++) {
        await other.transact('Open_vSwitch', [
          rand() < 0.5
            ? { op: 'mutate', table: 'QoS', where: [['_uuid', '==', ['uuid', qos]]], mutations: [['queues', 'insert', ['map', [[i % 9, ['uuid', queues[i % 5]]]]]]] }
            : rand() < 0.5
              ? { op: 'mutate', table: 'QoS', where: [['_uuid', '==', ['uuid', qos]]], mutations: [['queues', 'delete', ['set', [i % 9, (i + 3) % 9]]]] }
              : { op: 'update', table: 'QoS', where: [['_uuid', '==', ['uuid', qos]]], row: { queues: ['map', [[i % 4, ['uuid', queues[(i + 1) % 5]]], [7, ['uuid', queues[i % 5]]]]] } },
          { op: 'update', table: 'Queue', where: [['_uuid', '==', ['uuid', queues[i % 5]]]], row: { dscp: rand() < 0.3 ? ['set', []] : i % 64, other_config: ['map', rand() < 0.5 ? [] : [['i', String(i)], ['x', 'y']]] } },
        ]);
      }
      await other.transact('Open_vSwitch', [{ op: 'update', table: 'QoS', where: [['_uuid', '==', ['uuid', qos]]], row: { external_ids: ['map', [['done', '1']]] } }]);
      await q.waitFor((s) => s.get('QoS', qos)?.external_ids.done === '1', 5000);
      const t = new Transaction<Db>(schema);
      const sq = t.select('QoS', []);
      const sQ = t.select('Queue', []);
      const res = await t.execute(client);
      const strip = (rows: Record<string, unknown>[]) => Object.fromEntries(rows.map(({ _version: _v, ...r }) => [r._uuid as string, r]));
      const snap = q.snapshot().toJSON();
      expect(canon(snap.QoS)).toEqual(canon(strip(res.rows(sq) as Record<string, unknown>[])));
      expect(canon(snap.Queue)).toEqual(canon(strip(res.rows(sQ) as Record<string, unknown>[])));
      expect(q.snapshot().get('QoS', qos)?.queues).toBeInstanceOf(Map);
    } finally {
      await q.close();
    }
  });

  it('a slow subscriber gets conflated net changes, never loses one', async () => {
    const start = replica.snapshot();
    const seen: (readonly RowChange<Db>[])[] = [];
    let release: () => void = () => undefined;
    let onSecond: () => void = () => undefined;
    const second$ = new Promise<void>((r) => (onSecond = r));
    const stop = replica.watch(async (changes) => {
      seen.push(changes);
      if (seen.length === 2) onSecond();
      await new Promise<void>((r) => (release = r));
    });
    const root = ovsRow(start)._uuid;
    // First change starts the handler; the next ones pile up while it is busy.
    for (let i = 0; i < 20; i++) {
      await replica.transact((txn) => {
        if (i % 3 === 2) txn.mutate('Open_vSwitch', [where.uuid(root)], [mutate.delete('external_ids', ['slow'])]);
        else txn.mutate('Open_vSwitch', [where.uuid(root)], [mutate.insert('external_ids', { slow: String(i) })]);
        const br = txn.insert('Bridge', { name: `slow${i}` });
        txn.mutate('Open_vSwitch', [where.uuid(root)], [mutate.insert('bridges', [br.uuidName])]);
      });
    }
    // Remove some of the bridges again: insert+delete while busy must conflate to nothing.
    await replica.transact((txn, snap) => {
      const gone = [5, 6, 7].map((i) => snap.lookup('Bridge', { name: `slow${i}` })?._uuid as string);
      txn.mutate('Open_vSwitch', [where.uuid(root)], [mutate.delete('bridges', gone)]);
    });
    expect(seen.length).toBe(1);
    release();
    await second$;
    release();
    stop();
    // Apply the conflated batches to the first state: the result is the current state.
    const state = new Map<string, unknown>();
    for (const [u, r] of start.rows('Bridge')) state.set(u, r);
    for (const batch of seen) for (const c of batch) if (c.table === 'Bridge') {
      if (c.kind === 'delete') state.delete(c.uuid);
      else state.set(c.uuid, c.new);
    }
    expect(canon(Object.fromEntries(state))).toEqual(canon(Object.fromEntries(replica.snapshot().rows('Bridge'))));
    const second = seen[1];
    expect(second.filter((c) => c.table === 'Bridge' && c.kind === 'insert').length).toBe(19 - 3);
    expect(second.some((c) => c.table === 'Bridge' && c.kind === 'delete')).toBe(false);
    const ovsChanges = second.filter((c) => c.table === 'Open_vSwitch');
    expect(ovsChanges.length).toBe(1);
  });

  it('reconnect after ovsdb-server restart: re-dump emits only the differences', async () => {
    await replica.transact((txn, snap) => {
      const br = txn.insert('Bridge', { name: 'victim0' });
      txn.mutate('Open_vSwitch', [where.uuid(ovsRow(snap)._uuid)], [mutate.insert('bridges', [br.uuidName])]);
    });
    const before = replica.snapshot();
    const root = ovsRow(before)._uuid;
    const victim = before.lookup('Bridge', { name: 'victim0' });
    expect(victim).toBeDefined();
    const resynced = firstValueFrom(replica.changes$.pipe(filter((b) => b.resync)));
    const reconnected = firstValueFrom(client.reconnected$);
    await ovs.stopOvsdb(true);
    // While the server is down, change the database file directly.
    await run('ovsdb-tool', [
      'transact',
      join(ovs.dir, 'conf.db'),
      JSON.stringify([
        'Open_vSwitch',
        { op: 'insert', table: 'Bridge', row: { name: 'offline0' }, 'uuid-name': 'nb' },
        {
          op: 'mutate',
          table: 'Open_vSwitch',
          where: [['_uuid', '==', ['uuid', root]]],
          mutations: [
            ['bridges', 'insert', ['set', [['named-uuid', 'nb']]]],
            ['bridges', 'delete', ['set', [['uuid', victim?._uuid as string]]]],
          ],
        },
      ]),
    ]);
    await ovs.startOvsdb();
    const batch = await resynced;
    expect(batch.resumed).toBe(false); // a standalone server keeps no history: full re-dump
    const summary = batch.changes.map((c) => `${c.kind} ${c.table} ${c.kind === 'delete' ? (c.old as { name?: string }).name ?? '' : (c.new as { name?: string }).name ?? ''}`).sort();
    expect(summary).toEqual(['delete Bridge victim0', 'insert Bridge offline0', 'update Open_vSwitch ']);
    const upd = batch.changes.find((c) => c.kind === 'update');
    expect(upd?.kind === 'update' && (upd.new as { bridges: string[] }).bridges.length).toBe(ovsRow(before).bridges.length);
    await reconnected;
    expect(canon(replica.snapshot().toJSON())).toEqual(canon(await selectAll(client)));
  });
});

describe('Replica under a writer while ovsdb-server is killed and restarted', () => {
  it('ends equal to the database', async () => {
    const ovs = await OvsInstance.start({ vswitchd: false });
    const reconnect = { initialDelayMs: 10, maxDelayMs: 100 };
    const client = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect });
    const writer = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect });
    const replica = await Replica.start<Db>(client, schema, { tables: TABLES });
    const root = [...replica.snapshot().rows('Open_vSwitch').keys()][0];
    let stop = false;
    let ok = 0;
    let failed = 0;
    const write = async () => {
      for (let i = 0; !stop; i++) {
        const t = new Transaction<Db>(schema);
        t.mutate('Open_vSwitch', [where.uuid(root)], [mutate.insert('external_ids', { [`w${i % 50}`]: String(i) })]);
        if (i % 3 === 0) {
          const br = t.insert('Bridge', { name: `w${i}` });
          t.mutate('Open_vSwitch', [where.uuid(root)], [mutate.insert('bridges', [br.uuidName])]);
        }
        try {
          await t.execute(writer);
          ok++;
        } catch {
          failed++; // OVSDB_DISCONNECTED while the server is down: outcome unknown, not re-sent
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    };
    try {
      const w = write();
      await replica.waitFor((s) => s.rows('Bridge').size >= 5, 10_000);
      const resynced = firstValueFrom(replica.changes$.pipe(filter((b) => b.resync)));
      await ovs.stopOvsdb(true);
      await ovs.startOvsdb();
      await resynced;
      const okBefore = ok;
      await replica.waitFor(() => ok > okBefore + 20, 10_000); // the writer is back too
      stop = true;
      await w;
      // A last write on the replica's own connection: read-your-writes, so the replica has everything now.
      const t = new Transaction<Db>(schema);
      t.comment('barrier');
      t.mutate('Open_vSwitch', [where.uuid(root)], [mutate.insert('external_ids', { barrier: '1' })]);
      await t.execute(client);
      expect(failed).toBeGreaterThan(0);
      expect(canon(replica.snapshot().toJSON())).toEqual(canon(await selectAll(client)));
    } finally {
      stop = true;
      await replica.close();
      await client.close();
      await writer.close();
      await ovs.stop();
    }
  });
});

describe('Replica on a clustered database (server keeps history)', () => {
  it('resumes with monitor_cond_since after an ovsdb-server restart: no re-dump, stays equal', async () => {
    const ovs = await OvsInstance.start({ vswitchd: false });
    let client: OvsdbClient | undefined;
    let replica: Replica<Db> | undefined;
    try {
      // Replace the standalone database by a one-server Raft cluster.
      await ovs.stopOvsdb();
      await rm(join(ovs.dir, 'conf.db'));
      await run('ovsdb-tool', ['create-cluster', join(ovs.dir, 'conf.db'), VSWITCH_SCHEMA, `unix:${join(ovs.dir, 'raft.sock')}`]);
      await ovs.startOvsdb();
      await ovs.vsctl('--no-wait', 'init');
      client = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
      const rep = await Replica.start<Db>(client, schema, { tables: TABLES });
      replica = rep;
      expect(rep.method).toBe('monitor_cond_since');
      await rep.transact((txn, snap) => {
        const br = txn.insert('Bridge', { name: 'c0' });
        const [root] = snap.rows('Open_vSwitch').keys();
        txn.mutate('Open_vSwitch', [where.uuid(root)], [mutate.insert('bridges', [br.uuidName])]);
      });
      const resynced = firstValueFrom(rep.changes$.pipe(filter((b) => b.resync)));
      const reconnected = firstValueFrom(client.reconnected$);
      await ovs.stopOvsdb(true);
      await ovs.startOvsdb();
      const batch = await resynced;
      expect(batch.resumed).toBe(true);
      expect(batch.changes).toEqual([]);
      await reconnected;
      expect(canon(rep.snapshot().toJSON())).toEqual(canon(await selectAll(client)));
      // The resumed monitor keeps delivering updates.
      await ovs.vsctl('--no-wait', 'add-br', 'c1');
      await rep.waitFor((s) => s.lookup('Bridge', { name: 'c1' }), 10_000);
    } finally {
      await replica?.close();
      await client?.close();
      await ovs.stop();
    }
  });
});

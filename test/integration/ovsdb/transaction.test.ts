import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OvsdbClient } from '../../../src/ovsdb/client';
import {
  OvsdbAbortedError,
  OvsdbConstraintViolationError,
  OvsdbDomainError,
  OvsdbNotOwnerError,
  OvsdbReferentialIntegrityError,
  OvsdbTimedOutError,
} from '../../../src/ovsdb/errors';
import { mutate, where } from '../../../src/ovsdb/notation';
import { Replica } from '../../../src/ovsdb/replica';
import { OpenVSwitchDb, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';
import { Transaction } from '../../../src/ovsdb/transaction';
import { OvsdbSchemaError } from '../../../src/ovsdb/schema';

const schema = openVSwitchSchema();
type Db = OpenVSwitchDb;

describe('Transaction against a real ovsdb-server', () => {
  let ovs: OvsInstance;
  let client: OvsdbClient;
  let other: OvsdbClient;
  let replica: Replica<Db>;
  let root: string;

  beforeAll(async () => {
    ovs = await OvsInstance.start({ vswitchd: false });
    client = await OvsdbClient.connect(ovs.dbEndpoint);
    other = await OvsdbClient.connect(ovs.dbEndpoint);
    replica = await Replica.start<Db>(client, schema, { tables: { Open_vSwitch: true, Bridge: true, Port: true, Interface: true } });
    root = [...replica.snapshot().rows('Open_vSwitch').keys()][0];
  });
  afterAll(async () => {
    await replica?.close();
    await client?.close();
    await other?.close();
    await ovs?.stop();
  });

  const txn = () => new Transaction<Db>(schema);

  it('insert with named uuids, select, update, mutate, delete, comment, commit: typed results', async () => {
    const t = txn();
    const i = t.insert('Interface', { name: 'tp0', type: 'internal', options: { a: '1' } });
    const p = t.insert('Port', { name: 'tp0', interfaces: [i.uuidName] });
    const b = t.insert('Bridge', { name: 'tbr', ports: [p.uuidName], external_ids: { k: 'v' } });
    t.mutate('Open_vSwitch', [where.uuid(root)], [mutate.insert('bridges', [b.uuidName])]);
    t.comment('ovs-sdn test');
    t.commit(false);
    const res = await t.execute(client);
    const bu = res.uuid(b);
    expect(replica.snapshot().get('Bridge', bu)?.name).toBe('tbr');

    const t2 = txn();
    const sel = t2.select('Bridge', [where.uuid(bu)], ['name', 'ports', 'external_ids']);
    const upd = t2.update('Bridge', [where.eq('name', 'tbr')], { stp_enable: true, fail_mode: 'secure' });
    const mut = t2.mutate('Interface', [where.eq('name', 'tp0')], [mutate.insert('options', { b: '2' }), mutate.delete('options', ['a'])]);
    const ofr = t2.mutate('Interface', [where.eq('name', 'tp0')], [mutate.insert('ofport_request', [7])]);
    const sel2 = t2.select('Interface', [where.eq('name', 'tp0')], ['options', 'ofport_request']);
    const r2 = await t2.execute(client);
    expect(r2.rows(sel)).toEqual([{ name: 'tbr', ports: [res.uuid(p)], external_ids: { k: 'v' } }]);
    expect(r2.count(upd)).toBe(1);
    expect(r2.count(mut)).toBe(1);
    expect(r2.count(ofr)).toBe(1);
    expect(r2.rows(sel2)).toEqual([{ options: { b: '2' }, ofport_request: 7 }]);
    expect(replica.snapshot().lookup('Bridge', { name: 'tbr' })).toMatchObject({ stp_enable: true, fail_mode: 'secure' });

    // Removing the port from the bridge garbage-collects Port and Interface.
    const t3 = txn();
    t3.mutate('Bridge', [where.uuid(bu)], [mutate.delete('ports', [res.uuid(p)])]);
    await t3.execute(client);
    expect(replica.snapshot().lookup('Port', { name: 'tp0' })).toBeUndefined();
    expect(replica.snapshot().lookup('Interface', { name: 'tp0' })).toBeUndefined();

    // delete on a non-root table that is still referenced: referential integrity error at commit.
    const t4 = txn();
    const del = t4.delete('Bridge', [where.uuid(bu)]);
    const e4 = await t4.execute(client).catch((e: unknown) => e);
    expect(e4).toBeInstanceOf(OvsdbReferentialIntegrityError);
    expect((e4 as OvsdbReferentialIntegrityError).opIndex).toBe(1); // commit-level: ops.length
    expect(del.index).toBe(0);
  });

  it('wait succeeds and times out; abort, assert and arithmetic errors are typed with opIndex', async () => {
    const ok = txn();
    ok.wait('Bridge', [where.eq('name', 'tbr')], ['name'], [{ name: 'tbr' }]);
    await ok.execute(client);

    const w = txn();
    w.comment('first');
    w.wait('Bridge', [where.eq('name', 'tbr')], ['stp_enable'], [{ stp_enable: false }], { timeoutMs: 50 });
    const ew = await w.execute(client).catch((e: unknown) => e);
    expect(ew).toBeInstanceOf(OvsdbTimedOutError);
    expect((ew as OvsdbTimedOutError).opIndex).toBe(1);

    const a = txn();
    a.comment('x');
    a.abort();
    const ea = await a.execute(client).catch((e: unknown) => e);
    expect(ea).toBeInstanceOf(OvsdbAbortedError);
    expect((ea as OvsdbAbortedError).opIndex).toBe(1);

    const n = txn();
    n.assert('nobody_has_this_lock');
    const en = await n.execute(client).catch((e: unknown) => e);
    expect(en).toBeInstanceOf(OvsdbNotOwnerError);
    expect((en as OvsdbNotOwnerError).opIndex).toBe(0);
    expect((await other.lock('ours')).locked).toBe(true);
    const owned = txn();
    owned.assert('ours');
    await owned.execute(other);
    await other.unlock('ours');

    const d = txn();
    d.mutate('Open_vSwitch', [where.uuid(root)], [mutate.div('next_cfg', 0)]);
    expect(await d.execute(client).catch((e: unknown) => e)).toBeInstanceOf(OvsdbDomainError);

    const dup = txn();
    const b2 = dup.insert('Bridge', { name: 'tbr' });
    dup.mutate('Open_vSwitch', [where.uuid(root)], [mutate.insert('bridges', [b2.uuidName])]);
    expect(await dup.execute(client).catch((e: unknown) => e)).toBeInstanceOf(OvsdbConstraintViolationError);
  });

  it('validates before sending what the server would reject, and keeps 64-bit integers exact end to end', async () => {
    // The server's own answer to the raw request: a transaction error.
    const raw = await client
      .transact('Open_vSwitch', [{ op: 'update', table: 'Bridge', where: [], row: { fail_mode: 'loose' } }])
      .catch((e: unknown) => e);
    expect((raw as { code?: string }).code).toMatch(/^OVSDB_/);
    // The builder refuses it before anything is sent, naming table, column and value.
    const t = txn();
    let err: unknown;
    try {
      t.update('Bridge', [], { fail_mode: 'loose' as never });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OvsdbSchemaError);
    expect(err).toMatchObject({ code: 'OVSDB_CONSTRAINT_VIOLATION', table: 'Bridge', column: 'fail_mode', value: 'loose' });
    expect(t.length).toBe(0);

    const big = 2n ** 62n + 12345n;
    const u = txn();
    u.update('Open_vSwitch', [where.uuid(root)], { external_ids: { big: 'yes' }, next_cfg: big });
    const sel = u.select('Open_vSwitch', [where.uuid(root)], ['next_cfg']);
    const r = await u.execute(client);
    expect(r.rows(sel)[0].next_cfg).toBe(big);
    expect(replica.snapshot().get('Open_vSwitch', root)?.next_cfg).toBe(big);
    const back = txn();
    back.mutate('Open_vSwitch', [where.uuid(root)], [mutate.sub('next_cfg', big)]);
    await back.execute(client);
    expect(replica.snapshot().get('Open_vSwitch', root)?.next_cfg).toBe(0);
  });

  it('verify failure: waits for the replica to change, rebuilds from it and retries (no sleep)', async () => {
    const br = replica.snapshot().lookup('Bridge', { name: 'tbr' });
    expect(br).toBeDefined();
    const bu = br?._uuid as string;
    const builtWith: string[] = [];
    let fired = false;
    const done = replica.transact((t, snap) => {
      const row = snap.get('Bridge', bu);
      const owner = row?.external_ids.owner ?? 'none';
      builtWith.push(owner);
      // Hold the transaction on the server until the other client has committed, so that the verify below
      // is evaluated against a database that moved on since this snapshot (deterministic staleness).
      t.wait('Bridge', [where.uuid(bu)], ['other_config'], [{ other_config: { go: '1' } }], { timeoutMs: 10_000 });
      t.verify('Bridge', bu, ['external_ids'], { external_ids: row?.external_ids ?? {} });
      t.update('Bridge', [where.uuid(bu)], { external_ids: { ...row?.external_ids, owner: `${owner}+me` } });
      if (!fired) {
        fired = true;
        // Another client changes the verified column and releases the wait, in one transaction.
        void other.transact('Open_vSwitch', [
          { op: 'mutate', table: 'Bridge', where: [['_uuid', '==', ['uuid', bu]]], mutations: [['external_ids', 'insert', ['map', [['owner', 'them']]]]] },
          { op: 'update', table: 'Bridge', where: [['_uuid', '==', ['uuid', bu]]], row: { other_config: ['map', [['go', '1']]] } },
        ]);
      }
    });
    const r = await done;
    expect(r.attempts).toBe(2);
    expect(builtWith).toEqual(['none', 'them']);
    expect(replica.snapshot().get('Bridge', bu)?.external_ids.owner).toBe('them+me');
  });
});

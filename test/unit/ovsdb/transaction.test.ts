import { OvsdbTimedOutError, OvsdbConstraintViolationError } from '../../../src/ovsdb/errors';
import { mutate, where } from '../../../src/ovsdb/notation';
import { OvsdbSchemaError } from '../../../src/ovsdb/schema';
import { OpenVSwitchDb, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';
import { Transaction, TransactionResult } from '../../../src/ovsdb/transaction';

const U = '550e8400-e29b-41d4-a716-446655440000';

describe('Transaction builder (wire form)', () => {
  it('encodes every RFC 7047 5.2 operation', () => {
    const t = new Transaction<OpenVSwitchDb>(openVSwitchSchema());
    const i = t.insert('Interface', { name: 'p0', type: 'internal' });
    const p = t.insert('Port', { name: 'p0', interfaces: [i.uuidName] }, 'port_p0');
    t.mutate('Bridge', [where.eq('name', 'br0')], [mutate.insert('ports', [p.uuidName])]);
    t.select('Bridge', [where.eq('name', 'br0')], ['_uuid', 'ports']);
    t.update('Bridge', [where.uuid(U)], { stp_enable: true });
    t.delete('Port', [where.eq('name', 'old')]);
    t.wait('Bridge', [where.eq('name', 'br0')], ['name'], [{ name: 'br0' }], { until: '!=', timeoutMs: 50 });
    t.verify('Bridge', U, ['stp_enable'], { stp_enable: false });
    t.comment('hello');
    t.assert('mylock');
    t.commit(true);
    t.abort();
    expect(t.toJSON()).toEqual([
      'Open_vSwitch',
      { op: 'insert', table: 'Interface', row: { name: 'p0', type: 'internal' }, 'uuid-name': 'row1' },
      { op: 'insert', table: 'Port', row: { name: 'p0', interfaces: ['set', [['named-uuid', 'row1']]] }, 'uuid-name': 'port_p0' },
      { op: 'mutate', table: 'Bridge', where: [['name', '==', 'br0']], mutations: [['ports', 'insert', ['set', [['named-uuid', 'port_p0']]]]] },
      { op: 'select', table: 'Bridge', where: [['name', '==', 'br0']], columns: ['_uuid', 'ports'] },
      { op: 'update', table: 'Bridge', where: [['_uuid', '==', ['uuid', U]]], row: { stp_enable: true } },
      { op: 'delete', table: 'Port', where: [['name', '==', 'old']] },
      { op: 'wait', timeout: 50, table: 'Bridge', where: [['name', '==', 'br0']], columns: ['name'], until: '!=', rows: [{ name: 'br0' }] },
      { op: 'wait', timeout: 0, table: 'Bridge', where: [['_uuid', '==', ['uuid', U]]], columns: ['stp_enable'], until: '==', rows: [{ stp_enable: false }] },
      { op: 'comment', comment: 'hello' },
      { op: 'assert', lock: 'mylock' },
      { op: 'commit', durable: true },
      { op: 'abort' },
    ]);
    expect(t.isVerifyFailure(new OvsdbTimedOutError('timed out', undefined, 7, t.ops[7], []))).toBe(true);
    expect(t.isVerifyFailure(new OvsdbTimedOutError('timed out', undefined, 6, t.ops[6], []))).toBe(false);
    expect(t.isVerifyFailure(new OvsdbConstraintViolationError('constraint violation', undefined, 7, t.ops[7], []))).toBe(false);
  });

  it('validates before sending: bad values, duplicate uuid-names, unknown columns', () => {
    const t = new Transaction<OpenVSwitchDb>(openVSwitchSchema());
    expect(() => t.insert('Bridge', { name: 'b', fail_mode: 'loose' as never })).toThrow(OvsdbSchemaError);
    t.insert('Bridge', { name: 'b' }, 'x');
    expect(() => t.insert('Bridge', { name: 'c' }, 'x')).toThrow(/duplicate uuid-name/);
    expect(() => t.insert('Bridge', { name: 'c' }, '1bad')).toThrow(OvsdbSchemaError);
    expect(() => t.select('Bridge', [], ['nope' as never])).toThrow(/no such column/);
    expect(() => t.update('Bridge', [], { name: 'renamed' })).toThrow(/cannot be written/);
    expect(() => t.mutate('Bridge', [where.eq('name', 'b')], [mutate.add('external_ids' as never, 1)])).toThrow(OvsdbSchemaError);
    expect(t.length).toBe(1);
  });

  it('decodes typed results and rejects malformed ones', () => {
    const s = openVSwitchSchema();
    const t = new Transaction<OpenVSwitchDb>(s);
    const ins = t.insert('Bridge', { name: 'b' });
    const sel = t.select('Bridge', [], ['name', 'ports']);
    const cnt = t.delete('Bridge', []);
    const res = new TransactionResult(s, [{ uuid: ['uuid', U] }, { rows: [{ name: 'b', ports: ['set', []] }] }, { count: 2 }]);
    expect(res.uuid(ins)).toBe(U);
    expect(res.rows(sel)).toEqual([{ name: 'b', ports: [] }]);
    expect(res.count(cnt)).toBe(2);
    const bad = new TransactionResult(s, [{}, { rows: 'x' }, null]);
    expect(() => bad.uuid(ins)).toThrow(OvsdbSchemaError);
    expect(() => bad.rows(sel)).toThrow(OvsdbSchemaError);
    expect(() => bad.count(cnt)).toThrow(OvsdbSchemaError);
  });

  it('an empty transaction is not sent', async () => {
    const t = new Transaction(openVSwitchSchema());
    const client = { transact: jest.fn() };
    const r = await t.execute(client);
    expect(r.raw).toEqual([]);
    expect(client.transact).not.toHaveBeenCalled();
  });
});

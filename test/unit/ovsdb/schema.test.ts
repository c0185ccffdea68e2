import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { DatabaseSchema, OvsdbSchemaError, compileColumn, parseColumnType } from '../../../src/ovsdb/schema';

const vswitch = DatabaseSchema.parse(JSON.parse(readFileSync('/usr/share/openvswitch/vswitch.ovsschema', 'utf8')));

function schemaError(f: () => unknown): OvsdbSchemaError {
  try {
    f();
  } catch (e) {
    if (e instanceof OvsdbSchemaError) return e;
    throw e;
  }
  throw new Error('expected an OvsdbSchemaError');
}

const U1 = '550e8400-e29b-41d4-a716-446655440000';

describe('schema parsing', () => {
  it('parses the Open_vSwitch schema: tables, root flags, indexes, types', () => {
    expect(vswitch.name).toBe('Open_vSwitch');
    expect(vswitch.version).toMatch(/^\d+\.\d+\.\d+$/);
    const ovs = vswitch.table('Open_vSwitch');
    expect(ovs.isRoot).toBe(true);
    expect(ovs.maxRows).toBe(1);
    const bridge = vswitch.table('Bridge');
    expect(bridge.isRoot).toBe(false);
    expect(bridge.indexes).toEqual([['name']]);
    const ports = bridge.column('ports').type;
    expect(ports).toMatchObject({ kind: 'set', min: 0, max: Infinity, key: { type: 'uuid', refTable: 'Port', refType: 'strong' } });
    expect([...(bridge.column('fail_mode').type.key.enum ?? [])].sort()).toEqual(['secure', 'standalone']);
    expect(bridge.column('name').mutable).toBe(false);
    expect(vswitch.table('Interface').column('ofport_request').type.key).toMatchObject({ minInteger: 1, maxInteger: 65279 });
    expect(vswitch.table('Interface').column('statistics').type.kind).toBe('map');
    expect(vswitch.table('Bridge').column('_uuid').type.kind).toBe('scalar');
  });

  it('rejects malformed schema documents with OVSDB_SCHEMA_INVALID', () => {
    const bad: unknown[] = [
      null,
      [],
      { tables: {} },
      { name: 'x' },
      { name: 'x', tables: { T: { columns: { c: { type: 'blob' } } } } },
      { name: 'x', tables: { T: { columns: { c: { type: { key: 'integer', min: 2 } } } } } },
      { name: 'x', tables: { T: { columns: { c: { type: { key: 'integer', max: 0 } } } } } },
      { name: 'x', tables: { T: { columns: { c: { type: { key: { type: 'uuid', refTable: 'Nope' } } } } } } },
      { name: 'x', tables: { T: { columns: { c: { type: 'integer' } }, indexes: [['d']] } } },
      { name: 'x', tables: { T: { columns: { _c: { type: 'integer' } } } } },
    ];
    for (const b of bad) expect(schemaError(() => DatabaseSchema.parse(b)).code).toBe('OVSDB_SCHEMA_INVALID');
  });

  it('parsing arbitrary JSON as a schema throws nothing but OvsdbSchemaError', () => {
    const col = fc.record({ type: fc.oneof(fc.jsonValue(), fc.record({ key: fc.jsonValue(), value: fc.jsonValue(), min: fc.jsonValue(), max: fc.jsonValue() })) });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ name: fc.string(), tables: fc.dictionary(fc.string(), fc.record({ columns: fc.dictionary(fc.string(), col), indexes: fc.jsonValue(), maxRows: fc.jsonValue() })) }),
        ),
        (j) => {
          try {
            DatabaseSchema.parse(j);
          } catch (e) {
            if (!(e instanceof OvsdbSchemaError)) throw e;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('unknown table and column are typed errors', () => {
    expect(schemaError(() => vswitch.table('Nope')).code).toBe('OVSDB_UNKNOWN_TABLE');
    const e = schemaError(() => vswitch.encodeRow('Bridge', { nope: 1 }));
    expect(e.code).toBe('OVSDB_UNKNOWN_COLUMN');
    expect(e.table).toBe('Bridge');
    expect(e.column).toBe('nope');
  });
});

describe('validation before sending', () => {
  it('encodes a valid row to wire notation', () => {
    const w = vswitch.encodeRow('Bridge', {
      name: 'br0',
      datapath_type: 'netdev',
      fail_mode: 'secure',
      protocols: ['OpenFlow13'],
      ports: ['p0', U1],
      external_ids: { a: 'b' },
      stp_enable: false,
      netflow: null,
    });
    expect(w).toEqual({
      name: 'br0',
      datapath_type: 'netdev',
      fail_mode: 'secure',
      protocols: ['set', ['OpenFlow13']],
      ports: ['set', [['named-uuid', 'p0'], ['uuid', U1]]],
      external_ids: ['map', [['a', 'b']]],
      stp_enable: false,
      netflow: ['set', []],
    });
  });

  it('names table, column and value on each kind of violation', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['Bridge', { fail_mode: 'loose' }, 'OVSDB_CONSTRAINT_VIOLATION'],
      ['Bridge', { protocols: ['OpenFlow99'] }, 'OVSDB_CONSTRAINT_VIOLATION'],
      ['Bridge', { stp_enable: 'yes' }, 'OVSDB_TYPE_MISMATCH'],
      ['Bridge', { name: 7 }, 'OVSDB_TYPE_MISMATCH'],
      ['Bridge', { ports: ['not a uuid!'] }, 'OVSDB_TYPE_MISMATCH'],
      ['Bridge', { ports: ['p0', 'p0'] }, 'OVSDB_CONSTRAINT_VIOLATION'],
      ['Bridge', { external_ids: { a: 1 } }, 'OVSDB_TYPE_MISMATCH'],
      ['Bridge', { external_ids: 'a=b' }, 'OVSDB_TYPE_MISMATCH'],
      ['Interface', { ofport_request: 0 }, 'OVSDB_CONSTRAINT_VIOLATION'],
      ['Interface', { ofport_request: 65280 }, 'OVSDB_CONSTRAINT_VIOLATION'],
      ['Interface', { ofport_request: 1.5 }, 'OVSDB_TYPE_MISMATCH'],
      ['Interface', { ofport_request: [1, 2] }, 'OVSDB_CONSTRAINT_VIOLATION'],
      ['Port', { interfaces: [] }, 'OVSDB_CONSTRAINT_VIOLATION'],
      ['Port', { tag: 4096 }, 'OVSDB_CONSTRAINT_VIOLATION'],
      ['Bridge', { _uuid: U1 }, 'OVSDB_COLUMN_NOT_WRITABLE'],
    ];
    for (const [table, row, code] of cases) {
      const e = schemaError(() => vswitch.encodeRow(table, row));
      expect([table, Object.keys(row)[0], e.code]).toEqual([table, Object.keys(row)[0], code]);
      expect(e.table).toBe(table);
      expect(e.column).toBe(Object.keys(row)[0]);
      // The value named is the offending one: the whole value or the element of it that fails.
      expect(JSON.stringify(Object.values(row)[0])).toContain(JSON.stringify(e.value));
      expect(e.message).toContain(`${table}.${Object.keys(row)[0]}`);
    }
    expect(schemaError(() => vswitch.encodeRow('Bridge', { name: 'x' }, { update: true })).code).toBe('OVSDB_COLUMN_NOT_WRITABLE');
  });

  it('checks string lengths in code points and integer bounds with bigint', () => {
    const s = compileColumn('T', 's', parseColumnType({ key: { type: 'string', minLength: 2, maxLength: 3 } }));
    expect(s.encode('\u{1F600}\u{1F600}\u{1F600}')).toBe('\u{1F600}\u{1F600}\u{1F600}');
    expect(schemaError(() => s.encode('abcd')).code).toBe('OVSDB_CONSTRAINT_VIOLATION');
    expect(schemaError(() => s.encode('a')).code).toBe('OVSDB_CONSTRAINT_VIOLATION');
    const i = compileColumn('T', 'i', parseColumnType('integer'));
    expect(i.encode(2n ** 62n)).toBe(2n ** 62n);
    expect(i.encode(5n)).toBe(5);
    expect(i.decode(2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(i.decode(7n)).toBe(7);
    const r = compileColumn('T', 'r', parseColumnType({ key: { type: 'real', minReal: 0, maxReal: 1 } }));
    expect(schemaError(() => r.encode(1.5)).code).toBe('OVSDB_CONSTRAINT_VIOLATION');
    expect(schemaError(() => r.encode(Infinity)).code).toBe('OVSDB_TYPE_MISMATCH');
  });

  it('decodes wire rows to friendly values per column kind', () => {
    const row = vswitch.decodeRow('Interface', {
      _uuid: ['uuid', U1],
      name: 'eth0',
      ofport: 3,
      ofport_request: ['set', []],
      error: ['set', ['boom']],
      options: ['map', [['remote_ip', 'flow']]],
      statistics: ['map', [['rx_bytes', 18446744073709551615n]]],
      admin_state: 'up',
    });
    expect(row).toEqual({
      _uuid: U1,
      name: 'eth0',
      ofport: 3,
      ofport_request: null,
      error: 'boom',
      options: { remote_ip: 'flow' },
      statistics: { rx_bytes: 18446744073709551615n },
      admin_state: 'up',
    });
    const br = vswitch.decodeRow('Bridge', { ports: ['uuid', U1], protocols: ['set', ['OpenFlow13', 'OpenFlow10']] });
    expect(br).toEqual({ ports: [U1], protocols: ['OpenFlow13', 'OpenFlow10'] });
    const q = vswitch.decodeRow('QoS', { queues: ['map', [[1, ['uuid', U1]]]] });
    expect(q.queues).toEqual(new Map([[1, U1]]));
    // "__proto__" as a map key is data, not a prototype change.
    const ext = vswitch.decodeRow('Bridge', { external_ids: ['map', [['__proto__', 'x']]] }).external_ids as Record<string, string>;
    expect(Object.getPrototypeOf(ext)).toBe(Object.prototype);
    expect(Object.keys(ext)).toEqual(['__proto__']);
  });

  it('decoding arbitrary JSON never throws anything but OvsdbSchemaError', () => {
    const cols = [...vswitch.table('Interface').columns.values()];
    fc.assert(
      fc.property(fc.constantFrom(...cols), fc.jsonValue(), (c, v) => {
        try {
          c.decode(v);
        } catch (e) {
          if (!(e instanceof OvsdbSchemaError)) throw e;
        }
      }),
    );
  });

  it('round-trips every column: decode(encode(v)) equals v for generated valid values', () => {
    const ports = vswitch.table('Port');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 5 }),
        fc.option(fc.integer({ min: 0, max: 4095 }), { nil: null }),
        fc.dictionary(fc.string(), fc.string()),
        (ifaces, tag, ext) => {
          const enc = vswitch.encodeRow('Port', { interfaces: ifaces, tag, external_ids: ext });
          const wireLike = JSON.parse(JSON.stringify(enc));
          const back = vswitch.decodeRow('Port', wireLike);
          expect(back.interfaces).toEqual(ifaces.map((u) => u.toLowerCase()));
          expect(back.tag).toBe(tag);
          expect(back.external_ids).toEqual({ ...ext });
          expect(ports.column('tag').type.kind).toBe('optional');
        },
      ),
    );
  });
});

describe('conditions and mutations', () => {
  it('encodes conditions against column types', () => {
    expect(vswitch.encodeCondition('Bridge', ['name', '==', 'br0'])).toEqual(['name', '==', 'br0']);
    expect(vswitch.encodeCondition('Bridge', ['_uuid', '==', U1])).toEqual(['_uuid', '==', ['uuid', U1]]);
    expect(vswitch.encodeCondition('Bridge', ['ports', 'includes', [U1]])).toEqual(['ports', 'includes', ['set', [['uuid', U1]]]]);
    expect(vswitch.encodeCondition('Open_vSwitch', ['cur_cfg', '>=', 3])).toEqual(['cur_cfg', '>=', 3]);
    expect(vswitch.encodeCondition('Interface', ['ofport', '>', 1])).toEqual(['ofport', '>', 1]);
    expect(vswitch.encodeCondition('Port', ['interfaces', 'includes', [U1]])).toEqual(['interfaces', 'includes', ['set', [['uuid', U1]]]]);
    expect(vswitch.encodeCondition('Bridge', true)).toBe(true);
    expect(schemaError(() => vswitch.encodeCondition('Bridge', ['name', '<', 'a'])).code).toBe('OVSDB_BAD_OPERATOR');
    expect(schemaError(() => vswitch.encodeCondition('Bridge', ['name', '~=' as never, 'a'])).code).toBe('OVSDB_BAD_OPERATOR');
    expect(schemaError(() => vswitch.encodeCondition('Bridge', ['fail_mode', '==', 'x'])).code).toBe('OVSDB_CONSTRAINT_VIOLATION');
  });

  it('encodes mutations against column types', () => {
    expect(vswitch.encodeMutation('Open_vSwitch', ['next_cfg', '+=', 1])).toEqual(['next_cfg', '+=', 1]);
    expect(vswitch.encodeMutation('Bridge', ['ports', 'insert', ['p1']])).toEqual(['ports', 'insert', ['set', [['named-uuid', 'p1']]]]);
    expect(vswitch.encodeMutation('Bridge', ['ports', 'delete', U1])).toEqual(['ports', 'delete', ['set', [['uuid', U1]]]]);
    expect(vswitch.encodeMutation('Bridge', ['external_ids', 'insert', { a: 'b' }])).toEqual(['external_ids', 'insert', ['map', [['a', 'b']]]]);
    expect(vswitch.encodeMutation('Bridge', ['external_ids', 'delete', ['a']])).toEqual(['external_ids', 'delete', ['set', ['a']]]);
    // ofport_request's range does not constrain the += argument (RFC 7047 5.1: the result is checked).
    expect(vswitch.encodeMutation('Interface', ['ofport_request', '+=', 70000])).toEqual(['ofport_request', '+=', 70000]);
    expect(schemaError(() => vswitch.encodeMutation('Bridge', ['name', 'insert', ['x']])).code).toBe('OVSDB_COLUMN_NOT_WRITABLE');
    expect(schemaError(() => vswitch.encodeMutation('Bridge', ['datapath_type', 'insert', ['x']])).code).toBe('OVSDB_BAD_OPERATOR');
    expect(schemaError(() => vswitch.encodeMutation('Bridge', ['external_ids', '+=', 1])).code).toBe('OVSDB_BAD_OPERATOR');
    expect(schemaError(() => vswitch.encodeMutation('Bridge', ['protocols', 'insert', ['OpenFlow99']])).code).toBe('OVSDB_CONSTRAINT_VIOLATION');
  });
});

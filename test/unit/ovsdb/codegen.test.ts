import { readFileSync } from 'node:fs';
import { columnTs, generateSchemaModule, pascalCase } from '../../../src/ovsdb/codegen';
import { OvsdbSchemaError, parseColumnType } from '../../../src/ovsdb/schema';
import { BridgeColumn, OpenVSwitchSchemaJson, OpenVSwitchTable, openVSwitchSchema } from '../../../src/ovsdb/schemas/open-vswitch';

const SCHEMA_PATH = '/usr/share/openvswitch/vswitch.ovsschema';

describe('codegen', () => {
  it('regenerating the shipped Open_vSwitch module from the installed schema yields the same file', () => {
    const json: unknown = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    const text = generateSchemaModule(json, { importFrom: '../schema', source: 'vswitch.ovsschema' });
    expect(text).toBe(readFileSync(`${__dirname}/../../../src/ovsdb/schemas/open-vswitch.ts`, 'utf8'));
  });

  it('the shipped module embeds the schema that validation needs', () => {
    expect(OpenVSwitchSchemaJson).toEqual(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
    const s = openVSwitchSchema();
    expect(s).toBe(openVSwitchSchema());
    expect(s.table(OpenVSwitchTable.Bridge).column(BridgeColumn.fail_mode).type.kind).toBe('optional');
  });

  it('maps OVSDB types to TypeScript types', () => {
    expect(columnTs(parseColumnType('string'))).toBe('string');
    expect(columnTs(parseColumnType({ key: 'integer', min: 0, max: 1 }))).toBe('number | bigint | null');
    expect(columnTs(parseColumnType({ key: { type: 'integer', minInteger: 0, maxInteger: 4095 }, min: 0, max: 1 }))).toBe('number | null');
    expect(columnTs(parseColumnType({ key: { type: 'string', enum: ['set', ['b', 'a']] }, min: 0, max: 'unlimited' }))).toBe('("a" | "b")[]');
    expect(columnTs(parseColumnType({ key: 'string', value: 'integer', min: 0, max: 'unlimited' }))).toBe('Record<string, number | bigint>');
    expect(columnTs(parseColumnType({ key: 'integer', value: { type: 'uuid', refTable: 'Q' }, min: 0, max: 'unlimited' }))).toBe(
      'Map<number | bigint, string>',
    );
    expect(pascalCase('Open_vSwitch')).toBe('OpenVSwitch');
    expect(pascalCase('sFlow')).toBe('SFlow');
  });

  it('generates a module for a small schema, with quoted names where needed', () => {
    const text = generateSchemaModule({
      name: 'my-db',
      version: '1.0.0',
      tables: { 'Odd Table': { columns: { 'a-b': { type: 'boolean' } }, isRoot: true } },
    });
    expect(text).toContain("import { DatabaseSchema } from 'ovs-sdn';");
    expect(text).toContain('export interface OddTableRow {');
    expect(text).toContain('"a-b": boolean;');
    expect(text).toContain('export interface MyDbDb {');
    expect(text).toContain('export function myDbSchema(): DatabaseSchema');
  });

  it('refuses an invalid schema with a typed error', () => {
    expect(() => generateSchemaModule({ name: 'x', tables: { T: { columns: { c: { type: 'nope' } } } } })).toThrow(OvsdbSchemaError);
  });
});

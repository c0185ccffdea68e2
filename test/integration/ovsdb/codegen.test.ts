import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ovsdbCommand from '../../../src/cli/ovsdb';
import { generateSchemaModule } from '../../../src/ovsdb/codegen';
import { OvsInstance, VSWITCH_SCHEMA } from '../../../src/lab/ovs-instance';
import { run } from '../../../src/lab/process';

describe('ovs-sdn ovsdb codegen', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osdn-codegen-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the module with -o, equal to the shipped one', async () => {
    const out = join(dir, 'ovs.ts');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await ovsdbCommand(['codegen', VSWITCH_SCHEMA, '-o', out, '--import', '../schema'])).toBe(0);
      expect(await ovsdbCommand(['codegen'])).toBe(2);
      expect(await ovsdbCommand(['codegen', join(dir, 'missing.ovsschema')])).toBe(1);
      expect(await ovsdbCommand(['frobnicate'])).toBe(2);
    } finally {
      stderr.mockRestore();
    }
    expect(await readFile(out, 'utf8')).toBe(
      await readFile(join(__dirname, '../../../src/ovsdb/schemas/open-vswitch.ts'), 'utf8'),
    );
  });

  it('the schema a live ovsdb-server reports generates the same module', async () => {
    const ovs = await OvsInstance.start({ vswitchd: false });
    try {
      const { stdout } = await run('ovsdb-client', ['get-schema', ovs.dbEndpoint, 'Open_vSwitch']);
      const live = generateSchemaModule(JSON.parse(stdout), { importFrom: '../schema', source: 'vswitch.ovsschema' });
      // Same types and constants; only the embedded document's key order differs (the server sorts keys).
      const shipped = await readFile(join(__dirname, '../../../src/ovsdb/schemas/open-vswitch.ts'), 'utf8');
      const head = (s: string) => s.slice(0, s.indexOf('export const OpenVSwitchSchemaJson'));
      expect(head(live)).toBe(head(shipped));
      expect(head(live)).toContain('export interface InterfaceRow {');
    } finally {
      await ovs.stop();
    }
  });
});

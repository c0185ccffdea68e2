import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import * as ts from 'typescript';
import { runCli } from '../../../src/cli/commands';
import ovsdbCommand from '../../../src/cli/ovsdb';
import { OvsdbClient } from '../../../src/ovsdb/client';
import { Replica } from '../../../src/ovsdb/replica';
import type { DatabaseSchema } from '../../../src/ovsdb/schema';
import type { Transaction } from '../../../src/ovsdb/transaction';
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

  it('`ovs-sdn ovsdb codegen` for another schema: the module type-checks, types rows, and drives a live database', async () => {
    const SRC = join(__dirname, '../../../src/ovsdb');
    const schemaFile = '/usr/share/openvswitch/local-config.ovsschema';
    const out = join(dir, 'local-config.ts');
    // Through the CLI's command table, as `ovs-sdn ovsdb codegen SCHEMA -o FILE --import MODULE` runs it.
    expect(await runCli(['ovsdb', 'codegen', schemaFile, '-o', out, '--import', join(SRC, 'schema')])).toBe(0);
    // A user of the generated module: typed rows and a typed transaction; a wrong column type must not compile.
    const user = join(dir, 'user.ts');
    await writeFile(
      user,
      [
        `import { type ConnectionRow, type LocalConfigDb, LocalConfigTable, ConnectionColumn, localConfigSchema } from './local-config';`,
        `import { Transaction } from ${JSON.stringify(join(SRC, 'transaction'))};`,
        `import { mutate } from ${JSON.stringify(join(SRC, 'notation'))};`,
        `export function build(configUuid: string): Transaction<LocalConfigDb> {`,
        `  const t = new Transaction<LocalConfigDb>(localConfigSchema());`,
        `  const c = t.insert(LocalConfigTable.Connection, { target: 'ptcp:6641', max_backoff: 2000, read_only: true });`,
        `  t.mutate('Config', [['_uuid', '==', configUuid]], [mutate.insert('connections', [c.uuidName])]);`,
        `  return t;`,
        `}`,
        `export const column: string = ConnectionColumn.max_backoff;`,
        `export const ok: Partial<ConnectionRow> = { target: 'x', inactivity_probe: null };`,
        `// @ts-expect-error max_backoff is an optional integer, not a string`,
        `export const wrong: Partial<ConnectionRow> = { max_backoff: 'x' };`,
      ].join('\n'),
    );
    const program = ts.createProgram([user], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: [],
      lib: ['lib.es2022.d.ts'],
    });
    const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diags).toEqual([]);

    // Run it against a live ovsdb-server serving the Local_Config database next to Open_vSwitch.
    const ovs = await OvsInstance.start({ vswitchd: false });
    try {
      const db = join(ovs.dir, 'local.db');
      await run('ovsdb-tool', ['create', db, schemaFile]);
      await ovs.appctl('ovsdb-server', 'ovsdb-server/add-db', db);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const gen = require(out) as { localConfigSchema: () => DatabaseSchema };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const prog = require(user) as { build: (uuid: string) => Transaction };
      const client = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: false });
      try {
        expect(await client.listDbs()).toContain('Local_Config');
        await client.transact('Local_Config', [{ op: 'insert', table: 'Config', row: {} }]);
        type LocalDb = { Config: Record<string, unknown>; Connection: Record<string, unknown> };
        const r = await Replica.start<LocalDb>(client, gen.localConfigSchema(), { tables: { Config: true, Connection: true } });
        const [cfg] = r.snapshot().rows('Config').keys();
        await prog.build(cfg).execute(client);
        expect(r.snapshot().lookup('Connection', { target: 'ptcp:6641' })).toMatchObject({ max_backoff: 2000, read_only: true, inactivity_probe: null });
        // The generated schema validates before sending (minInteger 1000).
        expect(() => gen.localConfigSchema().encodeRow('Connection', { max_backoff: 5 })).toThrow(
          expect.objectContaining({ code: 'OVSDB_CONSTRAINT_VIOLATION', context: expect.objectContaining({ column: 'max_backoff' }) }),
        );
        await r.close();
      } finally {
        await client.close();
      }
    } finally {
      await ovs.stop();
    }
  });
});

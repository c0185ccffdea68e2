/*
 * `ovs-sdn ovsdb <subcommand>`: OVSDB tools.
 *
 *   ovs-sdn ovsdb codegen <schema.ovsschema> [-o FILE] [--import MODULE]
 *     Writes TypeScript row types, table/column constants and the embedded schema for an OVSDB schema
 *     (stdout unless -o). MODULE is where `DatabaseSchema` is imported from (default 'ovs-sdn').
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { generateSchemaModule } from '../ovsdb/codegen';

const USAGE = 'usage: ovs-sdn ovsdb codegen <schema.ovsschema> [-o FILE] [--import MODULE]\n';

async function codegen(args: string[]): Promise<number> {
  let input: string | undefined;
  let output: string | undefined;
  let importFrom: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' || a === '--output') output = args[++i];
    else if (a === '--import') importFrom = args[++i];
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else if (a.startsWith('-') || input !== undefined) {
      process.stderr.write(`ovs-sdn ovsdb codegen: unexpected argument '${a}'\n${USAGE}`);
      return 2;
    } else input = a;
  }
  if (!input || (args.includes('-o') && !output) || (args.includes('--import') && !importFrom)) {
    process.stderr.write(USAGE);
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(input, 'utf8'));
  } catch (e) {
    process.stderr.write(`ovs-sdn ovsdb codegen: cannot read ${input}: ${(e as Error).message}\n`);
    return 1;
  }
  let text: string;
  try {
    text = generateSchemaModule(json, { importFrom, source: basename(input) });
  } catch (e) {
    process.stderr.write(`ovs-sdn ovsdb codegen: ${(e as Error).message}\n`);
    return 1;
  }
  if (output) await writeFile(output, text);
  else process.stdout.write(text);
  return 0;
}

/** Entry point of `ovs-sdn ovsdb`. */
export default async function ovsdbCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'codegen') return codegen(rest);
  process.stderr.write(sub ? `ovs-sdn ovsdb: unknown subcommand '${sub}'\n${USAGE}` : USAGE);
  return sub === '-h' || sub === '--help' ? 0 : 2;
}

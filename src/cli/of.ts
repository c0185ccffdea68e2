/**
 * `ovs-sdn of`: talk to a switch with the OpenFlow runtime.
 *
 *   ovs-sdn of show ENDPOINT                                  datapath id, features, ports
 *   ovs-sdn of dump-flows ENDPOINT [--cookie C[/M]] [--table N]
 *   ovs-sdn of sync ENDPOINT FILE|- --cookie C[/M] [--dry-run] [--no-bundle]
 *
 * ENDPOINT is `unix:<dir>/<bridge>.mgmt`, `tcp:IP[:PORT]` (or `ssl:` with --key/--cert/--ca). `sync` makes the
 * flows of the cookie space equal to FILE (one flow per line in ovs-ofctl syntax, `#` comments) in one bundle
 * and prints what it changed.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { formatFlowMod, formatFlowStats } from '../openflow/flow-text';
import { desiredFromText, syncFlows } from '../openflow/flow-sync';
import { OpenFlowSession } from '../openflow/session';
import type { OpenFlowTlsOptions } from '../openflow/transport';

const USAGE =
  'usage: ovs-sdn of show ENDPOINT\n' +
  '       ovs-sdn of dump-flows ENDPOINT [--cookie C[/M]] [--table N]\n' +
  '       ovs-sdn of sync ENDPOINT FILE|- --cookie C[/M] [--dry-run] [--no-bundle]\n' +
  '       (ssl: endpoints also take --key FILE --cert FILE --ca FILE)\n';

/** Output streams (injectable for tests) and stdin text for `sync -`. */
export interface OfIo {
  stdout: Writable;
  stderr: Writable;
  readStdin?: () => string;
}

function parseCookie(v: string): { cookie: bigint; mask: bigint } {
  const [c, m] = v.split('/');
  const num = (s: string) => {
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) throw new Error(`bad cookie '${v}'`);
    return BigInt(s);
  };
  return { cookie: num(c!), mask: m === undefined ? 0xffffffffffffffffn : num(m) };
}

/** Runs `of` with explicit streams; returns the exit status. */
export async function runOf(args: string[], io: OfIo): Promise<number> {
  const [verb, ...rest] = args;
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--dry-run' || a === '--no-bundle') flags.set(a, true);
    else if (['--cookie', '--table', '--key', '--cert', '--ca'].includes(a)) {
      const v = rest[++i];
      if (v === undefined) {
        io.stderr.write(`ovs-sdn of: error: ${a} needs a value\n`);
        return 1;
      }
      flags.set(a, v);
    } else if (a === '-h' || a === '--help') {
      io.stdout.write(USAGE);
      return 0;
    } else positional.push(a);
  }
  const endpoint = positional[0];
  if (!verb || !endpoint || !['show', 'dump-flows', 'sync'].includes(verb)) {
    io.stderr.write(USAGE);
    return 1;
  }
  const tls: OpenFlowTlsOptions | undefined =
    flags.has('--key') && flags.has('--cert') && flags.has('--ca')
      ? { key: flags.get('--key') as string, cert: flags.get('--cert') as string, ca: flags.get('--ca') as string }
      : undefined;
  let session: OpenFlowSession | undefined;
  try {
    session = await OpenFlowSession.connect(endpoint, { reconnect: false, tls, echoIntervalMs: 0 });
    if (verb === 'show') {
      const f = session.features!;
      io.stdout.write(`dpid ${session.dpidHex} n_tables ${f.nTables} n_buffers ${f.nBuffers} capabilities 0x${f.capabilities.toString(16)}\n`);
      for (const p of await session.portDesc()) {
        io.stdout.write(` ${p.portNo}(${p.name}): addr ${p.hwAddr} config 0x${p.config.toString(16)} state 0x${p.state.toString(16)}\n`);
      }
    } else if (verb === 'dump-flows') {
      const c = flags.has('--cookie') ? parseCookie(flags.get('--cookie') as string) : { cookie: 0n, mask: 0n };
      const table = flags.has('--table') ? Number(flags.get('--table')) : undefined;
      const flows = await session.dumpFlows({ cookie: c.cookie, cookieMask: c.mask, ...(table !== undefined ? { tableId: table } : {}) });
      for (const f of flows) io.stdout.write(formatFlowStats(f) + '\n');
    } else {
      if (!flags.has('--cookie') || positional.length !== 2) {
        io.stderr.write(`ovs-sdn of: error: sync needs FILE and --cookie\n${USAGE}`);
        return 1;
      }
      const { cookie, mask } = parseCookie(flags.get('--cookie') as string);
      const text = positional[1] === '-' ? (io.readStdin ?? (() => readFileSync(0, 'utf8')))() : readFileSync(positional[1]!, 'utf8');
      const desired = text
        .split('\n')
        .map((l) => l.replace(/#.*/, '').trim())
        .filter(Boolean)
        .map((l) => desiredFromText(l, cookie));
      const r = await syncFlows(session, desired, { cookie, mask, dryRun: flags.has('--dry-run'), bundle: !flags.has('--no-bundle') });
      for (const m of r.messages) if (m.type === 'FLOW_MOD') io.stdout.write(formatFlowMod(m) + '\n');
      io.stdout.write(`added ${r.added}, modified ${r.modified}, deleted ${r.deleted}, unchanged ${r.unchanged}${flags.has('--dry-run') ? ' (dry run)' : ''}\n`);
    }
    return 0;
  } catch (e) {
    io.stderr.write(`ovs-sdn of: error: ${(e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  } finally {
    await session?.close();
  }
}

/** The `ovs-sdn of` command. */
export default async function of(args: string[]): Promise<number> {
  return runOf(args, { stdout: process.stdout, stderr: process.stderr });
}

#!/usr/bin/env node
/* The `ovs-sdn` command. Subcommands live in their own modules and are loaded on demand. */
import { runCli } from './commands';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ovs-sdn: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

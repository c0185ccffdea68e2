/**
 * Subcommand table of the `ovs-sdn` CLI. Each entry loads its module lazily so that `ovs-sdn ofp ...` does
 * not pay for the OVSDB client and vice versa.
 */
export type Command = (args: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {};

/** Registers a subcommand (used by the command modules' index below). */
export function register(name: string, summary: string, load: () => Promise<Command>): void {
  commands[name] = { summary, load };
}

function usage(): string {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `usage: ovs-sdn <command> [args]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function runCli(argv: string[]): Promise<number> {
  await import('./registry');
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`ovs-sdn: unknown command '${name}'\n${usage()}`);
    return 1;
  }
  return (await cmd.load())(rest);
}

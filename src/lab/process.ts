import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Result of a command run by the lab. */
export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Error from a command the lab ran: the command line, exit status and stderr. */
export class LabCommandError extends Error {
  override readonly name = 'LabCommandError';
  readonly code = 'LAB_COMMAND_FAILED';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${exitCode}): ${stderr.trim()}`);
  }
}

/** Runs a program (no shell) and resolves with its output; rejects with {@link LabCommandError}. */
export function run(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
          reject(new LabCommandError([file, ...args].join(' '), code, String(stderr) || err.message));
        } else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Synchronous variant for exit handlers. Never throws. */
export function runSyncQuiet(file: string, args: readonly string[]): void {
  try {
    execFileSync(file, args, { stdio: 'ignore', timeout: 10_000 });
  } catch {
    /* best effort */
  }
}

/**
 * True while a process with this PID exists and has not exited. A detached daemon that exited stays a zombie
 * until its new parent (the container's PID 1, which may reap only now and then) collects it; a zombie counts
 * as gone (`/proc/<pid>/stat` state `Z`).
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Format: "pid (comm) S ..."; comm may contain spaces or parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Reads a pidfile written by an OVS daemon (`--pidfile`). */
export async function readPidfile(path: string): Promise<number> {
  const text = await readFile(path, 'utf8');
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`bad pidfile ${path}: ${JSON.stringify(text)}`);
  return pid;
}

/**
 * Ends a process we started, by PID: SIGTERM, then SIGKILL after `graceMs`. Resolves once it is gone.
 * There is no exit event for a daemon that is not our child, so this polls `kill(pid, 0)`.
 */
export async function terminate(pid: number, graceMs = 3000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Test helper (not a test): an ovsdb-server in the ROOT network namespace, for tcp/ssl tests.
 *
 * OvsInstance always puts its daemons in a fresh namespace, and TCP on 127.0.0.1 does not cross namespaces,
 * so the tcp:, ssl:, ptcp:, pssl: tests start their own ovsdb-server here: on 127.0.0.1 only, with port 0
 * (the kernel picks a free port; ovsdb-server logs "listening on port N", which we read), stopped by PID.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VSWITCH_SCHEMA } from '../../../src/lab/ovs-instance';
import { readPidfile, run, terminate } from '../../../src/lab/process';

export interface RootOvsdb {
  dir: string;
  pid: number;
  /** Ports the passive remotes bound, in log order. */
  ports: number[];
  unixEndpoint: string;
  stop(): Promise<void>;
}

/** Starts ovsdb-server in the root namespace with the given remotes (e.g. `ptcp:0:127.0.0.1`). */
export async function startRootOvsdb(remotes: string[], extraArgs: string[] = [], dir?: string): Promise<RootOvsdb> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), 'ovsdb-root-')));
  const db = join(d, 'conf.db');
  await run('ovsdb-tool', ['create', db, VSWITCH_SCHEMA]).catch(() => undefined); // exists on restart
  const log = join(d, 'ovsdb-server.log');
  await run('ovsdb-server', [
    db,
    `--remote=punix:${join(d, 'db.sock')}`,
    ...remotes.map((r) => `--remote=${r}`),
    ...extraArgs,
    `--pidfile=${join(d, 'ovsdb-server.pid')}`,
    `--unixctl=${join(d, 'ovsdb-server.ctl')}`,
    `--log-file=${log}`,
    '--no-chdir',
    '--detach',
  ]);
  const pid = await readPidfile(join(d, 'ovsdb-server.pid'));
  // ovsdb-server binds its remotes before --detach returns and logs each bound port.
  const text = await readFile(log, 'utf8');
  const ports = [...text.matchAll(/listening on port (\d+)/g)].map((m) => Number(m[1]));
  return {
    dir: d,
    pid,
    ports,
    unixEndpoint: `unix:${join(d, 'db.sock')}`,
    async stop() {
      await terminate(pid, 3000);
      if (!dir) await rm(d, { recursive: true, force: true });
    },
  };
}

/** Certificates made by `ovs-pki` in a temp dir: a switch (server) and controller (client) pair. */
export interface Pki {
  dir: string;
  /** CA that signed the server certificates ("switchca"). */
  switchCa: string;
  /** CA that signed the client certificates ("controllerca"). */
  controllerCa: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
}

/** Creates a PKI with `ovs-pki init` and one server and one client certificate. */
export async function makePki(): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'ovs-pki-'));
  const pki = join(dir, 'pki');
  const base = ['--dir', pki, '--log', join(dir, 'ovs-pki.log'), '--force'];
  try {
    await run('ovs-pki', [...base, 'init'], { timeoutMs: 120_000 });
    // ovs-pki puts the name into the certificate's CN (max 64 chars): run it in `dir` with short names.
    await run('env', ['-C', dir, 'ovs-pki', ...base, 'req+sign', 'server', 'switch'], { timeoutMs: 60_000 });
    await run('env', ['-C', dir, 'ovs-pki', ...base, 'req+sign', 'client', 'controller'], { timeoutMs: 60_000 });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    switchCa: join(pki, 'switchca', 'cacert.pem'),
    controllerCa: join(pki, 'controllerca', 'cacert.pem'),
    serverKey: join(dir, 'server-privkey.pem'),
    serverCert: join(dir, 'server-cert.pem'),
    clientKey: join(dir, 'client-privkey.pem'),
    clientCert: join(dir, 'client-cert.pem'),
  };
}

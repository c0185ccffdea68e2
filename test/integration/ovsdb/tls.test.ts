/**
 * ssl: and pssl: with certificates made by `ovs-pki` (a switch CA for servers, a controller CA for clients),
 * against a real ovsdb-server in the root namespace (see client-root-ovsdb.ts).
 */
import { readFileSync, rmSync } from 'node:fs';
import { firstValueFrom } from 'rxjs';
import { OvsdbClient } from '../../../src/ovsdb/client';
import type { OvsdbTlsOptions } from '../../../src/ovsdb/transport';
import { type Pki, type RootOvsdb, makePki, startRootOvsdb } from './client-root-ovsdb';

let pki: Pki;
let root: RootOvsdb;
let clientTls: OvsdbTlsOptions;
let serverArgs: string[];

beforeAll(async () => {
  pki = await makePki();
  serverArgs = [`--private-key=${pki.serverKey}`, `--certificate=${pki.serverCert}`, `--ca-cert=${pki.controllerCa}`];
  root = await startRootOvsdb(['pssl:0:127.0.0.1'], serverArgs);
  clientTls = { key: readFileSync(pki.clientKey), cert: readFileSync(pki.clientCert), ca: readFileSync(pki.switchCa) };
}, 180_000);
afterAll(async () => {
  await root?.stop();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

it('ssl: connects with a verified client certificate and runs requests', async () => {
  const c = await OvsdbClient.connect(`ssl:127.0.0.1:${root.ports[0]}`, { tls: clientTls, reconnect: false });
  try {
    await expect(c.listDbs()).resolves.toContain('Open_vSwitch');
    await expect(c.echo('over tls')).resolves.toEqual(['over tls']);
  } finally {
    await c.close();
  }
});

it('ssl: a server certificate not signed by our CA is refused (OVSDB_TLS)', async () => {
  const wrongCa = { ...clientTls, ca: readFileSync(pki.controllerCa) };
  await expect(OvsdbClient.connect(`ssl:127.0.0.1:${root.ports[0]}`, { tls: wrongCa, reconnect: false })).rejects.toMatchObject({
    code: 'OVSDB_TLS',
  });
});

it('ssl: the server refuses a client certificate its CA did not sign', async () => {
  // The server's own certificate is signed by the switch CA, which the server does not trust for clients.
  const badClient = { key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.switchCa) };
  const attempt = async () => {
    const c = await OvsdbClient.connect(`ssl:127.0.0.1:${root.ports[0]}`, { tls: badClient, reconnect: false });
    try {
      // With TLS 1.3 the client may finish its side of the handshake before the server rejects it; then
      // the rejection arrives as a closed connection.
      await c.listDbs();
    } finally {
      await c.close();
    }
  };
  await expect(attempt()).rejects.toMatchObject({ code: expect.stringMatching(/^OVSDB_(TLS|DISCONNECTED)$/) });
});

it('pssl: an ovsdb-server with an ssl: remote dials our TLS listener', async () => {
  const mgr = await OvsdbClient.listen('pssl:0:127.0.0.1', { tls: clientTls });
  let srv: RootOvsdb | undefined;
  try {
    const session = firstValueFrom(mgr.clients);
    srv = await startRootOvsdb([`ssl:127.0.0.1:${mgr.listener.port}`], serverArgs);
    const s = await session;
    await expect(s.listDbs()).resolves.toContain('Open_vSwitch');
  } finally {
    await mgr.close();
    await srv?.stop();
  }
});

it('pssl: a dialing ovsdb-server whose certificate our CA did not sign is refused (rejected, OVSDB_TLS) and never a session', async () => {
  // Our listener trusts only the controller CA; the server's certificate is signed by the switch CA.
  const mgr = await OvsdbClient.listen('pssl:0:127.0.0.1', { tls: { ...clientTls, ca: readFileSync(pki.controllerCa) } });
  const sessions: unknown[] = [];
  mgr.clients.subscribe((c) => sessions.push(c));
  let srv: RootOvsdb | undefined;
  try {
    const refused = firstValueFrom(mgr.listener.rejected);
    srv = await startRootOvsdb([`ssl:127.0.0.1:${mgr.listener.port}`], serverArgs);
    const e = await refused;
    expect(e).toMatchObject({ code: 'OVSDB_TLS', context: { endpoint: expect.stringMatching(/^pssl:/) } });
    expect(e.message).toContain('TLS handshake');
    expect(sessions).toEqual([]);
    expect(mgr.sessions).toEqual([]);
  } finally {
    await mgr.close();
    await srv?.stop();
  }
});

/*
 * TLS on our own listener and dialer (both ends ours, in the root namespace), with certificates from ovs-pki:
 * a switch certificate signed by the switch CA is accepted; certificates from the wrong CA, or none, are
 * refused on both sides. (tls against real ovs-vswitchd is in controller.test.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { firstValueFrom } from 'rxjs';
import { dialOpenFlow, OpenFlowListener, OpenFlowTlsOptions } from '../../../src/openflow/transport';
import { OpenFlowRuntimeError } from '../../../src/openflow/runtime-errors';

function pki(dir: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('ovs-pki', args, { cwd: dir }, (e, o, se) => (e ? reject(new Error(`ovs-pki ${args.join(' ')}: ${o}${se}`)) : resolve())),
  );
}

describe('OpenFlow TLS transports', () => {
  let dir: string;
  let ctlTls: OpenFlowTlsOptions;
  let swTls: OpenFlowTlsOptions;
  let l: OpenFlowListener;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'of-tls-'));
    const d = `--dir=${join(dir, 'pki')}`;
    await pki(dir, [d, '--log=pki.log', 'init']);
    await pki(dir, [d, '--log=pki.log', 'req+sign', 'ctl', 'controller']);
    await pki(dir, [d, '--log=pki.log', 'req+sign', 'sc', 'switch']);
    ctlTls = { key: join(dir, 'ctl-privkey.pem'), cert: join(dir, 'ctl-cert.pem'), ca: join(dir, 'pki/switchca/cacert.pem') };
    swTls = { key: join(dir, 'sc-privkey.pem'), cert: join(dir, 'sc-cert.pem'), ca: join(dir, 'pki/controllerca/cacert.pem') };
    l = await OpenFlowListener.listen('pssl:0:127.0.0.1', { tls: ctlTls });
  });
  afterAll(async () => {
    await l?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a switch certificate from the switch CA, and both sides verify', async () => {
    const accepted = firstValueFrom(l.connections$);
    const c = (await dialOpenFlow(`ssl:127.0.0.1:${l.port}`, { tls: swTls })) as tls.TLSSocket;
    const s = (await accepted) as tls.TLSSocket;
    expect(c.authorized).toBe(true);
    expect(s.authorized).toBe(true);
    expect(s.getPeerCertificate().subject.CN).toMatch(/^sc id:/);
    c.destroy();
    s.destroy();
  });

  it('refuses a client certificate from the wrong CA, and a client without one', async () => {
    // The controller's own certificate is signed by the controller CA, which the listener does not trust.
    const wrong = { ...swTls, key: ctlTls.key, cert: ctlTls.cert };
    let accepted = 0;
    const sub = l.connections$.subscribe(() => accepted++);
    const refused = firstValueFrom(l.errors$);
    const err = await dialOpenFlow(`ssl:127.0.0.1:${l.port}`, { tls: wrong })
      .then(async (sock) => {
        // TLS 1.3: the server's verdict on our certificate arrives after our handshake completed.
        await new Promise((r) => sock.once('close', r));
        return 'closed by server';
      })
      .catch((e: unknown) => e);
    expect(err === 'closed by server' || err instanceof OpenFlowRuntimeError).toBe(true);
    // The listener reports the failed handshake (Node says 'socket hang up' for a refused TLS 1.3 client
    // certificate) and keeps running; nothing was accepted.
    expect((await refused).message).toBeTruthy();

    const noCert = tls.connect({ host: '127.0.0.1', port: l.port!, ca: swTls.ca as string, rejectUnauthorized: false });
    noCert.on('error', () => undefined);
    await new Promise((r) => noCert.once('close', r));
    sub.unsubscribe();
    expect(accepted).toBe(0);
  });

  it('the dialer refuses a server whose certificate is not from the expected CA', async () => {
    // Expect the switch CA for the server, but the listener presents a controller-CA certificate.
    const err = await dialOpenFlow(`ssl:127.0.0.1:${l.port}`, { tls: { ...swTls, ca: join(dir, 'pki/switchca/cacert.pem') } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenFlowRuntimeError);
    expect((err as OpenFlowRuntimeError).code).toBe('OFPSDN_CONNECT_FAILED');
    expect(String((err as Error).message)).toMatch(/certificate/i);
  });
});

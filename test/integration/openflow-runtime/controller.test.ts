import { execFile, spawn, ChildProcess } from 'node:child_process';
import { connect, Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { firstValueFrom, take, toArray } from 'rxjs';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OpenFlowController } from '../../../src/openflow/controller';
import { OpenFlowRuntimeError } from '../../../src/openflow/runtime-errors';

const helpers = join(__dirname, 'helpers');

/** Runs ns-child.ts inside the namespace; resolves with its JSON lines as they come. */
function child(ns: string, args: string[]): { proc: ChildProcess; lines: AsyncIterableIterator<Record<string, unknown>> } {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '-r', join(helpers, 'swc-register.js'), join(helpers, 'ns-child.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: proc.stdout! });
  const it = rl[Symbol.asyncIterator]();
  const lines: AsyncIterableIterator<Record<string, unknown>> = {
    [Symbol.asyncIterator]() {
      return lines;
    },
    async next() {
      const r = await it.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: JSON.parse(r.value) as Record<string, unknown> };
    },
  };
  return { proc, lines };
}

async function nextLine(lines: AsyncIterableIterator<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const r = await lines.next();
  if (r.done) throw new Error('child exited without output');
  return r.value;
}

/** Runs ovs-pki in `dir` with relative names (as its manual shows). */
function pkiRun(dir: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('ovs-pki', args, { cwd: dir }, (e, stdout, stderr) => (e ? reject(new Error(`ovs-pki ${args.join(' ')}: ${stdout}${stderr}`)) : resolve())),
  );
}

function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (c) => r(c)));
}

describe('OpenFlowController: switches that dial us, in every transport', () => {
  let ovs: OvsInstance;
  let ctl: OpenFlowController;
  let tmp: string;
  let dpid: string;

  beforeAll(async () => {
    ovs = await OvsInstance.start();
    tmp = await mkdtemp(join(tmpdir(), 'ofctl-test-'));
    await ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13');
    dpid = (await ovs.vsctl('get', 'bridge', 'br0', 'datapath_id')).stdout.trim().replace(/"/g, '');
  });
  afterAll(async () => {
    await ctl?.close();
    await ovs?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('accepts a switch on punix:, registers it by datapath id, and survives garbage and old-version peers', async () => {
    ctl = new OpenFlowController({ echoIntervalMs: 1000 });
    // ovs-vswitchd only dials unix: controllers inside its run directory (it refuses other paths).
    const path = join(ovs.dir, 'ctl.sock');
    await ctl.listen(`punix:${path}`);
    const connected = firstValueFrom(ctl.connect$);
    await ovs.vsctl('set-controller', 'br0', `unix:${path}`);
    const ev = await connected;
    expect(ev.session.dpidHex).toBe(dpid);
    expect(ev.reconnected).toBe(false);
    expect(ctl.get(ev.dpid)).toBe(ev.session);
    expect([...ctl.switches.keys()]).toEqual([BigInt('0x' + dpid)]);

    const errs = firstValueFrom(ctl.errors$.pipe(take(2), toArray()));
    // A peer that speaks OpenFlow 1.0 only (HELLO version 0x01, no bitmap) gets HELLO_FAILED/INCOMPATIBLE.
    const old: Socket = connect(path);
    const oldData: Buffer[] = [];
    old.on('data', (d) => oldData.push(d));
    old.write(Buffer.from('0100000800000001', 'hex'));
    await new Promise((r) => old.once('close', r));
    const answer = Buffer.concat(oldData);
    // Our HELLO first (8 + 8-byte bitmap element), then OFPT_ERROR in version 1: type 0 code 0.
    const errAt = answer.indexOf(Buffer.from([0x01, 0x01]));
    expect(errAt).toBeGreaterThanOrEqual(0);
    expect(answer.readUInt16BE(errAt + 8)).toBe(0); // OFPET_HELLO_FAILED
    expect(answer.readUInt16BE(errAt + 10)).toBe(0); // OFPHFC_INCOMPATIBLE
    expect(answer.subarray(errAt + 12).toString()).toContain('OpenFlow 1.3');

    // A peer that sends garbage: a length field below 8.
    const bad: Socket = connect(path);
    bad.write(Buffer.from('04000008000000010400000300000002', 'hex').subarray(0, 8));
    bad.write(Buffer.from('ffff0003deadbeef', 'hex'));
    bad.on('error', () => undefined);
    bad.resume(); // read, so that the close is seen
    await new Promise((r) => bad.once('close', r));
    const [e1, e2] = await errs;
    expect(e1).toBeInstanceOf(OpenFlowRuntimeError);
    expect((e1 as OpenFlowRuntimeError).code).toBe('OFPSDN_HELLO_FAILED');
    expect((e2 as OpenFlowRuntimeError).code).toBe('OFPSDN_PROTOCOL_ERROR');

    // The real switch carries on.
    await ev.session.barrier();
    expect(Array.isArray(await ev.session.dumpFlows())).toBe(true);
    expect(ctl.switches.size).toBe(1);

    // The switch drops us: disconnect$ fires and the registry forgets it.
    const gone = firstValueFrom(ctl.disconnect$);
    await ovs.vsctl('del-controller', 'br0');
    const g = await gone;
    expect(g.dpid).toBe(ev.dpid);
    expect(ctl.switches.size).toBe(0);
  }, 30_000);

  it('a dialled switch leaves the registry while ovs-vswitchd restarts and comes back as reconnected', async () => {
    const c2 = new OpenFlowController({ backoff: { initialMs: 20, maxMs: 200 } });
    try {
      const s = await c2.connect(`unix:${ovs.mgmtSock('br0')}`);
      expect(c2.get(s.datapathId)).toBe(s);
      const gone = firstValueFrom(c2.disconnect$);
      const back = firstValueFrom(c2.connect$);
      await ovs.stopVswitchd(true);
      expect((await gone).session).toBe(s);
      expect(c2.switches.size).toBe(0);
      await ovs.startVswitchd();
      const b = await back;
      expect(b).toMatchObject({ session: s, reconnected: true });
      expect(c2.get(s.datapathId)).toBe(s);
    } finally {
      await c2.close();
    }
    expect(c2.switches.size).toBe(0);
  }, 30_000);

  it('tcp: and ssl: both ways, inside the namespace, with certificates from ovs-pki', async () => {
    const pki = join(tmp, 'pki');
    await pkiRun(tmp, [`--dir=${pki}`, '--log=pki.log', 'init']);
    await pkiRun(tmp, [`--dir=${pki}`, '--log=pki.log', 'req+sign', 'ctl', 'controller']);
    await pkiRun(tmp, [`--dir=${pki}`, '--log=pki.log', 'req+sign', 'sc', 'switch']);
    await ovs.vsctl('set-ssl', join(tmp, 'sc-privkey.pem'), join(tmp, 'sc-cert.pem'), join(pki, 'controllerca', 'cacert.pem'));
    const tls = JSON.stringify({ key: join(tmp, 'ctl-privkey.pem'), cert: join(tmp, 'ctl-cert.pem'), ca: join(pki, 'switchca', 'cacert.pem') });
    const ns = ovs.netns.name;

    // tcp: the switch dials our ptcp: listener.
    const a = child(ns, ['listen', 'ptcp:6653:127.0.0.1']);
    expect(await nextLine(a.lines)).toEqual({ listening: 6653 });
    await ovs.vsctl('set-controller', 'br0', 'tcp:127.0.0.1:6653');
    expect(await nextLine(a.lines)).toEqual({ dpid, flows: 1, transport: 'plain' });
    expect(await exited(a.proc)).toBe(0);

    // ssl: the switch dials our pssl: listener; both sides verify the other's certificate.
    const b = child(ns, ['listen', 'pssl:6654:127.0.0.1', tls]);
    expect(await nextLine(b.lines)).toEqual({ listening: 6654 });
    await ovs.vsctl('set-controller', 'br0', 'ssl:127.0.0.1:6654', 'pssl:6655:127.0.0.1', 'ptcp:6656:127.0.0.1');
    expect(await nextLine(b.lines)).toEqual({ dpid, flows: 1, transport: 'tls' });
    expect(await exited(b.proc)).toBe(0);

    // ssl: we dial the switch's pssl: listener.
    const c = child(ns, ['dial', 'ssl:127.0.0.1:6655', tls]);
    expect(await nextLine(c.lines)).toEqual({ dpid, flows: 1, transport: 'tls' });
    expect(await exited(c.proc)).toBe(0);

    // tcp: we dial the switch's ptcp: listener.
    const t = child(ns, ['dial', 'tcp:127.0.0.1:6656']);
    expect(await nextLine(t.lines)).toEqual({ dpid, flows: 1, transport: 'plain' });
    expect(await exited(t.proc)).toBe(0);

    // A controller certificate the switch's CA did not sign is refused.
    const wrong = JSON.stringify({ key: join(tmp, 'sc-privkey.pem'), cert: join(tmp, 'sc-cert.pem'), ca: join(pki, 'switchca', 'cacert.pem') });
    const d = child(ns, ['dial', 'ssl:127.0.0.1:6655', wrong]);
    const out = await nextLine(d.lines);
    expect(out.error).toBeDefined();
    expect(await exited(d.proc)).toBe(2);
    await ovs.vsctl('del-controller', 'br0');
  }, 60_000);
});

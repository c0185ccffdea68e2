/*
 * OpenFlowController with fake switches that dial in (a real ovs-vswitchd cannot be made to present the same
 * datapath id twice at once).
 */
import { connect, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { decodeMessage, encodeMessage } from '../../../src/openflow/dispatch';
import { OpenFlowFramer } from '../../../src/openflow/framer';
import { OpenFlowController } from '../../../src/openflow/controller';

/** A fake switch that dials the controller and answers the handshake with datapath id `dpid`. */
function fakeSwitch(path: string, dpid: bigint): Socket {
  const sock = connect(path);
  sock.on('error', () => undefined);
  sock.write(Buffer.from('04000010000000010001000800000010', 'hex'));
  const framer = new OpenFlowFramer();
  sock.on('data', (chunk) => {
    for (const f of framer.push(chunk)) {
      const m = decodeMessage(f);
      if (m.type === 'FEATURES_REQUEST') {
        sock.write(encodeMessage({ type: 'FEATURES_REPLY', xid: m.xid, datapathId: dpid, nBuffers: 0, nTables: 1, auxiliaryId: 0, capabilities: 0, reserved: 0 }));
      } else if (m.type === 'BARRIER_REQUEST') sock.write(encodeMessage({ type: 'BARRIER_REPLY', xid: m.xid }));
    }
  });
  return sock;
}

describe('OpenFlowController with fake switches', () => {
  let dir: string;
  let ctl: OpenFlowController;
  const socks: Socket[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'of-ctl-'));
    ctl = new OpenFlowController({ echoIntervalMs: 0 });
  });
  afterEach(async () => {
    for (const s of socks.splice(0)) s.destroy();
    await ctl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers switches by datapath id; a second channel with the same id replaces the first', async () => {
    const path = join(dir, 'c.sock');
    await ctl.listen(`punix:${path}`);
    const two = firstValueFrom(ctl.connect$.pipe(take(2), toArray()));
    socks.push(fakeSwitch(path, 1n), fakeSwitch(path, 2n));
    const evs = await two;
    expect(evs.map((e) => e.dpid).sort()).toEqual([1n, 2n]);
    expect([...ctl.switches.keys()].sort()).toEqual([1n, 2n]);

    const first = ctl.get(1n)!;
    const replaced = firstValueFrom(ctl.connect$);
    const oldGone = firstValueFrom(ctl.disconnect$);
    socks.push(fakeSwitch(path, 1n));
    const again = await replaced;
    expect(again.dpid).toBe(1n);
    expect(again.session).not.toBe(first);
    expect((await oldGone).session).toBe(first);
    expect(first.state).toBe('closed');
    expect(ctl.get(1n)).toBe(again.session);
    expect(ctl.switches.size).toBe(2);
    await expect(ctl.waitFor(2n)).resolves.toBe(ctl.get(2n));
    await expect(ctl.waitFor(3n, 20)).rejects.toMatchObject({ code: 'OFPSDN_TIMEOUT' });
  });

  it('close() ends every session and completes the streams', async () => {
    const path = join(dir, 'd.sock');
    await ctl.listen(`punix:${path}`);
    const up = firstValueFrom(ctl.connect$);
    const sock = fakeSwitch(path, 7n);
    socks.push(sock);
    const { session } = await up;
    const closed = new Promise((r) => sock.once('close', r));
    const done = firstValueFrom(ctl.connect$, { defaultValue: 'completed' });
    await ctl.close();
    expect(session.state).toBe('closed');
    expect(await done).toBe('completed');
    await closed;
    await expect(ctl.listen(`punix:${join(dir, 'e.sock')}`)).rejects.toMatchObject({ code: 'OFPSDN_CLOSED' });
  });
});

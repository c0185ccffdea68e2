/*
 * Session behaviour against a fake switch that misbehaves on purpose (a real ovs-vswitchd cannot be made to
 * stop answering echoes, stop reading, or speak another version). The fake is built from the real codec.
 */
import { createServer, Server, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { firstValueFrom, filter } from 'rxjs';
import { decodeMessage, encodeMessage } from '../../../src/openflow/dispatch';
import { OpenFlowFramer } from '../../../src/openflow/framer';
import { OpenFlowSession } from '../../../src/openflow/session';
import { OpenFlowRequestError, OpenFlowRuntimeError } from '../../../src/openflow/runtime-errors';
import { flowMod, OfpMessage, MultipartReplyBody } from '../../../src/openflow/types';

type Behaviour = {
  hello?: Buffer | null; // raw HELLO to send (null: never send one)
  onMessage?: (m: OfpMessage, reply: (m: OfpMessage) => void, sock: Socket) => boolean | void; // true: handled
};

class FakeSwitch {
  readonly server: Server;
  readonly sockets = new Set<Socket>();
  received: OfpMessage[] = [];
  /** Waiters for a message type (an event to await instead of a sleep). */
  private waiters: { type: string; resolve: (m: OfpMessage) => void }[] = [];
  constructor(
    readonly path: string,
    public behaviour: Behaviour = {},
  ) {
    this.server = createServer((sock) => this.serve(sock));
  }
  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.path, r));
  }
  private serve(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => undefined);
    const hello = this.behaviour.hello === undefined ? Buffer.from('04000010000000010001000800000010', 'hex') : this.behaviour.hello;
    if (hello) sock.write(hello);
    const framer = new OpenFlowFramer();
    const reply = (m: OfpMessage) => sock.write(encodeMessage(m));
    sock.on('data', (chunk) => {
      for (const f of framer.push(chunk)) {
        const m = decodeMessage(f);
        this.received.push(m);
        for (const w of this.waiters.filter((x) => x.type === m.type)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
        if (this.behaviour.onMessage?.(m, reply, sock)) continue;
        switch (m.type) {
          case 'FEATURES_REQUEST':
            reply({ type: 'FEATURES_REPLY', xid: m.xid, datapathId: 0xabcn, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0, reserved: 0 });
            break;
          case 'BARRIER_REQUEST':
            reply({ type: 'BARRIER_REPLY', xid: m.xid });
            break;
          case 'ECHO_REQUEST':
            reply({ type: 'ECHO_REPLY', xid: m.xid, data: m.data });
            break;
          default:
            break;
        }
      }
    });
  }
  /** Resolves with the first message of `type` received from now on, or already received. */
  next(type: string): Promise<OfpMessage> {
    const seen = this.received.find((m) => m.type === type);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ type, resolve }));
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

describe('OpenFlowSession with a fake switch', () => {
  let dir: string;
  let fake: FakeSwitch;
  let n = 0;
  const sessions: OpenFlowSession[] = [];
  const connect = async (opts: Parameters<typeof OpenFlowSession.connect>[1] = {}) => {
    const s = await OpenFlowSession.connect(`unix:${fake.path}`, { reconnect: false, ...opts });
    sessions.push(s);
    return s;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'of-fake-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    fake = new FakeSwitch(join(dir, `sw${++n}.sock`));
    await fake.listen();
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close(false)));
    await fake.close();
  });

  it('negotiates 1.3 from a newer peer whose version bitmap includes 1.3', async () => {
    // HELLO version 0x06 with a bitmap offering 1.3..1.5 (bits 4, 5, 6).
    fake.behaviour.hello = Buffer.from('06000010000000010001000800000070', 'hex');
    const s = await connect();
    expect(s.state).toBe('up');
    expect(s.datapathId).toBe(0xabcn);
    expect(fake.received.map((m) => m.type)).toEqual(expect.arrayContaining(['HELLO', 'FEATURES_REQUEST', 'SET_CONFIG', 'BARRIER_REQUEST']));
    const sc = fake.received.find((m) => m.type === 'SET_CONFIG');
    expect(sc).toMatchObject({ missSendLen: 0xffff });
  });

  it('refuses a peer whose bitmap lacks 1.3 with HELLO_FAILED', async () => {
    fake.behaviour.hello = Buffer.from('06000010000000010001000800000060', 'hex');
    const got: Buffer[] = [];
    let closed!: Promise<void>;
    fake.server.on('connection', (sock) => {
      closed = new Promise((r) => sock.on('close', () => r()));
      sock.on('data', (d) => got.push(d));
    });
    const err = await OpenFlowSession.connect(`unix:${fake.path}`, { reconnect: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenFlowRuntimeError);
    expect((err as OpenFlowRuntimeError).code).toBe('OFPSDN_HELLO_FAILED');
    expect((err as OpenFlowRuntimeError).context.peerBitmap).toBe(0x60);
    // connect() rejects before the ERROR has necessarily reached the peer: wait for the fake to receive it
    // (and for the connection to close), not for some time.
    const error = await fake.next('ERROR');
    expect(error).toMatchObject({ errType: 0, code: 0 }); // HELLO_FAILED / INCOMPATIBLE
    await closed;
    const bytes = Buffer.concat(got);
    const at = bytes.indexOf(Buffer.from([0x04, 0x01])); // OFPT_ERROR in version 0x04
    expect(at).toBe(16); // right after our HELLO
    expect(bytes.length).toBeGreaterThanOrEqual(at + 12);
    expect(bytes.readUInt32BE(at + 8)).toBe(0); // HELLO_FAILED / INCOMPATIBLE
    expect(bytes.subarray(at + 12).toString('latin1')).toContain('OpenFlow 1.3');
  });

  it('reports a peer that answers our HELLO with HELLO_FAILED', async () => {
    const text = Buffer.from('no common version');
    const err = Buffer.concat([Buffer.from([0x01, 0x01, 0, 12 + text.length, 0, 0, 0, 1, 0, 0, 0, 0]), text]);
    fake.behaviour.hello = err;
    await expect(OpenFlowSession.connect(`unix:${fake.path}`, { reconnect: false })).rejects.toMatchObject({
      code: 'OFPSDN_HELLO_FAILED',
      message: expect.stringContaining('no common version'),
    });
  });

  it('sends ROLE_REQUEST, SET_ASYNC and the packet-in format when asked, during the handshake', async () => {
    fake.behaviour.onMessage = (m, reply) => {
      if (m.type === 'ROLE_REQUEST') {
        reply({ type: 'ROLE_REPLY', xid: m.xid, role: m.role, generationId: m.generationId });
        return true;
      }
    };
    const s = await connect({
      role: { role: 'master', generationId: 7n },
      async: { packetInMask: [1, 0], portStatusMask: [7, 7], flowRemovedMask: [0, 0] },
      packetInFormat: 'nxt_packet_in2',
      controllerId: 3,
      missSendLen: 128,
    });
    expect(s.state).toBe('up');
    const types = fake.received.map((m) => m.type);
    expect(types).toEqual(['HELLO', 'FEATURES_REQUEST', 'SET_CONFIG', 'NXT_SET_CONTROLLER_ID', 'NXT_SET_PACKET_IN_FORMAT', 'ROLE_REQUEST', 'SET_ASYNC', 'BARRIER_REQUEST']);
    expect(fake.received.find((m) => m.type === 'ROLE_REQUEST')).toMatchObject({ role: 2, generationId: 7n });
    expect(fake.received.find((m) => m.type === 'SET_CONFIG')).toMatchObject({ missSendLen: 128 });
  });

  it('a refused ROLE_REQUEST fails the handshake and closes that connection', async () => {
    let peerClosed!: Promise<void>;
    fake.server.on('connection', (sock) => (peerClosed = new Promise((r) => sock.once('close', () => r()))));
    fake.behaviour.onMessage = (m, reply) => {
      if (m.type === 'ROLE_REQUEST') {
        reply({ type: 'ERROR', xid: m.xid, version: 4, errType: 11, code: 0, data: encodeMessage(m) });
        return true;
      }
    };
    const err = await OpenFlowSession.connect(`unix:${fake.path}`, { reconnect: false, role: { role: 'master', generationId: 1n } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenFlowRequestError);
    expect((err as OpenFlowRequestError).code).toBe('OFPET_ROLE_REQUEST_FAILED/OFPRRFC_STALE');
    await peerClosed;
  });

  it('when retrying, each refused handshake closes its connection before the next attempt', async () => {
    const conns: Promise<void>[] = [];
    let third!: () => void;
    const gotThird = new Promise<void>((r) => (third = r));
    fake.server.on('connection', (sock) => {
      conns.push(new Promise((r) => sock.once('close', () => r())));
      if (conns.length === 3) third();
    });
    fake.behaviour.onMessage = (m, reply) => {
      if (m.type === 'ROLE_REQUEST') {
        reply({ type: 'ERROR', xid: m.xid, version: 4, errType: 11, code: 0, data: encodeMessage(m) });
        return true;
      }
    };
    const ac = new AbortController();
    const p = OpenFlowSession.connect(`unix:${fake.path}`, { retryFirst: true, signal: ac.signal, backoff: { initialMs: 1, maxMs: 5 }, role: { role: 'master' } });
    await gotThird;
    await Promise.all(conns.slice(0, 2)); // the first two connections were closed by us
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'OFPSDN_CLOSED' });
  });

  it('fails the handshake with OFPSDN_HANDSHAKE_TIMEOUT when the peer never says HELLO', async () => {
    fake.behaviour.hello = null;
    await expect(OpenFlowSession.connect(`unix:${fake.path}`, { reconnect: false, handshakeTimeoutMs: 100 })).rejects.toMatchObject({
      code: 'OFPSDN_HANDSHAKE_TIMEOUT',
    });
  });

  it('declares the peer dead after M unanswered echoes', async () => {
    let answerEchoes = true;
    fake.behaviour.onMessage = (m) => m.type === 'ECHO_REQUEST' && !answerEchoes;
    // Small but load-tolerant: a stalled event loop does not count as a miss, and any byte resets the count.
    const s = await connect({ echoIntervalMs: 50, maxMissedEchoes: 3 });
    // Answered echoes keep it up for several intervals.
    await firstValueFrom(s.messages$.pipe(filter((m) => m.type === 'ECHO_REPLY')));
    await firstValueFrom(s.messages$.pipe(filter((m) => m.type === 'ECHO_REPLY')));
    expect(s.state).toBe('up');
    answerEchoes = false;
    const down = await firstValueFrom(s.state$.pipe(filter((e) => e.state === 'closed')));
    expect(down.error).toBeInstanceOf(OpenFlowRuntimeError);
    expect((down.error as OpenFlowRuntimeError).code).toBe('OFPSDN_PEER_DEAD');
  });

  it('times out a request, and fails every pending request when the connection drops', async () => {
    fake.behaviour.onMessage = (m, _reply, sock) => {
      if (m.type === 'GET_CONFIG_REQUEST') return true; // never answered
      if (m.type === 'ROLE_REQUEST') {
        sock.destroy(); // the switch goes away with three requests pending
        return true;
      }
    };
    const s = await connect();
    await expect(s.request({ type: 'GET_CONFIG_REQUEST', xid: 0 }, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'OFPSDN_TIMEOUT' });
    const p1 = s.request({ type: 'GET_CONFIG_REQUEST', xid: 0 });
    const p2 = s.multipart({ mpType: 'DESC' });
    const p3 = s.requestRole({ role: 'equal' });
    await Promise.allSettled([p1, p2, p3]);
    for (const p of [p1, p2, p3]) await expect(p).rejects.toMatchObject({ code: 'OFPSDN_DISCONNECTED' });
    expect(s.state).toBe('closed');
    await expect(s.barrier()).rejects.toMatchObject({ code: 'OFPSDN_CLOSED' });
  });

  it('maps an ERROR to the pending request; unsolicited errors go to errors$', async () => {
    fake.behaviour.onMessage = (m, reply) => {
      if (m.type === 'GET_CONFIG_REQUEST') {
        const data = encodeMessage(m);
        reply({ type: 'ERROR', xid: m.xid, version: 4, errType: 1, code: 1, data });
        reply({ type: 'ERROR', xid: 0xdead, version: 4, errType: 5, code: 3, data: Buffer.alloc(0) });
        return true;
      }
    };
    const s = await connect();
    const unsolicited = firstValueFrom(s.errors$);
    const req = { type: 'GET_CONFIG_REQUEST' as const, xid: 0 };
    const e = (await s.request(req).catch((x: unknown) => x)) as OpenFlowRequestError;
    expect(e).toBeInstanceOf(OpenFlowRequestError);
    expect(e.code).toBe('OFPET_BAD_REQUEST/OFPBRC_BAD_TYPE');
    expect(e.request).toBe(req);
    const u = (await unsolicited) as OpenFlowRequestError;
    expect(u.code).toBe('OFPET_FLOW_MOD_FAILED/OFPFMFC_OVERLAP');
    expect(u.request).toBeUndefined();
  });

  it('reassembles REPLY_MORE parts (Promise and async iterator) and caps the total', async () => {
    const part = (xid: number, more: boolean, ports: number[]): OfpMessage => ({
      type: 'MULTIPART_REPLY',
      xid,
      flags: more ? 1 : 0,
      body: {
        mpType: 'PORT_DESC',
        ports: ports.map((p) => ({ portNo: p, hwAddr: '02:00:00:00:00:01', name: `p${p}`, config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 })),
      },
    });
    fake.behaviour.onMessage = (m, reply) => {
      if (m.type === 'MULTIPART_REQUEST') {
        reply(part(m.xid, true, [1, 2]));
        reply(part(m.xid, true, [3]));
        reply(part(m.xid, false, [4, 5]));
        return true;
      }
    };
    const s = await connect();
    expect((await s.portDesc()).map((p) => p.portNo)).toEqual([1, 2, 3, 4, 5]);
    const seen: MultipartReplyBody[] = [];
    for await (const b of s.multipartIter({ mpType: 'PORT_DESC' })) seen.push(b);
    expect(seen.map((b) => (b.mpType === 'PORT_DESC' ? b.ports.length : -1))).toEqual([2, 1, 2]);
    await s.close(false);
    const capped = await connect({ maxMultipartBytes: 200 });
    await expect(capped.portDesc()).rejects.toMatchObject({ code: 'OFPSDN_MULTIPART_TOO_LARGE' });
    await capped.barrier(); // still usable
  });

  it('a multipart reply that stalls after a part times out after the per-call timeout, not the session default', async () => {
    fake.behaviour.onMessage = (m, reply) => {
      if (m.type === 'MULTIPART_REQUEST') {
        reply({ type: 'MULTIPART_REPLY', xid: m.xid, flags: 1, body: { mpType: 'PORT_DESC', ports: [] } }); // more follows... never
        return true;
      }
    };
    const s = await connect({ requestTimeoutMs: 120_000 });
    await expect(s.multipart({ mpType: 'PORT_DESC' }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'OFPSDN_TIMEOUT' });
    const it = s.multipartIter({ mpType: 'PORT_DESC' }, { timeoutMs: 100 });
    expect((await it.next()).done).toBe(false);
    await expect(it.next()).rejects.toMatchObject({ code: 'OFPSDN_TIMEOUT' });
  }, 20_000); // the session default (120 s) would exceed this

  it('bounds the write queue when the switch stops reading, with a clear error', async () => {
    fake.behaviour.onMessage = (m, _reply, sock) => {
      if (m.type === 'BARRIER_REQUEST' && fake.received.filter((x) => x.type === 'BARRIER_REQUEST').length === 1) {
        _reply({ type: 'BARRIER_REPLY', xid: m.xid });
        sock.pause(); // stop reading from now on
        return true;
      }
    };
    const cap = 512 * 1024;
    const s = await connect({ writeQueue: { maxBytes: cap, lowWaterBytes: 64 * 1024 } });
    const fm = flowMod({ priority: 1, match: [{ field: 'in_port', value: 1 }], instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 0 }] }] });
    let err: unknown;
    let sent = 0;
    for (let i = 0; i < 1_000_000 && !err; i++) {
      try {
        s.send({ ...fm, xid: 0 });
        sent++;
      } catch (e) {
        err = e;
      }
      if ((i & 255) === 255) await new Promise((r) => setImmediate(r)); // let the socket take what it can
    }
    expect(err).toBeInstanceOf(OpenFlowRuntimeError);
    expect((err as OpenFlowRuntimeError).code).toBe('OFPSDN_WRITE_QUEUE_FULL');
    expect(s.pendingWriteBytes).toBeLessThanOrEqual(cap);
    expect(sent).toBeGreaterThan(1000);
  });

  it('retryFirst: keeps dialling until the switch appears', async () => {
    const later = new FakeSwitch(join(dir, `late${n}.sock`));
    const states: string[] = [];
    // The socket does not exist yet, so attempts fail. The backoff draws one random number per failed
    // attempt: that is the event that tells us two attempts failed; only then does the switch listen.
    let failed = 0;
    let listening: Promise<void> | undefined;
    const random = () => {
      if (++failed === 2) listening = later.listen();
      return 0.5;
    };
    const p = OpenFlowSession.connect(`unix:${later.path}`, { retryFirst: true, backoff: { initialMs: 5, maxMs: 20, random } });
    const s = await p;
    await listening;
    expect(failed).toBeGreaterThanOrEqual(2);
    sessions.push(s);
    s.state$.subscribe((e) => states.push(e.state));
    expect(s.state).toBe('up');
    expect(s.epoch).toBeGreaterThanOrEqual(1);
    await s.close(false);
    await later.close();
    expect(states).toEqual(['up', 'closed']);
  });

  it('retryFirst can be aborted while no switch answers', async () => {
    const ac = new AbortController();
    const p = OpenFlowSession.connect(`unix:${join(dir, 'nobody.sock')}`, { retryFirst: true, signal: ac.signal, backoff: { initialMs: 5, maxMs: 10 } });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'OFPSDN_CLOSED' });
  });

  it('drained() waits while the switch is not reading and resolves once it reads again', async () => {
    let peer: Socket | undefined;
    fake.behaviour.onMessage = (m, reply, sock) => {
      if (m.type === 'BARRIER_REQUEST' && !peer) {
        reply({ type: 'BARRIER_REPLY', xid: m.xid });
        peer = sock;
        sock.pause();
        return true;
      }
    };
    const s = await connect({ writeQueue: { maxBytes: 64 * 1024 * 1024, lowWaterBytes: 256 * 1024 } });
    const fm = flowMod({ priority: 1, instructions: [] });
    while (s.pendingWriteBytes < 2 * 1024 * 1024) {
      for (let i = 0; i < 1000; i++) s.send({ ...fm, xid: 0 });
      await new Promise((r) => setImmediate(r));
    }
    let resolved = false;
    const d = s.drained().then(() => (resolved = true));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    peer!.resume();
    await d;
    expect(s.pendingWriteBytes).toBeLessThan(256 * 1024);
  });

  it('random bytes from a switch after the handshake never crash: the session survives or ends with the predicted typed error', async () => {
    let garbage = Buffer.alloc(0);
    let hangUp = false;
    fake.behaviour.onMessage = (m, reply, sock) => {
      if (m.type === 'BARRIER_REQUEST' && fake.received.filter((x) => x.type === 'BARRIER_REQUEST').length === 1) {
        reply({ type: 'BARRIER_REPLY', xid: m.xid });
        sock.write(garbage);
        // A truncated message would swallow every later byte: the switch then hangs up, so the outcome is
        // an event (the close), never a timeout.
        if (hangUp) sock.end();
        return true;
      }
    };
    /** What the session must do with `g`, predicted with a fresh framer (the garbage starts on a message boundary). */
    const predict = (g: Buffer): 'survive' | 'OFPSDN_PROTOCOL_ERROR' | 'OFPSDN_DISCONNECTED' => {
      const fr = new OpenFlowFramer();
      let frames: Buffer[];
      try {
        frames = fr.push(g);
      } catch {
        return 'OFPSDN_PROTOCOL_ERROR'; // bad length field
      }
      if (frames.some((f) => f[0] !== 4)) return 'OFPSDN_PROTOCOL_ERROR'; // version changed after negotiation
      if (fr.error) return 'OFPSDN_PROTOCOL_ERROR'; // bad length after whole messages
      return fr.bufferedBytes > 0 ? 'OFPSDN_DISCONNECTED' : 'survive';
    };
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.boolean(), async (bytes, validHeader) => {
        garbage = Buffer.from(bytes);
        if (validHeader && garbage.length >= 8) {
          // A well-formed header (version 4, length = all of it) around a random body: decode errors, not framing.
          garbage[0] = 4;
          garbage.writeUInt16BE(garbage.length, 2);
        }
        const want = predict(garbage);
        hangUp = want === 'OFPSDN_DISCONNECTED';
        outcomes.set(want, (outcomes.get(want) ?? 0) + 1);
        fake.received = [];
        const errors: unknown[] = [];
        // The garbage may arrive in the same chunk as the handshake's last reply: then connect() itself fails.
        const c = await OpenFlowSession.connect(`unix:${fake.path}`, { reconnect: false }).then(
          (s) => s,
          (e: unknown) => e,
        );
        if (!(c instanceof OpenFlowSession)) {
          expect(want).not.toBe('survive');
          expect(c).toBeInstanceOf(OpenFlowRuntimeError);
          expect((c as OpenFlowRuntimeError).code).toBe(want);
          return;
        }
        const s = c;
        s.errors$.subscribe((e) => errors.push(e));
        try {
          if (want === 'survive') {
            await s.barrier(); // answered: the stream is still in sync
            expect(s.state).toBe('up');
          } else {
            const end = await firstValueFrom(s.state$.pipe(filter((e) => e.state === 'closed')));
            expect(end.error).toBeInstanceOf(OpenFlowRuntimeError);
            expect((end.error as OpenFlowRuntimeError).code).toBe(want);
          }
          for (const e of errors) expect(e instanceof OpenFlowRuntimeError || e instanceof OpenFlowRequestError).toBe(true);
        } finally {
          await s.close(false);
        }
      }),
      { numRuns: 40 },
    );
    expect(outcomes.size).toBeGreaterThanOrEqual(2); // the runs cover more than one kind of outcome
  });

  it('a disconnect is reported once, on state$, not repeated on errors$', async () => {
    const s = await connect();
    const errors: Error[] = [];
    s.errors$.subscribe((e) => errors.push(e));
    const closed = firstValueFrom(s.state$.pipe(filter((e) => e.state === 'closed')));
    for (const sock of fake.sockets) sock.destroy();
    const ev = await closed;
    expect((ev.error as OpenFlowRuntimeError).code).toBe('OFPSDN_DISCONNECTED');
    expect(errors).toEqual([]);
  });

  it('a bad length right after a whole message ends the connection at once (no more bytes needed)', async () => {
    let replied = false;
    fake.behaviour.onMessage = (m, _reply, sock) => {
      if (m.type === 'ECHO_REQUEST' && !replied) {
        replied = true;
        // One write: a valid ECHO_REPLY, then a header whose length (4) is below the minimum of 8.
        sock.write(Buffer.concat([encodeMessage({ type: 'ECHO_REPLY', xid: m.xid, data: Buffer.alloc(0) }), Buffer.from('0402000400000009', 'hex')]));
        return true;
      }
    };
    const s = await connect({ echoIntervalMs: 0 });
    const closed = firstValueFrom(s.state$.pipe(filter((e) => e.state === 'closed')));
    const seen: string[] = [];
    s.messages$.subscribe((m) => seen.push(m.type));
    s.send({ type: 'ECHO_REQUEST', xid: 0, data: Buffer.alloc(0) });
    // The switch sends nothing after the bad header: the close is caused by the bytes already received.
    expect(((await closed).error as OpenFlowRuntimeError).code).toBe('OFPSDN_PROTOCOL_ERROR');
    expect(seen).toEqual(['ECHO_REPLY']); // the whole message before the bad header was delivered first
  });

  it('multipartIter: a slow consumer does not hold up other replies, and its buffer is capped', async () => {
    const portPart = (xid: number, more: boolean): OfpMessage => ({
      type: 'MULTIPART_REPLY',
      xid,
      flags: more ? 1 : 0,
      body: {
        mpType: 'PORT_DESC',
        ports: Array.from({ length: 10 }, (_, i) => ({ portNo: i + 1, hwAddr: '02:00:00:00:00:01', name: `p${i}`, config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 })),
      },
    });
    fake.behaviour.onMessage = (m, reply) => {
      if (m.type === 'MULTIPART_REQUEST') {
        for (let i = 0; i < 200; i++) reply(portPart(m.xid, i < 199)); // 200 parts of 656 bytes
        return true;
      }
    };
    const s = await connect({ echoIntervalMs: 0, multipartIterBufferBytes: 1024 * 1024 });
    const it = s.multipartIter({ mpType: 'PORT_DESC' });
    const first = await it.next(); // the request is sent; all 200 parts follow without the consumer taking them
    expect(first.done).toBe(false);
    await s.barrier(); // answered although 199 parts wait unconsumed
    await s.request({ type: 'ECHO_REQUEST', xid: 0, data: Buffer.alloc(0) });
    let parts = 1;
    for await (const _ of it) parts++;
    expect(parts).toBe(200);

    const small = await connect({ echoIntervalMs: 0, multipartIterBufferBytes: 10_000 });
    const it2 = small.multipartIter({ mpType: 'PORT_DESC' });
    const firstOfSmall = it2.next().then(
      () => 'a part',
      (e: unknown) => e,
    );
    await small.barrier(); // every part has arrived by now (they precede the barrier reply)
    // The parts arrive faster than a consumer takes them (one read holds far more than 10,000 bytes).
    expect(await firstOfSmall).toMatchObject({ code: 'OFPSDN_MULTIPART_TOO_LARGE' });
    await expect(it2.next()).rejects.toMatchObject({ code: 'OFPSDN_MULTIPART_TOO_LARGE' });
    await small.barrier(); // the session is still usable
  });

  it('reconnects with backoff after the peer drops the connection, and says so', async () => {
    const s = await connect({ reconnect: true, backoff: { initialMs: 10, maxMs: 50 } });
    const downs: string[] = [];
    s.state$.subscribe((e) => downs.push(e.state));
    const up = firstValueFrom(s.up$);
    for (const sock of fake.sockets) sock.destroy();
    const u = await up;
    expect(u).toMatchObject({ reconnected: true, epoch: 2 });
    expect(downs).toEqual(expect.arrayContaining(['down', 'connecting', 'handshaking', 'up']));
    await s.barrier();
  });
});

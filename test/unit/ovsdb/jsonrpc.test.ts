/**
 * The JSON-RPC peer against a deliberately misbehaving fake server (a unix socket whose other end the test
 * drives byte by byte). The real-server behaviour is covered in test/integration/ovsdb.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import {
  OvsdbConnectionClosedError,
  OvsdbError,
  OvsdbFramingError,
  OvsdbProtocolError,
  OvsdbRpcError,
  OvsdbTimeoutError,
  OvsdbUnknownDatabaseError,
} from '../../../src/ovsdb/errors';
import { OvsdbJsonFramer } from '../../../src/ovsdb/framer';
import { OvsdbJsonRpc, type OvsdbJsonRpcOptions } from '../../../src/ovsdb/jsonrpc';

interface Fake {
  rpc: OvsdbJsonRpc;
  server: net.Socket;
  /** Messages the fake server received, parsed. */
  received: unknown[];
  next(): Promise<Record<string, unknown>>;
  send(text: string | Buffer): void;
}

const dir = mkdtempSync(join(tmpdir(), 'ovsdb-rpc-'));
let n = 0;
const cleanups: Array<() => void> = [];

async function fake(opts: OvsdbJsonRpcOptions = {}): Promise<Fake> {
  const path = join(dir, `s${++n}.sock`);
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(path, r));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const sock = net.connect(path);
  await new Promise<void>((r) => sock.once('connect', r));
  const server = await accepted;
  srv.close();
  const received: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  const framer = new OvsdbJsonFramer();
  server.on('data', (d: Buffer) => {
    for (const m of framer.push(d)) {
      const w = waiters.shift();
      if (w) w(m);
      else received.push(m);
    }
  });
  server.on('error', () => undefined);
  const rpc = new OvsdbJsonRpc(sock, opts);
  cleanups.push(() => {
    rpc.close();
    server.destroy();
  });
  return {
    rpc,
    server,
    received,
    next: () =>
      new Promise((r) => {
        if (received.length > 0) r(received.shift() as Record<string, unknown>);
        else waiters.push(r as (m: unknown) => void);
      }),
    send: (t) => server.write(t),
  };
}

afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OvsdbJsonRpc', () => {
  it('matches replies to requests by id, in any order', async () => {
    const f = await fake();
    const a = f.rpc.request('list_dbs', []);
    const b = f.rpc.request('get_schema', ['Open_vSwitch']);
    const ma = await f.next();
    const mb = await f.next();
    expect(ma).toEqual({ method: 'list_dbs', params: [], id: expect.any(Number) });
    expect(mb.method).toBe('get_schema');
    expect(mb.id).not.toBe(ma.id);
    f.send(`{"id":${mb.id},"result":{"name":"x"},"error":null}{"id":${ma.id},"result":["Open_vSwitch"],"error":null}`);
    await expect(a).resolves.toEqual(['Open_vSwitch']);
    await expect(b).resolves.toEqual({ name: 'x' });
  });

  it('answers the server echo at once with the same params, and an unknown method with an error reply', async () => {
    const f = await fake();
    f.send('{"method":"echo","params":["x",1],"id":"e1"}');
    expect(await f.next()).toEqual({ id: 'e1', result: ['x', 1], error: null });
    f.send('{"method":"frobnicate","params":[],"id":17}');
    const r = await f.next();
    expect(r.id).toBe(17);
    expect(r.result).toBeNull();
    expect(r.error).toBe('unknown method');
    expect(f.rpc.open).toBe(true);
  });

  it('emits notifications in order, bigints exact', async () => {
    const f = await fake();
    const got = firstValueFrom(f.rpc.notifications.pipe(take(3), toArray()));
    f.send('{"method":"update2","params":["m",{"T":{"u":{"insert":{"n":18446744073709551615}}}}],"id":null}');
    f.send('{"method":"locked","params":["L"],"id":null}{"method":"stolen","params":["L"],"id":null}');
    expect(await got).toEqual([
      { method: 'update2', params: ['m', { T: { u: { insert: { n: 18446744073709551615n } } } }] },
      { method: 'locked', params: ['L'] },
      { method: 'stolen', params: ['L'] },
    ]);
  });

  it('sends notifications (cancel) with a null id and bigint params as bare integers', async () => {
    const f = await fake();
    f.rpc.notify('cancel', [5]);
    expect(await f.next()).toEqual({ method: 'cancel', params: [5], id: null });
    void f.rpc.request('transact', ['db', { op: 'insert', table: 'T', row: { n: 1n << 63n } }]).catch(() => undefined);
    const raw = await new Promise<string>((r) => f.server.once('data', (d) => r(d.toString())));
    expect(raw).toContain('"n":9223372036854775808');
  });

  it('rejects with the mapped RPC error class on an error reply', async () => {
    const f = await fake();
    const p = f.rpc.request('get_schema', ['nope']);
    const m = await f.next();
    f.send(JSON.stringify({ id: m.id, result: null, error: { error: 'unknown database', details: 'nope' } }));
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OvsdbUnknownDatabaseError);
    expect(e).toBeInstanceOf(OvsdbRpcError);
    expect((e as OvsdbRpcError).details).toBe('nope');
  });

  it('times a request out with OVSDB_TIMEOUT and ignores the late reply', async () => {
    const f = await fake({ requestTimeoutMs: 50 });
    const p = f.rpc.request('list_dbs', []);
    const m = await f.next();
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OvsdbTimeoutError);
    expect((e as OvsdbTimeoutError).code).toBe('OVSDB_TIMEOUT');
    f.send(`{"id":${m.id},"result":[],"error":null}`);
    // The connection stays usable: the next request gets its own reply.
    const p2 = f.rpc.request('echo', ['after'], { timeoutMs: 0 });
    const m2 = await f.next();
    expect(m2.id).not.toBe(m.id);
    f.send(`{"id":${m2.id},"result":["after"],"error":null}`);
    await expect(p2).resolves.toEqual(['after']);
    expect(f.rpc.open).toBe(true);
  });

  it('fails every pending request with OVSDB_DISCONNECTED when the connection drops', async () => {
    const f = await fake();
    const ps = [f.rpc.request('transact', ['db']), f.rpc.request('list_dbs', [])];
    await f.next();
    f.server.destroy();
    for (const p of ps) {
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OvsdbConnectionClosedError);
      expect((e as OvsdbConnectionClosedError).code).toBe('OVSDB_DISCONNECTED');
    }
    expect(await f.rpc.closed).toBeInstanceOf(OvsdbConnectionClosedError);
    await expect(f.rpc.request('list_dbs', [])).rejects.toMatchObject({ code: 'OVSDB_DISCONNECTED' });
  });

  it.each([
    ['malformed JSON', '{"id":1,"result":[1,,]}', 'OVSDB_BAD_JSON', {}],
    ['an oversized message', `{"id":1,"result":"${'x'.repeat(2000)}"}`, 'OVSDB_MSG_TOO_LARGE', { maxMessageBytes: 1000 }],
    ['a too deep message', `{"id":1,"result":${'['.repeat(50)}`, 'OVSDB_TOO_DEEP', { maxDepth: 20 }],
  ])('closes the connection on %s, surfacing the framing error once', async (_what, text, code, opts) => {
    const f = await fake(opts);
    const p = f.rpc.request('list_dbs', []);
    await f.next();
    f.send(text);
    const reason = await f.rpc.closed;
    expect(reason).toBeInstanceOf(OvsdbFramingError);
    expect(reason!.code).toBe(code);
    const e = (await p.catch((x: unknown) => x)) as OvsdbConnectionClosedError;
    expect(e.code).toBe('OVSDB_DISCONNECTED');
    expect(e.cause).toBe(reason);
    // The server side sees the connection closed.
    await new Promise((r) => (f.server.destroyed ? r(undefined) : f.server.once('close', r)));
  });

  it.each([
    ['a non-object message', '[1,2]'],
    ['a request without params array', '{"method":"update","params":{},"id":null}'],
    ['a message that is neither request nor reply', '{"foo":1}'],
  ])('closes the connection on %s with OVSDB_BAD_MESSAGE', async (_w, text) => {
    const f = await fake();
    f.send(text);
    const reason = await f.rpc.closed;
    expect(reason).toBeInstanceOf(OvsdbProtocolError);
    expect(reason!.code).toBe('OVSDB_BAD_MESSAGE');
  });

  it('inactivity probe: sends echo after silence, drops a peer that stays silent', async () => {
    const f = await fake({ probeIntervalMs: 100 });
    const probe = await f.next();
    expect(probe.method).toBe('echo');
    const reason = await f.rpc.closed;
    expect(reason).toBeInstanceOf(OvsdbTimeoutError);
  });

  it('inactivity probe: a peer that answers keeps the connection', async () => {
    const f = await fake({ probeIntervalMs: 60 });
    for (let i = 0; i < 3; i++) {
      const probe = await f.next();
      expect(probe.method).toBe('echo');
      f.send(`{"id":${probe.id},"result":[],"error":null}`);
    }
    expect(f.rpc.open).toBe(true);
  });
});

describe('OvsdbJsonRpc encoding', () => {
  it('rejects a request whose params cannot be encoded, without leaving it pending', async () => {
    const f = await fake();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(f.rpc.request('transact', [cyclic])).rejects.toBeInstanceOf(OvsdbProtocolError);
    expect(f.rpc.pendingCount).toBe(0);
    expect(f.rpc.open).toBe(true);
  });
});

describe('OvsdbJsonRpc robustness (property)', () => {
  it('any sequence of JSON values or bytes from the peer: no throw, and a close always has a typed reason', async () => {
    const chunk = fc.oneof(
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
      fc.record({ id: fc.oneof(fc.constant(1), fc.constant(null), fc.jsonValue()), method: fc.oneof(fc.string(), fc.constant('echo'), fc.constant('update')), params: fc.jsonValue(), result: fc.jsonValue(), error: fc.jsonValue() }, { requiredKeys: [] }).map((o) => Buffer.from(JSON.stringify(o))),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { maxLength: 6 }), async (chunks) => {
        const d = new Duplex({
          read() {},
          write(_c, _e, cb) {
            cb();
          },
        });
        const rpc = new OvsdbJsonRpc(d, { maxDepth: 16, maxMessageBytes: 4096 });
        const pending = rpc.request('x', [], { timeoutMs: 0 }).then(
          () => 'resolved',
          (e: unknown) => e,
        );
        for (const c of chunks) d.emit('data', c);
        if (!rpc.open) expect(rpc.closeReason).toBeInstanceOf(OvsdbError);
        rpc.close();
        const outcome = await pending;
        if (outcome !== 'resolved') expect(outcome).toBeInstanceOf(OvsdbError);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * The message codec against a live ovs-vswitchd (its own namespace, via OvsInstance): we program the switch
 * with our encoded FLOW_MOD / GROUP_MOD / METER_MOD, ask for every multipart kind and more, and check that
 * every reply decodes, re-encodes byte for byte, and that the switch hands our flow, group and meter back as
 * we sent them.
 */
import net from 'node:net';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OpenFlowFramer } from '../../../src/openflow/framer';
import { decodeMessage, encodeMessage, formatMessage } from '../../../src/openflow/dispatch';
import { flowMod, type MultipartReplyBody, type MultipartRequestBody, type OfpMessage } from '../../../src/openflow/types';
import type { Match } from '../../../src/openflow/match';
import type { Instruction } from '../../../src/openflow/instructions';

/** A message before the client assigns its xid. */
type Unsent = OfpMessage extends infer M ? (M extends OfpMessage ? Omit<M, 'xid'> : never) : never;

/** A minimal OpenFlow client: sends, and collects replies by xid until the last part of a reply arrives. */
class Client {
  private readonly sock: net.Socket;
  private readonly framer = new OpenFlowFramer();
  private readonly waiting = new Map<number, { got: OfpMessage[]; done: (m: OfpMessage[]) => void }>();
  readonly received: Buffer[] = [];
  readonly errors: OfpMessage[] = [];
  private xid = 100;
  private helloSeen!: Promise<void>;

  constructor(path: string) {
    this.sock = net.connect(path);
    let gotHello: () => void;
    this.helloSeen = new Promise((r) => (gotHello = r));
    this.sock.on('data', (chunk) => {
      for (const bytes of this.framer.push(chunk)) {
        this.received.push(Buffer.from(bytes));
        const m = decodeMessage(bytes);
        if (m.type === 'HELLO') gotHello();
        if (m.type === 'ERROR') this.errors.push(m);
        const w = this.waiting.get(m.xid);
        if (!w) continue;
        w.got.push(m);
        const more = m.type === 'MULTIPART_REPLY' && (m.flags & 1) !== 0;
        if (!more) {
          this.waiting.delete(m.xid);
          w.done(w.got);
        }
      }
    });
  }

  async hello(): Promise<void> {
    await new Promise<void>((r) => this.sock.once('connect', () => r()));
    this.sock.write(encodeMessage({ type: 'HELLO', xid: 1, version: 4, elements: [{ type: 'VERSIONBITMAP', bitmaps: [0x10] }] }));
    await this.helloSeen;
  }

  /** Sends `m` (xid assigned) and resolves with its reply parts. */
  request(m: Unsent): Promise<OfpMessage[]> {
    const xid = ++this.xid;
    const p = new Promise<OfpMessage[]>((done) => this.waiting.set(xid, { got: [], done }));
    this.sock.write(encodeMessage({ ...m, xid } as OfpMessage));
    return p;
  }

  /** Sends messages that have no reply, then a barrier; resolves when the barrier is answered. */
  async send(...ms: Unsent[]): Promise<void> {
    for (const m of ms) this.sock.write(encodeMessage({ ...m, xid: ++this.xid } as OfpMessage));
    await this.request({ type: 'BARRIER_REQUEST' });
  }

  async multipart(body: MultipartRequestBody): Promise<MultipartReplyBody[]> {
    const parts = await this.request({ type: 'MULTIPART_REQUEST', flags: 0, body });
    return parts.map((p) => {
      if (p.type !== 'MULTIPART_REPLY') throw new Error(`expected a multipart reply, got ${formatMessage(p)}`);
      return p.body;
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

const MATCH: Match = [
  { field: 'in_port', value: 1 },
  { field: 'eth_type', value: 0x0800 },
  { field: 'ipv4_dst', value: 0x0af40200, mask: 0xffffff00 },
];
const INSTRUCTIONS: Instruction[] = [
  {
    type: 'apply_actions',
    actions: [
      { type: 'set_field', field: 'tun_id', value: 100n },
      { type: 'load', dst: { field: 'reg0', ofs: 0, nBits: 32 }, value: 5n },
      { type: 'output', port: 2, maxLen: 0 },
    ],
  },
  { type: 'goto_table', tableId: 1 },
];

jest.setTimeout(30000);

describe('message codec against a live ovs-vswitchd', () => {
  let ovs: OvsInstance;
  let c: Client;

  beforeAll(async () => {
    ovs = await OvsInstance.start();
    await ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13');
    for (const [p, n] of [['p1', '1'], ['p2', '2']] as const) {
      await ovs.vsctl('add-port', 'br0', p, '--', 'set', 'interface', p, 'type=internal', `ofport_request=${n}`);
    }
    c = new Client(ovs.mgmtSock('br0'));
    await c.hello();
  });

  afterAll(async () => {
    c?.close();
    await ovs?.stop();
  });

  it('installs our FLOW_MOD, GROUP_MOD and METER_MOD, and reads them back unchanged', async () => {
    await c.send(
      flowMod({ cookie: 0x77n, tableId: 0, priority: 100, idleTimeout: 0, flags: 1, match: MATCH, instructions: INSTRUCTIONS }),
      {
        type: 'GROUP_MOD', command: 0, groupType: 1, groupId: 7,
        buckets: [
          { weight: 10, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 1, maxLen: 0 }] },
          { weight: 20, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 2, maxLen: 0 }] },
        ],
      },
      { type: 'METER_MOD', command: 0, flags: 0b1101, meterId: 3, bands: [{ type: 'DROP', rate: 1000, burstSize: 100 }] },
    );
    expect(c.errors.map(formatMessage)).toEqual([]);

    const [flows] = await c.multipart({ mpType: 'FLOW', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0x77n, cookieMask: 0xffffffffffffffffn, match: [] });
    expect(flows!.mpType).toBe('FLOW');
    const stats = (flows as Extract<MultipartReplyBody, { mpType: 'FLOW' }>).stats;
    expect(stats).toHaveLength(1);
    const byField = (m: Match) => [...m].sort((a, b) => a.field.localeCompare(b.field));
    expect(byField(stats[0]!.match)).toEqual(byField(MATCH));
    expect(stats[0]!.instructions).toEqual(INSTRUCTIONS);
    expect([stats[0]!.priority, stats[0]!.cookie, stats[0]!.flags]).toEqual([100, 0x77n, 1]);

    const [groups] = await c.multipart({ mpType: 'GROUP_DESC' });
    expect(groups).toEqual({
      mpType: 'GROUP_DESC',
      groups: [
        {
          groupType: 1, groupId: 7,
          buckets: [
            { weight: 10, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 1, maxLen: 0 }] },
            { weight: 20, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'output', port: 2, maxLen: 0 }] },
          ],
        },
      ],
    });
    const [meters] = await c.multipart({ mpType: 'METER_CONFIG', meterId: 0xffffffff });
    expect(meters).toEqual({ mpType: 'METER_CONFIG', meters: [{ flags: 0b1101, meterId: 3, bands: [{ type: 'DROP', rate: 1000, burstSize: 100 }] }] });
  });

  it('answers every multipart kind, ROLE, GET_ASYNC, GET_CONFIG and FEATURES with messages we decode', async () => {
    const kinds: MultipartRequestBody[] = [
      { mpType: 'DESC' },
      { mpType: 'AGGREGATE', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: [] },
      { mpType: 'TABLE' },
      { mpType: 'PORT_STATS', portNo: 0xffffffff },
      { mpType: 'QUEUE', portNo: 0xffffffff, queueId: 0xffffffff },
      { mpType: 'GROUP', groupId: 0xfffffffc },
      { mpType: 'GROUP_FEATURES' },
      { mpType: 'METER', meterId: 0xffffffff },
      { mpType: 'METER_FEATURES' },
      { mpType: 'TABLE_FEATURES', tables: [] },
      { mpType: 'PORT_DESC' },
    ];
    for (const body of kinds) {
      const parts = await c.multipart(body);
      expect(parts.length).toBeGreaterThan(0);
      for (const p of parts) expect(p.mpType).toBe(body.mpType);
    }
    const [features] = await c.request({ type: 'FEATURES_REQUEST' });
    expect(features!.type).toBe('FEATURES_REPLY');
    const [role] = await c.request({ type: 'ROLE_REQUEST', role: 0, generationId: 0n });
    expect(role).toMatchObject({ type: 'ROLE_REPLY', role: 1 });
    const [asyncReply] = await c.request({ type: 'GET_ASYNC_REQUEST' });
    expect(asyncReply!.type).toBe('GET_ASYNC_REPLY');
    const [config] = await c.request({ type: 'GET_CONFIG_REQUEST' });
    expect(config!.type).toBe('GET_CONFIG_REPLY');
    const [echo] = await c.request({ type: 'ECHO_REQUEST', data: Buffer.from('ping') });
    expect(echo).toMatchObject({ type: 'ECHO_REPLY', data: Buffer.from('ping') });
    // An unknown experimenter message comes back as an OFPBRC_BAD_EXPERIMENTER error carrying our bytes.
    const [err] = await c.request({ type: 'EXPERIMENTER', experimenter: 0xabcdef, expType: 1, data: Buffer.alloc(8) });
    expect(err).toMatchObject({ type: 'ERROR', errType: 1, code: 3 });
    c.errors.length = 0;
  });

  it('every message the switch sent decoded and re-encodes byte for byte', () => {
    expect(c.received.length).toBeGreaterThan(20);
    for (const b of c.received) expect(encodeMessage(decodeMessage(b)).equals(b)).toBe(true);
  });
});

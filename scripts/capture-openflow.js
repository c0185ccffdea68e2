#!/usr/bin/env node
/**
 * Captures real OpenFlow 1.3 bytes from Open vSwitch for the codec's fixtures.
 *
 *   node scripts/capture-openflow.js [out.json]      (default test/fixtures/openflow/captured.json)
 *
 * It starts one OVS instance (ovsdb-server + ovs-vswitchd, userspace datapath, own network namespace) with a
 * bridge br0 and a few internal ports, then
 *  1. runs real `ovs-ofctl -O OpenFlow13 ...` commands against a recording unix-socket proxy in front of
 *     br0.mgmt: every message in both directions (ovs-ofctl's requests, ovs-vswitchd's replies) is recorded;
 *  2. connects its own client to br0.mgmt for the messages ovs-ofctl never sends (ROLE, GET/SET_ASYNC,
 *     TABLE_MOD, NXT_SET_CONTROLLER_ID, an unknown type...) and records ovs-vswitchd's replies.
 * Each recorded message is saved with who sent it, the command, and `ovs-ofctl ofp-print`'s reading of it.
 * TypeScript sources are loaded through @swc/core (no build needed).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const os = require('node:os');
const { execFileSync, spawn } = require('node:child_process');

// --- load the TypeScript sources directly ---
const swc = require('@swc/core');
require.extensions['.ts'] = (m, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  m._compile(code, filename);
};
const root = path.join(__dirname, '..');
const { OvsInstance } = require(path.join(root, 'src/lab/ovs-instance.ts'));
const { OpenFlowFramer } = require(path.join(root, 'src/openflow/framer.ts'));
const { encodeMessage, decodeMessage } = require(path.join(root, 'src/openflow/dispatch.ts'));

const OUT = process.argv[2] || path.join(root, 'test/fixtures/openflow/captured.json');
const records = [];
let current = 'setup';

function ofpPrint(hex) {
  try {
    return execFileSync('ovs-ofctl', ['ofp-print', hex], { encoding: 'utf8' }).trimEnd();
  } catch (e) {
    return `ERROR: ${String(e.stderr || e.message).trim()}`;
  }
}

function record(from, buf) {
  const hex = buf.toString('hex');
  records.push({ command: current, from, type: buf[1], hex, ofpPrint: ofpPrint(hex) });
}

/** A recording proxy: clients connect to `listenPath`, bytes are relayed to `target`. */
function startProxy(listenPath, target) {
  const conns = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    conns.add(client);
    conns.add(upstream);
    const fc = new OpenFlowFramer();
    const fs_ = new OpenFlowFramer();
    client.on('data', (d) => {
      for (const m of fc.push(d)) record('ovs-ofctl', m);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      for (const m of fs_.push(d)) record('ovs-vswitchd', m);
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  return new Promise((resolve) =>
    server.listen(listenPath, () =>
      resolve({
        close: () =>
          new Promise((r) => {
            for (const c of conns) c.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

function ofctl(proxyPath, args, { allowFail = false } = {}) {
  current = `ovs-ofctl -O OpenFlow13 ${args.join(' ')}`;
  if (process.env.CAPTURE_VERBOSE) console.error(current);
  const full = ['-O', 'OpenFlow13', ...args.map((a) => (a === 'br0' ? `unix:${proxyPath}` : a))];
  return new Promise((resolve, reject) => {
    const p = spawn('ovs-ofctl', full, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => {
      if (code !== 0 && !allowFail) reject(new Error(`${current} failed: ${out}`));
      else resolve(out);
    });
  });
}

/** A raw client: sends each message and records every reply until a BARRIER_REPLY to our barrier. */
async function rawSession(mgmt, label, msgs) {
  current = label;
  const sock = net.connect(mgmt);
  const framer = new OpenFlowFramer();
  const got = [];
  let done;
  const finished = new Promise((r) => (done = r));
  sock.on('data', (d) => {
    for (const m of framer.push(d)) {
      got.push(m);
      if (m[1] === 0) continue; // switch HELLO
      if (m[1] === 2) continue;
      record('ovs-vswitchd', m);
      if (m[1] === 21 && m.readUInt32BE(4) === 0xbbbb) done();
    }
  });
  await new Promise((r) => sock.once('connect', r));
  const send = (m) => {
    const b = Buffer.isBuffer(m) ? m : encodeMessage(m);
    record('ovs-sdn', b);
    sock.write(b);
  };
  send({ type: 'HELLO', xid: 1, version: 4, elements: [{ type: 'VERSIONBITMAP', bitmaps: [0x10] }] });
  for (const m of msgs) send(m);
  send({ type: 'BARRIER_REQUEST', xid: 0xbbbb });
  const timer = setTimeout(() => done(), 3000);
  await finished;
  clearTimeout(timer);
  sock.destroy();
}

/** Enables async messages on a mgmt connection, runs `trigger`, records what the switch sends. */
async function asyncSession(mgmt, label, pinFormat, trigger) {
  current = label;
  const sock = net.connect(mgmt);
  const framer = new OpenFlowFramer();
  const kinds = new Set();
  let resumed = false;
  sock.on('data', (d) => {
    for (const m of framer.push(d)) {
      if (m[1] === 0) continue;
      record('ovs-vswitchd', m);
      kinds.add(m[1] === 4 ? `exp${m.readUInt32BE(12)}` : String(m[1]));
      if (m[1] === 4 && m.readUInt32BE(12) === 30 && !resumed) {
        // NXT_PACKET_IN2 with a continuation: resume it, as a controller would.
        const pin = decodeMessage(m);
        if (pin.continuation) {
          resumed = true;
          const { userdata: _u, ...rest } = pin;
          const resume = encodeMessage({ ...rest, type: 'NXT_RESUME', xid: 0x77 });
          record('ovs-sdn', resume);
          sock.write(resume);
        }
      }
    }
  });
  await new Promise((r) => sock.once('connect', r));
  for (const m of [
    { type: 'HELLO', xid: 1, version: 4, elements: [{ type: 'VERSIONBITMAP', bitmaps: [0x10] }] },
    { type: 'SET_ASYNC', xid: 2, packetInMask: [7, 7], portStatusMask: [7, 7], flowRemovedMask: [15, 15] },
    { type: 'SET_CONFIG', xid: 3, flags: 0, missSendLen: 0xffff },
    { type: 'NXT_SET_PACKET_IN_FORMAT', xid: 4, format: pinFormat },
  ]) {
    const b = encodeMessage(m);
    record('ovs-sdn', b);
    sock.write(b);
  }
  await trigger();
  // Wait (bounded) until the packet-ins, flow-removed and port-status have all arrived.
  const deadline = Date.now() + 5000;
  const want = pinFormat === 2 ? ['exp30', '11', '12'] : ['10', '11', '12'];
  while (Date.now() < deadline && !want.every((k) => kinds.has(k))) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  sock.destroy();
}

/**
 * Keeps the fixture file small: no duplicate bytes, at most 3 messages per kind (sender, type, multipart type
 * or experimenter subtype; ERRORs and our own messages all kept), a single table-features reply, and
 * ofp-print text capped at 8000 characters.
 */
function prune(all) {
  const seenHex = new Set();
  const perKind = new Map();
  const out = [];
  for (const r of all) {
    if (seenHex.has(r.hex)) continue;
    seenHex.add(r.hex);
    const b = Buffer.from(r.hex, 'hex');
    const sub = (b[1] === 18 || b[1] === 19) && b.length >= 10 ? b.readUInt16BE(8) : b[1] === 4 && b.length >= 16 ? b.readUInt32BE(12) : -1;
    const key = `${r.from}/${b[1]}/${sub}`;
    const n = perKind.get(key) || 0;
    const limit = b[1] === 19 && sub === 12 ? 1 : b[1] === 1 || r.from === 'ovs-sdn' ? 100 : 3;
    if (n >= limit) continue;
    perKind.set(key, n + 1);
    if (r.ofpPrint.length > 8000) r.ofpPrint = r.ofpPrint.slice(0, 8000) + '\n...(cut)';
    out.push(r);
  }
  return out;
}

async function main() {
  const ovs = await OvsInstance.start();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ofcap-'));
  const proxyPath = path.join(tmp, 'proxy.sock');
  try {
    await ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow10,OpenFlow13,OpenFlow14,OpenFlow15');
    for (const [p, n] of [['p1', 1], ['p2', 2]]) {
      await ovs.vsctl('add-port', 'br0', p, '--', 'set', 'interface', p, 'type=internal', `ofport_request=${n}`);
    }
    const mgmt = ovs.mgmtSock('br0');
    const proxy = await startProxy(proxyPath, mgmt);

    // Flow table, groups, meters (requests from ovs-ofctl, errors/replies from ovs-vswitchd).
    await ofctl(proxyPath, ['add-flow', 'br0', 'table=0,priority=100,cookie=0x1234,ip,in_port=1,nw_dst=10.244.2.0/24,tun_id=0x5,actions=set_field:0x64->tun_id,load:0x5->NXM_NX_REG0[],output:2,goto_table:1']);
    await ofctl(proxyPath, ['add-flow', 'br0', 'table=1,idle_timeout=30,hard_timeout=600,send_flow_rem,priority=10,tcp,tp_dst=80,actions=drop']);
    await ofctl(proxyPath, ['add-flow', 'br0', 'table=1,priority=5,arp,actions=NORMAL']);
    await ofctl(proxyPath, ['add-group', 'br0', 'group_id=1,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=output:2']);
    await ofctl(proxyPath, ['add-group', 'br0', 'group_id=2,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions=output:2']);
    await ofctl(proxyPath, ['add-group', 'br0', 'group_id=1,type=all,bucket=actions=output:1'], { allowFail: true }); // GROUP_EXISTS
    await ofctl(proxyPath, ['add-flow', 'br0', 'table=2,priority=1,actions=group:99'], { allowFail: true }); // bad group
    await ofctl(proxyPath, ['add-meter', 'br0', 'meter=1,kbps,burst,stats,bands=type=drop,rate=1000,burst_size=100']);
    await ofctl(proxyPath, ['mod-meter', 'br0', 'meter=7,kbps,bands=type=drop,rate=5'], { allowFail: true }); // unknown meter
    await ofctl(proxyPath, ['add-flow', 'br0', 'table=2,priority=3,ip,actions=meter:1,output:2']);
    await ofctl(proxyPath, ['mod-port', 'br0', 'p1', 'no-flood'], { allowFail: true });
    await ofctl(proxyPath, ['set-frags', 'br0', 'drop']);
    await ofctl(proxyPath, ['get-frags', 'br0']);
    await ofctl(proxyPath, ['--bundle', 'add-flow', 'br0', 'table=3,priority=7,udp,actions=drop'], { allowFail: true });
    await ofctl(proxyPath, ['add-tlv-map', 'br0', '{class=0xffff,type=0,len=4}->tun_metadata0'], { allowFail: true });
    await ofctl(proxyPath, ['add-tlv-map', 'br0', '{class=0xffff,type=0,len=4}->tun_metadata0'], { allowFail: true });
    // Read-only commands.
    for (const cmd of [
      'show', 'dump-desc', 'dump-flows', 'dump-aggregate', 'dump-tables', 'dump-table-features', 'dump-ports',
      'dump-ports-desc', 'queue-stats', 'queue-get-config', 'dump-groups', 'dump-group-stats', 'dump-group-features',
      'dump-meters', 'meter-stats', 'meter-features', 'probe', 'ping',
    ]) {
      await ofctl(proxyPath, cmd === 'ping' ? [cmd, 'br0', '32'] : [cmd, 'br0'], { allowFail: true });
    }
    await ofctl(proxyPath, ['packet-out', 'br0', 'in_port=LOCAL packet=ffffffffffff0000000000010806000108000604000100000000000a0a0a0a01000000000000c0a80002 actions=output:1']);

    // Asynchronous messages: OVS sends none to a service (mgmt) connection until it sets its async config,
    // which `ovs-ofctl monitor` does not do in OF1.3, so our own client asks for them (SET_ASYNC) and records
    // PACKET_IN (standard, then NXT_PACKET_IN2 with a paused continuation, answered with NXT_RESUME),
    // PORT_STATUS and FLOW_REMOVED.
    for (const fmt of [0, 2]) {
      await asyncSession(mgmt, `ovs-sdn async client (packet-in format ${fmt})`, fmt, async () => {
        await ovs.ofctl('add-flow', 'br0', 'table=4,priority=9,udp,actions=controller(userdata=01.02.03.04,pause),output:2');
        await ovs.ofctl('packet-out', 'br0', 'in_port=LOCAL packet=ffffffffffff0000000000010806000108000604000100000000000a0a0a0a01000000000000c0a80002 actions=controller');
        await ovs.ofctl('packet-out', 'br0', 'in_port=LOCAL packet=0000000000020000000000010800450000200001000040110000c0a80001c0a8000204d2162e000c0000deadbeef actions=resubmit(,4)');
        await ovs.ofctl('add-flow', 'br0', `table=5,priority=9,send_flow_rem,cookie=0x77,udp,tp_dst=${fmt + 1},actions=drop`);
        await ovs.ofctl('del-flows', 'br0', `table=5,udp,tp_dst=${fmt + 1}`);
        await ovs.vsctl('add-port', 'br0', `q${fmt}`, '--', 'set', 'interface', `q${fmt}`, 'type=internal');
      });
    }
    await proxy.close();

    // Messages ovs-ofctl never sends, from our own client; the switch's replies are what we keep.
    await rawSession(mgmt, 'ovs-sdn raw: role/async/table_mod/controller_id/unknown', [
      { type: 'ROLE_REQUEST', xid: 11, role: 0, generationId: 0n },
      { type: 'ROLE_REQUEST', xid: 12, role: 2, generationId: 5n },
      { type: 'GET_ASYNC_REQUEST', xid: 13 },
      { type: 'SET_ASYNC', xid: 14, packetInMask: [3, 1], portStatusMask: [7, 7], flowRemovedMask: [15, 0] },
      { type: 'GET_ASYNC_REQUEST', xid: 15 },
      { type: 'TABLE_MOD', xid: 16, tableId: 0, config: 0 },
      { type: 'NXT_SET_CONTROLLER_ID', xid: 17, controllerId: 42 },
      { type: 'NXT_SET_PACKET_IN_FORMAT', xid: 18, format: 2 },
      { type: 'QUEUE_GET_CONFIG_REQUEST', xid: 19, port: 1 },
      { type: 'EXPERIMENTER', xid: 20, experimenter: 0x00abcdef, expType: 9, data: Buffer.from('0102030405060708', 'hex') },
      Buffer.from('04ff000800000015', 'hex'), // unknown type 0xff -> OFPBRC_BAD_TYPE
      Buffer.from('0312000800000016', 'hex'), // OF1.2 header on a 1.3 connection -> OFPBRC_BAD_VERSION
      { type: 'MULTIPART_REQUEST', xid: 23, flags: 0, body: { mpType: 'UNKNOWN', mpTypeCode: 77, data: Buffer.alloc(0) } },
      { type: 'BUNDLE_CONTROL', xid: 24, bundleId: 9, ctrlType: 0, flags: 3, properties: [] },
      {
        type: 'BUNDLE_ADD', xid: 25, bundleId: 9, flags: 3, properties: [],
        message: { type: 'METER_MOD', xid: 25, command: 0, flags: 1, meterId: 2, bands: [{ type: 'DROP', rate: 10, burstSize: 0 }] },
      },
      { type: 'BUNDLE_CONTROL', xid: 26, bundleId: 9, ctrlType: 4, flags: 3, properties: [] },
      { type: 'ECHO_REQUEST', xid: 27, data: Buffer.from('hello') },
    ]);
  } finally {
    await ovs.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const kept = prune(records);
  fs.writeFileSync(OUT, JSON.stringify(kept, null, 1) + '\n');
  console.log(`${records.length} messages captured, ${kept.length} kept -> ${OUT}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// `npm run bench:flows`: installing 100,000 distinct flows into ovs-vswitchd, five ways, each on a fresh
// OVS instance (own network namespace, netdev bridge, OpenFlow 1.3), timed until the switch has them all:
//   (a) ovs-sdn streaming FLOW_MODs, then a barrier
//   (b) ovs-sdn in one ONF bundle (open, adds, barrier, commit)
//   (c) ovs-ofctl -O OpenFlow13 add-flows --bundle FILE
//   (d) ovs-ofctl -O OpenFlow13 add-flows FILE
//   (e) os-ken (/usr/bin/python3) pushing the same FLOW_MODs, then a barrier
// plus the packet-in -> packet-out round trip (p50/p99) under 10,000 packet-ins/s, measured end to end by a
// packet generator in another namespace. Prints a table and one JSON line at the end.
const { spawn } = require('node:child_process');
const { writeFile } = require('node:fs/promises');
const { join } = require('node:path');
const { OvsInstance } = require('../dist/lab/ovs-instance');
const { NetNs } = require('../dist/lab/netns');
const { run } = require('../dist/lab/process');
const { OpenFlowSession, flowMod } = require('../dist');

const N = Number(process.env.FLOWS ?? 100_000);
const PIN_RATE = Number(process.env.PIN_RATE ?? 10_000);
const PIN_SECONDS = Number(process.env.PIN_SECONDS ?? 3);
const ip = (i) => (10 << 24) | (i & 0xffffff);
const ipText = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const OUTPUT1 = [{ type: 'apply_actions', actions: [{ type: 'output', port: 1, maxLen: 0 }] }];

function makeFlows() {
  const out = new Array(N);
  for (let i = 0; i < N; i++) {
    out[i] = flowMod({ priority: 100, match: [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: ip(i) }], instructions: OUTPUT1 });
  }
  return out;
}

async function freshBridge() {
  const ovs = await OvsInstance.start();
  await ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail_mode=secure');
  await ovs.ofctl('del-flows', 'br0');
  return ovs;
}

async function countFlows(ovs) {
  const { stdout } = await run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-aggregate', ovs.mgmtSock('br0')], { env: ovs.env });
  return Number(/flow_count=(\d+)/.exec(stdout)[1]);
}

async function variant(name, fn) {
  const ovs = await freshBridge();
  try {
    const seconds = await fn(ovs);
    const count = await countFlows(ovs);
    if (count !== N) throw new Error(`${name}: switch has ${count} flows, expected ${N}`);
    return { seconds, flowsPerSecond: Math.round(N / seconds) };
  } finally {
    await ovs.stop();
  }
}

async function ovsSdnStream(ovs) {
  const s = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('br0')}`);
  const flows = makeFlows();
  const t0 = process.hrtime.bigint();
  await s.sendBatch(flows, { timeoutMs: 600_000 });
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  await s.close();
  return dt;
}

async function ovsSdnBundle(ovs) {
  const s = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('br0')}`);
  const flows = makeFlows();
  const t0 = process.hrtime.bigint();
  await s.bundle(flows, { timeoutMs: 600_000 });
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  await s.close();
  return dt;
}

async function flowFile(ovs) {
  const lines = new Array(N);
  for (let i = 0; i < N; i++) lines[i] = `priority=100,ip,nw_dst=${ipText(i)},actions=output:1`;
  const file = join(ovs.dir, 'flows.txt');
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

function ofctl(bundle) {
  return async (ovs) => {
    const file = await flowFile(ovs);
    const t0 = process.hrtime.bigint();
    await run('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flows', ...(bundle ? ['--bundle'] : []), ovs.mgmtSock('br0'), file], { env: ovs.env, timeoutMs: 600_000 });
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
}

/** Runs os-ken inside the instance's namespace on tcp 127.0.0.1:6653 and points the bridge at it. */
async function osken(ovs) {
  const app = join(__dirname, 'osken_flows.py');
  const child = spawn('ip', ['netns', 'exec', ovs.netns.name, '/usr/bin/osken-manager', '--ofp-listen-host', '127.0.0.1', '--ofp-tcp-listen-port', '6653', app], {
    env: { ...process.env, N: String(N) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => child.on('exit', r));
  // os-ken takes a moment to import and listen; the switch retries with backoff until it does.
  await ovs.vsctl('set-controller', 'br0', 'tcp:127.0.0.1:6653');
  const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
  await exited;
  clearTimeout(timer);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`os-ken produced no result: ${err.slice(-2000)}`);
  return JSON.parse(line).seconds;
}

async function packetInRoundTrip() {
  const ovs = await freshBridge();
  const host = await NetNs.create(`osdn-${process.pid}-950`);
  let s;
  try {
    await run('ip', ['link', 'add', 'pg0', 'netns', host.name, 'type', 'veth', 'peer', 'name', 'pg1', 'netns', ovs.netns.name]);
    await ovs.netns.exec('ip', ['link', 'set', 'pg1', 'up']);
    await ovs.vsctl('add-port', 'br0', 'pg1');
    await host.exec('ip', ['link', 'set', 'pg0', 'up']);
    s = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('br0')}`);
    await s.flowMod(flowMod({ priority: 0, instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }] }] }));
    let pins = 0;
    s.packetIn$.subscribe((p) => {
      pins++;
      const inPort = p.match.find((e) => e.field === 'in_port').value;
      s.send({ type: 'PACKET_OUT', xid: 0, bufferId: 0xffffffff, inPort, actions: [{ type: 'output', port: 0xfffffff8, maxLen: 0 }], data: p.data });
    });
    const { stdout } = await host.exec('/usr/bin/python3', [join(__dirname, 'pktgen.py'), 'pg0', String(PIN_RATE), String(PIN_SECONDS)], { timeoutMs: 120_000 });
    const r = JSON.parse(stdout.trim().split('\n').pop());
    return { ...r, packetIns: pins };
  } finally {
    if (s) await s.close();
    await host.delete();
    await ovs.stop();
  }
}

async function main() {
  const results = {};
  const only = process.env.ONLY ? process.env.ONLY.split(',') : undefined;
  const variants = [
    ['a_ovs_sdn_stream_barrier', ovsSdnStream],
    ['b_ovs_sdn_bundle', ovsSdnBundle],
    ['c_ovs_ofctl_bundle', ofctl(true)],
    ['d_ovs_ofctl', ofctl(false)],
    ['e_osken_stream_barrier', osken],
  ];
  for (const [name, fn] of variants) {
    if (only && !only.some((o) => name.startsWith(o))) continue;
    results[name] = await variant(name, fn);
    console.log(`${name.padEnd(26)} ${results[name].seconds.toFixed(3)} s  ${results[name].flowsPerSecond} flows/s`);
  }
  if (!only || only.includes('pin')) {
    results.packet_in_round_trip = await packetInRoundTrip();
    const r = results.packet_in_round_trip;
    console.log(`packet-in -> packet-out at ${r.rateAchieved}/s: p50 ${r.p50us} us, p99 ${r.p99us} us, max ${r.maxUs} us (${r.received}/${r.sent} back)`);
  }
  const a = results.a_ovs_sdn_stream_barrier?.flowsPerSecond;
  const b = results.b_ovs_sdn_bundle?.flowsPerSecond;
  const c = results.c_ovs_ofctl_bundle?.flowsPerSecond;
  const e = results.e_osken_stream_barrier?.flowsPerSecond;
  if (a && c) results.ratio_stream_vs_ofctl_bundle = +(a / c).toFixed(2);
  if (b && c) results.ratio_bundle_vs_ofctl_bundle = +(b / c).toFixed(2);
  if (a && e) results.ratio_stream_vs_osken = +(a / e).toFixed(2);
  if (b && e) results.ratio_bundle_vs_osken = +(b / e).toFixed(2);
  console.log(JSON.stringify({ bench: 'flows', flows: N, ...results }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

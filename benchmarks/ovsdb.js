/*
 * OVSDB benchmark (npm run bench:ovsdb): ovs-sdn vs ovs-vsctl vs OVS's Python IDL, side by side, one run.
 *
 * 1. Create N (default 1,000) GRE tunnel ports on one netdev bridge:
 *    (a) ovs-sdn: Vswitch.ensurePorts, ONE transaction;
 *    (b) one `ovs-vsctl add-port` process per port;
 *    (c) one `ovs-vsctl` call chaining all the add-ports;
 *    (d) OVS's Python IDL (benchmarks/ovsdb_idl.py), one transaction;
 *    each with and without waiting for ovs-vswitchd (next_cfg -> cur_cfg), each on a fresh OVS instance in
 *    its own network namespace. Times include connecting and the initial sync of each client.
 * 2. Initial monitor sync of 10,000 rows (5,000 Port + 5,000 Interface rows; tables Open_vSwitch, Bridge,
 *    Port, Interface, all columns): ovs-sdn Replica.start vs the Python IDL (median of 3).
 *
 * Env: OVSDB_BENCH_PORTS (default 1000), OVSDB_BENCH_PER_PORT_WAIT_PORTS (ports for variant (b) with wait;
 * default = OVSDB_BENCH_PORTS).
 * The last line of output is one JSON object with every figure.
 */
const { performance } = require('node:perf_hooks');
const { join } = require('node:path');
const { Vswitch, Replica, OvsdbClient, openVSwitchSchema } = require('../dist');
const { OvsInstance } = require('../dist/lab/ovs-instance');
const { run } = require('../dist/lab/process');

const N = Number(process.env.OVSDB_BENCH_PORTS || 1000);
const N_PER_PORT_WAIT = Number(process.env.OVSDB_BENCH_PER_PORT_WAIT_PORTS || N);
const PY = '/usr/bin/python3';
const IDL_SCRIPT = join(__dirname, 'ovsdb_idl.py');

const ip = (i) => `10.${(i / 62500) | 0}.${((i / 250) | 0) % 250}.${(i % 250) + 1}`; // unique per port
const sec = (ms) => Math.round(ms) / 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (...a) => console.error(...a);

async function withOvs(opts, fn) {
  const ovs = await OvsInstance.start(opts);
  try {
    return await fn(ovs);
  } finally {
    await ovs.stop();
  }
}

async function prepBridge(ovs) {
  await ovs.vsctl('--no-wait', 'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev');
}

async function countPorts(ovs) {
  const { stdout } = await ovs.vsctl('list-ports', 'br0');
  return stdout.split('\n').filter((l) => l.startsWith('gre')).length;
}

async function ovsSdn(wait) {
  return withOvs({}, async (ovs) => {
    await prepBridge(ovs);
    const specs = Array.from({ length: N }, (_, i) => ({ name: `gre${i}`, type: 'gre', remoteIp: ip(i) }));
    const t0 = performance.now();
    const vs = await Vswitch.connect(ovs.dbEndpoint);
    const t1 = performance.now();
    const r = await vs.ensurePorts('br0', specs, { wait, timeoutMs: 120_000 });
    const t2 = performance.now();
    await vs.close();
    const n = await countPorts(ovs);
    if (n !== N || !r.changed) throw new Error(`ovs-sdn created ${n} ports`);
    return { total_s: sec(t2 - t0), connect_sync_s: sec(t1 - t0), op_s: sec(t2 - t1) };
  });
}

async function vsctlPerPort(wait) {
  const n = wait ? N_PER_PORT_WAIT : N;
  return withOvs({}, async (ovs) => {
    await prepBridge(ovs);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await ovs.vsctl(...(wait ? [] : ['--no-wait']), 'add-port', 'br0', `gre${i}`, '--', 'set', 'Interface', `gre${i}`, 'type=gre', `options:remote_ip=${ip(i)}`);
    }
    const t1 = performance.now();
    const c = await countPorts(ovs);
    if (c !== n) throw new Error(`ovs-vsctl per port created ${c} ports`);
    return { total_s: sec(t1 - t0), ports: n };
  });
}

async function vsctlChained(wait) {
  return withOvs({}, async (ovs) => {
    await prepBridge(ovs);
    const args = [];
    for (let i = 0; i < N; i++) {
      args.push('--', 'add-port', 'br0', `gre${i}`, '--', 'set', 'Interface', `gre${i}`, 'type=gre', `options:remote_ip=${ip(i)}`);
    }
    const t0 = performance.now();
    await run('ovs-vsctl', [`--db=${ovs.dbEndpoint}`, '--timeout=120', ...(wait ? [] : ['--no-wait']), ...args], { env: ovs.env, timeoutMs: 180_000 });
    const t1 = performance.now();
    const c = await countPorts(ovs);
    if (c !== N) throw new Error(`chained ovs-vsctl created ${c} ports`);
    return { total_s: sec(t1 - t0) };
  });
}

async function pythonIdl(wait) {
  return withOvs({}, async (ovs) => {
    await prepBridge(ovs);
    const t0 = performance.now();
    const { stdout } = await run(PY, [IDL_SCRIPT, 'ports', ovs.dbEndpoint, 'br0', String(N), wait ? '1' : '0'], { timeoutMs: 180_000 });
    const t1 = performance.now();
    const inner = JSON.parse(stdout.trim().split('\n').pop());
    const c = await countPorts(ovs);
    if (c !== N) throw new Error(`python IDL created ${c} ports`);
    return {
      total_s: sec(inner.total_s * 1000),
      connect_sync_s: sec(inner.connect_sync_s * 1000),
      op_s: sec((inner.txn_s + inner.wait_s) * 1000),
      process_s: sec(t1 - t0),
    };
  });
}

async function initialSync() {
  return withOvs({ vswitchd: false }, async (ovs) => {
    await prepBridge(ovs);
    // 5,000 ports with one interface each = 10,000 rows, in one transaction.
    const vs = await Vswitch.connect(ovs.dbEndpoint);
    const specs = Array.from({ length: 5000 }, (_, i) => ({
      name: `p${i}`,
      type: i % 2 ? 'gre' : 'vxlan',
      remoteIp: ip(i),
      key: i,
      interfaceExternalIds: { 'iface-id': `pod-${i}` },
    }));
    await vs.ensurePorts('br0', specs, { wait: false });
    await vs.close();
    const sdn = [];
    const py = [];
    let rows = 0;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      const client = await OvsdbClient.connect(ovs.dbEndpoint);
      const replica = await Replica.start(client, openVSwitchSchema(), {
        tables: { Open_vSwitch: true, Bridge: true, Port: true, Interface: true },
      });
      const t1 = performance.now();
      const s = replica.snapshot();
      rows = ['Open_vSwitch', 'Bridge', 'Port', 'Interface'].reduce((n, t) => n + s.rows(t).size, 0);
      await replica.close();
      await client.close();
      sdn.push(t1 - t0);
      const { stdout } = await run(PY, [IDL_SCRIPT, 'sync', ovs.dbEndpoint], { timeoutMs: 120_000 });
      const r = JSON.parse(stdout.trim().split('\n').pop());
      if (r.rows !== rows) throw new Error(`row count differs: ovs-sdn ${rows}, python ${r.rows}`);
      py.push(r.sync_s * 1000);
    }
    return { rows, ovs_sdn_s: sec(median(sdn)), python_idl_s: sec(median(py)), speedup: Math.round((median(py) / median(sdn)) * 10) / 10 };
  });
}

async function main() {
  const out = { ports: N, create: {}, sync: undefined };
  for (const wait of [false, true]) {
    const key = wait ? 'wait' : 'no_wait';
    out.create[key] = {};
    log(`[${key}] ovs-sdn ...`);
    out.create[key].ovs_sdn = await ovsSdn(wait);
    log(`[${key}] ovs-vsctl chained ...`);
    out.create[key].vsctl_chained = await vsctlChained(wait);
    log(`[${key}] python IDL ...`);
    out.create[key].python_idl = await pythonIdl(wait);
    log(`[${key}] ovs-vsctl per port ...`);
    out.create[key].vsctl_per_port = await vsctlPerPort(wait);
    log(JSON.stringify(out.create[key]));
  }
  log('initial sync of 10,000 rows ...');
  out.sync = await initialSync();
  const c = out.create;
  out.ratios = {
    sdn_vs_chained_no_wait: Math.round((c.no_wait.ovs_sdn.total_s / c.no_wait.vsctl_chained.total_s) * 100) / 100,
    sdn_vs_chained_wait: Math.round((c.wait.ovs_sdn.total_s / c.wait.vsctl_chained.total_s) * 100) / 100,
    sdn_vs_python_no_wait: Math.round((c.no_wait.ovs_sdn.total_s / c.no_wait.python_idl.total_s) * 100) / 100,
    sdn_vs_python_wait: Math.round((c.wait.ovs_sdn.total_s / c.wait.python_idl.total_s) * 100) / 100,
    sync_speedup: out.sync.speedup,
  };
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

/* Overlay benchmark (npm run bench:overlay). Needs root (network namespaces) and a build in dist/.
 *
 * 1. Node-join convergence on 3 and 8 lab nodes: a running overlay over N-1 nodes, then the Nth node is added
 *    to the topology; measured from that event until every node has converged and answered a barrier.
 * 2. Reconcile cost with 1,000 peers on one real node: desired state for a node with 999 peers installed on a
 *    real ovs-vswitchd (one bundle), then a no-change pass; time, flows, memory.
 * 3. Desired-state computation for 1,000 and 5,000 nodes (one node's desired state; cold and warm caches).
 * Prints one JSON line at the end.
 */
const { Lab } = require('../dist/lab/lab');
const { OvsInstance } = require('../dist/lab/ovs-instance');
const t = require('../dist/topology');
const { Vswitch } = require('../dist/ovsdb/vswitch');
const { OpenFlowSession } = require('../dist/openflow/session');

const ms = (t0) => Number((performance.now() - t0).toFixed(2));
const log = (s) => process.stderr.write(`${s}\n`);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function joinBench(n, reps) {
  const lab = await Lab.up({ nodes: n, podsPerNode: 1 });
  const results = [];
  try {
    for (let r = 0; r < reps; r++) {
      const store = new t.TopologyStore({ clusterCidr: lab.state.clusterCidr, datapathType: 'netdev' });
      const rec = new t.OverlayReconciler(store, {
        hostNetwork: new t.IprouteHostNetwork({ netnsOf: (name) => lab.state.nodes.find((x) => x.name === name)?.netns }),
        auditIntervalMs: 0,
      });
      rec.start();
      const spec = (x) => ({ name: x.name, ovsdb: x.dbEndpoint, underlayIp: x.underlayIp, podCidr: x.podCidr });
      store.apply(lab.state.nodes.map((x) => ({ type: 'addNode', node: spec(x) })));
      await rec.whenConverged(30_000);
      // the joiner: remove it (its flows go), let everything settle, then time its (re)join
      const last = lab.state.nodes[n - 1];
      store.removeNode(last.name);
      await rec.whenConverged(30_000);
      const t0 = performance.now();
      store.addNode(spec(last));
      await rec.whenConverged(30_000);
      await Promise.all(lab.state.nodes.map((x) => rec.session(x.name).barrier()));
      results.push(ms(t0));
      await rec.stop();
      await store.dispose();
    }
  } finally {
    await lab.down();
  }
  return { nodes: n, joinConvergenceMs: results, medianMs: median(results) };
}

function topo(n) {
  let s = t.initialTopologyState({ clusterCidr: '10.0.0.0/8', datapathType: 'netdev' });
  const ev = [];
  for (let i = 1; i <= n; i++)
    ev.push({ type: 'addNode', node: { name: `node${i}`, ovsdb: `unix:/run/n${i}/db.sock`, underlayIp: `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, podCidr: `10.${i >> 8}.${i & 255}.0/24` } });
  return t.reduceTopology(s, ev);
}

function desiredBench(n) {
  const s = topo(n);
  let t0 = performance.now();
  const d = t.computeNodeDesired(s, 'node2');
  const cold = ms(t0);
  const warm = [];
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    t.computeNodeDesired(s, `node${3 + i}`);
    warm.push(ms(t0));
  }
  return { nodes: n, flows: d.flows.length, coldMs: cold, warmMedianMs: median(warm) };
}

async function peersBench(peers) {
  const ovs = await OvsInstance.start();
  try {
    await ovs.vsctl('add-br', 'obr0', '--', 'set', 'bridge', 'obr0', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail_mode=secure');
    const s = topo(peers + 1);
    const d = t.computeNodeDesired(s, 'node1');
    const vs = await Vswitch.connect(ovs.dbEndpoint);
    for (const p of d.bridge.ports)
      await vs.ensurePort('obr0', { name: p.name, type: p.type, options: { ...(p.options || {}) }, ofportRequest: p.ofport });
    const session = await OpenFlowSession.connect(`unix:${ovs.mgmtSock('obr0')}`);
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    let t0 = performance.now();
    const first = await t.syncFlowsWithin(session, d.flows, 1, []);
    await session.barrier();
    const installMs = ms(t0);
    const heapMb = Number(((process.memoryUsage().heapUsed - heap0) / 1048576).toFixed(1));
    t0 = performance.now();
    const again = await t.syncFlowsWithin(session, d.flows, 1, []);
    const noopMs = ms(t0);
    const dumped = (await session.dumpFlows({})).length;
    await session.close();
    await vs.close();
    return { peers, flows: d.flows.length, installed: dumped, installMs, messages: first.messages, noChangePassMs: noopMs, noChangeMessages: again.messages, heapDeltaMb: heapMb, rssMb: Math.round(process.memoryUsage().rss / 1048576) };
  } finally {
    await ovs.stop();
  }
}

(async () => {
  const out = {};
  out.desired = [desiredBench(1000), desiredBench(5000)];
  log(`desired state: ${JSON.stringify(out.desired)}`);
  out.reconcile1000Peers = await peersBench(999);
  log(`reconcile with 999 peers: ${JSON.stringify(out.reconcile1000Peers)}`);
  out.join = [await joinBench(3, 5), await joinBench(8, 5)];
  log(`node join: ${JSON.stringify(out.join)}`);
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

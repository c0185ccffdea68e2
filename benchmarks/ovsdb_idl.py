#!/usr/bin/python3
"""OVS's own Python IDL (Debian python3-openvswitch) for benchmarks/ovsdb.js.

usage: /usr/bin/python3 benchmarks/ovsdb_idl.py ports REMOTE BRIDGE COUNT WAIT(0|1)
       /usr/bin/python3 benchmarks/ovsdb_idl.py sync REMOTE

Prints one JSON line with the timings (seconds, measured inside the interpreter after imports).
"""
import json
import sys
import time

import ovs.db.idl
import ovs.poller

SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'
TABLES = ['Open_vSwitch', 'Bridge', 'Port', 'Interface']


def connect(remote):
    helper = ovs.db.idl.SchemaHelper(location=SCHEMA)
    for t in TABLES:
        helper.register_table(t)
    idl = ovs.db.idl.Idl(remote, helper)
    # The initial monitor reply bumps change_seqno.
    while idl.change_seqno == 0:
        idl.run()
        if idl.change_seqno:
            break
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.block()
    return idl


def run_until(idl, cond):
    while True:
        idl.run()
        if cond():
            return
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.block()


def ports(remote, bridge, count, wait):
    t0 = time.perf_counter()
    idl = connect(remote)
    t1 = time.perf_counter()
    root = next(iter(idl.tables['Open_vSwitch'].rows.values()))
    br = next(b for b in idl.tables['Bridge'].rows.values() if b.name == bridge)
    txn = ovs.db.idl.Transaction(idl)
    new_ports = []
    for i in range(count):
        iface = txn.insert(idl.tables['Interface'])
        iface.name = 'gre%d' % i
        iface.type = 'gre'
        iface.options = {'remote_ip': '10.%d.%d.%d' % (i // 62500, (i // 250) % 250, i % 250 + 1)}
        port = txn.insert(idl.tables['Port'])
        port.name = 'gre%d' % i
        port.interfaces = [iface]
        new_ports.append(port)
    br.verify('ports')
    br.ports = list(br.ports) + new_ports
    if wait:
        root.increment('next_cfg')
    status = txn.commit_block()
    if status != ovs.db.idl.Transaction.SUCCESS:
        raise SystemExit('commit failed: %s %s' % (status, txn.get_error()))
    t2 = time.perf_counter()
    if wait:
        target = txn.get_increment_new_value()
        run_until(idl, lambda: root.cur_cfg >= target)
    t3 = time.perf_counter()
    idl.close()
    print(json.dumps({'connect_sync_s': t1 - t0, 'txn_s': t2 - t1, 'wait_s': t3 - t2, 'total_s': t3 - t0}))


def sync(remote):
    t0 = time.perf_counter()
    idl = connect(remote)
    t1 = time.perf_counter()
    rows = sum(len(idl.tables[t].rows) for t in TABLES)
    idl.close()
    print(json.dumps({'sync_s': t1 - t0, 'rows': rows}))


if __name__ == '__main__':
    if sys.argv[1] == 'ports':
        ports(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == '1')
    else:
        sync(sys.argv[2])

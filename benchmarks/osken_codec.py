#!/usr/bin/python3
"""os-ken (python3-os-ken) side of benchmarks/openflow.js: the same three OpenFlow 1.3 messages, encoded with
os-ken's serialize() and decoded with ofproto_parser.msg(); medians of 5 runs; one JSON line on stdout.

    /usr/bin/python3 benchmarks/osken_codec.py [seconds_per_run]
"""
import json
import statistics
import sys
import time

from os_ken.ofproto import ofproto_parser
from os_ken.ofproto import ofproto_v1_3 as ofp
from os_ken.ofproto import ofproto_v1_3_parser as p


class FakeDatapath:
    """What os-ken's message classes need from a datapath to serialize and parse."""
    ofproto = ofp
    ofproto_parser = p

    def set_xid(self, msg):
        msg.set_xid(1)


dp = FakeDatapath()
RUN_SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.4


def flow_mod():
    # (a) table 0, priority 100, cookie, match {in_port, eth_type, ipv4_dst/24, tun_id},
    # apply_actions [set_field tun_id, set_field reg0, output:2], goto_table 1
    match = p.OFPMatch(in_port=1, eth_type=0x0800, ipv4_dst=('10.244.2.0', '255.255.255.0'), tunnel_id=5)
    actions = [p.OFPActionSetField(tunnel_id=100), p.OFPActionSetField(reg0=5), p.OFPActionOutput(2, 0)]
    inst = [p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions), p.OFPInstructionGotoTable(1)]
    m = p.OFPFlowMod(dp, cookie=0x1234, cookie_mask=0, table_id=0, command=ofp.OFPFC_ADD, idle_timeout=0,
                     hard_timeout=0, priority=100, buffer_id=ofp.OFP_NO_BUFFER, out_port=ofp.OFPP_ANY,
                     out_group=ofp.OFPG_ANY, flags=0, match=match, instructions=inst)
    m.set_xid(1)
    m.serialize()
    return m


def bench(fn):
    """Calls fn in a loop for RUN_SECONDS, 5 times; median calls per second."""
    rates = []
    for _ in range(5):
        n = 0
        t0 = time.perf_counter()
        deadline = t0 + RUN_SECONDS
        while True:
            for _ in range(50):
                fn()
            n += 50
            t = time.perf_counter()
            if t >= deadline:
                break
        rates.append(n / (t - t0))
    return statistics.median(rates)


def decoder(buf):
    version, msg_type, msg_len, xid = ofproto_parser.header(buf)
    return lambda: ofproto_parser.msg(dp, version, msg_type, msg_len, xid, buf)


def main():
    fm = flow_mod()
    fm_bytes = bytes(fm.buf)
    # (b) PACKET_IN: its bytes come from the JS side (os-ken cannot serialize switch-to-controller messages),
    # (c) the 100-entry flow-stats reply likewise; both are given as hex on stdin.
    inputs = json.loads(sys.stdin.read() or '{}')
    res = {
        'flow_mod_encode': bench(lambda: fm.serialize()),
        'flow_mod_decode': bench(decoder(fm_bytes)),
        'flow_mod_hex': fm_bytes.hex(),
    }
    if 'packet_in' in inputs:
        res['packet_in_decode'] = bench(decoder(bytes.fromhex(inputs['packet_in'])))
    if 'flow_stats' in inputs:
        res['flow_stats_decode'] = bench(decoder(bytes.fromhex(inputs['flow_stats'])))
    # Check the decodes really parsed what we think (an exception above would have stopped us anyway).
    msg = decoder(bytes.fromhex(inputs['flow_stats']))() if 'flow_stats' in inputs else None
    if msg is not None:
        res['flow_stats_entries'] = len(msg.body)
    print(json.dumps(res))


main()

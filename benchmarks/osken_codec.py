#!/usr/bin/python3
"""os-ken (python3-os-ken) side of benchmarks/openflow.js: the same OpenFlow 1.3 messages, encoded with os-ken's
serialize() and decoded with ofproto_parser.msg(). Driven by benchmarks/openflow.js over stdin/stdout (see main);
os-ken cannot serialize switch-to-controller messages (PACKET_IN, multipart replies), so those rows are decode only.
"""
import json
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


def one_run(fn, seconds):
    """Calls fn in a loop for `seconds` of wall time; returns (calls per wall second, calls per CPU second)."""
    n = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    deadline = t0 + seconds
    while True:
        for _ in range(50):
            fn()
        n += 50
        t = time.perf_counter()
        if t >= deadline:
            c = time.process_time()
            return n / (t - t0), n / max(c - c0, 1e-9)


def decoder(buf):
    version, msg_type, msg_len, xid = ofproto_parser.header(buf)
    return lambda: ofproto_parser.msg(dp, version, msg_type, msg_len, xid, buf)


def main():
    """Line protocol on stdin/stdout, so the JS side can interleave its runs with ours under the same load:
    first line: JSON {packet_in: hex, flow_stats: hex} -> reply JSON {flow_mod_hex, flow_stats_entries};
    then lines "<row> <seconds>" -> reply "<calls per wall second> <calls per CPU second>"; EOF ends."""
    inputs = json.loads(sys.stdin.readline())
    fm = flow_mod()
    fm_bytes = bytes(fm.buf)
    pin = bytes.fromhex(inputs['packet_in'])
    fst = bytes.fromhex(inputs['flow_stats'])
    rows = {
        'flow_mod_encode': lambda: fm.serialize(),
        'flow_mod_decode': decoder(fm_bytes),
        'packet_in_decode': decoder(pin),
        'flow_stats_decode': decoder(fst),
    }
    print(json.dumps({'flow_mod_hex': fm_bytes.hex(), 'flow_stats_entries': len(decoder(fst)().body),
                      'packet_in_total_len': decoder(pin)().total_len}), flush=True)
    for line in sys.stdin:
        key, seconds = line.split()
        wall, cpu = one_run(rows[key], float(seconds))
        print(f'{wall} {cpu}', flush=True)


main()

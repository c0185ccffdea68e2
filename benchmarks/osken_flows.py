"""os-ken side of `npm run bench:flows` (variant e): a controller app that, when the switch connects, pushes N
pre-built OFPFlowMods (match eth_type=IPv4, ipv4_dst=10.X.Y.Z; action output:1) followed by a barrier, and
prints one JSON line with the time from the first send to the barrier reply. Then it exits the process.

Run by benchmarks/flows.js as:
  N=100000 osken-manager --ofp-listen-host 127.0.0.1 --ofp-tcp-listen-port PORT benchmarks/osken_flows.py
"""
import json
import os
import time

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.ofproto import ofproto_v1_3


def ip_of(i):
    return '10.%d.%d.%d' % ((i >> 16) & 255, (i >> 8) & 255, i & 255)


class FlowPusher(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.n = int(os.environ.get('N', '100000'))
        self.t0 = None

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        dp = ev.msg.datapath
        p = dp.ofproto_parser
        ofp = dp.ofproto
        actions = [p.OFPActionOutput(1)]
        msgs = []
        for i in range(self.n):
            match = p.OFPMatch(eth_type=0x0800, ipv4_dst=ip_of(i))
            inst = [p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
            msgs.append(p.OFPFlowMod(datapath=dp, priority=100, match=match, instructions=inst))
        self.t0 = time.perf_counter()
        for m in msgs:
            dp.send_msg(m)
        dp.send_msg(p.OFPBarrierRequest(dp))

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def barrier(self, ev):
        dt = time.perf_counter() - self.t0
        print(json.dumps({'flows': self.n, 'seconds': dt}), flush=True)
        os._exit(0)

"""Extra Mininet topologies for the ovs-sdn examples (`mn --custom examples/mininet/topos.py --topo NAME`).

Loop-free on purpose: the learning-switch example floods unknown destinations and has no spanning tree.
"""
from mininet.topo import Topo


class Dumbbell(Topo):
    """Two switches joined by one link, `n` hosts on each."""

    def build(self, n=2):
        left = self.addSwitch('s1')
        right = self.addSwitch('s2')
        self.addLink(left, right)
        for i in range(n):
            self.addLink(self.addHost('h%d' % (i + 1)), left)
            self.addLink(self.addHost('h%d' % (n + i + 1)), right)


class Chain(Topo):
    """`k` switches in a line, one host on each."""

    def build(self, k=3):
        prev = None
        for i in range(k):
            sw = self.addSwitch('s%d' % (i + 1))
            self.addLink(self.addHost('h%d' % (i + 1)), sw)
            if prev:
                self.addLink(prev, sw)
            prev = sw


topos = {'dumbbell': Dumbbell, 'chain': Chain}

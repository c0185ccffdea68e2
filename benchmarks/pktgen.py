"""Packet generator for the packet-in -> packet-out round trip of `npm run bench:flows`.

Sends UDP frames on IFACE (an AF_PACKET socket) at RATE packets/s for SECONDS (in bursts every millisecond),
each carrying a sequence number; the controller answers every packet-in with a packet-out back to the
ingress port, so the frame comes back on IFACE. Send time is taken just before send(); receive time is the
kernel's receive timestamp (SO_TIMESTAMPNS), so the interpreter's scheduling does not inflate the figures.
Prints one JSON line: sent, received, p50/p99/max round trip in microseconds.

  python3 pktgen.py IFACE RATE SECONDS
"""
import json
import socket
import struct
import sys
import threading
import time

iface, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ETH_P_ALL = 3
SO_TIMESTAMPNS = 35
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.bind((iface, 0))
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
s.settimeout(0.5)
MAGIC = b'OSDNBNCH'
src = bytes.fromhex('020000000aaa')
dst = bytes.fromhex('020000000bbb')
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + 8 + 16, 0, 0, 64, 17, 0, bytes([10, 77, 0, 1]), bytes([10, 77, 0, 2]))
head = dst + src + b'\x08\x00' + ip + struct.pack('!HHHH', 4000, 4001, 24, 0) + MAGIC
n = int(rate * seconds)
sent_at = [0] * n
recv_at = {}
done = threading.Event()


def receiver():
    while True:
        try:
            data, anc, _flags, addr = s.recvmsg(2048, 64)
        except socket.timeout:
            if done.is_set():
                break
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        i = data.find(MAGIC)
        if i < 0:
            continue
        seq = struct.unpack_from('!Q', data, i + 8)[0]
        ts = None
        for level, typ, val in anc:
            if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack('qq', val[:16])
                ts = sec * 1_000_000_000 + nsec
        if ts is not None and seq < n and seq not in recv_at:
            recv_at[seq] = ts


th = threading.Thread(target=receiver)
th.start()
per_ms = rate / 1000.0
start = time.perf_counter()
seq = 0
tick = 0
while seq < n:
    tick += 1
    upto = min(n, int(tick * per_ms))
    while seq < upto:
        frame = head + struct.pack('!Q', seq)
        sent_at[seq] = time.time_ns()
        s.send(frame)
        seq += 1
    delay = start + tick / 1000.0 - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
elapsed = time.perf_counter() - start
time.sleep(0.5)
done.set()
th.join()
rtts = sorted((t - sent_at[q]) / 1000.0 for q, t in recv_at.items())


def pct(p):
    return round(rtts[min(len(rtts) - 1, int(p * len(rtts)))], 1) if rtts else None


print(json.dumps({'sent': n, 'received': len(rtts), 'sendSeconds': round(elapsed, 3), 'rateAchieved': round(n / elapsed),
                  'p50us': pct(0.5), 'p99us': pct(0.99), 'maxUs': pct(1.0)}), flush=True)

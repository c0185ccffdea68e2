/**
 * ARP probe of a MAC-less pod: an ARP request from the node's gateway (MAC + IP) for the pod's IP, sent by the
 * controller as a PACKET_OUT straight out of the pod's ofport. The pod answers; its reply enters obr0 on the
 * pod's port, where the classification flow's `learn` action records the pod's MAC in table 35, so that even
 * TCP (which Linux drops when it arrives in a broadcast frame) reaches a pod that never sent anything.
 * The reply itself (ARP, `arp_tpa` = gateway IP) is delivered by table 20 to the gateway port only (never
 * into the tunnel); a Linux gateway ignores an unsolicited reply (or refreshes an entry it already had).
 */
import { normalizeMac, parseIpv4Address } from './cidr';
import { TopologyError } from './model';
import { OFPP_CONTROLLER, OFP_NO_BUFFER, type PacketOut } from '../openflow/types';

/** Length of an Ethernet II header (14) + an ARP packet for IPv4 over Ethernet (28), RFC 826. */
export const ARP_FRAME_LEN = 42;

function macBytes(mac: string, field: string): Buffer {
  const m = normalizeMac(mac);
  if (!m) throw new TopologyError('TOPOLOGY_INVALID_FIELD', `ARP probe ${field}: not a MAC address: ${mac}`, { field, value: mac });
  return Buffer.from(m.replace(/:/g, ''), 'hex');
}

function ipv4(ip: string, field: string): number {
  const v = parseIpv4Address(ip);
  if (v === undefined) throw new TopologyError('TOPOLOGY_INVALID_FIELD', `ARP probe ${field}: not an IPv4 address: ${ip}`, { field, value: ip });
  return v;
}

/**
 * An Ethernet frame holding an ARP request (RFC 826): broadcast destination, EtherType 0x0806; hardware type 1
 * (Ethernet), protocol type 0x0800 (IPv4), hlen 6, plen 4, opcode 1 (request), sender = `senderMac`/`senderIp`,
 * target hardware address zero, target protocol address `targetIp`. 42 bytes (no padding: the datapath pads
 * to the Ethernet minimum on transmit).
 */
export function arpRequestFrame(senderMac: string, senderIp: string, targetIp: string): Buffer {
  const sha = macBytes(senderMac, 'senderMac');
  const spa = ipv4(senderIp, 'senderIp');
  const tpa = ipv4(targetIp, 'targetIp');
  const b = Buffer.alloc(ARP_FRAME_LEN);
  b.fill(0xff, 0, 6); // destination: broadcast
  sha.copy(b, 6); // source
  b.writeUInt16BE(0x0806, 12); // EtherType ARP
  b.writeUInt16BE(1, 14); // htype Ethernet
  b.writeUInt16BE(0x0800, 16); // ptype IPv4
  b.writeUInt8(6, 18); // hlen
  b.writeUInt8(4, 19); // plen
  b.writeUInt16BE(1, 20); // oper: request
  sha.copy(b, 22); // sender hardware address
  b.writeUInt32BE(spa, 28); // sender protocol address
  // target hardware address (32..37) stays zero
  b.writeUInt32BE(tpa, 38); // target protocol address
  return b;
}

/**
 * PACKET_OUT (OpenFlow 1.3.5 §7.3.7) of an ARP request for `targetIp` out of `ofport`: no buffer
 * (OFP_NO_BUFFER, the frame travels in `data`), in_port OFPP_CONTROLLER, one OUTPUT action to the port (the
 * frame does not go through the flow tables on the way out).
 */
export function arpProbePacketOut(p: { ofport: number; senderMac: string; senderIp: string; targetIp: string }): PacketOut {
  return {
    type: 'PACKET_OUT',
    xid: 0,
    bufferId: OFP_NO_BUFFER,
    inPort: OFPP_CONTROLLER,
    actions: [{ type: 'output', port: p.ofport, maxLen: 0 }],
    data: arpRequestFrame(p.senderMac, p.senderIp, p.targetIp),
  };
}

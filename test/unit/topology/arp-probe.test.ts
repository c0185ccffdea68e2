import { execFileSync } from 'node:child_process';
import { ARP_FRAME_LEN, arpProbePacketOut, arpRequestFrame } from '../../../src/topology/arp-probe';
import { TopologyError } from '../../../src/topology/model';
import { OFPP_CONTROLLER, OFP_NO_BUFFER } from '../../../src/openflow/types';

describe('ARP probe frame', () => {
  const f = arpRequestFrame('0a:58:0a:f4:02:01', '10.244.2.1', '10.244.2.19');

  it('is a 42-byte Ethernet II frame carrying an ARP request (RFC 826)', () => {
    expect(f.length).toBe(42);
    expect(ARP_FRAME_LEN).toBe(42);
    // Ethernet: broadcast destination, gateway source, EtherType 0x0806
    expect(f.subarray(0, 6).toString('hex')).toBe('ffffffffffff');
    expect(f.subarray(6, 12).toString('hex')).toBe('0a580af40201');
    expect(f.readUInt16BE(12)).toBe(0x0806);
    // ARP: Ethernet / IPv4, 6 / 4, request
    expect(f.readUInt16BE(14)).toBe(1);
    expect(f.readUInt16BE(16)).toBe(0x0800);
    expect(f[18]).toBe(6);
    expect(f[19]).toBe(4);
    expect(f.readUInt16BE(20)).toBe(1);
    // sender = gateway MAC + IP, target = 00:00:00:00:00:00 + pod IP
    expect(f.subarray(22, 28).toString('hex')).toBe('0a580af40201');
    expect([...f.subarray(28, 32)]).toEqual([10, 244, 2, 1]);
    expect(f.subarray(32, 38).toString('hex')).toBe('000000000000');
    expect([...f.subarray(38, 42)]).toEqual([10, 244, 2, 19]);
  });

  it('reads the same in Open vSwitch (ovs-ofctl ofp-print of the PACKET_OUT data)', () => {
    // Encoded here by hand (OF1.3 header + ofp_packet_out + one OUTPUT action), independent of our codec.
    const po = arpProbePacketOut({ ofport: 7, senderMac: '0A:58:0A:F4:02:01', senderIp: '10.244.2.1', targetIp: '10.244.2.19' });
    expect(po).toMatchObject({ type: 'PACKET_OUT', bufferId: OFP_NO_BUFFER, inPort: OFPP_CONTROLLER, actions: [{ type: 'output', port: 7, maxLen: 0 }] });
    expect(po.data.equals(f)).toBe(true);
    const action = Buffer.alloc(16);
    action.writeUInt16BE(0, 0);
    action.writeUInt16BE(16, 2);
    action.writeUInt32BE(7, 4);
    const body = Buffer.alloc(16);
    body.writeUInt32BE(OFP_NO_BUFFER, 0);
    body.writeUInt32BE(OFPP_CONTROLLER, 4);
    body.writeUInt16BE(16, 8);
    const hdr = Buffer.alloc(8);
    hdr.writeUInt8(4, 0);
    hdr.writeUInt8(13, 1);
    hdr.writeUInt16BE(8 + 16 + 16 + po.data.length, 2);
    hdr.writeUInt32BE(1, 4);
    const hex = Buffer.concat([hdr, body, action, po.data]).toString('hex');
    const out = execFileSync('ovs-ofctl', ['ofp-print', hex]).toString();
    expect(out).toContain('in_port=CONTROLLER actions=output:7 data_len=42');
    expect(out).toContain('dl_src=0a:58:0a:f4:02:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=10.244.2.1,arp_tpa=10.244.2.19,arp_op=1');
    expect(out).toContain('arp_sha=0a:58:0a:f4:02:01,arp_tha=00:00:00:00:00:00');
  });

  it('rejects a bad MAC or address with a typed error', () => {
    expect(() => arpRequestFrame('zz', '10.0.0.1', '10.0.0.2')).toThrow(TopologyError);
    expect(() => arpRequestFrame('0a:58:0a:f4:02:01', '10.0.0.300', '10.0.0.2')).toThrow(expect.objectContaining({ code: 'TOPOLOGY_INVALID_FIELD', context: expect.objectContaining({ field: 'senderIp' }) }));
    expect(() => arpRequestFrame('0a:58:0a:f4:02:01', '10.0.0.1', 'x')).toThrow(expect.objectContaining({ code: 'TOPOLOGY_INVALID_FIELD' }));
  });
});

/**
 * The ONE match-field registry: every OXM/NXM field ovs-sdn knows, with its ovs-fields(7) name, OXM class,
 * field number, width, maskability, prerequisites and text format. Encode, decode, text and validation of
 * matches (match.ts), set_field/move/load actions (actions.ts) and flow text (flow-text.ts) all use it.
 *
 * Wire format (OpenFlow 1.3 section 7.2.3.2, "OXM TLV header"; Nicira NXM, nicira-ext.h): a 32-bit header
 * `class:16 | field:7 | hasmask:1 | length:8`, followed for class 0xffff (OFPXMC_EXPERIMENTER) by a 32-bit
 * experimenter id, then the value and, when hasmask, a mask of the same width. `length` counts every byte after
 * the 4-byte header (experimenter id included).
 *
 * Value representation (chosen so encode never parses): fields up to 6 bytes wide hold a `number` (48-bit
 * MACs are exact in a double), 8-byte fields a `bigint`, wider fields (IPv6 addresses, ct_label, xxreg) a
 * `Buffer` of exactly the field width.
 */
import { OpenFlowDecodeError } from './errors';
import type { Writer } from './writer';

/** OXM classes (OpenFlow 1.3 section 7.2.3.2 and nicira-ext.h). */
export const OFPXMC_NXM_0 = 0x0000;
export const OFPXMC_NXM_1 = 0x0001;
export const OFPXMC_OPENFLOW_BASIC = 0x8000;
export const OFPXMC_PACKET_REGS = 0x8001;
export const OFPXMC_EXPERIMENTER = 0xffff;
/** Experimenter ids used inside class 0xffff OXMs and experimenter actions. */
export const NX_EXPERIMENTER_ID = 0x00002320;
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;

/** How a field's value is written in OVS flow text. */
export type OxmFormat =
  | 'dec'
  | 'hex'
  | 'ipv4'
  | 'ipv6'
  | 'mac'
  | 'port'
  | 'ct_state'
  | 'tcp_flags'
  | 'tun_flags'
  | 'frag'
  | 'vid';

/**
 * Prerequisites (OpenFlow 1.3 section 7.2.3.6, table 11; OVS meta-flow.h "Prerequisites"). A field may only
 * appear in a match after entries that establish its prerequisite.
 */
export type OxmPrereq =
  | 'none'
  | 'vlan'
  | 'arp'
  | 'ipv4'
  | 'ipv6'
  | 'ip'
  | 'mpls'
  | 'tcp'
  | 'udp'
  | 'sctp'
  | 'icmpv4'
  | 'icmpv6'
  | 'nd'
  | 'nd_sll'
  | 'nd_tll'
  | 'ct'
  | 'ct4'
  | 'ct6'
  | 'pbb'
  | 'ipv6_any';

/** One registry entry. */
export interface OxmField {
  /** Name as in ovs-fields(7) (e.g. `eth_src`, `reg0`, `tun_id`). */
  readonly name: string;
  /** The name printed in flow text (OVS's name where ours differs, e.g. `nw_dst` for `ipv4_dst`). */
  readonly textName: string;
  /** Other names OVS accepts in flow text (e.g. `dl_src`, `NXM_OF_ETH_SRC`). */
  readonly aliases: readonly string[];
  /** The NXM/OXM constant name OVS prints in subfield syntax (`NXM_NX_REG0`, `OXM_OF_METADATA`). */
  readonly nxmName: string;
  readonly oxmClass: number;
  readonly oxmField: number;
  /** Experimenter id for class 0xffff, else 0. */
  readonly experimenter: number;
  /** Width of the value on the wire, in bytes. */
  readonly bytes: number;
  /** Meaningful bits (e.g. 12 for vlan_vid+present=13, 20 for mpls_label); `bytes*8` when all are. */
  readonly bits: number;
  readonly maskable: boolean;
  readonly prereq: OxmPrereq;
  readonly format: OxmFormat;
  /** How values are held: `num` (<= 6 bytes), `big` (8 bytes), `buf` (wider). */
  readonly kind: 'num' | 'big' | 'buf';
  /** Precomputed wire headers without and with mask (length included). */
  readonly header: number;
  readonly headerMasked: number;
  /** Registry order; the canonical match order (prerequisites first). */
  readonly order: number;
  /** Largest value of a `num` field (2^(8*bytes) - 1). */
  readonly maxNum: number;
  /** Largest valid value of a `num` field (2^bits - 1): vlan_pcp 7, mpls_label 2^20-1, ... */
  readonly maxValue: number;
  /** The field's 4-byte NXM (class 0x0000/0x0001) header, when it has one (NXAST_OUTPUT_REG needs it). */
  nxmHeader: number | undefined;
}

/** A match-field value: number (<= 6 bytes), bigint (8 bytes) or Buffer (wider, exact width). */
export type OxmValue = number | bigint | Buffer;

interface Def {
  name: string;
  text?: string;
  aliases?: string[];
  nxm: string;
  cls: number;
  field: number;
  exp?: number;
  bytes: number;
  bits?: number;
  mask: boolean;
  pre?: OxmPrereq;
  fmt: OxmFormat;
}

const B = OFPXMC_OPENFLOW_BASIC;
const N0 = OFPXMC_NXM_0;
const N1 = OFPXMC_NXM_1;

// All fields; CANONICAL_ORDER below sorts them.
const DEFS: Def[] = [
  { name: 'in_port', aliases: ['in_port_oxm', 'OXM_OF_IN_PORT'], nxm: 'OXM_OF_IN_PORT', cls: B, field: 0, bytes: 4, mask: false, fmt: 'port' },
  { name: 'in_phy_port', aliases: ['OXM_OF_IN_PHY_PORT'], nxm: 'OXM_OF_IN_PHY_PORT', cls: B, field: 1, bytes: 4, mask: false, fmt: 'port' },
  { name: 'nx_in_port', text: 'NXM_OF_IN_PORT', aliases: ['NXM_OF_IN_PORT'], nxm: 'NXM_OF_IN_PORT', cls: N0, field: 0, bytes: 2, mask: false, fmt: 'port' },
  { name: 'metadata', aliases: ['OXM_OF_METADATA'], nxm: 'OXM_OF_METADATA', cls: B, field: 2, bytes: 8, mask: true, fmt: 'hex' },
  { name: 'tun_id', aliases: ['tunnel_id', 'OXM_OF_TUNNEL_ID', 'NXM_NX_TUN_ID'], nxm: 'NXM_NX_TUN_ID', cls: B, field: 38, bytes: 8, mask: true, fmt: 'hex' },
  { name: 'tun_src', aliases: ['tun_ipv4_src', 'NXM_NX_TUN_IPV4_SRC'], nxm: 'NXM_NX_TUN_IPV4_SRC', cls: N1, field: 31, bytes: 4, mask: true, fmt: 'ipv4' },
  { name: 'tun_dst', aliases: ['tun_ipv4_dst', 'NXM_NX_TUN_IPV4_DST'], nxm: 'NXM_NX_TUN_IPV4_DST', cls: N1, field: 32, bytes: 4, mask: true, fmt: 'ipv4' },
  { name: 'tun_ipv6_src', aliases: ['NXM_NX_TUN_IPV6_SRC'], nxm: 'NXM_NX_TUN_IPV6_SRC', cls: N1, field: 109, bytes: 16, mask: true, fmt: 'ipv6' },
  { name: 'tun_ipv6_dst', aliases: ['NXM_NX_TUN_IPV6_DST'], nxm: 'NXM_NX_TUN_IPV6_DST', cls: N1, field: 110, bytes: 16, mask: true, fmt: 'ipv6' },
  { name: 'tun_flags', aliases: ['NXM_NX_TUN_FLAGS'], nxm: 'NXM_NX_TUN_FLAGS', cls: N1, field: 104, bytes: 2, bits: 1, mask: true, fmt: 'tun_flags' },
  { name: 'tun_gbp_id', aliases: ['NXM_NX_TUN_GBP_ID'], nxm: 'NXM_NX_TUN_GBP_ID', cls: N1, field: 38, bytes: 2, mask: true, fmt: 'dec' },
  { name: 'tun_gbp_flags', aliases: ['NXM_NX_TUN_GBP_FLAGS'], nxm: 'NXM_NX_TUN_GBP_FLAGS', cls: N1, field: 39, bytes: 1, mask: true, fmt: 'hex' },
  { name: 'pkt_mark', aliases: ['NXM_NX_PKT_MARK'], nxm: 'NXM_NX_PKT_MARK', cls: N1, field: 33, bytes: 4, mask: true, fmt: 'hex' },
  { name: 'dp_hash', aliases: ['NXM_NX_DP_HASH'], nxm: 'NXM_NX_DP_HASH', cls: N1, field: 35, bytes: 4, mask: true, fmt: 'hex' },
  { name: 'recirc_id', aliases: ['NXM_NX_RECIRC_ID'], nxm: 'NXM_NX_RECIRC_ID', cls: N1, field: 36, bytes: 4, mask: false, fmt: 'dec' },
  { name: 'conj_id', aliases: ['NXM_NX_CONJ_ID'], nxm: 'NXM_NX_CONJ_ID', cls: N1, field: 37, bytes: 4, mask: false, fmt: 'dec' },
  { name: 'actset_output', aliases: ['ONFOXM_ET_ACTSET_OUTPUT'], nxm: 'ONFOXM_ET_ACTSET_OUTPUT', cls: 0xffff, exp: ONF_EXPERIMENTER_ID, field: 43, bytes: 4, mask: false, fmt: 'port' },
  { name: 'ct_state', aliases: ['NXM_NX_CT_STATE'], nxm: 'NXM_NX_CT_STATE', cls: N1, field: 105, bytes: 4, mask: true, fmt: 'ct_state' },
  { name: 'ct_zone', aliases: ['NXM_NX_CT_ZONE'], nxm: 'NXM_NX_CT_ZONE', cls: N1, field: 106, bytes: 2, mask: false, fmt: 'hex' },
  { name: 'ct_mark', aliases: ['NXM_NX_CT_MARK'], nxm: 'NXM_NX_CT_MARK', cls: N1, field: 107, bytes: 4, mask: true, fmt: 'hex' },
  { name: 'ct_label', aliases: ['NXM_NX_CT_LABEL'], nxm: 'NXM_NX_CT_LABEL', cls: N1, field: 108, bytes: 16, mask: true, fmt: 'hex' },
  ...Array.from({ length: 16 }, (_, i): Def => ({ name: `reg${i}`, aliases: [`NXM_NX_REG${i}`], nxm: `NXM_NX_REG${i}`, cls: N1, field: i, bytes: 4, mask: true, fmt: 'hex' })),
  ...Array.from({ length: 8 }, (_, i): Def => ({ name: `xreg${i}`, aliases: [`OXM_OF_PKT_REG${i}`], nxm: `OXM_OF_PKT_REG${i}`, cls: OFPXMC_PACKET_REGS, field: i, bytes: 8, mask: true, fmt: 'hex' })),
  ...Array.from({ length: 4 }, (_, i): Def => ({ name: `xxreg${i}`, aliases: [`NXM_NX_XXREG${i}`], nxm: `NXM_NX_XXREG${i}`, cls: N1, field: 111 + i, bytes: 16, mask: true, fmt: 'hex' })),
  { name: 'eth_dst', aliases: ['dl_dst', 'OXM_OF_ETH_DST', 'NXM_OF_ETH_DST'], nxm: 'NXM_OF_ETH_DST', cls: B, field: 3, bytes: 6, mask: true, fmt: 'mac' },
  { name: 'eth_src', aliases: ['dl_src', 'OXM_OF_ETH_SRC', 'NXM_OF_ETH_SRC'], nxm: 'NXM_OF_ETH_SRC', cls: B, field: 4, bytes: 6, mask: true, fmt: 'mac' },
  { name: 'eth_type', aliases: ['dl_type', 'OXM_OF_ETH_TYPE', 'NXM_OF_ETH_TYPE'], nxm: 'NXM_OF_ETH_TYPE', cls: B, field: 5, bytes: 2, mask: false, fmt: 'hex' },
  { name: 'vlan_tci', aliases: ['NXM_OF_VLAN_TCI'], nxm: 'NXM_OF_VLAN_TCI', cls: N0, field: 4, bytes: 2, mask: true, fmt: 'hex' },
  { name: 'vlan_vid', aliases: ['OXM_OF_VLAN_VID'], nxm: 'OXM_OF_VLAN_VID', cls: B, field: 6, bytes: 2, bits: 13, mask: true, fmt: 'vid' },
  { name: 'vlan_pcp', aliases: ['OXM_OF_VLAN_PCP'], nxm: 'OXM_OF_VLAN_PCP', cls: B, field: 7, bytes: 1, bits: 3, mask: false, pre: 'vlan', fmt: 'dec' },
  { name: 'mpls_label', aliases: ['OXM_OF_MPLS_LABEL'], nxm: 'OXM_OF_MPLS_LABEL', cls: B, field: 34, bytes: 4, bits: 20, mask: false, pre: 'mpls', fmt: 'dec' },
  { name: 'mpls_tc', aliases: ['OXM_OF_MPLS_TC'], nxm: 'OXM_OF_MPLS_TC', cls: B, field: 35, bytes: 1, bits: 3, mask: false, pre: 'mpls', fmt: 'dec' },
  { name: 'mpls_bos', aliases: ['OXM_OF_MPLS_BOS'], nxm: 'OXM_OF_MPLS_BOS', cls: B, field: 36, bytes: 1, bits: 1, mask: false, pre: 'mpls', fmt: 'dec' },
  { name: 'mpls_ttl', aliases: ['NXM_NX_MPLS_TTL'], nxm: 'NXM_NX_MPLS_TTL', cls: N1, field: 30, bytes: 1, mask: false, pre: 'mpls', fmt: 'dec' },
  { name: 'pbb_isid', aliases: ['OXM_OF_PBB_ISID'], nxm: 'OXM_OF_PBB_ISID', cls: B, field: 37, bytes: 3, mask: true, pre: 'pbb', fmt: 'dec' },
  { name: 'ip_proto', aliases: ['nw_proto', 'OXM_OF_IP_PROTO', 'NXM_OF_IP_PROTO'], nxm: 'NXM_OF_IP_PROTO', cls: B, field: 10, bytes: 1, mask: false, pre: 'ip', fmt: 'dec' },
  { name: 'ct_nw_proto', aliases: ['NXM_NX_CT_NW_PROTO'], nxm: 'NXM_NX_CT_NW_PROTO', cls: N1, field: 119, bytes: 1, mask: false, pre: 'ct', fmt: 'dec' },
  { name: 'ct_nw_src', aliases: ['NXM_NX_CT_NW_SRC'], nxm: 'NXM_NX_CT_NW_SRC', cls: N1, field: 120, bytes: 4, mask: true, pre: 'ct4', fmt: 'ipv4' },
  { name: 'ct_nw_dst', aliases: ['NXM_NX_CT_NW_DST'], nxm: 'NXM_NX_CT_NW_DST', cls: N1, field: 121, bytes: 4, mask: true, pre: 'ct4', fmt: 'ipv4' },
  { name: 'ct_ipv6_src', aliases: ['NXM_NX_CT_IPV6_SRC'], nxm: 'NXM_NX_CT_IPV6_SRC', cls: N1, field: 122, bytes: 16, mask: true, pre: 'ct6', fmt: 'ipv6' },
  { name: 'ct_ipv6_dst', aliases: ['NXM_NX_CT_IPV6_DST'], nxm: 'NXM_NX_CT_IPV6_DST', cls: N1, field: 123, bytes: 16, mask: true, pre: 'ct6', fmt: 'ipv6' },
  { name: 'ct_tp_src', aliases: ['NXM_NX_CT_TP_SRC'], nxm: 'NXM_NX_CT_TP_SRC', cls: N1, field: 124, bytes: 2, mask: true, pre: 'ct', fmt: 'dec' },
  { name: 'ct_tp_dst', aliases: ['NXM_NX_CT_TP_DST'], nxm: 'NXM_NX_CT_TP_DST', cls: N1, field: 125, bytes: 2, mask: true, pre: 'ct', fmt: 'dec' },
  { name: 'ipv4_src', text: 'nw_src', aliases: ['nw_src', 'ip_src', 'OXM_OF_IPV4_SRC', 'NXM_OF_IP_SRC'], nxm: 'NXM_OF_IP_SRC', cls: B, field: 11, bytes: 4, mask: true, pre: 'ipv4', fmt: 'ipv4' },
  { name: 'ipv4_dst', text: 'nw_dst', aliases: ['nw_dst', 'ip_dst', 'OXM_OF_IPV4_DST', 'NXM_OF_IP_DST'], nxm: 'NXM_OF_IP_DST', cls: B, field: 12, bytes: 4, mask: true, pre: 'ipv4', fmt: 'ipv4' },
  { name: 'ipv6_src', aliases: ['OXM_OF_IPV6_SRC', 'NXM_NX_IPV6_SRC'], nxm: 'NXM_NX_IPV6_SRC', cls: B, field: 26, bytes: 16, mask: true, pre: 'ipv6', fmt: 'ipv6' },
  { name: 'ipv6_dst', aliases: ['OXM_OF_IPV6_DST', 'NXM_NX_IPV6_DST'], nxm: 'NXM_NX_IPV6_DST', cls: B, field: 27, bytes: 16, mask: true, pre: 'ipv6', fmt: 'ipv6' },
  { name: 'ipv6_label', aliases: ['ipv6_flabel', 'OXM_OF_IPV6_FLABEL', 'NXM_NX_IPV6_LABEL'], nxm: 'NXM_NX_IPV6_LABEL', cls: B, field: 28, bytes: 4, bits: 20, mask: true, pre: 'ipv6', fmt: 'hex' },
  { name: 'ipv6_exthdr', aliases: ['OXM_OF_IPV6_EXTHDR'], nxm: 'OXM_OF_IPV6_EXTHDR', cls: B, field: 39, bytes: 2, bits: 9, mask: true, pre: 'ipv6', fmt: 'hex' },
  { name: 'nw_tos', text: 'NXM_OF_IP_TOS', aliases: ['NXM_OF_IP_TOS'], nxm: 'NXM_OF_IP_TOS', cls: N0, field: 5, bytes: 1, mask: false, pre: 'ip', fmt: 'dec' },
  { name: 'ip_dscp', aliases: ['OXM_OF_IP_DSCP'], nxm: 'OXM_OF_IP_DSCP', cls: B, field: 8, bytes: 1, bits: 6, mask: false, pre: 'ip', fmt: 'dec' },
  { name: 'ip_ecn', aliases: ['nw_ecn', 'OXM_OF_IP_ECN', 'NXM_NX_IP_ECN'], nxm: 'NXM_NX_IP_ECN', cls: B, field: 9, bytes: 1, bits: 2, mask: false, pre: 'ip', fmt: 'dec' },
  { name: 'nw_ttl', aliases: ['NXM_NX_IP_TTL'], nxm: 'NXM_NX_IP_TTL', cls: N1, field: 29, bytes: 1, mask: false, pre: 'ip', fmt: 'dec' },
  { name: 'ip_frag', aliases: ['nw_frag', 'NXM_NX_IP_FRAG'], nxm: 'NXM_NX_IP_FRAG', cls: N1, field: 26, bytes: 1, bits: 2, mask: true, pre: 'ip', fmt: 'frag' },
  { name: 'arp_op', aliases: ['OXM_OF_ARP_OP', 'NXM_OF_ARP_OP'], nxm: 'NXM_OF_ARP_OP', cls: B, field: 21, bytes: 2, mask: false, pre: 'arp', fmt: 'dec' },
  { name: 'arp_spa', aliases: ['OXM_OF_ARP_SPA', 'NXM_OF_ARP_SPA'], nxm: 'NXM_OF_ARP_SPA', cls: B, field: 22, bytes: 4, mask: true, pre: 'arp', fmt: 'ipv4' },
  { name: 'arp_tpa', aliases: ['OXM_OF_ARP_TPA', 'NXM_OF_ARP_TPA'], nxm: 'NXM_OF_ARP_TPA', cls: B, field: 23, bytes: 4, mask: true, pre: 'arp', fmt: 'ipv4' },
  { name: 'arp_sha', aliases: ['OXM_OF_ARP_SHA', 'NXM_NX_ARP_SHA'], nxm: 'NXM_NX_ARP_SHA', cls: B, field: 24, bytes: 6, mask: true, pre: 'arp', fmt: 'mac' },
  { name: 'arp_tha', aliases: ['OXM_OF_ARP_THA', 'NXM_NX_ARP_THA'], nxm: 'NXM_NX_ARP_THA', cls: B, field: 25, bytes: 6, mask: true, pre: 'arp', fmt: 'mac' },
  { name: 'tcp_src', aliases: ['OXM_OF_TCP_SRC', 'NXM_OF_TCP_SRC'], nxm: 'NXM_OF_TCP_SRC', cls: B, field: 13, bytes: 2, mask: true, pre: 'tcp', fmt: 'dec' },
  { name: 'tcp_dst', aliases: ['OXM_OF_TCP_DST', 'NXM_OF_TCP_DST'], nxm: 'NXM_OF_TCP_DST', cls: B, field: 14, bytes: 2, mask: true, pre: 'tcp', fmt: 'dec' },
  { name: 'tcp_flags', aliases: ['ONFOXM_ET_TCP_FLAGS', 'NXM_NX_TCP_FLAGS'], nxm: 'NXM_NX_TCP_FLAGS', cls: 0xffff, exp: ONF_EXPERIMENTER_ID, field: 42, bytes: 2, bits: 12, mask: true, pre: 'tcp', fmt: 'tcp_flags' },
  { name: 'udp_src', aliases: ['OXM_OF_UDP_SRC', 'NXM_OF_UDP_SRC'], nxm: 'NXM_OF_UDP_SRC', cls: B, field: 15, bytes: 2, mask: true, pre: 'udp', fmt: 'dec' },
  { name: 'udp_dst', aliases: ['OXM_OF_UDP_DST', 'NXM_OF_UDP_DST'], nxm: 'NXM_OF_UDP_DST', cls: B, field: 16, bytes: 2, mask: true, pre: 'udp', fmt: 'dec' },
  { name: 'sctp_src', aliases: ['OXM_OF_SCTP_SRC'], nxm: 'OXM_OF_SCTP_SRC', cls: B, field: 17, bytes: 2, mask: true, pre: 'sctp', fmt: 'dec' },
  { name: 'sctp_dst', aliases: ['OXM_OF_SCTP_DST'], nxm: 'OXM_OF_SCTP_DST', cls: B, field: 18, bytes: 2, mask: true, pre: 'sctp', fmt: 'dec' },
  { name: 'icmp_type', aliases: ['icmpv4_type', 'OXM_OF_ICMPV4_TYPE', 'NXM_OF_ICMP_TYPE'], nxm: 'NXM_OF_ICMP_TYPE', cls: B, field: 19, bytes: 1, mask: false, pre: 'icmpv4', fmt: 'dec' },
  { name: 'icmp_code', aliases: ['icmpv4_code', 'OXM_OF_ICMPV4_CODE', 'NXM_OF_ICMP_CODE'], nxm: 'NXM_OF_ICMP_CODE', cls: B, field: 20, bytes: 1, mask: false, pre: 'icmpv4', fmt: 'dec' },
  { name: 'icmpv6_type', aliases: ['OXM_OF_ICMPV6_TYPE', 'NXM_NX_ICMPV6_TYPE'], nxm: 'NXM_NX_ICMPV6_TYPE', cls: B, field: 29, bytes: 1, mask: false, pre: 'icmpv6', fmt: 'dec' },
  { name: 'icmpv6_code', aliases: ['OXM_OF_ICMPV6_CODE', 'NXM_NX_ICMPV6_CODE'], nxm: 'NXM_NX_ICMPV6_CODE', cls: B, field: 30, bytes: 1, mask: false, pre: 'icmpv6', fmt: 'dec' },
  { name: 'nd_target', aliases: ['ipv6_nd_target', 'OXM_OF_IPV6_ND_TARGET', 'NXM_NX_ND_TARGET'], nxm: 'NXM_NX_ND_TARGET', cls: B, field: 31, bytes: 16, mask: true, pre: 'nd', fmt: 'ipv6' },
  { name: 'nd_sll', aliases: ['ipv6_nd_sll', 'OXM_OF_IPV6_ND_SLL', 'NXM_NX_ND_SLL'], nxm: 'NXM_NX_ND_SLL', cls: B, field: 32, bytes: 6, mask: true, pre: 'nd_sll', fmt: 'mac' },
  { name: 'nd_tll', aliases: ['ipv6_nd_tll', 'OXM_OF_IPV6_ND_TLL', 'NXM_NX_ND_TLL'], nxm: 'NXM_NX_ND_TLL', cls: B, field: 33, bytes: 6, mask: true, pre: 'nd_tll', fmt: 'mac' },
];

/**
 * The canonical match order: the order in which Open vSwitch writes a match (nx-match.c, nx_put_raw), so text
 * parsed here encodes like ovs-ofctl's. Every prerequisite comes before the fields that need it.
 */
const CANONICAL_ORDER: string[] = [
  'dp_hash', 'recirc_id', 'conj_id', 'in_port', 'in_phy_port', 'nx_in_port', 'actset_output',
  'eth_src', 'eth_dst', 'eth_type', 'vlan_vid', 'vlan_pcp', 'vlan_tci',
  'mpls_tc', 'mpls_bos', 'mpls_ttl', 'mpls_label', 'pbb_isid',
  'ipv4_src', 'ipv4_dst', 'ipv6_src', 'ipv6_dst', 'ip_frag', 'nw_tos', 'ip_dscp', 'ip_ecn', 'nw_ttl', 'ipv6_label',
  'ipv6_exthdr', 'ip_proto', 'tcp_src', 'tcp_dst', 'tcp_flags', 'udp_src', 'udp_dst', 'sctp_src', 'sctp_dst',
  'icmp_type', 'icmp_code', 'icmpv6_type', 'icmpv6_code', 'nd_target', 'nd_sll', 'nd_tll',
  'arp_op', 'arp_spa', 'arp_tpa', 'arp_sha', 'arp_tha',
  'tun_id', 'tun_flags', 'tun_src', 'tun_dst', 'tun_ipv6_src', 'tun_ipv6_dst', 'tun_gbp_id', 'tun_gbp_flags',
  ...Array.from({ length: 16 }, (_, i) => `reg${i}`),
  ...Array.from({ length: 8 }, (_, i) => `xreg${i}`),
  ...Array.from({ length: 4 }, (_, i) => `xxreg${i}`),
  'pkt_mark', 'ct_state', 'ct_zone', 'ct_mark', 'ct_label', 'ct_nw_src', 'ct_ipv6_src', 'ct_nw_dst', 'ct_ipv6_dst',
  'ct_nw_proto', 'ct_tp_src', 'ct_tp_dst', 'metadata',
];
DEFS.sort((a, b) => CANONICAL_ORDER.indexOf(a.name) - CANONICAL_ORDER.indexOf(b.name));

/** Alternate (NXM) headers that decode to a registry field whose preferred OF1.3 header is an OXM one. */
const ALT_HEADERS: [string, number, number][] = [
  ['tun_id', N1, 16],
  ['eth_dst', N0, 1],
  ['eth_src', N0, 2],
  ['eth_type', N0, 3],
  ['ip_proto', N0, 6],
  ['ipv4_src', N0, 7],
  ['ipv4_dst', N0, 8],
  ['tcp_src', N0, 9],
  ['tcp_dst', N0, 10],
  ['udp_src', N0, 11],
  ['udp_dst', N0, 12],
  ['icmp_type', N0, 13],
  ['icmp_code', N0, 14],
  ['arp_op', N0, 15],
  ['arp_spa', N0, 16],
  ['arp_tpa', N0, 17],
  ['arp_sha', N1, 17],
  ['arp_tha', N1, 18],
  ['ipv6_src', N1, 19],
  ['ipv6_dst', N1, 20],
  ['icmpv6_type', N1, 21],
  ['icmpv6_code', N1, 22],
  ['nd_target', N1, 23],
  ['nd_sll', N1, 24],
  ['nd_tll', N1, 25],
  ['ipv6_label', N1, 27],
  ['ip_ecn', N1, 28],
  ['tcp_flags', N1, 34],
];

/** Builds an OXM header word. `len` counts the bytes after the header. */
export function oxmHeader(cls: number, field: number, hasMask: boolean, len: number): number {
  return ((cls << 16) | (field << 9) | (hasMask ? 0x100 : 0) | len) >>> 0;
}

const byName = new Map<string, OxmField>();
const byKey = new Map<number, OxmField>();
const byExpKey = new Map<string, OxmField>();

/** All registry fields in canonical order. */
export const OXM_FIELDS: readonly OxmField[] = DEFS.map((d, order) => {
  const expBytes = d.cls === 0xffff ? 4 : 0;
  const f: OxmField = {
    name: d.name,
    textName: d.text ?? d.name,
    aliases: d.aliases ?? [],
    nxmName: d.nxm,
    oxmClass: d.cls,
    oxmField: d.field,
    experimenter: d.exp ?? 0,
    bytes: d.bytes,
    bits: d.bits ?? d.bytes * 8,
    maskable: d.mask,
    prereq: d.pre ?? 'none',
    format: d.fmt,
    kind: d.bytes <= 6 ? 'num' : d.bytes === 8 ? 'big' : 'buf',
    header: oxmHeader(d.cls, d.field, false, expBytes + d.bytes),
    headerMasked: oxmHeader(d.cls, d.field, true, expBytes + 2 * d.bytes),
    order,
    maxNum: d.bytes <= 6 ? 2 ** (d.bytes * 8) - 1 : 0,
    maxValue: d.bytes <= 6 ? 2 ** (d.bits ?? d.bytes * 8) - 1 : 0,
    nxmHeader: d.cls === N0 || d.cls === N1 ? oxmHeader(d.cls, d.field, false, d.bytes) : undefined,
  };
  return f;
});

for (const f of OXM_FIELDS) {
  byName.set(f.name, f);
  for (const a of f.aliases) byName.set(a, f);
  if (f.oxmClass === 0xffff) byExpKey.set(`${f.experimenter}:${f.oxmField}`, f);
  else byKey.set(((f.oxmClass << 7) | f.oxmField) >>> 0, f);
}
for (const [name, cls, field] of ALT_HEADERS) {
  const f = byName.get(name)!;
  byKey.set(((cls << 7) | field) >>> 0, f);
  f.nxmHeader = oxmHeader(cls, field, false, f.bytes);
}

/** The registry entry for a name or alias (ovs-fields(7) names, OVS aliases, NXM/OXM constant names). */
export function oxmFieldByName(name: string): OxmField | undefined {
  return byName.get(name);
}

/**
 * The registry entry for a wire header (class and field; hasmask/length are ignored). For class 0xffff pass
 * the experimenter id too.
 */
export function oxmFieldByHeader(header: number, experimenter = 0): OxmField | undefined {
  const cls = header >>> 16;
  const field = (header >>> 9) & 0x7f;
  if (cls === 0xffff) return byExpKey.get(`${experimenter}:${field}`);
  return byKey.get(((cls << 7) | field) >>> 0);
}

const U64_MAX = (1n << 64n) - 1n;

/** Throws OFPSDN_BAD_VALUE unless `v` is a valid value representation for `f`. */
export function checkOxmValue(f: OxmField, v: unknown, what = 'value'): void {
  let ok: boolean;
  if (f.kind === 'num') ok = typeof v === 'number' && v >= 0 && v <= f.maxNum && Number.isInteger(v);
  else if (f.kind === 'big') ok = typeof v === 'bigint' && v >= 0n && v <= U64_MAX;
  else ok = Buffer.isBuffer(v) && v.length === f.bytes;
  if (!ok) {
    throw new OpenFlowDecodeError('OFPSDN_BAD_VALUE', `${f.name} ${what} ${String(v)} is not a ${f.bytes}-byte ${f.kind}`);
  }
}

let dvBuf: Buffer | undefined;
let dv: DataView | undefined;

/**
 * Writes a u64 at `w.pos` (big-endian) and advances. DataView.setBigUint64 is several times faster than
 * Buffer.writeBigUInt64BE; the view is cached per backing buffer. `v` must already be in 0..2^64-1.
 */
export function writeOfpU64(w: Writer, v: bigint): void {
  w.ensure(8);
  const buf = w.buf;
  if (buf !== dvBuf) {
    dvBuf = buf;
    dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
  dv!.setBigUint64(w.pos, v);
  w.pos += 8;
}

/** Writes `n` zero bytes (a loop: cheaper than Buffer.fill for the few bytes of OpenFlow padding). */
export function writeOfpZeros(w: Writer, n: number): void {
  w.ensure(n);
  const buf = w.buf;
  let p = w.pos;
  for (let i = 0; i < n; i++) buf[p++] = 0;
  w.pos = p;
}

/** The all-ones value for a field (an exact-match mask). */
export function oxmAllOnes(f: OxmField): OxmValue {
  if (f.kind === 'num') return 2 ** (f.bytes * 8) - 1;
  if (f.kind === 'big') return (1n << 64n) - 1n;
  return Buffer.alloc(f.bytes, 0xff);
}

/**
 * True when `value` has a 1-bit where `mask` has a 0-bit. OpenFlow 1.3 section 7.2.3.5: a masked OXM's value
 * "must have 0 in bits where the mask is 0"; Open vSwitch refuses such an entry with OFPBMC_BAD_WILDCARDS
 * (nx-match.c, is_mask_consistent). Both must have the same representation (as for one field).
 */
export function oxmValueOutsideMask(value: OxmValue, mask: OxmValue): boolean {
  if (typeof value === 'number') {
    const m = mask as number;
    // Up to 48 bits (MACs): check the low 32 bits and the bits above them separately.
    if ((value >>> 0) & ~(m >>> 0)) return true;
    return value > 0xffffffff && (Math.floor(value / 0x100000000) & ~Math.floor(m / 0x100000000)) !== 0;
  }
  if (typeof value === 'bigint') return (value & ~(mask as bigint)) !== 0n;
  const m = mask as Buffer;
  for (let i = 0; i < value.length; i++) if (value[i]! & ~(m[i] ?? 0)) return true;
  return false;
}

/**
 * True when the `n` value bytes at `buf[p]` have a 1-bit where the `n` mask bytes that follow them have a 0-bit
 * (the wire form of {@link oxmValueOutsideMask}, for decoders).
 */
export function oxmWireOutsideMask(buf: Buffer, p: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[p + i]! & ~buf[p + n + i]!) return true;
  return false;
}

/** `value & mask`, in the field's representation (how OVS's text parser normalises `value/mask`). */
export function oxmMaskValue(f: OxmField, value: OxmValue, mask: OxmValue): OxmValue {
  return oxmValueFromBigInt(f, oxmValueToBigInt(value) & oxmValueToBigInt(mask));
}

/** Converts a value of any representation to a bigint (for bit arithmetic in text and subfields). */
export function oxmValueToBigInt(v: OxmValue): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint') return v;
  return v.length === 0 ? 0n : BigInt('0x' + v.toString('hex'));
}

/** Converts a bigint to the field's value representation (truncating to the field width). */
export function oxmValueFromBigInt(f: OxmField, v: bigint): OxmValue {
  v = BigInt.asUintN(f.bytes * 8, v);
  if (f.kind === 'num') return Number(v);
  if (f.kind === 'big') return v;
  const b = Buffer.alloc(f.bytes);
  let x = v;
  for (let i = f.bytes - 1; i >= 0; i--) {
    b[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}

// ---------------------------------------------------------------------------------------------------------
// Text form of field values (ovs-fields(7) "Formatting"): shared by match text, set_field and learn.

/** Reserved OpenFlow 1.3 port numbers (section 7.2.1, enum ofp_port_no) and their OVS names. */
export const OFP_PORT_NAMES: ReadonlyArray<[string, number]> = [
  ['IN_PORT', 0xfffffff8],
  ['TABLE', 0xfffffff9],
  ['NORMAL', 0xfffffffa],
  ['FLOOD', 0xfffffffb],
  ['ALL', 0xfffffffc],
  ['CONTROLLER', 0xfffffffd],
  ['LOCAL', 0xfffffffe],
  ['ANY', 0xffffffff],
];

/** Formats an OpenFlow 1.3 port number the way OVS does (reserved ports by name). */
export function formatPortNo(p: number, width = 4): string {
  const full = width === 2 && p >= 0xfff8 ? p + 0xffff0000 : p;
  for (const [n, v] of OFP_PORT_NAMES) if (v === full >>> 0) return n === 'ANY' ? (width === 2 ? 'NONE' : 'ANY') : n;
  return String(p);
}

/** Parses a port number or reserved name (`LOCAL`, `CONTROLLER`, `IN_PORT`, `NONE`/`ANY`...). */
export function parsePortNo(s: string, width = 4): number | undefined {
  const u = s.toUpperCase();
  const name = u === 'NONE' ? 'ANY' : u;
  for (const [n, v] of OFP_PORT_NAMES) if (n === name) return width === 2 ? v & 0xffff : v;
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(s)) return undefined;
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v >= 2 ** (width * 8)) return undefined;
  // A 16-bit port at or above OFPP_MAX (0xff00) given numerically in a 32-bit field maps to the OF1.1+ range
  // 0xffffff00.., as OVS does (ofputil_port_to_ofp11), and as OVS prints such ports.
  if (width === 4 && v >= 0xff00 && v <= 0xffff) return (v + 0xffff0000) >>> 0;
  return v;
}

const CT_STATE_BITS: [string, number][] = [
  ['new', 0x01],
  ['est', 0x02],
  ['rel', 0x04],
  ['rpl', 0x08],
  ['inv', 0x10],
  ['trk', 0x20],
  ['snat', 0x40],
  ['dnat', 0x80],
];
const TCP_FLAG_BITS: [string, number][] = [
  ['fin', 0x001],
  ['syn', 0x002],
  ['rst', 0x004],
  ['psh', 0x008],
  ['ack', 0x010],
  ['urg', 0x020],
  ['ece', 0x040],
  ['cwr', 0x080],
  ['ns', 0x100],
];
const TUN_FLAG_BITS: [string, number][] = [['oam', 0x1]];
// ip_frag names (value, mask) as OVS reads them (meta-flow.c); bit 0 = fragment, bit 1 = later fragment.
const FRAG_NAMES: [string, number, number][] = [
  ['no', 0, 3],
  ['first', 1, 3],
  ['later', 3, 3],
  ['yes', 1, 1],
  ['not_later', 0, 2],
];

function flagBits(fmt: OxmFormat): [string, number][] | undefined {
  return fmt === 'ct_state' ? CT_STATE_BITS : fmt === 'tcp_flags' ? TCP_FLAG_BITS : fmt === 'tun_flags' ? TUN_FLAG_BITS : undefined;
}

function hex(v: OxmValue): string {
  return '0x' + oxmValueToBigInt(v).toString(16);
}

/** Formats an IPv4 address held as a number. */
export function formatIpv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Formats a MAC address held as a 48-bit number. */
export function formatMacNumber(v: number): string {
  let s = '';
  for (let i = 5; i >= 0; i--) {
    const b = Math.floor(v / 2 ** (8 * i)) % 256;
    s += (i < 5 ? ':' : '') + b.toString(16).padStart(2, '0');
  }
  return s;
}

/** Formats a 16-byte IPv6 address in RFC 5952 compressed form. */
export function formatIpv6Text(b: Buffer): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hx = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  // Like glibc's inet_ntop (which OVS prints with): an IPv4-compatible (::a.b.c.d) or IPv4-mapped
  // (::ffff:a.b.c.d) address ends in dotted IPv4.
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  if (bestStart < 0) return hx(g);
  return `${hx(g.slice(0, bestStart))}::${hx(g.slice(bestStart + bestLen))}`;
}

/** Parses an IPv6 address (with `::`, and an optional trailing dotted IPv4). Returns undefined if invalid. */
export function parseIpv6Text(s: string): Buffer | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4 = parseIpv4Text(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = s.slice(0, lastColon + 1) + (s[lastColon - 1] === ':' ? '' : '0');
    if (s.endsWith(':0')) s = s.slice(0, -2);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const conv = (p: string): number[] | undefined => {
    if (p === '') return [];
    const out: number[] = [];
    for (const x of p.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(x)) return undefined;
      out.push(parseInt(x, 16));
    }
    return out;
  };
  const a = conv(halves[0]!);
  const z = halves.length === 2 ? conv(halves[1]!) : [];
  if (!a || !z) return undefined;
  const given = a.length + z.length + tail.length;
  let groups: number[];
  if (halves.length === 2) {
    if (given > 7) return undefined;
    groups = [...a, ...new Array<number>(8 - given).fill(0), ...z, ...tail];
  } else {
    if (given !== 8) return undefined;
    groups = [...a, ...tail];
  }
  const b = Buffer.alloc(16);
  groups.forEach((x, i) => b.writeUInt16BE(x, i * 2));
  return b;
}

/** Parses a dotted-quad IPv4 address to a number. */
export function parseIpv4Text(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    v = v * 256 + o;
  }
  return v;
}

/** Parses `xx:xx:xx:xx:xx:xx` to a 48-bit number. */
export function parseMacNumber(s: string): number | undefined {
  const m = /^([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})$/.exec(s);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + parseInt(m[i]!, 16);
  return v;
}

function prefixLen(f: OxmField, mask: OxmValue): number | undefined {
  const width = f.bytes * 8;
  const m = oxmValueToBigInt(mask);
  for (let n = 0; n <= width; n++) {
    const p = n === 0 ? 0n : ((1n << BigInt(n)) - 1n) << BigInt(width - n);
    if (p === m) return n;
  }
  return undefined;
}

/**
 * Formats a field value (and optional mask) as OVS flow text: decimal, hex, IPv4/IPv6 (masks as /N when a
 * CIDR prefix), MAC, port names, and the flag syntaxes of ct_state, tcp_flags and tun_flags (`+trk-new`).
 */
export function formatFieldValue(f: OxmField, v: OxmValue, mask?: OxmValue): string {
  switch (f.format) {
    case 'ipv4': {
      const s = formatIpv4Text(v as number);
      if (mask === undefined) return s;
      const n = prefixLen(f, mask);
      return n !== undefined ? `${s}/${n}` : `${s}/${formatIpv4Text(mask as number)}`;
    }
    case 'ipv6': {
      const s = formatIpv6Text(v as Buffer);
      if (mask === undefined) return s;
      const n = prefixLen(f, mask);
      return n !== undefined ? `${s}/${n}` : `${s}/${formatIpv6Text(mask as Buffer)}`;
    }
    case 'mac':
      return mask === undefined ? formatMacNumber(v as number) : `${formatMacNumber(v as number)}/${formatMacNumber(mask as number)}`;
    case 'port':
      return mask === undefined ? formatPortNo(v as number, f.bytes) : `${hex(v)}/${hex(mask)}`;
    case 'dec':
      return mask === undefined ? oxmValueToBigInt(v).toString() : `${hex(v)}/${hex(mask)}`;
    case 'vid':
      // The raw OXM value, OFPVID_PRESENT (0x1000) included, as OVS prints it in set_field ("4101" for VID 5).
      return mask === undefined ? String(v) : `${hex(v)}/${hex(mask)}`;
    case 'frag': {
      const m = mask === undefined ? 3 : (mask as number);
      const hit = FRAG_NAMES.find(([, a, b]) => a === (v as number) && b === m);
      return hit ? hit[0] : `${hex(v)}/${hex(m)}`;
    }
    case 'ct_state':
    case 'tcp_flags':
    case 'tun_flags': {
      const bits = flagBits(f.format)!;
      const x = v as number;
      // An exact match prints as a number: "+flag" text always means a mask of the named flags.
      if (mask === undefined) return hex(v);
      const m = mask === undefined ? 2 ** f.bits - 1 : (mask as number);
      let known = 0;
      for (const [, b] of bits) known |= b;
      if (m & ~known || x & ~m) return mask === undefined ? hex(v) : `${hex(v)}/${hex(mask)}`;
      let s = '';
      for (const [n, b] of bits) if (m & b) s += (x & b ? '+' : '-') + n;
      return s === '' ? '0/0' : s;
    }
    default:
      return mask === undefined ? hex(v) : `${hex(v)}/${hex(mask)}`;
  }
}

/** Parses an integer literal (decimal or 0x hex) of any size to a bigint, or undefined. */
export function parseIntegerText(s: string): bigint | undefined {
  if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s);
  if (/^[0-9]+$/.test(s)) return BigInt(s);
  return undefined;
}

/** Thrown by {@link parseFieldValue}; flow-text turns it into OFPSDN_BAD_TEXT with a column. */
export class FieldValueError extends Error {}

function parseScalar(f: OxmField, s: string): bigint {
  switch (f.format) {
    case 'ipv4': {
      const v = parseIpv4Text(s);
      if (v !== undefined) return BigInt(v);
      break;
    }
    case 'ipv6': {
      const v = parseIpv6Text(s);
      if (v) return oxmValueToBigInt(v);
      break;
    }
    case 'mac': {
      const v = parseMacNumber(s);
      if (v !== undefined) return BigInt(v);
      break;
    }
    case 'port': {
      const v = parsePortNo(s, f.bytes);
      if (v !== undefined) return BigInt(v);
      break;
    }
  }
  const v = parseIntegerText(s);
  if (v === undefined) throw new FieldValueError(`${f.name}: cannot parse value '${s}'`);
  if (v >= 1n << BigInt(f.bytes * 8)) throw new FieldValueError(`${f.name}: value '${s}' is wider than ${f.bytes * 8} bits`);
  return v;
}

/**
 * Parses OVS text for a field value with optional mask (`10.0.0.0/24`, `0x5/0xff`, `aa:bb:cc:00:00:00/ff:ff:ff:00:00:00`,
 * `+trk-new`, `later`...). A mask equal to all-ones is dropped; masks on non-maskable fields are rejected.
 */
export function parseFieldValue(f: OxmField, text: string): { value: OxmValue; mask?: OxmValue } {
  const width = BigInt(f.bytes * 8);
  const all = (1n << width) - 1n;
  let value: bigint;
  let mask: bigint | undefined;
  const bits = flagBits(f.format);
  if (bits && /^[+-]/.test(text)) {
    value = 0n;
    mask = 0n;
    const re = /([+-])([a-z]+)/gy;
    let m: RegExpExecArray | null;
    let pos = 0;
    while ((m = re.exec(text))) {
      const hit = bits.find(([n]) => n === m![2]);
      if (!hit) throw new FieldValueError(`${f.name}: unknown flag '${m[2]}'`);
      mask |= BigInt(hit[1]);
      if (m[1] === '+') value |= BigInt(hit[1]);
      pos = re.lastIndex;
    }
    if (pos !== text.length) throw new FieldValueError(`${f.name}: cannot parse flags '${text}'`);
  } else if (f.format === 'frag' && FRAG_NAMES.some(([n]) => n === text)) {
    const hit = FRAG_NAMES.find(([n]) => n === text)!;
    value = BigInt(hit[1]);
    mask = BigInt(hit[2]);
  } else {
    const slash = text.indexOf('/');
    const vs = slash < 0 ? text : text.slice(0, slash);
    const ms = slash < 0 ? undefined : text.slice(slash + 1);
    value = parseScalar(f, vs);
    if (f.format === 'vid' && /^[0-9]+$/.test(vs) && ms === undefined) value |= 0x1000n;
    if (ms !== undefined) {
      if ((f.format === 'ipv4' || f.format === 'ipv6') && /^[0-9]+$/.test(ms)) {
        const n = BigInt(ms);
        if (n > width) throw new FieldValueError(`${f.name}: prefix /${ms} longer than ${width} bits`);
        mask = n === 0n ? 0n : ((1n << n) - 1n) << (width - n);
      } else {
        mask = parseScalar(f, ms);
      }
    }
  }
  if (mask !== undefined && mask === all) mask = undefined;
  // OVS writes an ip_frag mask covering both meaningful bits as an exact match (nxm_put_frag).
  if (f.format === 'frag' && mask === 3n) mask = undefined;
  if (mask !== undefined && !f.maskable) throw new FieldValueError(`${f.name} is not maskable`);
  if (mask !== undefined) value &= mask;
  return mask === undefined
    ? { value: oxmValueFromBigInt(f, value) }
    : { value: oxmValueFromBigInt(f, value), mask: oxmValueFromBigInt(f, mask) };
}

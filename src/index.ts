/**
 * ovs-sdn: an SDN controller library for Open vSwitch.
 *
 * - `ovsdb`: RFC 7047 client (plus Open vSwitch extensions) for configuring bridges, ports and tunnels.
 * - `openflow`: OpenFlow 1.3 codec (with Nicira/ONF extensions) and switch connection runtime.
 * - `topology`: reactive topology model and the reconciler that builds the pod overlay.
 */
export * from './openflow';
export * from './ovsdb';
export * from './topology';

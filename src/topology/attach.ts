/**
 * The attach helper: plugs a pod's host-side interface into obr0 through OVSDB, with the Interface
 * `external_ids` (`pod-ip`, `pod-mac`, `pod-name`) from which the topology discovers pods. What a CNI plugin
 * would do; `ovs-vsctl add-port obr0 P -- set interface P external_ids:pod-ip=...` is equivalent.
 */
import { Vswitch } from '../ovsdb/vswitch';
import { normalizeMac, parseIpv4Address } from './cidr';
import { OVERLAY_BRIDGE } from './desired';
import { TopologyError } from './model';

/** A pod interface to attach. */
export interface PodAttachment {
  /** Host-side interface name (becomes the Port and Interface name). */
  readonly port: string;
  readonly ip: string;
  readonly mac?: string;
  readonly podName?: string;
}

/**
 * Adds (or updates) the pod's port on the bridge in one OVSDB transaction and waits until ovs-vswitchd has
 * applied it; resolves with the OpenFlow port number.
 */
export async function attachPodPort(vs: Vswitch, pod: PodAttachment, bridge = OVERLAY_BRIDGE): Promise<number> {
  if (parseIpv4Address(pod.ip) === undefined)
    throw new TopologyError('TOPOLOGY_INVALID_FIELD', `pod ${pod.port} ip: not an IPv4 address (got ${JSON.stringify(pod.ip)})`, { field: 'ip', value: pod.ip });
  const mac = pod.mac === undefined ? undefined : normalizeMac(pod.mac);
  if (pod.mac !== undefined && !mac)
    throw new TopologyError('TOPOLOGY_INVALID_FIELD', `pod ${pod.port} mac: not a MAC address (got ${JSON.stringify(pod.mac)})`, { field: 'mac', value: pod.mac });
  const res = await vs.ensurePort(bridge, {
    name: pod.port,
    interfaceExternalIds: { 'pod-ip': pod.ip, 'pod-mac': mac ?? null, 'pod-name': pod.podName ?? null },
  });
  const st = res.interfaces.find((i) => i.name === pod.port);
  return st?.ofport ?? (await vs.waitOfport(pod.port));
}

/** Removes the pod's port from the bridge (no-op when absent). */
export async function detachPodPort(vs: Vswitch, port: string, bridge = OVERLAY_BRIDGE): Promise<void> {
  await vs.deletePort(bridge, port);
}

/* One line per subcommand; each module default-exports a Command. */
import { register } from './commands';

void register;
register('ovsdb', 'OVSDB tools (codegen: TypeScript types from a schema)', async () => (await import('./ovsdb')).default);
register('lab', 'N-node Open vSwitch lab in network namespaces (lab up N | lab down)', async () => (await import('./lab')).default);
register('ofp', 'OpenFlow 1.3 FLOW_MOD text <-> hex (ofp encode <flow> | ofp decode <hex>)', async () => (await import('./ofp')).default);
register('overlay', 'run the pod overlay controller (--config cluster.json)', async () => (await import('./overlay')).default);
register('demo', '3-node lab + overlay + ping matrix (--keep leaves it running)', async () => (await import('./demo')).default);
register('of', 'talk to a switch over OpenFlow (of show | dump-flows | sync ENDPOINT ...)', async () => (await import('./of')).default);

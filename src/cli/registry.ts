/* One line per subcommand; each module default-exports a Command. */
import { register } from './commands';

void register;
register('ovsdb', 'OVSDB tools (codegen: TypeScript types from a schema)', async () => (await import('./ovsdb')).default);
register('lab', 'N-node Open vSwitch lab in network namespaces (lab up N | lab down)', async () => (await import('./lab')).default);
register('ofp', 'OpenFlow 1.3 FLOW_MOD text <-> hex (ofp encode <flow> | ofp decode <hex>)', async () => (await import('./ofp')).default);

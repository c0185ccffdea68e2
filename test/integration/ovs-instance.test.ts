import { existsSync } from 'node:fs';
import { OvsInstance } from '../../src/lab/ovs-instance';
import { isAlive } from '../../src/lab/process';

describe('OvsInstance harness', () => {
  it('starts ovsdb-server and ovs-vswitchd in a namespace with a netdev bridge, and stops them', async () => {
    const ovs = await OvsInstance.start();
    const pids = [ovs.ovsdbPid, ovs.vswitchdPid];
    try {
      expect(isAlive(ovs.ovsdbPid)).toBe(true);
      expect(isAlive(ovs.vswitchdPid)).toBe(true);
      await ovs.vsctl('add-br', 'obr0', '--', 'set', 'bridge', 'obr0', 'datapath_type=netdev');
      expect(existsSync(ovs.mgmtSock('obr0'))).toBe(true);
      const { stdout } = await ovs.ofctl('dump-flows', 'obr0');
      expect(stdout).toContain('actions=NORMAL');
    } finally {
      await ovs.stop();
    }
    expect(pids.map(isAlive)).toEqual([false, false]);
    expect(existsSync(ovs.dir)).toBe(false);
  });
});

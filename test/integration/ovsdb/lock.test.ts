/**
 * RFC 7047 4.1.8-4.1.10 locks between two real clients of one ovsdb-server: lock, wait, `locked` when the
 * owner unlocks, `steal` with `stolen` to the previous owner.
 */
import { firstValueFrom } from 'rxjs';
import { OvsInstance } from '../../../src/lab/ovs-instance';
import { OvsdbClient } from '../../../src/ovsdb/client';
import { OvsdbNotOwnerError } from '../../../src/ovsdb/errors';

let ovs: OvsInstance;
let a: OvsdbClient;
let b: OvsdbClient;

beforeAll(async () => {
  ovs = await OvsInstance.start({ vswitchd: false });
  a = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: false });
  b = await OvsdbClient.connect(ovs.dbEndpoint, { reconnect: false });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await ovs?.stop();
});

const assertLock = (c: OvsdbClient, name: string) => c.transact('Open_vSwitch', [{ op: 'assert', lock: name }]);

it('lock / locked / steal / stolen between two clients', async () => {
  await expect(a.lock('ctl')).resolves.toEqual({ locked: true });
  await expect(b.lock('ctl')).resolves.toEqual({ locked: false });
  await expect(assertLock(b, 'ctl')).rejects.toBeInstanceOf(OvsdbNotOwnerError);

  // A releases it: the server hands it to the waiting B with a `locked` notification.
  const bLocked = firstValueFrom(b.locked$);
  await a.unlock('ctl');
  await expect(bLocked).resolves.toBe('ctl');
  expect(b.isLockHeld('ctl')).toBe(true);
  expect(a.isLockHeld('ctl')).toBe(false);
  await expect(assertLock(b, 'ctl')).resolves.toEqual([{}]);

  // A steals it back: B is told with `stolen`, and can no longer assert it.
  const bStolen = firstValueFrom(b.stolen$);
  await expect(a.steal('ctl')).resolves.toEqual({ locked: true });
  await expect(bStolen).resolves.toBe('ctl');
  expect(b.isLockHeld('ctl')).toBe(false);
  expect(a.isLockHeld('ctl')).toBe(true);
  await expect(assertLock(b, 'ctl')).rejects.toBeInstanceOf(OvsdbNotOwnerError);
  await expect(assertLock(a, 'ctl')).resolves.toEqual([{}]);

  // ovsdb-server keeps B queued for the lock after `stolen` (until B unlocks): when A unlocks, B gets
  // `locked` once more.
  const bLockedAgain = firstValueFrom(b.locked$);
  await a.unlock('ctl');
  await expect(bLockedAgain).resolves.toBe('ctl');
  await b.unlock('ctl');
});

/**
 * Flow half of a reconcile pass: the overlay's flow text turned into OpenFlow FLOW_MOD structures (parsed once
 * and cached), the round's cookie space dumped and diffed, and the difference sent as one atomic bundle.
 */
import { diffFlows, type OpenFlowDesiredFlow } from '../openflow/flow-sync';
import { parseFlowMod } from '../openflow/flow-text';
import type { OpenFlowSession } from '../openflow/session';
import type { FlowMod, OfpMessage } from '../openflow/types';
import { MASK_ROUND, cookieWithRound, makeOverlayCookie } from './cookies';
import type { OverlayFlow } from './desired';

const parsed = new Map<string, FlowMod>();
const MAX_CACHE = 500_000;

/** The FLOW_MOD for an overlay flow's text (without cookie), parsed once. */
function flowModOf(f: OverlayFlow): FlowMod {
  const text = `table=${f.table},priority=${f.priority}${f.match ? `,${f.match}` : ''} actions=${f.actions}`;
  let fm = parsed.get(text);
  if (!fm) {
    fm = parseFlowMod(text);
    if (parsed.size >= MAX_CACHE) parsed.clear();
    parsed.set(text, fm);
  }
  return fm;
}

/** Overlay flows as the OpenFlow runtime's desired flows, with the round put into every cookie. */
export function toOpenFlowDesired(flows: readonly OverlayFlow[], round: number): OpenFlowDesiredFlow[] {
  return flows.map((f) => {
    const fm = flowModOf(f);
    return { tableId: fm.tableId, priority: fm.priority, match: fm.match, instructions: fm.instructions, cookie: cookieWithRound(f.cookie, round) };
  });
}

/** What one flow pass did. */
export interface FlowPassResult {
  added: number;
  modified: number;
  deleted: number;
  messages: number;
}

/**
 * Dumps the round's flows (cookie/mask = app+round), diffs them with `flows`, and applies the difference plus
 * one DELETE by cookie/mask per entry of `deletes` (departed peers) as ONE atomic, ordered bundle. Sends
 * nothing when nothing differs.
 */
export async function syncFlowsWithin(
  session: OpenFlowSession,
  flows: readonly OverlayFlow[],
  round: number,
  deletes: readonly { cookie: bigint; mask: bigint }[],
): Promise<FlowPassResult> {
  const space = makeOverlayCookie(0, 0, round);
  const desired = toOpenFlowDesired(flows, round);
  const actual = await session.dumpFlows({ cookie: space, cookieMask: MASK_ROUND });
  const gone = (c: bigint) => deletes.some((d) => (c & d.mask) === (d.cookie & d.mask));
  const diff = diffFlows(
    actual.filter((s) => !gone(s.cookie)),
    desired,
    { cookie: space, mask: MASK_ROUND },
  );
  const msgs: OfpMessage[] = [...deletes.map(flowDeleteByCookie), ...diff.messages];
  if (msgs.length) await session.bundle(msgs, { atomic: true, ordered: true });
  return { added: diff.added, modified: diff.modified, deleted: diff.deleted, messages: msgs.length };
}

/**
 * OFPFC_DELETE (non-strict) in all tables (OFPTT_ALL) of every flow whose cookie equals `cookie` under `mask`
 * (OpenFlow 1.3.5 §6.4 "cookie_mask"); an empty match selects all flows otherwise.
 */
export function flowDeleteByCookie(cm: { cookie: bigint; mask: bigint }): FlowMod {
  return {
    type: 'FLOW_MOD',
    xid: 0,
    cookie: cm.cookie,
    cookieMask: cm.mask,
    tableId: 0xff,
    command: 3,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 0,
    bufferId: 0xffffffff,
    outPort: 0xffffffff,
    outGroup: 0xffffffff,
    flags: 0,
    match: [],
    instructions: [],
  };
}

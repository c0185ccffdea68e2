/**
 * Flow synchronisation: bring the flows of one cookie space (and the groups we own) on a switch to a desired
 * set with the fewest changes, applied atomically as one bundle -- what `ovs-ofctl replace-flows --bundle`
 * does, restricted to a cookie space.
 *
 * Identity (OpenFlow 1.3.5 section 6.4): two flows are the same entry when table, priority and match are
 * equal. Matches are compared canonically: each OXM TLV is encoded, its value masked, an all-ones mask
 * dropped, an all-zeros mask (a wildcard) dropped altogether, and the TLVs sorted -- so the order and
 * normalisation Open vSwitch applies in its replies do not count as differences.
 */
import { encodeInstructions, Instruction } from './instructions';
import { encodeOxms, Match, MatchEntry } from './match';
import { oxmFieldByName, oxmValueFromBigInt, oxmValueToBigInt } from './oxm';
import { encodeMessage } from './dispatch';
import { parseFlowMod } from './flow-text';
import { OpenFlowRuntimeError } from './runtime-errors';
import type { OpenFlowSession } from './session';
import {
  FlowMod,
  FlowStats,
  GroupDesc,
  OFPFC_ADD,
  OFPFC_DELETE_STRICT,
  OFPFC_MODIFY_STRICT,
  OFPFF_NO_BYT_COUNTS,
  OFPFF_NO_PKT_COUNTS,
  OFPFF_SEND_FLOW_REM,
  OFPGC_ADD,
  OFPGC_DELETE,
  OFPGC_MODIFY,
  OFPG_ANY,
  OFPP_ANY,
  OFP_NO_BUFFER,
  OfpMessage,
} from './types';
import { Writer } from './writer';

/** A desired flow: table, priority, match, instructions; cookie defaults to the sync's cookie. */
export interface OpenFlowDesiredFlow {
  tableId?: number;
  priority?: number;
  match: Match;
  instructions: Instruction[];
  cookie?: bigint;
  idleTimeout?: number;
  hardTimeout?: number;
  /** OFPFF_SEND_FLOW_REM / OFPFF_NO_PKT_COUNTS / OFPFF_NO_BYT_COUNTS. */
  flags?: number;
}

/** A desired group (OFPGT_* type and buckets). */
export type OpenFlowDesiredGroup = Pick<GroupDesc, 'groupId' | 'groupType' | 'buckets'>;

/** Options of {@link syncFlows}. */
export interface SyncFlowsOptions {
  /** The cookie space: flows with `(flow.cookie & mask) === (cookie & mask)` are ours; others are never touched. */
  cookie: bigint;
  /** Cookie mask (default all ones: exactly `cookie`). */
  mask?: bigint;
  /** Only these tables are ours (default: all tables). */
  tables?: readonly number[];
  /** Desired groups; they are added/modified before the flows and (when owned) deleted after them. */
  groups?: readonly OpenFlowDesiredGroup[];
  /**
   * Which existing groups are ours to delete when not desired (groups have no cookie). Default: none, so
   * undesired groups are left alone.
   */
  ownsGroup?: (groupId: number) => boolean;
  /** Apply as one atomic bundle (default true); false sends the messages then a barrier. */
  bundle?: boolean;
  /** Compute the difference only; send nothing. */
  dryRun?: boolean;
  /** Request timeout for the dump and the commit. */
  timeoutMs?: number;
}

/** What {@link syncFlows} changed (or, with `dryRun`, would change). */
export interface SyncFlowsResult {
  added: number;
  modified: number;
  deleted: number;
  unchanged: number;
  groupsAdded: number;
  groupsModified: number;
  groupsDeleted: number;
  /** The messages applied, in order. */
  messages: OfpMessage[];
}

const ALL_ONES = 0xffffffffffffffffn;
const STORED_FLAGS = OFPFF_SEND_FLOW_REM | OFPFF_NO_PKT_COUNTS | OFPFF_NO_BYT_COUNTS;

const scratch = new Writer(1024);

function hex(w: Writer, start: number): string {
  return w.buf.toString('hex', start, w.pos);
}

/**
 * The canonical key of a match: OXM TLVs normalised (value &= mask, all-ones masks dropped, all-zero masks
 * = wildcards removed) and sorted.
 */
export function canonicalMatchKey(m: Match): string {
  const w = scratch.reset();
  // The encoder refuses value bits outside a mask (OFPBMC_BAD_WILDCARDS): clear them first, as the key does.
  encodeOxms(w, normalizeMatch(m));
  const b = w.buf;
  const end = w.pos;
  const parts: string[] = [];
  let pos = 0;
  while (pos + 4 <= end) {
    const header = b.readUInt32BE(pos);
    const len = header & 0xff;
    const cls = header >>> 16;
    const hasMask = (header & 0x100) !== 0;
    const expLen = cls === 0xffff ? 4 : 0;
    const body = b.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len;
    if (!hasMask) {
      parts.push(`${(header >>> 9).toString(16)}:${body.toString('hex')}`);
      continue;
    }
    const n = (len - expLen) / 2;
    const exp = body.subarray(0, expLen);
    const value = Buffer.from(body.subarray(expLen, expLen + n));
    const mask = body.subarray(expLen + n, expLen + 2 * n);
    let allOnes = true;
    let allZeros = true;
    for (let i = 0; i < n; i++) {
      value[i]! &= mask[i]!;
      if (mask[i] !== 0xff) allOnes = false;
      if (mask[i] !== 0) allZeros = false;
    }
    if (allZeros) continue;
    const id = `${(header >>> 9).toString(16)}${exp.length ? exp.toString('hex') : ''}`;
    parts.push(allOnes ? `${id}:${value.toString('hex')}` : `${id}:${value.toString('hex')}/${mask.toString('hex')}`);
  }
  parts.sort();
  return parts.join(',');
}

/**
 * A match as a switch stores it: a masked entry's value has no bits outside its mask (OpenFlow 1.3.5
 * section 7.2.3.5; Open vSwitch rejects such values with OFPBMC_BAD_WILDCARDS rather than clearing them).
 */
export function normalizeMatch(m: Match): Match {
  let out: Match | undefined;
  for (let i = 0; i < m.length; i++) {
    const e = m[i]!;
    if (e.mask === undefined || e.field === 'unknown') continue;
    const f = oxmFieldByName(e.field);
    if (!f) continue;
    const v = oxmValueToBigInt(e.value);
    const mk = oxmValueToBigInt(e.mask);
    if ((v & mk) === v) continue;
    out ??= m.slice();
    out[i] = { field: e.field, value: oxmValueFromBigInt(f, v & mk), mask: e.mask } as MatchEntry;
  }
  return out ?? m;
}

function instructionsKey(i: readonly Instruction[]): string {
  const w = scratch.reset();
  encodeInstructions(w, i);
  return hex(w, 0);
}

function groupKey(g: OpenFlowDesiredGroup): string {
  const w = scratch.reset();
  encodeMessage({ type: 'GROUP_MOD', xid: 0, command: OFPGC_ADD, groupType: g.groupType, groupId: g.groupId, buckets: g.buckets }, w);
  return hex(w, 8);
}

function flowId(tableId: number, priority: number, match: Match): string {
  return `${tableId}/${priority}/${canonicalMatchKey(match)}`;
}

interface Norm {
  tableId: number;
  priority: number;
  match: Match;
  instructions: Instruction[];
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
}

function fm(command: number, f: Norm, cookieMask = 0n): FlowMod {
  return {
    type: 'FLOW_MOD',
    xid: 0,
    cookie: f.cookie,
    cookieMask,
    tableId: f.tableId,
    command,
    idleTimeout: command === OFPFC_ADD ? f.idleTimeout : 0,
    hardTimeout: command === OFPFC_ADD ? f.hardTimeout : 0,
    priority: f.priority,
    bufferId: OFP_NO_BUFFER,
    outPort: OFPP_ANY,
    outGroup: OFPG_ANY,
    flags: command === OFPFC_ADD ? f.flags : 0,
    match: f.match,
    instructions: command === OFPFC_DELETE_STRICT ? [] : f.instructions,
  };
}

/**
 * Computes the messages that turn `actual` into `desired` within the cookie space (pure; no I/O).
 * Order: group adds/modifies, flow adds/modifies, flow deletes, group deletes.
 */
export function diffFlows(
  actual: readonly FlowStats[],
  desired: readonly OpenFlowDesiredFlow[],
  opts: SyncFlowsOptions,
  actualGroups: readonly GroupDesc[] = [],
): SyncFlowsResult {
  const mask = opts.mask ?? ALL_ONES;
  const space = opts.cookie & mask;
  const tables = opts.tables ? new Set(opts.tables) : undefined;
  const res: SyncFlowsResult = {
    added: 0,
    modified: 0,
    deleted: 0,
    unchanged: 0,
    groupsAdded: 0,
    groupsModified: 0,
    groupsDeleted: 0,
    messages: [],
  };

  // Groups first: adds and modifies.
  const haveGroups = new Map(actualGroups.map((g) => [g.groupId, g]));
  const wantGroups = new Map<number, OpenFlowDesiredGroup>();
  for (const g of opts.groups ?? []) {
    if (wantGroups.has(g.groupId)) {
      throw new OpenFlowRuntimeError('OFPSDN_BAD_ARGUMENT', `duplicate desired group ${g.groupId}`);
    }
    wantGroups.set(g.groupId, g);
    const have = haveGroups.get(g.groupId);
    if (!have) {
      res.messages.push({ type: 'GROUP_MOD', xid: 0, command: OFPGC_ADD, groupType: g.groupType, groupId: g.groupId, buckets: g.buckets });
      res.groupsAdded++;
    } else if (groupKey(have) !== groupKey(g)) {
      res.messages.push({ type: 'GROUP_MOD', xid: 0, command: OFPGC_MODIFY, groupType: g.groupType, groupId: g.groupId, buckets: g.buckets });
      res.groupsModified++;
    }
  }

  const have = new Map<string, FlowStats>();
  for (const s of actual) {
    if ((s.cookie & mask) !== space) continue; // never touch flows outside the cookie space
    if (tables && !tables.has(s.tableId)) continue;
    have.set(flowId(s.tableId, s.priority, s.match), s);
  }
  const seen = new Set<string>();
  for (const d of desired) {
    const n: Norm = {
      tableId: d.tableId ?? 0,
      priority: d.priority ?? 0x8000,
      match: normalizeMatch(d.match),
      instructions: d.instructions,
      cookie: d.cookie ?? opts.cookie,
      idleTimeout: d.idleTimeout ?? 0,
      hardTimeout: d.hardTimeout ?? 0,
      flags: (d.flags ?? 0) & STORED_FLAGS,
    };
    if ((n.cookie & mask) !== space) {
      throw new OpenFlowRuntimeError(
        'OFPSDN_BAD_ARGUMENT',
        `desired flow cookie 0x${n.cookie.toString(16)} is outside the cookie space 0x${opts.cookie.toString(16)}/0x${mask.toString(16)}`,
      );
    }
    if (tables && !tables.has(n.tableId)) {
      throw new OpenFlowRuntimeError('OFPSDN_BAD_ARGUMENT', `desired flow in table ${n.tableId}, outside the synced tables`);
    }
    const id = flowId(n.tableId, n.priority, n.match);
    if (seen.has(id)) continue; // a duplicate desired flow: the first one wins
    seen.add(id);
    const cur = have.get(id);
    if (!cur) {
      res.messages.push(fm(OFPFC_ADD, n));
      res.added++;
      continue;
    }
    have.delete(id);
    const sameMeta =
      cur.cookie === n.cookie &&
      cur.idleTimeout === n.idleTimeout &&
      cur.hardTimeout === n.hardTimeout &&
      (cur.flags & STORED_FLAGS) === n.flags;
    const sameInstr = instructionsKey(cur.instructions) === instructionsKey(n.instructions);
    if (sameMeta && sameInstr) {
      res.unchanged++;
    } else if (sameMeta) {
      // Only the instructions differ: MODIFY_STRICT keeps the flow's counters and duration (section 6.4).
      res.messages.push(fm(OFPFC_MODIFY_STRICT, n, ALL_ONES));
      res.modified++;
    } else {
      // Cookie, timeouts or flags differ: an ADD over an identical match+priority replaces the entry.
      res.messages.push(fm(OFPFC_ADD, n));
      res.modified++;
    }
  }
  // Deletions: strict, and filtered by the flow's own cookie so nothing outside the space can be hit.
  for (const s of have.values()) {
    res.messages.push(
      fm(
        OFPFC_DELETE_STRICT,
        {
          tableId: s.tableId,
          priority: s.priority,
          match: s.match,
          instructions: [],
          cookie: s.cookie,
          idleTimeout: 0,
          hardTimeout: 0,
          flags: 0,
        },
        ALL_ONES,
      ),
    );
    res.deleted++;
  }
  // Group deletions last (after the flows that used them are gone).
  if (opts.ownsGroup) {
    for (const g of actualGroups) {
      if (!wantGroups.has(g.groupId) && opts.ownsGroup(g.groupId)) {
        res.messages.push({ type: 'GROUP_MOD', xid: 0, command: OFPGC_DELETE, groupType: g.groupType, groupId: g.groupId, buckets: [] });
        res.groupsDeleted++;
      }
    }
  }
  return res;
}

/**
 * A desired flow from Open vSwitch flow text (`table=0,priority=10,ip,actions=output:1`); without a (non-zero)
 * `cookie=` in the text it gets `defaultCookie`.
 */
export function desiredFromText(text: string, defaultCookie: bigint): OpenFlowDesiredFlow {
  const fm = parseFlowMod(text);
  return {
    tableId: fm.tableId,
    priority: fm.priority,
    match: fm.match,
    instructions: fm.instructions,
    idleTimeout: fm.idleTimeout,
    hardTimeout: fm.hardTimeout,
    flags: fm.flags,
    cookie: fm.cookie !== 0n ? fm.cookie : defaultCookie,
  };
}

/**
 * Brings the flows in the cookie space `opts.cookie/opts.mask` (and the groups in `opts.groups` /
 * `opts.ownsGroup`) on the switch to `desired`: dumps them (multipart flow stats filtered by cookie/mask, group
 * descriptions), computes the difference with {@link diffFlows}, and applies only that, as one atomic bundle.
 * When nothing differs nothing is sent, so a second run leaves durations and counters untouched. Desired
 * flows may be given as flow text ({@link desiredFromText}).
 */
export async function syncFlows(
  session: OpenFlowSession,
  desired: readonly (OpenFlowDesiredFlow | string)[],
  opts: SyncFlowsOptions,
): Promise<SyncFlowsResult> {
  const mask = opts.mask ?? ALL_ONES;
  const want = desired.map((d) => (typeof d === 'string' ? desiredFromText(d, opts.cookie) : d));
  const [actual, groups] = await Promise.all([
    session.dumpFlows({ cookie: opts.cookie & mask, cookieMask: mask }),
    opts.groups?.length || opts.ownsGroup ? session.dumpGroups() : Promise.resolve([] as GroupDesc[]),
  ]);
  const res = diffFlows(actual, want, opts, groups);
  if (opts.dryRun || res.messages.length === 0) return res;
  if (opts.bundle === false) await session.sendBatch(res.messages, { timeoutMs: opts.timeoutMs });
  else await session.bundle(res.messages, { atomic: true, ordered: true, timeoutMs: opts.timeoutMs });
  return res;
}

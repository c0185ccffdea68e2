/**
 * Flow cookies of the overlay. OpenFlow 1.3 (§7.3.4.1, `ofp_flow_mod.cookie` / `cookie_mask`) lets a
 * controller delete or dump "all flows whose cookie matches value under mask", so the 64 bits carry:
 *
 * ```
 *  63      56 55            40 39      32 31                  0
 * +----------+----------------+----------+---------------------+
 * | app 0xa5 | round (16 bit) | category |  object id (32 bit) |
 * +----------+----------------+----------+---------------------+
 * ```
 *
 * - app: marks our flows; flows with any other top byte are foreign and never touched.
 * - round: bumped on each controller start (persisted in obr0 `external_ids:ovs-sdn-round`); the old round is
 *   deleted (cookie = app|old round, mask = app+round bits) only after the new one converged.
 * - category + object: everything installed for one peer node / one pod, so removal is one delete.
 */

/** Top byte of every ovs-sdn overlay cookie. */
export const COOKIE_APP = 0xa5n;

/** Flow categories (bits 39..32). */
export const CookieCategory = {
  /** Pipeline skeleton: table defaults, gateway/tunnel classification, split horizon, output. */
  base: 1,
  /** Everything for one peer node (object id = hash of the peer's name). */
  peer: 2,
  /** Everything for one local pod (object id = hash of the port name). */
  pod: 3,
  /** The local node's own addresses (gateway). */
  local: 4,
  /**
   * Flows the switch itself learns (OVS `learn` action, NXAST_LEARN): the MAC of a pod that has no `pod-mac`
   * (object id = hash of the port name). Always round 0: they are not part of any round's desired set, so
   * the diff never sees them and the old-round cleanup never deletes them; they go with their pod.
   */
  learned: 5,
} as const;
export type CookieCategoryName = keyof typeof CookieCategory;

/** Mask selecting the app byte only: all our flows, any round. */
export const MASK_APP = 0xff00_0000_0000_0000n;
/** Mask selecting app + round: all our flows of one round. */
export const MASK_ROUND = 0xffff_ff00_0000_0000n;
/** Mask selecting app + category + object (any round): one peer's or one pod's flows. */
export const MASK_OBJECT = 0xff00_00ff_ffff_ffffn;
/** The whole cookie. */
export const MASK_ALL = 0xffff_ffff_ffff_ffffn;

/** FNV-1a 32-bit hash of a string: the stable object id of a named object. */
export function cookieObjectId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Builds a cookie (round 0..65535). */
export function makeOverlayCookie(category: number, object: number, round = 0): bigint {
  return (COOKIE_APP << 56n) | (BigInt(round & 0xffff) << 40n) | (BigInt(category & 0xff) << 32n) | BigInt(object >>> 0);
}

/** The same cookie with another round. */
export function cookieWithRound(cookie: bigint, round: number): bigint {
  return (cookie & ~0x00ff_ff00_0000_0000n) | (BigInt(round & 0xffff) << 40n);
}

/** Splits a cookie into its fields; `ours` is false for foreign cookies. */
export function parseOverlayCookie(cookie: bigint): { ours: boolean; round: number; category: number; object: number } {
  return {
    ours: cookie >> 56n === COOKIE_APP,
    round: Number((cookie >> 40n) & 0xffffn),
    category: Number((cookie >> 32n) & 0xffn),
    object: Number(cookie & 0xffff_ffffn),
  };
}

/** Cookie value + mask selecting every flow (any round) for one peer node. */
export function peerCookieMask(peerName: string): { cookie: bigint; mask: bigint } {
  return { cookie: makeOverlayCookie(CookieCategory.peer, cookieObjectId(peerName)), mask: MASK_OBJECT };
}

/** Cookie (round 0) of the flows the switch learns for one pod port (its MAC), see {@link CookieCategory}. */
export function learnedCookie(port: string): bigint {
  return makeOverlayCookie(CookieCategory.learned, cookieObjectId(port));
}

/** Cookie value + mask selecting the learned flows of one pod port. */
export function learnedCookieMask(port: string): { cookie: bigint; mask: bigint } {
  return { cookie: learnedCookie(port), mask: MASK_OBJECT };
}

/** Cookie value + mask selecting every flow of one round. */
export function roundCookieMask(round: number): { cookie: bigint; mask: bigint } {
  return { cookie: makeOverlayCookie(0, 0, round), mask: MASK_ROUND };
}

import fc from 'fast-check';
import {
  COOKIE_APP,
  MASK_APP,
  MASK_OBJECT,
  MASK_ROUND,
  cookieObjectId,
  cookieWithRound,
  makeOverlayCookie,
  parseOverlayCookie,
  peerCookieMask,
  roundCookieMask,
} from '../../../src/topology/cookies';

describe('overlay cookies', () => {
  it('round-trips category, object and round; masks select what they say', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffff }), (cat, obj, round) => {
        const c = makeOverlayCookie(cat, obj, round);
        expect(parseOverlayCookie(c)).toEqual({ ours: true, round, category: cat, object: obj });
        expect(c >> 56n).toBe(COOKIE_APP);
        const r2 = (round + 1) & 0xffff;
        const moved = cookieWithRound(c, r2);
        expect(parseOverlayCookie(moved)).toEqual({ ours: true, round: r2, category: cat, object: obj });
        // object mask ignores the round; round mask ignores category and object
        expect(moved & MASK_OBJECT).toBe(c & MASK_OBJECT);
        expect((c & MASK_ROUND) === (roundCookieMask(round).cookie & MASK_ROUND)).toBe(true);
        expect((moved & MASK_ROUND) === (roundCookieMask(round).cookie & MASK_ROUND)).toBe(false);
      }),
    );
  });

  it('foreign cookies are not ours; a peer mask selects only that peer', () => {
    expect(parseOverlayCookie(0x1234n).ours).toBe(false);
    expect(parseOverlayCookie(0xa4ff_ffff_ffff_ffffn).ours).toBe(false);
    expect((0x1234n & MASK_APP) === (makeOverlayCookie(0, 0) & MASK_APP)).toBe(false);
    const a = peerCookieMask('node2');
    const b = peerCookieMask('node3');
    expect(a.cookie & a.mask).not.toBe(b.cookie & b.mask);
    expect(cookieObjectId('node2')).toBe(cookieObjectId('node2'));
    expect(cookieObjectId('')).toBe(0x811c9dc5); // FNV-1a offset basis
  });
});

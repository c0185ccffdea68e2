import fc from 'fast-check';
import {
  OvsdbNotationError,
  fromWireLoose,
  isUuid,
  isUuidName,
  mutate,
  where,
} from '../../../src/ovsdb/notation';

describe('RFC 7047 5.1 notation', () => {
  it('recognises uuids and uuid-names', () => {
    expect(isUuid('550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    expect(isUuid('550E8400-E29B-41D4-A716-446655440000')).toBe(true);
    expect(isUuid('550e8400e29b41d4a716446655440000')).toBe(false);
    expect(isUuid(42)).toBe(false);
    expect(isUuidName('row_1')).toBe(true);
    expect(isUuidName('_x')).toBe(true);
    expect(isUuidName('1row')).toBe(false);
    expect(isUuidName('a-b')).toBe(false);
  });

  it('decodes wire values loosely without a schema', () => {
    expect(fromWireLoose(['uuid', 'abc'])).toBe('abc');
    expect(fromWireLoose(['set', [1, 2, ['uuid', 'u']]])).toEqual([1, 2, 'u']);
    expect(fromWireLoose(['map', [['a', 1]]])).toEqual(new Map([['a', 1]]));
    expect(fromWireLoose(12345678901234567890n)).toBe(12345678901234567890n);
    expect(fromWireLoose('x')).toBe('x');
  });

  it('rejects what is not notation with a typed error', () => {
    for (const bad of [null, {}, ['set'], ['bag', []], ['map', [['a']]], ['set', 'x'], [1, 2], NaN, ['uuid', 5]]) {
      let err: unknown;
      try {
        fromWireLoose(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OvsdbNotationError);
      expect((err as OvsdbNotationError).code).toBe('OVSDB_BAD_NOTATION');
    }
  });

  it('never throws anything but OvsdbNotationError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          fromWireLoose(v);
        } catch (e) {
          if (!(e instanceof OvsdbNotationError)) throw e;
        }
      }),
    );
  });

  it('builds conditions and mutations', () => {
    expect(where.eq('name', 'br0')).toEqual(['name', '==', 'br0']);
    expect(where.includes('ports', ['p'])).toEqual(['ports', 'includes', ['p']]);
    expect(where.uuid('u')).toEqual(['_uuid', '==', 'u']);
    expect(mutate.add('next_cfg', 1)).toEqual(['next_cfg', '+=', 1]);
    expect(mutate.delete('other_config', ['k'])).toEqual(['other_config', 'delete', ['k']]);
  });
});

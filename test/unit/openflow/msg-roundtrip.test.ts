/**
 * Property tests: decode(encode(m)) deep-equals m for random messages of every type; encode(decode(b)) is b.
 */
import fc from 'fast-check';
import { decodeMessage, encodeMessage, formatMessage, knownMessageTypes } from '../../../src/openflow/dispatch';
import { Writer } from '../../../src/openflow/writer';
import { messageArbs } from './helpers/msg-arbitraries';
import type { OfpMessage } from '../../../src/openflow/types';

describe('decode(encode(m)) for every message type', () => {
  it('has a generator for every type the dispatch table knows', () => {
    expect(Object.keys(messageArbs).sort()).toEqual([...knownMessageTypes()].sort());
  });

  it.each(Object.keys(messageArbs) as OfpMessage['type'][])('%s', (type) => {
    fc.assert(
      fc.property(messageArbs[type], (m) => {
        const bytes = encodeMessage(m);
        expect(bytes.readUInt16BE(2)).toBe(bytes.length);
        const back = decodeMessage(bytes);
        expect(back).toEqual(m);
        expect(encodeMessage(back).equals(bytes)).toBe(true);
        expect(typeof formatMessage(back)).toBe('string');
      }),
      { numRuns: 150 },
    );
  });

  it('appends into a caller Writer and returns a view of just that message', () => {
    const w = new Writer(16);
    const a = encodeMessage({ type: 'ECHO_REQUEST', xid: 1, data: Buffer.from('abc') }, w);
    expect(a.toString('hex')).toBe('0402000b00000001616263');
    const b = encodeMessage({ type: 'BARRIER_REQUEST', xid: 2 }, w);
    expect(b.toString('hex')).toBe('0414000800000002');
    expect(w.view().toString('hex')).toBe('0402000b000000016162630414000800000002');
  });
});

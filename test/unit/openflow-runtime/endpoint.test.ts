import { formatOpenFlowEndpoint, parseOpenFlowEndpoint } from '../../../src/openflow/endpoint';
import { OpenFlowBackoff } from '../../../src/openflow/backoff';
import { OpenFlowRuntimeError } from '../../../src/openflow/runtime-errors';

describe('parseOpenFlowEndpoint', () => {
  it.each([
    ['tcp:127.0.0.1', { kind: 'tcp', passive: false, host: '127.0.0.1', port: 6653 }],
    ['tcp:10.0.0.1:6633', { kind: 'tcp', passive: false, host: '10.0.0.1', port: 6633 }],
    ['tcp:[::1]:7000', { kind: 'tcp', passive: false, host: '::1', port: 7000 }],
    ['ssl:192.168.1.2:6653', { kind: 'ssl', passive: false, host: '192.168.1.2', port: 6653 }],
    ['unix:/run/br0.mgmt', { kind: 'unix', passive: false, path: '/run/br0.mgmt' }],
    ['punix:/tmp/c.sock', { kind: 'unix', passive: true, path: '/tmp/c.sock' }],
    ['ptcp:', { kind: 'tcp', passive: true, host: undefined, port: 6653 }],
    ['ptcp:6000', { kind: 'tcp', passive: true, host: undefined, port: 6000 }],
    ['ptcp:6000:127.0.0.1', { kind: 'tcp', passive: true, host: '127.0.0.1', port: 6000 }],
    ['pssl:0:[::1]', { kind: 'ssl', passive: true, host: '::1', port: 0 }],
  ])('%s', (text, want) => {
    const ep = parseOpenFlowEndpoint(text);
    expect(ep).toEqual({ ...want, text });
    expect(parseOpenFlowEndpoint(formatOpenFlowEndpoint(ep))).toEqual({ ...ep, text: formatOpenFlowEndpoint(ep) });
  });

  it.each(['tcp', 'foo:1.2.3.4', 'tcp::6653', 'tcp:1.2.3.4:99999', 'tcp:1.2.3.4:x', 'unix:', 'ptcp:6653:nothost', 'tcp:[::1', 'tcp:[::1]x'])(
    'rejects %s with OFPSDN_BAD_ENDPOINT',
    (text) => {
      let err: unknown;
      try {
        parseOpenFlowEndpoint(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OpenFlowRuntimeError);
      expect((err as OpenFlowRuntimeError).code).toBe('OFPSDN_BAD_ENDPOINT');
      expect((err as OpenFlowRuntimeError).context.endpoint).toBe(text);
    },
  );
});

describe('OpenFlowBackoff', () => {
  it('doubles up to the maximum and resets', () => {
    const b = new OpenFlowBackoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });
  it('applies jitter downward only', () => {
    const b = new OpenFlowBackoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5, random: () => 0.5 });
    expect(b.next()).toBe(750);
  });
});

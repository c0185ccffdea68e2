import { OvsdbEndpointError } from '../../../src/ovsdb/errors';
import { formatOvsdbEndpoint, parseOvsdbEndpoint, parseOvsdbEndpointList } from '../../../src/ovsdb/endpoint';

describe('OVSDB endpoints', () => {
  it.each([
    ['tcp:127.0.0.1:6641', { kind: 'tcp', host: '127.0.0.1', port: 6641 }],
    ['tcp:127.0.0.1', { kind: 'tcp', host: '127.0.0.1', port: 6640 }],
    ['ssl:10.0.0.1:6640', { kind: 'ssl', host: '10.0.0.1', port: 6640 }],
    ['tcp:[::1]:6640', { kind: 'tcp', host: '::1', port: 6640 }],
    ['ssl:[fe80::1]', { kind: 'ssl', host: 'fe80::1', port: 6640 }],
    ['tcp:ovsdb.example.com:1', { kind: 'tcp', host: 'ovsdb.example.com', port: 1 }],
    ['unix:/var/run/openvswitch/db.sock', { kind: 'unix', path: '/var/run/openvswitch/db.sock' }],
    ['unix:rel:with:colons', { kind: 'unix', path: 'rel:with:colons' }],
    ['ptcp:6640', { kind: 'ptcp', port: 6640, host: '0.0.0.0' }],
    ['ptcp:0:127.0.0.1', { kind: 'ptcp', port: 0, host: '127.0.0.1' }],
    ['ptcp:', { kind: 'ptcp', port: 6640, host: '0.0.0.0' }],
    ['pssl:6641:[::1]', { kind: 'pssl', port: 6641, host: '::1' }],
    ['punix:/tmp/x.sock', { kind: 'punix', path: '/tmp/x.sock' }],
  ])('parses %s', (text, expected) => {
    expect(parseOvsdbEndpoint(text)).toEqual(expected);
  });

  it.each([
    ['tcp:127.0.0.1:6641'],
    ['ssl:[::1]:6640'],
    ['unix:/a/b'],
    ['ptcp:6640:[::1]'],
    ['pssl:0:127.0.0.1'],
    ['punix:/x'],
  ])('formats %s back to itself', (text) => {
    expect(formatOvsdbEndpoint(parseOvsdbEndpoint(text))).toBe(text);
  });

  it.each([
    ['', 'missing "type:" prefix'],
    ['127.0.0.1:6640', 'unknown connection type'],
    ['udp:1.2.3.4:5', 'unknown connection type'],
    ['tcp:', 'missing IP address'],
    ['tcp::6640', 'missing IP address'],
    ['tcp:1.2.3.4:0', 'out of range'],
    ['tcp:1.2.3.4:65536', 'out of range'],
    ['tcp:1.2.3.4:66a', 'bad port'],
    ['tcp:1.2.3.4:-1', 'bad port'],
    ['tcp:::1:6640', 'brackets'],
    ['tcp:[::1', 'unterminated'],
    ['tcp:[1.2.3.4]:80', 'not an IPv6 address'],
    ['tcp:[::1]x', 'expected ":"'],
    ['tcp:bad_host!:1', 'not an IP address'],
    ['unix:', 'empty socket path'],
    ['ptcp:99999', 'out of range'],
    ['ptcp:1:', 'empty IP address'],
    ['ptcp:1:[::1]:5', 'unexpected text'],
  ])('rejects %j (%s)', (text, reason) => {
    let err: unknown;
    try {
      parseOvsdbEndpoint(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OvsdbEndpointError);
    expect((err as OvsdbEndpointError).code).toBe('OVSDB_BAD_ENDPOINT');
    expect((err as OvsdbEndpointError).message).toContain(reason);
    expect((err as OvsdbEndpointError).context.endpoint).toBe(text);
  });

  it('parses a cluster list and refuses passive members', () => {
    expect(parseOvsdbEndpointList('tcp:1.1.1.1:6641, unix:/x ,ssl:[::1]:1')).toEqual([
      { kind: 'tcp', host: '1.1.1.1', port: 6641 },
      { kind: 'unix', path: '/x' },
      { kind: 'ssl', host: '::1', port: 1 },
    ]);
    expect(() => parseOvsdbEndpointList('tcp:1.1.1.1,ptcp:5')).toThrow(OvsdbEndpointError);
    expect(() => parseOvsdbEndpointList(' , ')).toThrow('no endpoint');
  });
});

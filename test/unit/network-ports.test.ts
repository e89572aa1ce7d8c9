// Published ports as users type them (-p, .berth/run.json) and as they are shown (ps, port, the tree).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRunRecipe, toCreateParams } from '../../extension/src/run/runOptions';
import { exposedPortRequests, formatPortMapping, formatPublishedPort, parsePortSpec, PortSyntaxError } from '../../helper/src/protocol/ports';

test('-p forms become port requests', () => {
  assert.deepEqual(parsePortSpec('80'), [{ containerPort: 80 }]);
  assert.deepEqual(parsePortSpec('8080:80'), [{ containerPort: 80, hostPort: 8080 }]);
  assert.deepEqual(parsePortSpec('127.0.0.1:18080:80'), [{ containerPort: 80, hostIp: '127.0.0.1', hostPort: 18080 }]);
  assert.deepEqual(parsePortSpec('127.0.0.1::80/udp'), [{ containerPort: 80, protocol: 'udp', hostIp: '127.0.0.1' }]);
  assert.deepEqual(parsePortSpec('53/UDP'), [{ containerPort: 53, protocol: 'udp' }]);
  assert.deepEqual(parsePortSpec('8000-8001:80-81/tcp'), [
    { containerPort: 80, protocol: 'tcp', hostPort: 8000 },
    { containerPort: 81, protocol: 'tcp', hostPort: 8001 },
  ]);
  assert.deepEqual(parsePortSpec('9000-9002'), [{ containerPort: 9000 }, { containerPort: 9001 }, { containerPort: 9002 }]);
});

test('malformed -p values are refused naming what is wrong', () => {
  const refused = (text: string, pattern: RegExp) =>
    assert.throws(() => parsePortSpec(text), (error: Error) => error instanceof PortSyntaxError && pattern.test(error.message), text);
  refused('', /empty/);
  refused('80/sctp', /unknown protocol "sctp"/);
  refused('0', /container port 0 is out of range/);
  refused('70000:80', /host port 70000 is out of range/);
  refused('300.1.1.1:80:80', /"300.1.1.1" is not an IPv4 address/);
  refused('a:80', /host port "a" is not a number/);
  refused('8080:http', /container port "http" is not a number/);
  refused('::1:80:80', /too many ":"/);
  refused('8000-8002:80-81', /host range has 3 ports and the container range 2/);
  refused('8000:80-81', /needs a host range/);
  refused('90-80', /ends before it starts/);
});

test('published ports print as docker ps and docker port print them', () => {
  const port = { hostIp: '127.0.0.1', hostPort: 18080, containerPort: 80, protocol: 'tcp' as const };
  assert.equal(formatPublishedPort(port), '127.0.0.1:18080->80/tcp');
  assert.equal(formatPortMapping(port), '80/tcp -> 127.0.0.1:18080');
});

test('-P takes the image\'s exposed ports, tcp unless said', () => {
  assert.deepEqual(exposedPortRequests({ '80/tcp': {}, '53/udp': {}, '8080': {}, junk: {}, '0/tcp': {} }), [
    // "8080" is an integer-like key: JavaScript lists it first.
    { containerPort: 8080, protocol: 'tcp' },
    { containerPort: 80, protocol: 'tcp' },
    { containerPort: 53, protocol: 'udp' },
  ]);
  assert.deepEqual(exposedPortRequests(null), []);
});

test('a run recipe carries ports and network into the create parameters', () => {
  const recipe = parseRunRecipe({ image: 'busybox:test', ports: ['127.0.0.1:8080:80', '53/udp'], network: 'mynet' });
  assert.deepEqual(toCreateParams(recipe).spec, {
    image: 'busybox:test',
    ports: [
      { containerPort: 80, hostIp: '127.0.0.1', hostPort: 8080 },
      { containerPort: 53, protocol: 'udp' },
    ],
    network: 'mynet',
  });
  assert.throws(() => parseRunRecipe({ image: 'busybox:test', ports: ['8080:80/sctp'] }), /ports\.0: -p 8080:80\/sctp: unknown protocol "sctp"/);
  assert.throws(() => parseRunRecipe({ image: 'busybox:test', network: 'bad name' }), /network: a network is bridge, none, host/);
});

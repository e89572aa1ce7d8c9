// Docker's reference syntax and the --change instructions of import.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyChanges } from '../../helper/src/images/changes';
import { familiarName, normalizeReference, parseReference } from '../../helper/src/images/reference';
import { normalizeImageReference } from '../../helper/src/engine/naming/imageReference';

describe('image references', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['library/busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['user/app:v1', 'docker.io/user/app:v1'],
    ['localhost:5000/x', 'localhost:5000/x:latest'],
    ['localhost/x:1', 'localhost/x:1'],
    ['127.0.0.1:5000/a/b/c:t', '127.0.0.1:5000/a/b/c:t'],
    [`ghcr.io/org/app@sha256:${'a'.repeat(64)}`, `ghcr.io/org/app@sha256:${'a'.repeat(64)}`],
    [`busybox:1@sha256:${'b'.repeat(64)}`, `docker.io/library/busybox:1@sha256:${'b'.repeat(64)}`],
  ];
  for (const [input, full] of cases) {
    test(`${input} → ${full}, as the engine's normalizer says`, () => {
      assert.equal(normalizeReference(input), full);
      assert.equal(normalizeImageReference(input), full);
    });
  }

  test('parts', () => {
    assert.deepEqual(parseReference('localhost:5000/x/y:2'), { domain: 'localhost:5000', path: 'x/y', tag: '2' });
    assert.equal(familiarName('docker.io/library/busybox:latest'), 'busybox:latest');
    assert.equal(familiarName('docker.io/user/app:v1'), 'user/app:v1');
  });

  for (const bad of ['', 'Busybox', 'busy box', 'busybox:', 'a//b', 'busybox@sha256:abc', '-x', 'x:' + 't'.repeat(200), 'x/UP']) {
    test(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => normalizeReference(bad), /invalid reference format/));
  }
});

describe('--change', () => {
  test('applies each instruction in order', () => {
    const config = applyChanges({}, [
      'CMD ["sh", "-c", "echo hi"]',
      'ENTRYPOINT /bin/run --x',
      'ENV A=1 B="two words"',
      'ENV C some value',
      'ENV A=3',
      'WORKDIR /srv',
      'WORKDIR app',
      'USER nobody:nogroup',
      'EXPOSE 80 53/udp',
      'VOLUME ["/data"]',
      'LABEL a=b "c d"=e',
      'STOPSIGNAL SIGINT',
    ]);
    assert.deepEqual(config, {
      Cmd: ['sh', '-c', 'echo hi'],
      Entrypoint: ['/bin/sh', '-c', '/bin/run --x'],
      Env: ['A=3', 'B=two words', 'C=some value'],
      WorkingDir: '/srv/app',
      User: 'nobody:nogroup',
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Volumes: { '/data': {} },
      Labels: { a: 'b', 'c d': 'e' },
      StopSignal: 'SIGINT',
    });
  });

  test('refuses what it cannot apply, naming it', () => {
    assert.throws(() => applyChanges({}, ['RUN echo']), /--change "RUN echo": RUN cannot be applied/);
    assert.throws(() => applyChanges({}, ['EXPOSE http']), /bad port "http"/);
    assert.throws(() => applyChanges({}, ['CMD']), /CMD needs arguments/);
    assert.throws(() => applyChanges({}, ['LABEL x']), /expected KEY=VALUE/);
  });
});

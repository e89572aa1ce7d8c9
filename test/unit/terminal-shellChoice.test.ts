// Which shell Open Shell starts, and what the terminal commands accept as a container.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerRefOf } from '../../extension/src/terminals/containerRef';
import { configuredShell, processLabel, shellFromProbe, splitCommandLine } from '../../extension/src/terminals/shellChoice';

test('the configured shell matches the reference, the name without its tag, then patterns', () => {
  const shells = { 'busybox:test': '/bin/ash -l', alpine: ['ash'], '*/node*': 'bash --login', 'node*': 'zsh' };
  assert.deepEqual(configuredShell('busybox:test', shells), ['/bin/ash', '-l']);
  assert.deepEqual(configuredShell('alpine:3.20', shells), ['ash']);
  assert.deepEqual(configuredShell('registry:5000/library/node:22', shells), ['bash', '--login']);
  assert.deepEqual(configuredShell('node:22', shells), ['zsh']);
  assert.equal(configuredShell('debian:12', shells), undefined);
  assert.equal(configuredShell('debian', undefined), undefined);
  assert.equal(configuredShell('x', { x: '   ' }), undefined);
  assert.equal(configuredShell('x', { x: 42 }), undefined);
});

test('the probe picks bash when the container has it, else sh', () => {
  assert.deepEqual(shellFromProbe('bash\n'), ['bash']);
  assert.deepEqual(shellFromProbe('sh\n'), ['sh']);
  assert.deepEqual(shellFromProbe(''), ['sh']);
});

test('command lines split on blanks, with quotes', () => {
  assert.deepEqual(splitCommandLine(`sh -c 'echo "a b"' ""`), ['sh', '-c', 'echo "a b"', '']);
  assert.equal(processLabel(['/usr/bin/bash', '-l']), 'bash');
});

test('a container is a tree node, { targetId, containerId } or an id; anything else means ask', () => {
  assert.deepEqual(containerRefOf('web'), { containerId: 'web' });
  assert.deepEqual(containerRefOf({ targetId: 'ssh:box', containerId: 'abc' }), { targetId: 'ssh:box', containerId: 'abc' });
  // The Containers view's node: id is the container's, target an object with its own id.
  assert.deepEqual(containerRefOf({ kind: 'container', id: 'abc123', target: { id: 'local', label: 'Local' } }), { targetId: 'local', containerId: 'abc123' });
  assert.deepEqual(containerRefOf({ container: { id: 'abc', name: 'web' }, target: 'local' }), { targetId: 'local', containerId: 'abc' });
  assert.equal(containerRefOf(undefined), undefined);
  assert.equal(containerRefOf(''), undefined);
  assert.equal(containerRefOf({ label: 'nothing' }), undefined);
});

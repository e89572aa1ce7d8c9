// Remote target definitions: ~/.ssh/config supplies what the target does not set; jump hosts resolve too.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSshConfig } from '../../extension/src/ssh/sshConfig';
import { checkTarget, nodeInstallHint, shq, type TargetFacts } from '../../extension/src/ssh/deploy';
import { describeSpec, parseStoredTargets, resolveRemoteSpec, type RemoteTargetConfig } from '../../extension/src/targets/remoteTargetConfig';

const sshConfig = parseSshConfig(`
Host box
  HostName 10.0.0.5
  Port 2222
  User alice
  IdentityFile /keys/box
  ProxyJump bastion

Host bastion
  HostName bastion.example
  User jumper
`);

const base: RemoteTargetConfig = { id: 't1', label: 'Box', host: 'box', rootMethod: 'auto', rememberSecrets: false };

describe('remote target config', () => {
  test('ssh config fills in host, port, user, key and jump host', () => {
    const spec = resolveRemoteSpec(base, sshConfig);
    assert.deepEqual(spec.target, { host: '10.0.0.5', port: 2222, user: 'alice', identityFiles: ['/keys/box'], identitiesOnly: false });
    assert.equal(spec.jumps.length, 1);
    assert.equal(spec.jumps[0]!.host, 'bastion.example');
    assert.equal(spec.jumps[0]!.user, 'jumper');
    assert.equal(spec.place.socketPath, '/run/berth/berth.sock');
    assert.equal(describeSpec(spec), 'ssh alice@10.0.0.5:2222 via bastion.example');
  });

  test('what the target sets wins; an empty proxyJump means direct', () => {
    const spec = resolveRemoteSpec({ ...base, user: 'root', port: 22, identityFile: '/k', proxyJump: '' }, sshConfig);
    assert.equal(spec.target.user, 'root');
    assert.equal(spec.target.port, 22);
    assert.deepEqual(spec.target.identityFiles, ['/k']);
    assert.deepEqual(spec.jumps, []);
  });

  test('stored values are checked', () => {
    assert.deepEqual(parseStoredTargets('x'), []);
    const parsed = parseStoredTargets([{ id: 'a', label: 'A', host: 'h', rootMethod: 'bogus' }, { id: 1 }]);
    assert.equal(parsed.length, 1);
    assert.equal(parsed[0]!.rootMethod, 'auto');
    assert.equal(parsed[0]!.rememberSecrets, false);
  });
});

describe('target checks', () => {
  const facts: TargetFacts = { os: 'Linux', machine: 'x86_64', arch: 'x64', uid: 0, user: 'root', home: '/root', nodePath: '/usr/bin/node', nodeVersion: 'v20.11.1', osId: 'debian', hasSudo: false };

  test('Linux, x64/arm64 and Node.js >= 20 pass', () => assert.equal(checkTarget(facts, 'box'), 'x64'));

  test('missing or old Node.js names the install command', () => {
    assert.throws(() => checkTarget({ ...facts, nodePath: undefined, nodeVersion: undefined }, 'box'), /Node\.js is not installed on box.*deb\.nodesource\.com/);
    assert.throws(() => checkTarget({ ...facts, nodeVersion: 'v18.19.0' }, 'box'), /Node\.js v18\.19\.0 .*needs 20 or newer.*apt-get install -y nodejs/);
    assert.match(nodeInstallHint('alpine'), /apk add nodejs/);
  });

  test('other systems and architectures are refused by name', () => {
    assert.throws(() => checkTarget({ ...facts, os: 'Darwin' }, 'mac'), /mac runs Darwin; .* only on Linux/);
    assert.throws(() => checkTarget({ ...facts, machine: 'riscv64', arch: undefined }, 'rv'), /riscv64/);
  });

  test('shell quoting', () => assert.equal(shq("it's"), `'it'\\''s'`));
});

// Remote target definitions: ~/.ssh/config supplies what the target does not set; jump hosts resolve too.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSshConfig } from '../../extension/src/ssh/sshConfig';
import { shq } from '../../extension/src/remoteHelper/shellQuote';
import { describeSpec, parseTargetDefinitions, resolveRemoteSpec, targetDefinition, type RemoteTargetConfig } from '../../extension/src/targets/remoteTargetConfig';

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

  test('definitions from the setting: host required, label and id default, each bad entry named and left out', () => {
    assert.deepEqual(parseTargetDefinitions(undefined), { targets: [], problems: [] });
    assert.deepEqual(parseTargetDefinitions('x'), { targets: [], problems: ['berth.targets is not a list'] });
    const { targets, problems } = parseTargetDefinitions([
      { host: ' build.example.com ' },
      { id: 'a', label: 'A', host: 'h', port: 2222, user: 'dev', rootMethod: 'sudo', rememberSecrets: true },
      { label: 'no host' },
      { host: 'h2', port: 70000 },
      { host: 'h3', rootMethod: 'bogus' },
      { host: 'h4', user: 7 },
      { host: 'build.example.com' },
      'text',
    ]);
    assert.deepEqual(targets, [
      { id: 'build.example.com', label: 'build.example.com', host: 'build.example.com', rootMethod: 'auto', rememberSecrets: false },
      { id: 'a', label: 'A', host: 'h', port: 2222, user: 'dev', rootMethod: 'sudo', rememberSecrets: true },
    ]);
    assert.deepEqual(problems, [
      'berth.targets[2]: "host" must be a host name or a ~/.ssh/config alias',
      'berth.targets[3]: "port" must be a whole number from 1 to 65535',
      'berth.targets[4]: "rootMethod" must be one of auto, root, sudo, sudo-password',
      'berth.targets[5]: "user" must be a string',
      'berth.targets[6]: another target already has the id "build.example.com"',
      'berth.targets[7] is not an object',
    ]);
  });

  test('a definition is kept without defaults and reads back the same', () => {
    const config: RemoteTargetConfig = { ...base, id: 'x1', label: 'box', user: 'dev', proxyJump: '', rootMethod: 'auto', rememberSecrets: false };
    assert.deepEqual(targetDefinition(config), { id: 'x1', label: 'box', host: 'box', user: 'dev' });
    assert.deepEqual(parseTargetDefinitions([targetDefinition(config)]).targets, [{ id: 'x1', label: 'box', host: 'box', user: 'dev', rootMethod: 'auto', rememberSecrets: false }]);
  });
});

test('shell quoting', () => assert.equal(shq("it's"), `'it'\\''s'`));

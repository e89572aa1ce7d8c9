// ~/.ssh/config: Host patterns, first value wins, IdentityFile accumulates, tokens, Include, ProxyJump.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { listHostAliases, parseHostSpec, parseSshConfig, readSshConfig, resolveHost, splitWords } from '../../extension/src/ssh/sshConfig';

const CONFIG = `
# global
IdentityFile ~/.ssh/global_key

Host box
  HostName 10.0.0.5
  Port 2222
  User alice
  IdentityFile ~/.ssh/%h_%r

Host *.lan !printer.lan
  User=lanuser
  ProxyJump jump@bastion:2200,second

Host box *.lan
  Port 9999
  User ignored

Match host box
  User matched

Host "quoted host"
  HostName q.example
  IdentitiesOnly yes
`;

describe('ssh config', () => {
  const config = parseSshConfig(CONFIG);

  test('first value wins, IdentityFile accumulates, tokens and ~ expand', () => {
    const box = resolveHost(config, 'box', '/home/me');
    assert.equal(box.hostName, '10.0.0.5');
    assert.equal(box.port, 2222);
    assert.equal(box.user, 'alice');
    assert.deepEqual(box.identityFiles, ['/home/me/.ssh/global_key', '/home/me/.ssh/10.0.0.5_alice']);
    assert.deepEqual(box.proxyJump, []);
  });

  test('wildcards, negation, Key=value, ProxyJump lists', () => {
    const nas = resolveHost(config, 'nas.lan', '/h');
    assert.equal(nas.hostName, 'nas.lan');
    assert.equal(nas.user, 'lanuser');
    assert.equal(nas.port, 9999);
    assert.deepEqual(nas.proxyJump, ['jump@bastion:2200', 'second']);
    const printer = resolveHost(config, 'printer.lan', '/h');
    assert.equal(printer.user, 'ignored');
    assert.deepEqual(printer.proxyJump, []);
  });

  test('unknown hosts get the defaults; Match is skipped and noted', () => {
    const other = resolveHost(config, 'other', '/h');
    assert.equal(other.hostName, 'other');
    assert.equal(other.port, 22);
    assert.equal(other.user, undefined);
    assert.equal(config.notes.length, 1);
    assert.match(config.notes[0]!, /Match/);
  });

  test('quoted words and IdentitiesOnly', () => {
    assert.deepEqual(splitWords('a "b c" d'), ['a', 'b c', 'd']);
    const quoted = resolveHost(config, 'quoted host', '/h');
    assert.equal(quoted.hostName, 'q.example');
    assert.ok(quoted.identitiesOnly);
  });

  test('lists concrete aliases for the add-target picker', () => {
    assert.deepEqual(listHostAliases(config), ['box', 'quoted host']);
  });

  test('host specs', () => {
    assert.deepEqual(parseHostSpec('u@h:22'), { user: 'u', host: 'h', port: 22 });
    assert.deepEqual(parseHostSpec('h'), { user: undefined, host: 'h', port: undefined });
    assert.deepEqual(parseHostSpec('u@[::1]:2200'), { user: 'u', host: '::1', port: 2200 });
  });

  test('IdentityAgent, and the keywords Berth does not honour are reported', () => {
    const parsed = parseSshConfig('Host a\n  IdentityAgent ~/agent.sock\n  ProxyCommand nc %h %p\nHost b\n  IdentityAgent none\n  ProxyCommand none\n');
    const a = resolveHost(parsed, 'a', '/h');
    assert.equal(a.identityAgent, '/h/agent.sock');
    assert.deepEqual(a.unsupported, ['ProxyCommand']);
    const b = resolveHost(parsed, 'b', '/h');
    assert.equal(b.identityAgent, false);
    assert.deepEqual(b.unsupported, []);
  });

  test('Include with a wildcard, relative to ~/.ssh', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-sshconfig-'));
    try {
      mkdirSync(join(dir, 'conf.d'));
      writeFileSync(join(dir, 'config'), 'Include conf.d/*.conf\nHost late\n  User late\n');
      writeFileSync(join(dir, 'conf.d', 'a.conf'), 'Host inc\n  HostName included.example\n  Port 2022\n');
      const read = readSshConfig(join(dir, 'config'));
      const inc = resolveHost(read, 'inc');
      assert.equal(inc.hostName, 'included.example');
      assert.equal(inc.port, 2022);
      assert.equal(resolveHost(read, 'late').user, 'late');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

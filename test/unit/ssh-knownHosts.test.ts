// known_hosts logic: fingerprints as OpenSSH prints them, plain/hashed/pattern entries, [host]:port,
// changed and revoked keys, and the atomic append.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  appendKnownHost,
  changedKeyMessage,
  fingerprint,
  hostFieldMatches,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from '../../extension/src/ssh/knownHosts';

// Two real ed25519 public key blobs (made once with ssh-keygen).
const KEY_A = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64');
const KEY_B = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIKSq1jZ2o2UBdNWtEBsDV6ZtH7F0Ev0EKq2bG1vHz5Yt', 'base64');

const hashed = (name: string, salt = Buffer.from('0123456789abcdefghij')) =>
  `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;

describe('fingerprint', () => {
  test('matches ssh-keygen -l', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-fp-'));
    try {
      writeFileSync(join(dir, 'k.pub'), `ssh-ed25519 ${KEY_A.toString('base64')} test\n`);
      const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
      assert.equal(fingerprint(KEY_A), printed);
      assert.doesNotMatch(fingerprint(KEY_A), /=$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('reads the key type from the blob', () => assert.equal(keyTypeOf(KEY_A), 'ssh-ed25519'));
});

describe('host names and patterns', () => {
  test('port 22 is the bare host, others [host]:port', () => {
    assert.equal(knownHostsName('example.com', 22), 'example.com');
    assert.equal(knownHostsName('example.com', 2222), '[example.com]:2222');
  });

  test('comma lists, wildcards, negation, case', () => {
    assert.ok(hostFieldMatches('a.example,b.example', 'b.example'));
    assert.ok(hostFieldMatches('*.example', 'Host.Example'));
    assert.ok(hostFieldMatches('10.0.0.?', '10.0.0.7'));
    assert.ok(!hostFieldMatches('*.example,!bad.example', 'bad.example'));
    assert.ok(!hostFieldMatches('example.com', '[example.com]:2222'));
    assert.ok(hostFieldMatches('[example.com]:2222', '[example.com]:2222'));
  });

  test('hashed names', () => {
    assert.ok(hostFieldMatches(hashed('[10.1.2.3]:2200'), '[10.1.2.3]:2200'));
    assert.ok(!hostFieldMatches(hashed('[10.1.2.3]:2200'), '10.1.2.3'));
    assert.ok(!hostFieldMatches('|1|broken', 'x'));
  });
});

describe('verifyHostKey', () => {
  const text = [
    '# comment',
    '',
    `known.example ssh-ed25519 ${KEY_A.toString('base64')}`,
    `${hashed('[hidden.example]:2222')} ssh-ed25519 ${KEY_A.toString('base64')}`,
    `rsa-only.example ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7`,
    `@revoked * ssh-ed25519 ${KEY_B.toString('base64')}`,
    '@cert-authority *.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==',
    'garbage',
  ].join('\n');
  const entries = parseKnownHosts(text);

  test('parses entries with their markers and line numbers, skipping junk', () => {
    assert.equal(entries.length, 5);
    assert.equal(entries[0]!.line, 3);
    assert.equal(entries[3]!.marker, 'revoked');
  });

  test('known, hashed known, unknown, changed, revoked', () => {
    assert.deepEqual(verifyHostKey(entries, 'known.example', 22, KEY_A), { kind: 'known', line: 3 });
    assert.deepEqual(verifyHostKey(entries, 'hidden.example', 2222, KEY_A), { kind: 'known', line: 4 });
    assert.deepEqual(verifyHostKey(entries, 'hidden.example', 22, KEY_A), { kind: 'unknown', otherTypes: [] });
    assert.deepEqual(verifyHostKey(entries, 'rsa-only.example', 22, KEY_A), { kind: 'unknown', otherTypes: ['ssh-rsa'] });
    const changed = parseKnownHosts(`known.example ssh-ed25519 ${KEY_B.toString('base64')}`);
    assert.deepEqual(verifyHostKey(changed, 'known.example', 22, KEY_A), { kind: 'changed', knownFingerprint: fingerprint(KEY_B), line: 1 });
    assert.deepEqual(verifyHostKey(entries, 'anything', 22, KEY_B), { kind: 'revoked', line: 6 });
  });

  test('known key types for ordering host-key algorithms', () => {
    assert.deepEqual(knownKeyTypes(entries, 'rsa-only.example', 22), ['ssh-rsa']);
    assert.deepEqual(knownKeyTypes(entries, 'nowhere', 22), []);
  });

  test('the changed-key message names both fingerprints and how to resolve it', () => {
    const message = changedKeyMessage('h', 2222, '/home/u/.ssh/known_hosts', { knownFingerprint: fingerprint(KEY_B), line: 7 }, KEY_A);
    assert.ok(message.includes(fingerprint(KEY_A)) && message.includes(fingerprint(KEY_B)));
    assert.ok(message.includes("ssh-keygen -R '[h]:2222' -f '/home/u/.ssh/known_hosts'"));
    assert.ok(message.includes('/home/u/.ssh/known_hosts:7'));
  });
});

describe('appendKnownHost', () => {
  test('creates the file 0600 and its directory, and appends after a line without newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-kh-'));
    try {
      const path = join(dir, 'ssh', 'known_hosts');
      appendKnownHost(path, knownHostsLine('a', 22, KEY_A));
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'ssh')).mode & 0o777, 0o700);
      writeFileSync(path, readFileSync(path, 'utf8').trimEnd());
      appendKnownHost(path, knownHostsLine('b', 2222, KEY_B));
      assert.equal(readFileSync(path, 'utf8'), `a ssh-ed25519 ${KEY_A.toString('base64')}\n[b]:2222 ssh-ed25519 ${KEY_B.toString('base64')}\n`);
      assert.deepEqual(verifyHostKey(parseKnownHosts(readFileSync(path, 'utf8')), 'b', 2222, KEY_B), { kind: 'known', line: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

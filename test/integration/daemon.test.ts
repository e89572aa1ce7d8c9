// Real daemons as root on temporary sockets: what the socket looks like on disk, who may reach it, what
// system.version says, and that a second daemon never steals a live one's socket.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cgroupModeFromMountinfo } from '../../helper/src/cgroups/mode';
import { version } from '../../package.json';
import { REPO, exited, privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';

const tmp = privateTempDir();
// Traversable by anyone, so that only the socket's own owner, group and mode decide who connects.
chmodSync(tmp.path, 0o755);
after(() => tmp.remove());

/** The berth group's gid from /etc/group (the daemon creates the group when it is missing). */
function berthGid(): number {
  const line = readFileSync('/etc/group', 'utf8').split('\n').find((entry) => entry.startsWith('berth:'));
  assert.ok(line, 'the daemon created the berth group');
  return Number(line.split(':')[2]);
}

describe('a running daemon', () => {
  let daemon: DaemonProcess;
  const socketPath = join(tmp.path, 'run', 'nested', 'berth.sock');
  const rootDir = join(tmp.path, 'root');
  before(async () => {
    daemon = await startDaemon(socketPath, rootDir);
  });
  after(() => daemon.stop());

  test('creates its socket 0660, owned by root and the berth group, in a directory it created 0755', () => {
    const socket = lstatSync(socketPath);
    assert.ok(socket.isSocket());
    assert.equal(socket.mode & 0o777, 0o660);
    assert.equal(socket.uid, 0);
    assert.equal(socket.gid, berthGid());
    const dir = statSync(join(tmp.path, 'run', 'nested'));
    assert.equal(dir.mode & 0o777, 0o755);
    assert.equal(dir.uid, 0);
  });

  test('creates its root directory 0700', () => {
    assert.equal(statSync(rootDir).mode & 0o777, 0o700);
    assert.equal(readFileSync(join(rootDir, 'daemon.lock'), 'utf8'), `${daemon.child.pid}\n`);
  });

  test('answers system.version with the helper version, kernel, cgroup mode and root', async () => {
    const client = await daemon.connect();
    try {
      const info = await client.call('system.version', {});
      assert.equal(info.helperVersion, version);
      assert.equal(info.kernel, release());
      assert.equal(info.arch, arch());
      assert.equal(info.root, true);
      assert.equal(info.pid, daemon.child.pid);
      assert.equal(info.cgroupMode, cgroupModeFromMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')));
      assert.notEqual(info.cgroupMode, 'none');
    } finally {
      client.close();
    }
  });

  test('a user other than root cannot connect to the socket', async () => {
    // The socket's mode is the API's access control: uid 65534 (nobody) must get EACCES.
    const probe = `require('net').connect(${JSON.stringify(socketPath)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)})`;
    const child = spawn(process.execPath, ['-e', probe], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    await exited(child);
    assert.equal(out.trim(), 'EACCES');
  });

  test('a member of the berth group can connect to the socket', async () => {
    const probe = `require('net').connect(${JSON.stringify(socketPath)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)})`;
    const child = spawn(process.execPath, ['-e', probe], { uid: 65534, gid: berthGid(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    await exited(child);
    assert.equal(out.trim(), 'connected');
  });

  test('a second daemon on the same socket refuses to start and the first keeps serving', async () => {
    const second = await runBerth(['daemon', '--socket', socketPath, '--root', join(tmp.path, 'other-root')]);
    assert.equal(second.code, 1);
    assert.equal(
      second.stderr,
      `berth: another daemon (pid ${daemon.child.pid}) is already serving ${socketPath}; stop it first or choose another --socket\n`,
    );
    assert.ok(lstatSync(socketPath).isSocket());
    const client = await daemon.connect();
    assert.equal((await client.call('system.version', {})).pid, daemon.child.pid);
    client.close();
  });

  test('a second daemon on the same root refuses to start', async () => {
    const second = await runBerth(['daemon', '--socket', join(tmp.path, 'run', 'other.sock'), '--root', rootDir]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`another daemon \\(pid ${daemon.child.pid}\\) is already using the root ${rootDir}`));
    assert.equal(existsSync(join(tmp.path, 'run', 'other.sock')), false);
  });

  test('plain HTTP to the socket gets a readable answer, not a hang', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const request = require('node:http').get({ socketPath, path: '/' }, (response: import('node:http').IncomingMessage) => {
        let text = `${response.statusCode} `;
        response.on('data', (chunk: Buffer) => (text += chunk));
        response.on('end', () => resolve(text));
      });
      request.on('error', reject);
    });
    assert.match(body, /^426 This is the Berth helper's API: connect with a WebSocket to \/rpc/);
  });
});

test('SIGTERM stops the daemon cleanly and removes its socket', async () => {
  const socketPath = join(tmp.path, 'term', 'berth.sock');
  const daemon = await startDaemon(socketPath, join(tmp.path, 'term-root'));
  assert.equal(await daemon.stop(), 0);
  assert.equal(existsSync(socketPath), false);
  assert.match(daemon.output(), /SIGTERM received, stopping/);
});

test('a socket left by a killed daemon is reclaimed by the next one', async () => {
  const socketPath = join(tmp.path, 'stale', 'berth.sock');
  const rootDir = join(tmp.path, 'stale-root');
  const first = await startDaemon(socketPath, rootDir);
  first.child.kill('SIGKILL');
  await exited(first.child);
  assert.ok(lstatSync(socketPath).isSocket(), 'SIGKILL leaves the socket file behind');
  const second = await startDaemon(socketPath, rootDir);
  const client = await second.connect();
  assert.equal((await client.call('system.version', {})).pid, second.child.pid);
  client.close();
  assert.equal(await second.stop(), 0);
});

test('a socket directory that others can write to is refused', async () => {
  const dir = join(tmp.path, 'open');
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  const result = await runBerth(['daemon', '--socket', join(dir, 'berth.sock'), '--root', join(tmp.path, 'open-root')]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /the socket's directory .*\/open can be written by others \(mode 1777\)/);
});

test('a regular file where the socket should be is never deleted', async () => {
  const dir = join(tmp.path, 'file');
  mkdirSync(dir);
  const socketPath = join(dir, 'berth.sock');
  writeFileSync(socketPath, 'precious');
  const result = await runBerth(['daemon', '--socket', socketPath, '--root', join(tmp.path, 'file-root')]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /berth\.sock exists and is not a socket; refusing to replace it/);
  assert.equal(readFileSync(socketPath, 'utf8'), 'precious');
});

test('the helper folder runs on its own, away from the repository', async () => {
  // What the extension copies to a target: dist/helper alone, with koffi's native parts beside the bundle.
  const copy = join(tmp.path, 'deployed');
  require('node:fs').cpSync(join(REPO, 'dist', 'helper'), copy, { recursive: true });
  for (const nativeArch of ['x64', 'arm64']) {
    assert.ok(existsSync(join(copy, 'node_modules', '@koromix', `koffi-linux-${nativeArch}`, 'package.json')), nativeArch);
  }
  const socketPath = join(tmp.path, 'deployed-run', 'berth.sock');
  const child = spawn(join(copy, 'bin', 'berth'), ['daemon', '--socket', socketPath, '--root', join(tmp.path, 'deployed-root')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: '/',
    env: { PATH: process.env.PATH },
  });
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', () => log.includes(' serving ') && resolve());
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${log}`)));
    });
    // flock through koffi ran at start; the lock file proves the native part loaded from the copy.
    assert.equal(readFileSync(`${socketPath}.lock`, 'utf8'), `${child.pid}\n`);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited(child), 0);
  }
});

describe('the opt-in TCP listener', () => {
  const port = 20000 + (process.pid % 20000);
  const socketPath = join(tmp.path, 'tcp', 'berth.sock');
  const rootDir = join(tmp.path, 'tcp-root');
  let daemon: DaemonProcess;
  before(async () => {
    daemon = await startDaemon(socketPath, rootDir, ['--tcp', `127.0.0.1:${port}`]);
  });
  after(() => daemon.stop());

  test('refuses a client without the token, serves one with it', async () => {
    const token = readFileSync(join(rootDir, 'api-token'), 'utf8').trim();
    assert.equal(statSync(join(rootDir, 'api-token')).mode & 0o777, 0o600);
    assert.doesNotMatch(daemon.output(), new RegExp(token), 'the token is never logged');
    const host = ['--host', `tcp://127.0.0.1:${port}`];
    const without = await runBerth([...host, 'ps']);
    assert.equal(without.code, 125);
    assert.match(without.stderr, /wants its token/);
    const wrong = await runBerth([...host, 'ps'], { env: { ...process.env, BERTH_TOKEN: 'f'.repeat(64) } });
    assert.equal(wrong.code, 125);
    const right = await runBerth([...host, 'info', '--format', 'json'], { env: { ...process.env, BERTH_TOKEN: token } });
    assert.equal(right.code, 0, right.stderr);
    assert.equal(JSON.parse(right.stdout).pid, daemon.child.pid);
  });

  test('will not listen beyond loopback', async () => {
    const result = await runBerth(['daemon', '--socket', join(tmp.path, 'tcp2', 's.sock'), '--root', join(tmp.path, 'tcp2-root'), '--tcp', `0.0.0.0:${port + 1}`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /listens on loopback only/);
  });
});

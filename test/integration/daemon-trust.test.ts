// What a root daemon runs and who it is: it refuses to start from files or folders a non-root user could
// change (naming the path), keeps one engine identity per root, and `berth dial-stdio` carries the socket's
// bytes unchanged in both directions. Real daemons as root on temporary paths; the copies of the helper
// and of node are the tests' own, under /tmp (root-owned and sticky, which is allowed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BERTH, REPO, privateTempDir, runBerth, startDaemon } from '../support/daemonProcess';

const tmp = privateTempDir('berth-trust-');
after(() => tmp.remove());
const NOBODY = 65534;

/** A copy of dist/helper at `dir`, as the extension installs it. */
function helperCopy(dir: string): string {
  cpSync(join(REPO, 'dist', 'helper'), dir, { recursive: true });
  return dir;
}

/** Runs `NODE helperDir/berth.js daemon …` to its end (a refused start ends at once). */
function runDaemonFrom(helperDir: string, name: string, node = process.execPath): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const args = [join(helperDir, 'berth.js'), 'daemon', '--socket', join(tmp.path, name, 'berth.sock'), '--root', join(tmp.path, name, 'root')];
    const child = spawn(node, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      // Started after all (the test then fails on the code): stop it rather than wait forever.
      if (stderr.includes(' serving ')) child.kill('SIGTERM');
    });
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('a root daemon runs only what root alone can change', () => {
  test('a helper file owned by another user: refused, naming the file', async () => {
    const dir = helperCopy(join(tmp.path, 'owned'));
    chownSync(join(dir, 'init.js'), NOBODY, NOBODY);
    const result = await runDaemonFrom(dir, 'owned');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`refusing to run as root: ${join(dir, 'init.js')} belongs to uid ${NOBODY}, not root`));
  });

  test('a folder above the helper that others can write to (not sticky): refused, naming the folder', async () => {
    const open = join(tmp.path, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const dir = helperCopy(join(open, 'helper'));
    const result = await runDaemonFrom(dir, 'open');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`${open} can be written by every user \\(mode 777\\)`));
  });

  test("a folder inside the helper writable by a user's group: refused", async () => {
    const dir = helperCopy(join(tmp.path, 'group'));
    const native = join(dir, 'node_modules', '@koromix');
    chownSync(native, 0, NOBODY);
    chmodSync(native, 0o775);
    const result = await runDaemonFrom(dir, 'group');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`${native} can be written by the members of group ${NOBODY} \\(mode 775\\)`));
  });

  test('Node.js in a folder a user owns (nvm in a home, say): refused, naming it', async () => {
    const home = join(tmp.path, 'home');
    mkdirSync(home);
    chownSync(home, NOBODY, NOBODY);
    const node = join(home, 'node');
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
    const result = await runDaemonFrom(helperCopy(join(tmp.path, 'node-copy')), 'node-copy', node);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`${home} belongs to uid ${NOBODY}, not root`));
  });

  test('the same copy, owned by root and under the sticky /tmp, starts', async () => {
    const dir = helperCopy(join(tmp.path, 'trusted'));
    const daemon = await startDaemon(join(tmp.path, 'trusted-run', 'berth.sock'), join(tmp.path, 'trusted-root'), [], { berth: join(dir, 'bin', 'berth') });
    assert.equal(await daemon.stop(), 0);
  });
});

describe('the engine identity', () => {
  test('is made once per root, kept across restarts, and differs for another root', async () => {
    const rootDir = join(tmp.path, 'id-root');
    const ask = async (socket: string, root: string) => {
      const daemon = await startDaemon(join(tmp.path, socket, 'berth.sock'), root);
      const client = await daemon.connect();
      try {
        return (await client.call('system.version', {})).engineId;
      } finally {
        client.close();
        await daemon.stop();
      }
    };
    const first = await ask('id-a', rootDir);
    assert.match(first, /^[0-9a-f]{32}$/);
    assert.equal(readFileSync(join(rootDir, 'engine-id'), 'utf8').trim(), first);
    assert.equal(await ask('id-b', rootDir), first, 'the same root, another socket: the same engine');
    assert.notEqual(await ask('id-c', join(tmp.path, 'id-other-root')), first);
  });
});

describe('berth dial-stdio', () => {
  test('carries every byte value both ways unchanged, half-closes, and ends with the socket', async () => {
    // An echo server stands in for the daemon: what comes back must be exactly what went in.
    const socketPath = join(tmp.path, 'echo.sock');
    const server = createServer((connection) => connection.pipe(connection));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const payload = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(1 << 20)]);
      const child = spawn(BERTH, ['dial-stdio', '--socket', socketPath], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const received: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => received.push(chunk));
      const code = new Promise<number | null>((resolve) => child.once('exit', resolve));
      // Nothing is sent before the bridge says it is connected (over SSH, sudo may still be reading stdin).
      await new Promise<void>((resolve) => child.stderr.on('data', () => stderr.includes('berth dial-stdio: connected') && resolve()));
      child.stdin.end(payload);
      assert.equal(await code, 0);
      assert.ok(Buffer.concat(received).equals(payload), `got ${Buffer.concat(received).length} of ${payload.length} bytes back`);
    } finally {
      server.close();
    }
  });

  test('a socket nobody serves: exit 1 with the reason', async () => {
    const result = await runBerth(['dial-stdio', '--socket', join(tmp.path, 'nothing.sock')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /berth dial-stdio: .*nothing\.sock: connect ENOENT/);
  });
});

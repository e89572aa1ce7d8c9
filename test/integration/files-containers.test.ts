// The files API against real containers of a real daemon: what a process in the container writes is read
// through fs.readFile, what fs.writeFile writes is what `exec cat` prints, a change made by `exec` arrives
// through fs.watch, a stopped container's files stay browsable and writable, and an image without a
// shell is browsed as well as any (nothing runs inside the container to list it).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readFileBytes, writeFileBytes } from '../../extension/src/explorer/fileTransfer';
import type { FileChange } from '../../helper/src/protocol';
import { IMAGE, startEngine, type EngineHarness } from '../support/engineHarness';

let engine: EngineHarness;

before(async () => {
  engine = await startEngine();
  const run = await engine.berth(['run', '-d', '--name', 'web', IMAGE, 'sleep', '100000']);
  assert.equal(run.code, 0, run.stderr);
});

after(async () => {
  await engine.close();
});

const exec = async (container: string, script: string) => {
  const result = await engine.berth(['exec', container, 'sh', '-c', script]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
};

test('a file written inside the running container is read through fs.readFile', async () => {
  await exec('web', 'echo hi from inside > /tmp/f');
  assert.equal((await readFileBytes(engine.client, 'web', '/tmp/f')).toString(), 'hi from inside\n');
  const stat = await engine.client.call('fs.stat', { container: 'web', path: '/tmp/f' });
  assert.deepEqual([stat.kind, stat.size], ['file', 15]);
});

test('fs.writeFile writes what exec cat prints, and keeps the mode of the file it replaces', async () => {
  await exec('web', 'echo old > /etc/motd && chmod 640 /etc/motd');
  await writeFileBytes(engine.client, 'web', '/etc/motd', Buffer.from('welcome to berth\n'), { create: true, overwrite: true });
  assert.equal(await exec('web', 'cat /etc/motd'), 'welcome to berth\n');
  assert.equal((await exec('web', 'stat -c %a:%u:%g /etc/motd')).trim(), '640:0:0');
  await writeFileBytes(engine.client, 'web', '/root/new-file', Buffer.from('new'), { create: true, overwrite: false });
  assert.equal(await exec('web', 'cat /root/new-file; echo; stat -c %a:%u:%g /root/new-file'), 'new\n644:0:0\n');
});

test('the container id, an id prefix and the name all reach the same files', async () => {
  const [summary] = await engine.client.call('containers.list', { filters: { name: ['web'] } });
  assert.ok(summary);
  for (const ref of [summary.id, summary.id.slice(0, 12), 'web']) {
    assert.equal((await readFileBytes(engine.client, ref, '/tmp/f')).toString(), 'hi from inside\n');
  }
  const unknown = await engine.client.call('fs.stat', { container: 'no-such-container', path: '/' }).catch((e: unknown) => e);
  assert.equal((unknown as { code?: number }).code, -32004);
});

test('a change made by exec inside the container arrives through fs.watch', async () => {
  const stream = await engine.client.openStream('fs.watch', { container: 'web', path: '/tmp', recursive: true });
  const seen: FileChange[] = [];
  stream.listen({ items: (items) => void seen.push(...(items as FileChange[])) });
  await exec('web', 'mkdir -p /tmp/sub && echo x > /tmp/sub/made-inside && echo more >> /tmp/f');
  const deadline = Date.now() + 5000;
  const want = () =>
    seen.some((c) => c.type === 'created' && c.path === '/tmp/sub/made-inside') && seen.some((c) => c.type === 'changed' && c.path === '/tmp/f');
  while (!want()) {
    if (Date.now() > deadline) assert.fail(`not seen: ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stream.cancel();
});

test('a symlink in the container to /etc/shadow means the container\'s /etc/shadow', async () => {
  await exec('web', 'echo "root:container-shadow:::::::" > /etc/shadow && ln -sf /etc/shadow /tmp/shadow-link');
  assert.equal((await readFileBytes(engine.client, 'web', '/tmp/shadow-link')).toString(), 'root:container-shadow:::::::\n');
  // Written through: the link stays, its target inside the container changes.
  await writeFileBytes(engine.client, 'web', '/tmp/shadow-link', Buffer.from('root:rewritten:::::::\n'), { create: false, overwrite: true });
  assert.equal(await exec('web', 'readlink /tmp/shadow-link; cat /etc/shadow'), '/etc/shadow\nroot:rewritten:::::::\n');
});

test('what is mounted inside a running container (/etc/hostname, a volume) is seen and written as the container sees it', async () => {
  const run = await engine.berth(['run', '-d', '--name', 'withvol', '--hostname', 'vol-host', '-v', 'filesvol:/data', IMAGE, 'sleep', '100000']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal((await readFileBytes(engine.client, 'withvol', '/etc/hostname')).toString(), 'vol-host\n');
  await exec('withvol', 'echo in the volume > /data/v.txt');
  assert.equal((await readFileBytes(engine.client, 'withvol', '/data/v.txt')).toString(), 'in the volume\n');
  await writeFileBytes(engine.client, 'withvol', '/data/from-api.txt', Buffer.from('api wrote\n'), { create: true, overwrite: false });
  assert.equal(await exec('withvol', 'cat /data/from-api.txt'), 'api wrote\n');
  // A bound file is rewritten in place: the container keeps its mount and sees the new content.
  await writeFileBytes(engine.client, 'withvol', '/etc/hostname', Buffer.from('renamed-host\n'), { create: false, overwrite: true });
  assert.equal(await exec('withvol', 'cat /etc/hostname; grep -c " /etc/hostname " /proc/self/mountinfo'), 'renamed-host\n1\n');
  const refused = await engine.client.call('fs.delete', { container: 'withvol', path: '/data', recursive: true }).catch((e: unknown) => e);
  assert.equal((refused as { data?: { fsCode?: string } }).data?.fsCode, 'NoPermissions');
  assert.equal(await exec('withvol', 'cat /data/v.txt'), 'in the volume\n');
});

test('a watch ends with FileNotFound when its container is removed', async () => {
  const run = await engine.berth(['run', '-d', '--name', 'doomed', IMAGE, 'sleep', '100000']);
  assert.equal(run.code, 0, run.stderr);
  const stream = await engine.client.openStream('fs.watch', { container: 'doomed', path: '/', recursive: true });
  stream.listen({});
  assert.equal((await engine.berth(['rm', '-f', 'doomed'])).code, 0);
  const ended = await stream.done.then(() => 'ended without error', (error: unknown) => (error as { data?: { fsCode?: string } }).data?.fsCode);
  assert.equal(ended, 'FileNotFound');
});

test('a running container\'s /proc is its own, and files whose size says 0 are read to the end', async () => {
  const cmdline = (await readFileBytes(engine.client, 'web', '/proc/1/cmdline')).toString();
  assert.equal(cmdline, 'sleep\u0000100000\u0000');
  const stat = await engine.client.call('fs.stat', { container: 'web', path: '/proc/1/cmdline' });
  assert.equal(stat.size, 0);
});

test('a stopped container\'s files are read and written all the same', async () => {
  const run = await engine.berth(['run', '-d', '--name', 'stopped', IMAGE, 'sh', '-c', 'test -f /data.txt || echo before-stop > /data.txt; sleep 100000']);
  assert.equal(run.code, 0, run.stderr);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal((await engine.berth(['stop', '-t', '1', 'stopped'])).code, 0);
  assert.equal((await readFileBytes(engine.client, 'stopped', '/data.txt')).toString(), 'before-stop\n');
  await writeFileBytes(engine.client, 'stopped', '/data.txt', Buffer.from('written while stopped\n'), { create: false, overwrite: true });
  assert.equal((await readFileBytes(engine.client, 'stopped', '/data.txt')).toString(), 'written while stopped\n');
  assert.equal((await engine.berth(['start', 'stopped'])).code, 0);
  assert.equal(await exec('stopped', 'cat /data.txt'), 'written while stopped\n');
  const { entries } = await engine.client.call('fs.readDirectory', { container: 'stopped', path: '/bin' });
  assert.ok(entries.some((e) => e.name === 'sh' && e.symlink && e.kind === 'file'));
});

test('an image without a shell is browsed and edited all the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-noshell-'));
  try {
    mkdirSync(join(dir, 'etc'));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'etc', 'app.conf'), 'level=1\n');
    // One static program that is not a shell (busybox under another name behaves as that applet).
    copyFileSync('/bin/busybox', join(dir, 'app', 'sleep'));
    const imported = await engine.berth(['import', dir, 'noshell:test']);
    assert.equal(imported.code, 0, imported.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const run = await engine.berth(['run', '-d', '--name', 'noshell', 'noshell:test', '/app/sleep', '100000']);
  assert.equal(run.code, 0, run.stderr);
  const { entries } = await engine.client.call('fs.readDirectory', { container: 'noshell', path: '/' });
  assert.ok(entries.some((e) => e.name === 'app'));
  assert.ok(!entries.some((e) => e.name === 'bin'));
  assert.equal((await readFileBytes(engine.client, 'noshell', '/etc/app.conf')).toString(), 'level=1\n');
  await writeFileBytes(engine.client, 'noshell', '/etc/app.conf', Buffer.from('level=2\n'), { create: false, overwrite: true });
  assert.equal((await readFileBytes(engine.client, 'noshell', '/etc/app.conf')).toString(), 'level=2\n');
});

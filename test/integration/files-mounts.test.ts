// A running container's files as its process sees them: what is mounted inside its own mount namespace
// (volumes, a file bound over /etc/hostname) is read and written through /proc/PID/root, which the host's
// view of the root filesystem does not show; once the process is gone, the root filesystem directory is
// used again. The "container" here is a chrooted process in a private mount namespace.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { readFileBytes, writeFileBytes } from '../../extension/src/explorer/fileTransfer';
import { waitFor } from '../support/waitFor';
import { startFilesServer, type FilesServer } from './files-server';

let server: FilesServer;
let client: RpcClient;
let root: string;
let child: ChildProcess;
const C = 'mounted';

before(async () => {
  server = await startFilesServer();
  client = await server.connect();
  root = server.addRoot(C);
  for (const dir of ['bin', 'etc', 'tmp', 'vol']) mkdirSync(join(root, dir));
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  symlinkSync('busybox', join(root, 'bin', 'sleep'));
  writeFileSync(join(root, 'etc', 'hostname'), '');
  writeFileSync(join(root, 'hostname-source'), 'engine-host\n');
  const script = [
    `mount -t tmpfs none ${root}/vol`,
    `echo in-volume > ${root}/vol/f`,
    `mount --bind ${root}/hostname-source ${root}/etc/hostname`,
    'echo ready',
    `exec chroot ${root} /bin/sleep 100000`,
  ].join(' && ');
  child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the container process exited with ${code}`)));
  });
  // "ready" comes before the exec of chroot: the process is the container once its root is the root.
  await waitFor('the process to chroot into the root', () => readlinkSync(`/proc/${child.pid}/root`) === root);
  server.setProcess(C, child.pid);
});

after(async () => {
  child.kill('SIGKILL');
  await server.close();
});

test('a volume mounted inside is read through the running process\'s root, not the host view', async () => {
  assert.equal(existsSync(join(root, 'vol', 'f')), false, 'the host view of the root has no volume');
  assert.equal((await readFileBytes(client, C, '/vol/f')).toString(), 'in-volume\n');
  const { entries } = await client.call('fs.readDirectory', { container: C, path: '/vol' });
  assert.deepEqual(entries.map((e) => e.name), ['f']);
});

test('a write into the volume lands in the volume', async () => {
  await writeFileBytes(client, C, '/vol/g', Buffer.from('written'), { create: true, overwrite: false });
  assert.equal((await readFileBytes(client, C, '/vol/g')).toString(), 'written');
  assert.equal(existsSync(join(root, 'vol', 'g')), false);
  assert.ok(!(await client.call('fs.readDirectory', { container: C, path: '/vol' })).entries.some((e) => e.name.includes('.berth-')));
});

test('a file bound over /etc/hostname is read, and written in place (a mount point cannot be renamed over)', async () => {
  assert.equal((await readFileBytes(client, C, '/etc/hostname')).toString(), 'engine-host\n');
  await writeFileBytes(client, C, '/etc/hostname', Buffer.from('edited-host\n'), { create: false, overwrite: true });
  assert.equal((await readFileBytes(client, C, '/etc/hostname')).toString(), 'edited-host\n');
  assert.equal(readFileSync(join(root, 'hostname-source'), 'utf8'), 'edited-host\n', 'the bound file itself changed');
  const { entries } = await client.call('fs.readDirectory', { container: C, path: '/etc' });
  assert.deepEqual(entries.map((e) => e.name), ['hostname']);
});

test('a tree holding mounts is copied with what is mounted in it', async () => {
  await client.call('fs.copy', { container: C, from: '/vol', to: '/vol-copy', overwrite: false });
  assert.equal((await readFileBytes(client, C, '/vol-copy/f')).toString(), 'in-volume\n');
  await client.call('fs.copy', { container: C, from: '/etc', to: '/etc-copy', overwrite: false });
  assert.equal((await readFileBytes(client, C, '/etc-copy/hostname')).toString(), 'edited-host\n');
});

test('mount points are neither deleted nor renamed (from the host that would silently unmount them)', async () => {
  for (const call of [
    client.call('fs.delete', { container: C, path: '/etc/hostname', recursive: false }),
    client.call('fs.delete', { container: C, path: '/vol', recursive: true }),
    client.call('fs.rename', { container: C, from: '/etc/hostname', to: '/etc/other', overwrite: false }),
    client.call('fs.rename', { container: C, from: '/vol/f', to: '/etc/hostname', overwrite: true }),
  ]) {
    const error = await call.catch((e: unknown) => e);
    assert.equal((error as { data?: { fsCode?: string } }).data?.fsCode, 'NoPermissions', String(error));
  }
  assert.equal((await readFileBytes(client, C, '/etc/hostname')).toString(), 'edited-host\n');
  assert.equal((await readFileBytes(client, C, '/vol/f')).toString(), 'in-volume\n');
});

test('once the process is gone, the root filesystem directory is used again', async () => {
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal((await readFileBytes(client, C, '/etc/hostname')).toString(), '');
  const error = await readFileBytes(client, C, '/vol/f').catch((e: unknown) => e);
  assert.equal((error as { data?: { fsCode?: string } }).data?.fsCode, 'FileNotFound');
});

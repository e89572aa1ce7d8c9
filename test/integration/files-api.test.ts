// The files API (fs.*) over the real socket stack, on container roots that are temporary directories: every
// method, every error's fsCode, symlinks that try to lead out of the root, special files refused at once,
// atomic writes that keep owner and mode, and a write whose connection dies halfway.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readFileBytes, writeFileBytes } from '../../extension/src/explorer/fileTransfer';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { ErrorCode, RpcError } from '../../helper/src/protocol';
import { startFilesServer, type FilesServer } from './files-server';
import { waitFor } from '../support/waitFor';

let server: FilesServer;
let client: RpcClient;
let root: string;
const C = 'box';
let unixServer: Server;

before(async () => {
  server = await startFilesServer();
  client = await server.connect();
  root = server.addRoot(C);
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:container root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc', 'hostname'), 'box\n');
  mkdirSync(join(root, 'data', 'sub'), { recursive: true });
  writeFileSync(join(root, 'data', 'a.txt'), 'alpha');
  writeFileSync(join(root, 'data', 'sub', 'b.txt'), 'beta');
  symlinkSync('/etc/passwd', join(root, 'abs-link'));
  symlinkSync('../../../../../../../../etc/passwd', join(root, 'data', 'dotdot-link'));
  symlinkSync('/', join(root, 'data', 'root-link'));
  symlinkSync('/nowhere', join(root, 'dangling'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  execFileSync('mknod', [join(root, 'null'), 'c', '1', '3']);
  unixServer = createServer();
  await new Promise<void>((resolve) => unixServer.listen(join(root, 'socket'), resolve));
});

after(async () => {
  unixServer.close();
  await server.close();
});

async function fsFailure(promise: Promise<unknown>, fsCode: string, message?: RegExp): Promise<RpcError> {
  const error = await promise.then(
    () => assert.fail(`expected ${fsCode}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RpcError, `not an RpcError: ${String(error)}`);
  assert.equal((error.data as { fsCode?: string } | undefined)?.fsCode, fsCode, error.message);
  if (message) assert.match(error.message, message);
  return error;
}

const hostPasswd = readFileSync('/etc/passwd', 'utf8');
const text = async (path: string) => (await readFileBytes(client, C, path)).toString();

describe('stat and readDirectory', () => {
  test('a file: kind, size, times, mode, owner', async () => {
    const stat = await client.call('fs.stat', { container: C, path: '/data/a.txt' });
    const host = statSync(join(root, 'data', 'a.txt'));
    assert.deepEqual(stat, {
      kind: 'file',
      symlink: false,
      size: 5,
      mtime: host.mtimeMs,
      ctime: host.ctimeMs,
      mode: host.mode & 0o7777,
      uid: 0,
      gid: 0,
      readonly: false,
    });
  });

  test('a symlink: its flag with the kind and size of its target inside the root', async () => {
    const stat = await client.call('fs.stat', { container: C, path: '/abs-link' });
    assert.equal(stat.kind, 'file');
    assert.equal(stat.symlink, true);
    assert.equal(stat.size, statSync(join(root, 'etc', 'passwd')).size);
    assert.notEqual(stat.size, statSync('/etc/passwd').size, 'the fixture must differ in size from the host file');
    const dangling = await client.call('fs.stat', { container: C, path: '/dangling' });
    assert.equal(dangling.kind, 'unknown');
    assert.equal(dangling.symlink, true);
    const dir = await client.call('fs.stat', { container: C, path: '/data/root-link' });
    assert.deepEqual([dir.kind, dir.symlink], ['directory', true]);
  });

  test('read-only when no write bit is set', async () => {
    writeFileSync(join(root, 'frozen'), 'x');
    chmodSync(join(root, 'frozen'), 0o444);
    assert.equal((await client.call('fs.stat', { container: C, path: '/frozen' })).readonly, true);
  });

  test('special files are reported by kind', async () => {
    const kinds = await Promise.all(['/fifo', '/null', '/socket'].map((path) => client.call('fs.stat', { container: C, path })));
    assert.deepEqual(kinds.map((s) => s.kind), ['fifo', 'charDevice', 'socket']);
  });

  test('readDirectory lists every entry, symlinks with their targets kinds', async () => {
    const { entries } = await client.call('fs.readDirectory', { container: C, path: '/data' });
    const byName = Object.fromEntries(entries.map((e) => [e.name, `${e.kind}${e.symlink ? '+link' : ''}`]));
    assert.deepEqual(byName, {
      'a.txt': 'file',
      sub: 'directory',
      'dotdot-link': 'file+link',
      'root-link': 'directory+link',
    });
    const top = await client.call('fs.readDirectory', { container: C, path: '/' });
    const kinds = Object.fromEntries(top.entries.map((e) => [e.name, e.kind]));
    assert.equal(kinds.fifo, 'fifo');
    assert.equal(kinds.socket, 'socket');
    assert.equal(kinds.dangling, 'unknown');
  });

  test('errors: FileNotFound, FileNotADirectory', async () => {
    await fsFailure(client.call('fs.stat', { container: C, path: '/missing' }), 'FileNotFound', /^\/missing: no such file or directory$/);
    await fsFailure(client.call('fs.readDirectory', { container: C, path: '/data/a.txt' }), 'FileNotADirectory');
    await fsFailure(client.call('fs.stat', { container: C, path: '/data/a.txt/x' }), 'FileNotADirectory');
  });

  test('an unknown container: NotFound from the resolver', async () => {
    const error = await client.call('fs.stat', { container: 'nope', path: '/' }).catch((e: unknown) => e);
    assert.ok(error instanceof RpcError);
    assert.equal(error.code, ErrorCode.NotFound);
    assert.match(error.message, /no such container: nope/);
  });

  test('a relative path is invalid params', async () => {
    const error = await client.callRaw('fs.stat', { container: C, path: 'etc' }).catch((e: unknown) => e);
    assert.ok(error instanceof RpcError);
    assert.equal(error.code, ErrorCode.InvalidParams);
  });
});

describe('symlinks never lead out of the root', () => {
  test('an absolute symlink to /etc/passwd reads the root\'s etc/passwd', async () => {
    assert.equal(await text('/abs-link'), 'root:x:0:0:container root:/root:/bin/sh\n');
  });

  test('a symlink climbing with .. stops at the root', async () => {
    assert.equal(await text('/data/dotdot-link'), 'root:x:0:0:container root:/root:/bin/sh\n');
    assert.equal(await text('/../../../etc/passwd'), 'root:x:0:0:container root:/root:/bin/sh\n');
  });

  test('a symlink to / lists the container\'s root, not the host\'s', async () => {
    const { entries } = await client.call('fs.readDirectory', { container: C, path: '/data/root-link' });
    assert.ok(entries.some((e) => e.name === 'abs-link'));
    assert.ok(!entries.some((e) => e.name === 'proc'));
    assert.equal(await text('/data/root-link/etc/passwd'), 'root:x:0:0:container root:/root:/bin/sh\n');
  });

  test('writing through a symlink to an absolute path writes inside the root', async () => {
    symlinkSync('/etc/berth-escape-test', join(root, 'escape-link'));
    await writeFileBytes(client, C, '/escape-link', Buffer.from('inside'), { create: true, overwrite: true });
    assert.equal(existsSync('/etc/berth-escape-test'), false);
    assert.equal(readFileSync(join(root, 'etc', 'berth-escape-test'), 'utf8'), 'inside');
    assert.equal(readlinkSync(join(root, 'escape-link')), '/etc/berth-escape-test', 'the link stays a link');
  });

  test('deleting a tree that holds a symlink to a host folder deletes the link only', async () => {
    const outside = join(root, '..', 'outside-target');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'keep'), 'keep');
    mkdirSync(join(root, 'tree'));
    symlinkSync(outside, join(root, 'tree', 'link-out'));
    await client.call('fs.delete', { container: C, path: '/tree', recursive: true });
    assert.equal(existsSync(join(root, 'tree')), false);
    assert.equal(readFileSync(join(outside, 'keep'), 'utf8'), 'keep');
  });

  test('host content never appears', async () => {
    assert.notEqual(await text('/etc/passwd'), hostPasswd);
  });
});

describe('readFile', () => {
  test('whole files, ranges, and a file larger than one frame', async () => {
    assert.equal(await text('/etc/hostname'), 'box\n');
    assert.equal((await readFileBytes(client, C, '/data/a.txt', { offset: 1, length: 3 })).toString(), 'lph');
    assert.equal((await readFileBytes(client, C, '/data/a.txt', { offset: 3 })).toString(), 'ha');
    assert.equal((await readFileBytes(client, C, '/data/a.txt', { offset: 99 })).length, 0);
    const big = Buffer.alloc(9 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    writeFileSync(join(root, 'big.bin'), big);
    const read = await readFileBytes(client, C, '/big.bin');
    assert.equal(read.length, big.length);
    assert.ok(read.equals(big));
  });

  test('a FIFO, a device and a socket are refused at once: Unsupported, never a hang', async () => {
    for (const [path, what] of [
      ['/fifo', 'a FIFO'],
      ['/null', 'a character device'],
      ['/socket', 'a socket'],
    ] as const) {
      // Refused from the file's type, before any read: a read of a FIFO would block, and the test's own
      // timeout would end it instead of this error.
      await fsFailure(readFileBytes(client, C, path), 'Unsupported', new RegExp(`^${path} is ${what}`));
    }
  });

  test('a directory: FileIsADirectory; nothing there: FileNotFound', async () => {
    await fsFailure(readFileBytes(client, C, '/data'), 'FileIsADirectory');
    await fsFailure(readFileBytes(client, C, '/data/none'), 'FileNotFound');
    await fsFailure(readFileBytes(client, C, '/dangling'), 'FileNotFound');
  });
});

describe('writeFile', () => {
  const write = (path: string, content: string | Buffer, create = true, overwrite = true) =>
    writeFileBytes(client, C, path, Buffer.from(content), { create, overwrite });

  test('create and overwrite rules', async () => {
    await fsFailure(write('/data/new.txt', 'x', false, true), 'FileNotFound');
    assert.equal(await write('/data/new.txt', 'new', true, false), 3);
    assert.equal(readFileSync(join(root, 'data', 'new.txt'), 'utf8'), 'new');
    await fsFailure(write('/data/new.txt', 'again', true, false), 'FileExists');
    assert.equal(readFileSync(join(root, 'data', 'new.txt'), 'utf8'), 'new');
    await write('/data/new.txt', 'replaced', false, true);
    assert.equal(readFileSync(join(root, 'data', 'new.txt'), 'utf8'), 'replaced');
    await write('/data/empty.txt', '');
    assert.equal(readFileSync(join(root, 'data', 'empty.txt'), 'utf8'), '');
  });

  test('errors: missing parent, a file as parent, a directory, a FIFO', async () => {
    await fsFailure(write('/no/such/dir/f', 'x'), 'FileNotFound');
    await fsFailure(write('/data/a.txt/f', 'x'), 'FileNotADirectory');
    await fsFailure(write('/data', 'x'), 'FileIsADirectory');
    await fsFailure(write('/', 'x'), 'FileIsADirectory');
    await fsFailure(write('/fifo', 'x'), 'Unsupported');
    await fsFailure(write('/null', 'x'), 'Unsupported');
    assert.equal(lstatSync(join(root, 'fifo')).isFIFO(), true);
  });

  test('an overwrite keeps the old owner and mode; a new file is root:root 0644', async () => {
    const path = join(root, 'data', 'owned.conf');
    writeFileSync(path, 'old');
    chownSync(path, 1234, 5678);
    chmodSync(path, 0o4640);
    await write('/data/owned.conf', 'new content');
    const after = statSync(path);
    assert.deepEqual([after.uid, after.gid, after.mode & 0o7777], [1234, 5678, 0o4640]);
    assert.equal(readFileSync(path, 'utf8'), 'new content');
    await write('/data/fresh.conf', 'fresh', true, false);
    const fresh = statSync(join(root, 'data', 'fresh.conf'));
    assert.deepEqual([fresh.uid, fresh.gid, fresh.mode & 0o7777], [0, 0, 0o644]);
  });

  test('large content travels in pieces and arrives whole', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 512) big.writeUInt32LE(i ^ 0x5a5a5a5a, i);
    assert.equal(await write('/big-write.bin', big), big.length);
    assert.ok(readFileSync(join(root, 'big-write.bin')).equals(big));
  });

  test('a connection killed halfway leaves the old file intact and no temporary file behind', async () => {
    const path = join(root, 'data', 'precious.txt');
    writeFileSync(path, 'old content');
    const doomed = await server.connect();
    const stream = await doomed.openStream('fs.writeFile', { container: C, path: '/data/precious.txt', create: false, overwrite: true });
    await stream.write(Buffer.alloc(2 * 1024 * 1024, 'n'));
    assert.ok(readdirSync(join(root, 'data')).some((name) => name.includes('.berth-write-')), 'the temporary file exists while writing');
    doomed.close();
    await waitFor('the temporary file to go', () => !readdirSync(join(root, 'data')).some((name) => name.includes('.berth-write-')));
    assert.equal(readFileSync(path, 'utf8'), 'old content');
  });

  test('a cancelled write leaves the old file intact', async () => {
    const path = join(root, 'data', 'precious2.txt');
    writeFileSync(path, 'old');
    const stream = await client.openStream('fs.writeFile', { container: C, path: '/data/precious2.txt', create: false, overwrite: true });
    await stream.write('partial');
    await stream.cancel();
    await waitFor('the temporary file to go', () => !readdirSync(join(root, 'data')).some((name) => name.includes('.berth-write-')));
    assert.equal(readFileSync(path, 'utf8'), 'old');
  });
});

describe('createDirectory, delete, rename, copy', () => {
  test('createDirectory and its errors', async () => {
    await client.call('fs.createDirectory', { container: C, path: '/made' });
    assert.equal(statSync(join(root, 'made')).isDirectory(), true);
    assert.equal(statSync(join(root, 'made')).mode & 0o777, 0o755);
    await fsFailure(client.call('fs.createDirectory', { container: C, path: '/made' }), 'FileExists');
    await fsFailure(client.call('fs.createDirectory', { container: C, path: '/none/made' }), 'FileNotFound');
    await fsFailure(client.call('fs.createDirectory', { container: C, path: '/data/a.txt/made' }), 'FileNotADirectory');
  });

  test('delete: a file, a symlink (not its target), a tree; errors', async () => {
    writeFileSync(join(root, 'del.txt'), 'x');
    await client.call('fs.delete', { container: C, path: '/del.txt', recursive: false });
    assert.equal(existsSync(join(root, 'del.txt')), false);
    symlinkSync('/etc/hostname', join(root, 'del-link'));
    await client.call('fs.delete', { container: C, path: '/del-link', recursive: false });
    assert.equal(readFileSync(join(root, 'etc', 'hostname'), 'utf8'), 'box\n');
    mkdirSync(join(root, 'deltree', 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'deltree', 'a', 'b', 'f'), 'x');
    await fsFailure(client.call('fs.delete', { container: C, path: '/deltree', recursive: false }), 'DirectoryNotEmpty');
    await client.call('fs.delete', { container: C, path: '/deltree', recursive: true });
    assert.equal(existsSync(join(root, 'deltree')), false);
    await fsFailure(client.call('fs.delete', { container: C, path: '/deltree', recursive: true }), 'FileNotFound');
    await fsFailure(client.call('fs.delete', { container: C, path: '/', recursive: true }), 'NoPermissions');
    assert.ok(existsSync(join(root, 'etc')));
  });

  test('rename: overwrite rules, a missing source, a folder into itself', async () => {
    writeFileSync(join(root, 'r1'), 'one');
    writeFileSync(join(root, 'r2'), 'two');
    await fsFailure(client.call('fs.rename', { container: C, from: '/r1', to: '/r2', overwrite: false }), 'FileExists');
    await client.call('fs.rename', { container: C, from: '/r1', to: '/r2', overwrite: true });
    assert.equal(readFileSync(join(root, 'r2'), 'utf8'), 'one');
    assert.equal(existsSync(join(root, 'r1')), false);
    await fsFailure(client.call('fs.rename', { container: C, from: '/r1', to: '/r3', overwrite: false }), 'FileNotFound');
    await fsFailure(client.call('fs.rename', { container: C, from: '/r2', to: '/nodir/r3', overwrite: false }), 'FileNotFound');
    mkdirSync(join(root, 'rd', 'inner'), { recursive: true });
    const into = await client.call('fs.rename', { container: C, from: '/rd', to: '/rd/inner/rd', overwrite: false }).catch((e: unknown) => e);
    assert.ok(into instanceof RpcError && into.code === ErrorCode.InvalidParams, String(into));
    // A folder over a non-empty folder, with overwrite: the target is replaced.
    mkdirSync(join(root, 'rd2'));
    writeFileSync(join(root, 'rd2', 'old'), 'x');
    await client.call('fs.rename', { container: C, from: '/rd', to: '/rd2', overwrite: true });
    assert.deepEqual(readdirSync(join(root, 'rd2')), ['inner']);
  });

  test('copy: a tree with modes, owners, a symlink and a FIFO; overwrite rules', async () => {
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    writeFileSync(join(root, 'src', 'deep', 'f'), 'content');
    chownSync(join(root, 'src', 'deep', 'f'), 42, 43);
    chmodSync(join(root, 'src', 'deep', 'f'), 0o600);
    symlinkSync('/etc/passwd', join(root, 'src', 'link'));
    execFileSync('mkfifo', [join(root, 'src', 'pipe')]);
    await client.call('fs.copy', { container: C, from: '/src', to: '/dst', overwrite: false });
    const f = statSync(join(root, 'dst', 'deep', 'f'));
    assert.deepEqual([f.uid, f.gid, f.mode & 0o777], [42, 43, 0o600]);
    assert.equal(readFileSync(join(root, 'dst', 'deep', 'f'), 'utf8'), 'content');
    assert.equal(readlinkSync(join(root, 'dst', 'link')), '/etc/passwd');
    assert.equal(lstatSync(join(root, 'dst', 'pipe')).isFIFO(), true);
    await fsFailure(client.call('fs.copy', { container: C, from: '/src', to: '/dst', overwrite: false }), 'FileExists');
    writeFileSync(join(root, 'src', 'deep', 'f'), 'changed');
    await client.call('fs.copy', { container: C, from: '/src', to: '/dst', overwrite: true });
    assert.equal(readFileSync(join(root, 'dst', 'deep', 'f'), 'utf8'), 'changed');
    await client.call('fs.copy', { container: C, from: '/data/a.txt', to: '/data/a-copy.txt', overwrite: false });
    assert.equal(readFileSync(join(root, 'data', 'a-copy.txt'), 'utf8'), 'alpha');
    await fsFailure(client.call('fs.copy', { container: C, from: '/nothing', to: '/x', overwrite: false }), 'FileNotFound');
    const into = await client.call('fs.copy', { container: C, from: '/src', to: '/src/deep/again', overwrite: false }).catch((e: unknown) => e);
    assert.ok(into instanceof RpcError && into.code === ErrorCode.InvalidParams, String(into));
    assert.ok(!readdirSync(root).some((name) => name.includes('.berth-copy-')));
  });
});


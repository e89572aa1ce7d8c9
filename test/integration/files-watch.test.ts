// fs.watch over the real socket stack: changes made in the root directory (as a process in the container
// would make them) arrive as created / changed / deleted items; recursion, excludes, one-file watches and
// cancelling.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import type { ClientStream, FileChange, MethodParams } from '../../helper/src/protocol';
import { startFilesServer, type FilesServer } from './files-server';

let server: FilesServer;
let client: RpcClient;
let root: string;
const C = 'watched';

before(async () => {
  server = await startFilesServer();
  client = await server.connect();
  root = server.addRoot(C);
  mkdirSync(join(root, 'app', 'src'), { recursive: true });
  mkdirSync(join(root, 'app', 'node_modules', 'pkg'), { recursive: true });
  writeFileSync(join(root, 'app', 'main.js'), 'one');
});

after(() => server.close());

class Changes {
  readonly seen: FileChange[] = [];
  private constructor(readonly stream: ClientStream) {
    stream.listen({ items: (items) => void this.seen.push(...(items as FileChange[])) });
  }

  static async open(params: Omit<MethodParams<'fs.watch'>, 'container'>): Promise<Changes> {
    const changes = new Changes(await client.openStream('fs.watch', { container: C, ...params }));
    return changes;
  }

  async waitFor(type: FileChange['type'], path: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.seen.some((c) => c.type === type && c.path === path)) {
      if (Date.now() > deadline) assert.fail(`no ${type} ${path} within ${timeoutMs} ms; seen ${JSON.stringify(this.seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  has(predicate: (change: FileChange) => boolean): boolean {
    return this.seen.some(predicate);
  }
}

test('created, changed and deleted in the watched folder', async () => {
  const changes = await Changes.open({ path: '/app', recursive: false });
  writeFileSync(join(root, 'app', 'new.txt'), 'x');
  await changes.waitFor('created', '/app/new.txt');
  appendFileSync(join(root, 'app', 'main.js'), 'two');
  await changes.waitFor('changed', '/app/main.js');
  rmSync(join(root, 'app', 'new.txt'));
  await changes.waitFor('deleted', '/app/new.txt');
  // Not recursive: a change below is not reported.
  writeFileSync(join(root, 'app', 'src', 'below.ts'), 'x');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(!changes.has((c) => c.path.startsWith('/app/src/')), JSON.stringify(changes.seen));
  await changes.stream.cancel();
});

test('recursive: folders below, folders created later, and excludes', async () => {
  const changes = await Changes.open({ path: '/app', recursive: true, excludes: ['**/node_modules/**'] });
  writeFileSync(join(root, 'app', 'src', 'deep.ts'), 'x');
  await changes.waitFor('created', '/app/src/deep.ts');
  mkdirSync(join(root, 'app', 'later', 'inner'), { recursive: true });
  await changes.waitFor('created', '/app/later');
  // A folder made after the watch started is watched too (its content, made at once, is announced).
  await new Promise((resolve) => setTimeout(resolve, 200));
  writeFileSync(join(root, 'app', 'later', 'inner', 'x.txt'), 'x');
  await changes.waitFor('created', '/app/later/inner/x.txt');
  writeFileSync(join(root, 'app', 'node_modules', 'pkg', 'index.js'), 'x');
  writeFileSync(join(root, 'app', 'after-excluded.txt'), 'x');
  await changes.waitFor('created', '/app/after-excluded.txt');
  assert.ok(!changes.has((c) => c.path.includes('node_modules/')), JSON.stringify(changes.seen));
  await changes.stream.cancel();
});

test('a watch on one file sees it replaced atomically (rename over it), and nothing else', async () => {
  const changes = await Changes.open({ path: '/app/main.js', recursive: false });
  writeFileSync(join(root, 'app', 'main.js.tmp'), 'replaced');
  renameSync(join(root, 'app', 'main.js.tmp'), join(root, 'app', 'main.js'));
  await changes.waitFor('created', '/app/main.js');
  writeFileSync(join(root, 'app', 'other.js'), 'x');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(changes.seen.every((c) => c.path === '/app/main.js'), JSON.stringify(changes.seen));
  await changes.stream.cancel();
});

test('a write through the API is seen by a watch on another connection', async () => {
  const other = await server.connect();
  const changes = await Changes.open({ path: '/app', recursive: true });
  const stream = await other.openStream('fs.writeFile', { container: C, path: '/app/main.js', create: false, overwrite: true });
  stream.listen({});
  await stream.write('from the api');
  await stream.closeInput();
  await stream.done;
  await changes.waitFor('created', '/app/main.js');
  await changes.stream.cancel();
});

test('cancelling ends the stream and frees the inotify instance', async () => {
  const countInotify = () => {
    const { readdirSync, readlinkSync } = require('node:fs') as typeof import('node:fs');
    return readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:inotify';
      } catch {
        return false;
      }
    }).length;
  };
  const before = countInotify();
  const changes = await Changes.open({ path: '/', recursive: true });
  assert.equal(countInotify(), before + 1);
  // stream.cancel closes the daemon's end without a stream.end: the fd count is what shows it stopped.
  await changes.stream.cancel();
  assert.equal(countInotify(), before);
});

test('watching a path that does not exist: FileNotFound', async () => {
  const error = await client.openStream('fs.watch', { container: C, path: '/missing', recursive: true }).catch((e: unknown) => e);
  assert.equal((error as { data?: { fsCode?: string } }).data?.fsCode, 'FileNotFound');
});

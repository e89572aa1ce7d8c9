// `berth import` against a real daemon: a busybox root filesystem as a directory, a tar.gz and a tar on
// stdin becomes a one-layer image with --change applied, its layer unpacked once under the store and
// shared; bad input lists nothing and leaves no temp files; the index survives a restart. The store's
// own rules (resolve by name, id and prefix; retain refuses rmi) are checked in process on a copy.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pack } from 'tar-stream';
import { EventBus } from '../../helper/src/events/eventBus';
import { ImageNotFoundError, ImageStore } from '../../helper/src/images/imageStore';
import { silentLogger } from '../../helper/src/logging/logger';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { BERTH, privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';

describe('berth import', () => {
  const temp = privateTempDir('berth-images-import-');
  const socket = join(temp.path, 'berth.sock');
  const root = join(temp.path, 'root');
  let daemon: DaemonProcess;
  let bundle: TestBundle;
  const berth = (...args: string[]) => runBerth(['-H', `unix://${socket}`, ...args]);
  const inspect = async (image: string) => {
    const client = await daemon.connect();
    try {
      return (await client.call('images.inspect', { image })) as { id: string; repoTags: string[]; config: Record<string, unknown>; layerDirs: string[] };
    } finally {
      client.close();
    }
  };

  before(async () => {
    bundle = makeBusyboxBundle();
    daemon = await startDaemon(socket, root);
  });
  after(async () => {
    await daemon?.stop();
    bundle?.remove();
    temp.remove();
  });

  let firstId = '';
  test('a directory, with --change', async () => {
    const result = await berth('import', bundle.rootfs, 'busybox:test', '--change', 'CMD ["sh"]', '--change', 'ENV PATH=/bin', '-c', 'WORKDIR /tmp');
    assert.equal(result.code, 0, result.stderr);
    firstId = result.stdout.trim();
    assert.match(firstId, /^sha256:[0-9a-f]{64}$/);
    const image = await inspect('busybox:test');
    assert.equal(image.id, firstId);
    assert.deepEqual(image.repoTags, ['docker.io/library/busybox:test']);
    assert.deepEqual(image.config, { Cmd: ['sh'], Env: ['PATH=/bin'], WorkingDir: '/tmp' });
    assert.equal(image.layerDirs.length, 1);
    const layer = image.layerDirs[0]!;
    assert.ok(layer.startsWith(join(root, 'images', 'layers')));
    assert.deepEqual(readFileSync(join(layer, 'bin', 'busybox')), readFileSync(join(bundle.rootfs, 'bin', 'busybox')));
    assert.equal(readlinkSync(join(layer, 'bin', 'sh')), 'busybox');
    assert.equal(readFileSync(join(layer, 'etc', 'passwd'), 'utf8'), readFileSync(join(bundle.rootfs, 'etc', 'passwd'), 'utf8'));
    assert.deepEqual(readdirSync(layer).sort(), readdirSync(bundle.rootfs).sort());
    assert.equal(lstatSync(join(layer, 'bin', 'busybox')).mode & 0o777, lstatSync(join(bundle.rootfs, 'bin', 'busybox')).mode & 0o777);
    // Resolved by the short name, the full one, the id and a prefix of it.
    for (const name of ['docker.io/library/busybox:test', firstId, firstId.slice(7, 19), firstId.slice(7, 11)]) assert.equal((await inspect(name)).id, firstId);
  });

  test('the same content again shares the unpacked layer', async () => {
    const result = await berth('import', bundle.rootfs, 'busybox:again');
    assert.equal(result.code, 0, result.stderr);
    const [a, b] = [await inspect('busybox:test'), await inspect('busybox:again')];
    assert.deepEqual(a.layerDirs, b.layerDirs);
    assert.equal(readdirSync(join(root, 'images', 'layers')).filter((n) => /^[0-9a-f]{64}$/.test(n)).length, 1);
  });

  test('a tar.gz file, and a tar on stdin', async () => {
    const tgz = join(temp.path, 'rootfs.tar.gz');
    execFileSync('tar', ['-C', bundle.rootfs, '-czf', tgz, '.']);
    const fromFile = await berth('import', tgz, 'fromfile:1');
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const child = spawn(BERTH, ['-H', `unix://${socket}`, 'import', '-', 'fromstdin', '--change', 'ENTRYPOINT ["/bin/busybox"]'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stdin.end(execFileSync('tar', ['-C', bundle.rootfs, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 }));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    const image = await inspect('fromstdin:latest');
    assert.equal(image.id, stdout.trim());
    assert.deepEqual(image.config, { Entrypoint: ['/bin/busybox'] });
    assert.ok(existsSync(join(image.layerDirs[0]!, 'bin', 'busybox')));
  });

  test('a hostile tar or a bad --change lists nothing and leaves no temp files', async () => {
    const evil = join(temp.path, 'evil.tar');
    writeFileSync(evil, await tarOf([{ name: 'ok' }, { name: 'x', type: 'link', linkname: '/etc/shadow' }]));
    const before = (await daemon.connect()).call('images.list', {});
    const count = (await before).length;
    const hostile = await berth('import', evil, 'evil:1');
    assert.equal(hostile.code, 125);
    assert.match(hostile.stderr, /layer entry "x" \(link\): hardlink target \/etc\/shadow is not in the layer's root/);
    const badChange = await berth('import', bundle.rootfs, 'bad:1', '--change', 'RUN rm -rf /');
    assert.equal(badChange.code, 125);
    assert.match(badChange.stderr, /--change "RUN rm -rf \/": RUN cannot be applied/);
    const badName = await berth('import', bundle.rootfs, 'Bad:1');
    assert.equal(badName.code, 125);
    assert.match(badName.stderr, /repository name must be lowercase/);
    assert.equal((await (await daemon.connect()).call('images.list', {})).length, count);
    assert.deepEqual(readdirSync(join(root, 'images', 'layers')).filter((n) => n.startsWith('.tmp')), []);
    assert.deepEqual(readdirSync(join(root, 'images', 'tmp')), []);
  });

  test('the index survives a restart; the store resolves, retains and releases', async () => {
    await daemon.stop();
    daemon = await startDaemon(socket, root);
    assert.equal((await inspect('busybox:test')).id, firstId);
    await daemon.stop();
    const store = await ImageStore.open(join(root, 'images'), { logger: silentLogger, events: new EventBus() });
    const image = store.resolve('busybox:test');
    assert.equal(image.id, firstId);
    assert.deepEqual(store.resolve(firstId.slice(7, 11)).id, firstId);
    assert.throws(() => store.resolve('busybox:nope'), (error: Error) => error instanceof ImageNotFoundError && /No such image: busybox:nope/.test(error.message));
    store.retain(firstId, 'c0ffee');
    await assert.rejects(store.remove('busybox:test'), /being used by container c0ffee/);
    store.release(firstId, 'c0ffee');
    const removed = await store.remove('busybox:test');
    assert.deepEqual(removed.deleted, [firstId]);
    // The layer stays: busybox:again and fromfile share it.
    assert.ok(existsSync(store.resolve('busybox:again').layerDirs[0]!));
    daemon = await startDaemon(socket, root);
  });
});

async function tarOf(items: { name: string; type?: 'link'; linkname?: string }[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve) => packer.on('end', () => resolve()));
  for (const item of items) {
    if (item.type) packer.entry({ ...item, size: 0 });
    else packer.entry(item, 'x');
  }
  packer.finalize();
  await ended;
  return Buffer.concat(chunks);
}

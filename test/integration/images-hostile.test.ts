// Hostile layers through the whole store: each is wrapped in a docker-save archive and given to a real
// daemon with `berth load` (and one is pulled from a registry), as root, against the real file system.
// After each, a sentinel directory on the host is exactly as it was, /etc/shadow is untouched, nothing
// half is listed and no temp directory is left; refusals name the entry and the reason. The layer that
// expands past the size guard is loaded in process, with a small guard. No safety check is ever disabled.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadImages } from '../../helper/src/images/archive/loadImages';
import { EventBus } from '../../helper/src/events/eventBus';
import { ImageStore } from '../../helper/src/images/imageStore';
import { silentLogger } from '../../helper/src/logging/logger';
import { privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { mergedTree } from '../support/imageFiles';
import { appendLayer, createLayout, tarOf, umociLayer } from '../support/imageLayouts';
import { startRegistry } from '../support/registry';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A docker-save archive of one image whose single layer is `layer` (an uncompressed tar). */
async function archiveOf(layer: Buffer, name: string): Promise<Buffer> {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layer)] }, history: [{ created_by: 'hostile' }] }),
  );
  return tarOf([
    { name: 'layer.tar', body: layer },
    { name: 'config.json', body: config.toString() },
    { name: 'manifest.json', body: JSON.stringify([{ Config: 'config.json', RepoTags: [name], Layers: ['layer.tar'] }]) },
  ]).then((tar) => tar);
}

function snapshot(dir: string): string {
  const walk = (path: string): string[] =>
    readdirSync(path).flatMap((name) => {
      const child = join(path, name);
      const info = lstatSync(child);
      return [`${child} ${info.mode} ${info.size} ${info.nlink}`, ...(info.isDirectory() ? walk(child) : [])];
    });
  return walk(dir).sort().join('\n');
}

function shadowState(): string {
  const info = statSync('/etc/shadow');
  return `${info.ino} ${info.nlink} ${info.mtimeMs} ${createHash('sha256').update(readFileSync('/etc/shadow')).digest('hex')}`;
}

describe('hostile layers through the image store', () => {
  const temp = privateTempDir('berth-images-hostile-');
  const socket = join(temp.path, 'berth.sock');
  const root = join(temp.path, 'root');
  const host = join(temp.path, 'host'); // what an escape would reach
  let daemon: DaemonProcess;
  let hostBefore = '';
  const shadowBefore = shadowState();

  before(async () => {
    mkdirSync(join(host, 'dir'), { recursive: true });
    writeFileSync(join(host, 'victim'), 'must stay\n');
    writeFileSync(join(host, 'dir', 'inner'), 'must stay too\n');
    hostBefore = snapshot(host);
    // Limits small enough to reach in a test, set the way a user sets them.
    daemon = await startDaemon(socket, root, ['--max-layer-entries', '1000', '--max-image-size', '40m']);
  });
  after(async () => {
    await daemon?.stop();
    temp.remove();
  });

  /** Loads the layer; returns the CLI's result. Checks the host, the index and the temp dirs after. */
  async function load(name: string, items: Parameters<typeof tarOf>[0]) {
    const file = join(temp.path, `${name}.tar`);
    writeFileSync(file, await archiveOf(await tarOf(items), `hostile/${name}:1`));
    const result = await runBerth(['-H', `unix://${socket}`, 'load', '-i', file]);
    assert.equal(snapshot(host), hostBefore, 'the host directory is unchanged');
    assert.equal(shadowState(), shadowBefore, '/etc/shadow is untouched');
    assert.deepEqual(readdirSync(join(root, 'images', 'layers')).filter((n) => n.startsWith('.tmp')), [], 'no temp layer is left');
    return result;
  }

  async function contained(name: string, items: Parameters<typeof tarOf>[0]): Promise<Awaited<ReturnType<typeof mergedTree>>> {
    const result = await load(name, items);
    assert.equal(result.code, 0, result.stderr);
    const client = await daemon.connect();
    const image = await client.call('images.inspect', { image: `hostile/${name}:1` });
    client.close();
    return mergedTree(image.layerDirs);
  }

  const up = '../'.repeat(12);

  test('../ escapes and absolute paths land inside the layer', async () => {
    const tree = await contained('dotdot', [
      { name: `${up}${host.slice(1)}/victim`, body: 'overwritten?\n' },
      { name: `${host}/planted`, body: 'planted?\n' },
      { name: `a/../../${up}escaped`, body: 'escaped?\n' },
    ]);
    assert.equal(tree.get(`${host}/victim`)?.content, 'overwritten?\n');
    assert.equal(tree.get(`${host}/planted`)?.content, 'planted?\n');
    assert.equal(tree.get('/escaped')?.content, 'escaped?\n');
    assert.equal(existsSync(join(host, 'planted')), false);
  });

  test('a symlink followed by a file written through it stays inside', async () => {
    const tree = await contained('symlink', [
      { name: 'abs', type: 'symlink', linkname: host },
      { name: 'abs/victim', body: 'through an absolute link\n' },
      { name: 'rel', type: 'symlink', linkname: `${up}${host.slice(1)}/dir` },
      { name: 'rel/inner', body: 'through a relative link\n' },
    ]);
    assert.equal(tree.get(`${host}/victim`)?.content, 'through an absolute link\n');
    assert.equal(tree.get(`${host}/dir/inner`)?.content, 'through a relative link\n');
  });

  test('a hardlink to /etc/shadow is refused, naming the entry', async () => {
    const result = await load('hardlink', [
      { name: 'ok', body: 'fine\n' },
      { name: 'shadow', type: 'link', linkname: '/etc/shadow' },
    ]);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /layer entry "shadow" \(link\): hardlink target \/etc\/shadow is not in the layer's root/);
    const images = await (await daemon.connect()).call('images.list', {});
    assert.equal(images.some((image) => image.repoTags.some((t) => t.includes('hostile/hardlink'))), false, 'nothing half is listed');
  });

  test('whiteouts that name paths outside remove nothing there', async () => {
    const result = await load('whiteout', [
      { name: `${up}${host.slice(1)}/.wh.victim`, body: '' },
      { name: 'link', type: 'symlink', linkname: `${host}/dir` },
      { name: 'link/.wh.inner', body: '' },
      { name: `${host}/dir/.wh..wh..opq`, body: '' },
    ]);
    assert.equal(result.code, 0, result.stderr);
    // In the layer they are overlayfs whiteouts (0:0 character devices) inside its own root.
    const client = await daemon.connect();
    const [layer] = (await client.call('images.inspect', { image: 'hostile/whiteout:1' })).layerDirs;
    client.close();
    for (const path of [`${host}/victim`, `${host}/dir/inner`]) {
      const info = lstatSync(join(layer!, path));
      assert.ok(info.isCharacterDevice() && info.rdev === 0, `${path} is a whiteout in the layer`);
    }
  });

  test('a symlink named "." is refused; one named "sub/." only names sub, inside', async () => {
    const dot = await load('dot', [{ name: '.', type: 'symlink', linkname: host }]);
    assert.equal(dot.code, 125);
    assert.match(dot.stderr, /layer entry "\." \(symlink\): only a directory can stand for the root/);
    const tree = await contained('subdot', [
      { name: 'sub/.', type: 'symlink', linkname: host },
      { name: 'sub/victim', body: 'through sub/.\n' },
    ]);
    assert.equal(tree.get(`${host}/victim`)?.content, 'through sub/.\n');
  });

  test('a layer that expands past the size guard is stopped, and nothing of it is kept', async () => {
    const bomb = gzipSync(await tarOf([{ name: 'zeros', body: '\0'.repeat(32 * 1024 * 1024) }]));
    assert.ok(bomb.length < 100 * 1024, `the bomb is ${bomb.length} bytes`);
    const dir = join(temp.path, 'bomb-store');
    const store = await ImageStore.open(dir, { logger: silentLogger, events: new EventBus(), limits: { layerBytes: 8 * 1024 * 1024 } });
    const tar = await tarOf([{ name: 'zeros', body: '\0'.repeat(32 * 1024 * 1024) }]);
    const archive = await tarOf([
      { name: 'layer.tar.gz', body: bomb },
      {
        name: 'config.json',
        body: JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }),
      },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'config.json', RepoTags: ['bomb:1'], Layers: ['layer.tar.gz'] }]) },
    ]);
    await assert.rejects(loadImages(store, Readable.from([archive])), /layer sha256:[0-9a-f]{64}: layer entry "zeros" \(file\): the layer unpacks to more than 8 MiB of files, its limit \(--max-layer-size\)/);
    assert.equal(store.index.all().length, 0);
    assert.deepEqual(readdirSync(join(dir, 'layers')), []);
  });

  test('a layer of more entries than --max-layer-entries is refused, naming the layer and the flag', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ name: `f${i}`, body: '' }));
    const result = await load('entries', many);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /layer sha256:[0-9a-f]{64}: layer entry "f1000" \(file\): the layer unpacks to more than 1000 entries, its limit \(--max-layer-entries\)/);
    assert.equal((await runBerth(['-H', `unix://${socket}`, 'images', '-q', 'hostile/entries'])).stdout, '');
  });

  test('layers each within their limit but together past --max-image-size are refused, naming the layer', async () => {
    // 24 MiB of zeros per layer (a few KB gzipped): the first fits 40m, the second passes it.
    const layers = await Promise.all(['one', 'two'].map((name) => tarOf([{ name, body: '\0'.repeat(24 * 1024 * 1024) }])));
    const file = join(temp.path, 'image-size.tar');
    writeFileSync(
      file,
      await tarOf([
        ...layers.map((layer, i) => ({ name: `l${i}.tar.gz`, body: gzipSync(layer) })),
        { name: 'config.json', body: JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map(sha256) } }) },
        { name: 'manifest.json', body: JSON.stringify([{ Config: 'config.json', RepoTags: ['hostile/image-size:1'], Layers: ['l0.tar.gz', 'l1.tar.gz'] }]) },
      ]),
    );
    const result = await runBerth(['-H', `unix://${socket}`, 'load', '-i', file]);
    assert.equal(result.code, 125);
    assert.match(result.stderr, new RegExp(`layer ${sha256(layers[1]!)}: layer entry "two" \\(file\\): the image unpacks to more than 40 MiB of files, its limit \\(--max-image-size\\)`));
    assert.equal((await runBerth(['-H', `unix://${socket}`, 'images', '-q', 'hostile/image-size'])).stdout, '');
  });

  test('a hostile layer pulled from a registry is refused the same way', async () => {
    const registry = await startRegistry();
    const layout = createLayout();
    try {
      umociLayer(layout, 'base', (rootfs) => writeFileSync(join(rootfs, 'base'), 'base\n'));
      appendLayer(layout, 'base', 'evil', await tarOf([{ name: 'x', type: 'link', linkname: '/etc/shadow' }]));
      await registry.push(layout.ref('evil'), 'hostile/pulled:1');
      const result = await runBerth(['-H', `unix://${socket}`, 'pull', `${registry.host}/hostile/pulled:1`]);
      assert.equal(result.code, 125);
      assert.match(result.stderr, /layer entry "x" \(link\): hardlink target \/etc\/shadow is not in the layer's root/);
      assert.equal(shadowState(), shadowBefore);
    } finally {
      await registry.stop();
      require('node:fs').rmSync(layout.dir, { recursive: true, force: true });
    }
  });
});

// `berth pull` from a real registry (Debian's docker-registry on loopback), fed by skopeo with images
// umoci made: a single-layer busybox, a multi-layer image whose upper layers delete a file, replace a
// directory and make a directory opaque, a multi-platform index, a zstd-compressed copy. What a container
// would see is read through overlayfs from the store's layer directories (test/support/imageFiles.ts).
// A proxy in front of the registry stalls or corrupts chosen blobs: a daemon killed halfway resumes
// without fetching complete layers again, and a corrupt blob is refused with nothing kept.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { mergedTree } from '../support/imageFiles';
import { appendLayer, busyboxImage, createLayout, manifestOf, multiPlatformIndex, tarOf, umociConfig, umociLayer, zstdCopy, type Layout } from '../support/imageLayouts';
import { startProxy, startRegistry, type RegistryProxy, type TestRegistry } from '../support/registry';
import { waitFor } from '../support/waitFor';

describe('berth pull', () => {
  const temp = privateTempDir('berth-images-pull-');
  const socket = join(temp.path, 'berth.sock');
  const root = join(temp.path, 'root');
  let daemon: DaemonProcess;
  let registry: TestRegistry;
  let zstdRegistry: TestRegistry;
  let bundle: TestBundle;
  let layout: Layout;
  const berth = (...args: string[]) => runBerth(['-H', `unix://${socket}`, ...args], { hangAfterMs: 120_000 });
  const inspect = async (image: string) => {
    const client = await daemon.connect();
    try {
      return await client.call('images.inspect', { image });
    } finally {
      client.close();
    }
  };
  const list = async () => {
    const client = await daemon.connect();
    try {
      return await client.call('images.list', {});
    } finally {
      client.close();
    }
  };

  before(async () => {
    bundle = makeBusyboxBundle();
    registry = await startRegistry();
    layout = createLayout();
    busyboxImage(layout, 'busybox', bundle.rootfs);
    // Upper layers: /etc/remove-me deleted, /data replaced (whiteouts from umoci), then /opq made opaque by hand.
    umociLayer(layout, 'multi', (rootfs) => {
      mkdirSync(join(rootfs, 'data', 'sub'), { recursive: true });
      writeFileSync(join(rootfs, 'data', 'old1'), 'old 1\n');
      writeFileSync(join(rootfs, 'data', 'sub', 'old2'), 'old 2\n');
      writeFileSync(join(rootfs, 'etc', 'remove-me'), 'doomed\n');
      writeFileSync(join(rootfs, 'etc', 'keep'), 'kept\n');
      mkdirSync(join(rootfs, 'opq'));
      writeFileSync(join(rootfs, 'opq', 'below'), 'hidden by the opaque dir\n');
    }, 'busybox');
    umociLayer(layout, 'multi', (rootfs) => {
      execRm(join(rootfs, 'etc', 'remove-me'));
      execRm(join(rootfs, 'data'));
      mkdirSync(join(rootfs, 'data'));
      writeFileSync(join(rootfs, 'data', 'new1'), 'new 1\n');
    }, 'multi');
    appendLayer(
      layout,
      'multi',
      'multi',
      await tarOf([
        { name: 'opq/', type: 'directory' },
        { name: 'opq/.wh..wh..opq', body: '' },
        { name: 'opq/above', body: 'from the opaque layer\n' },
      ]),
    );
    // Two platforms, told apart by a file.
    for (const arch of ['amd64', 'arm64']) {
      umociLayer(layout, `plat-${arch}`, (rootfs) => writeFileSync(join(rootfs, 'platform'), `${arch}\n`), 'busybox');
      umociConfig(layout, `plat-${arch}`, ['--architecture', arch]);
    }
    multiPlatformIndex(layout, 'multiarch', [
      { tag: 'plat-amd64', os: 'linux', architecture: 'amd64' },
      { tag: 'plat-arm64', os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    await registry.push(layout.ref('busybox'), 'test/busybox:1');
    await registry.push(layout.ref('multi'), 'test/multi:1');
    await registry.push(layout.ref('multiarch'), 'test/multiarch:1', ['--all']);
    // skopeo would reuse the gzip'd blob the first registry has: the zstd image gets a registry of its own.
    zstdRegistry = await startRegistry();
    // A config of its own: an image with busybox's id would be the same image to the store.
    umociConfig(layout, 'busybox', ['--tag', 'zbox', '--config.label', 'compression=zstd']);
    const zstd = zstdCopy(layout, 'zbox');
    await zstdRegistry.push(zstd.ref('zbox'), 'test/zstd:1');
    execRm(zstd.dir);
    daemon = await startDaemon(socket, root);
  });
  after(async () => {
    await daemon?.stop();
    await registry?.stop();
    await zstdRegistry?.stop();
    bundle?.remove();
    if (layout) execRm(layout.dir);
    temp.remove();
  });

  test('a single-layer busybox image: its files, config and repo digest', async () => {
    const name = `${registry.host}/test/busybox:1`;
    const result = await berth('pull', name);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /: Pull complete\n/);
    assert.match(result.stdout, new RegExp(`${name.replace(/[.]/g, '\\.')}\\n$`));
    const image = await inspect(name);
    assert.deepEqual(image.repoTags, [name]);
    assert.equal(image.repoDigests[0], `${registry.host}/test/busybox@${manifestOf(layout, 'busybox').digest}`);
    assert.deepEqual(image.config.Cmd, ['sh']);
    assert.deepEqual(image.config.Env, ['PATH=/bin']);
    const tree = await mergedTree(image.layerDirs);
    assert.equal(tree.get('/bin/sh')?.content, 'busybox');
    assert.equal(tree.get('/etc/passwd')?.content, 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    // By digest too, and again: nothing is fetched twice.
    const again = await berth('pull', `${registry.host}/test/busybox@${manifestOf(layout, 'busybox').digest}`);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Already exists/);
    assert.doesNotMatch(again.stdout, /Pull complete/);
  });

  test('a multi-layer image: the deleted file is gone, the replaced and opaque directories hold only the new content', async () => {
    const name = `${registry.host}/test/multi:1`;
    const result = await berth('pull', name);
    assert.equal(result.code, 0, result.stderr);
    const image = await inspect(name);
    assert.equal(image.layers.length, 4);
    const tree = await mergedTree(image.layerDirs);
    assert.equal(tree.has('/etc/remove-me'), false);
    assert.equal(tree.get('/etc/keep')?.content, 'kept\n');
    assert.deepEqual(childrenOf(tree, '/data'), ['/data/new1']);
    assert.equal(tree.get('/data/new1')?.content, 'new 1\n');
    assert.deepEqual(childrenOf(tree, '/opq'), ['/opq/above']);
    assert.equal(tree.get('/bin/busybox')?.type, 'file');
    // A container run from it (the engine's `berth run`) sees the same.
    const run = await berth('run', '--rm', name, 'sh', '-c', 'ls /data; ls /opq; test -e /etc/remove-me && echo present || echo gone; cat /etc/keep');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'new1\nabove\ngone\nkept\n');
    // The busybox layer is shared with the first image: unpacked once.
    const busybox = await inspect(`${registry.host}/test/busybox:1`);
    assert.equal(image.layerDirs[0], busybox.layerDirs[0]);
  });

  test('a multi-platform index: the daemon\'s platform by default, another with --platform', async () => {
    const name = `${registry.host}/test/multiarch:1`;
    const native = await berth('pull', name);
    assert.equal(native.code, 0, native.stderr);
    const amd = await inspect(name);
    assert.equal(amd.architecture, 'amd64');
    assert.equal((await mergedTree(amd.layerDirs)).get('/platform')?.content, 'amd64\n');
    const arm = await berth('pull', '--platform', 'linux/arm64', name);
    assert.equal(arm.code, 0, arm.stderr);
    const armImage = await inspect(name);
    assert.equal(armImage.architecture, 'arm64');
    assert.equal((await mergedTree(armImage.layerDirs)).get('/platform')?.content, 'arm64\n');
    const none = await berth('pull', '--platform', 'linux/s390x', name);
    assert.equal(none.code, 125);
    assert.match(none.stderr, /has no image for linux\/s390x \(it has linux\/amd64, linux\/arm64\/v8\)/);
  });

  test('zstd-compressed layers', async () => {
    const name = `${zstdRegistry.host}/test/zstd:1`;
    const result = await berth('pull', name);
    assert.equal(result.code, 0, result.stderr);
    const image = await inspect(name);
    assert.match(image.layers[0]!.mediaType, /zstd/);
    assert.equal((await mergedTree(image.layerDirs)).get('/bin/sh')?.content, 'busybox');
  });

  test('unknown names and unreachable registries fail with what went wrong', async () => {
    const missing = await berth('pull', `${registry.host}/test/nothing:1`);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /manifest for .*test\/nothing:1: not found/);
    const closed = await berth('pull', '127.0.0.1:1/x:1');
    assert.equal(closed.code, 125);
    assert.match(closed.stderr, /cannot reach 127\.0\.0\.1:1/);
    // A refused connection may be a registry restarting: tried again (the attempts are bounded), then told.
    assert.match(daemon.output(), /cannot reach 127\.0\.0\.1:1: connect ECONNREFUSED [^;]*; attempt 5 in/);
  });

  describe('through a proxy that stalls or corrupts blobs', () => {
    let proxy: RegistryProxy;
    let freshRoot = '';
    before(async () => {
      proxy = await startProxy(registry.host);
      // A fresh daemon root, so that nothing is there yet.
      await daemon.stop();
      freshRoot = join(temp.path, 'root-proxy');
      daemon = await startDaemon(socket, freshRoot);
    });
    after(async () => {
      await proxy?.stop();
    });

    test('a corrupt blob is refused with a clear error and nothing is kept', async () => {
      const { manifest } = manifestOf(layout, 'multi');
      const victim = manifest.layers[1]!.digest;
      proxy.behaviour = (path) => (path.endsWith(victim) ? 'corrupt' : 'pass');
      const result = await berth('pull', `${proxy.host}/test/multi:1`);
      assert.equal(result.code, 125);
      assert.match(result.stderr, new RegExp(`blob ${victim} from .*: blob digest mismatch: expected ${victim}, got sha256:[0-9a-f]{64}; the blob was not kept`));
      assert.equal(existsSync(join(freshRoot, 'images', 'blobs', 'sha256', victim.slice(7))), false);
      assert.deepEqual(readdirSync(join(freshRoot, 'images', 'tmp')), []);
      assert.equal((await list()).some((image) => image.repoTags.includes(`${proxy.host}/test/multi:1`)), false);
      assert.equal(proxy.requests.filter((r) => r.endsWith(victim)).length, 1, 'content that does not match its digest is not fetched again');
    });

    test('a 503 and a download cut halfway are tried again, as often as they happen, and the pull completes', async () => {
      const { manifest } = manifestOf(layout, 'multi');
      const cutLayer = manifest.layers[0]!.digest; // the big busybox layer: cut while it is being unpacked
      await daemon.stop();
      execRm(join(freshRoot, 'images'));
      daemon = await startDaemon(socket, freshRoot);
      const failures = { manifest: 1, layer: 2 };
      proxy.behaviour = (path) => {
        if (path.includes('/manifests/') && failures.manifest-- > 0) return 'unavailable';
        // First cut after one byte, before the blob store has opened its file (that crashed the daemon),
        // then halfway, while the layer is being unpacked.
        if (path.endsWith(cutLayer) && failures.layer-- > 0) return failures.layer === 1 ? 'cut-early' : 'cut';
        return 'pass';
      };
      proxy.requests.length = 0;
      const result = await berth('pull', `${proxy.host}/test/multi:1`);
      assert.equal(result.code, 0, result.stderr);
      const gets = (part: string) => proxy.requests.filter((r) => r.startsWith('GET') && r.includes(part));
      assert.equal(gets('/manifests/').length, 2, 'the manifest: a 503, then again');
      assert.equal(gets(cutLayer).length, 3, 'the layer: cut twice, then whole');
      assert.match(daemon.output(), /retrying|attempt 2/);
      const tree = await mergedTree((await inspect(`${proxy.host}/test/multi:1`)).layerDirs);
      assert.deepEqual(childrenOf(tree, '/data'), ['/data/new1']);
      assert.ok(tree.has('/bin/busybox'), 'the layer that was cut is complete');
      assert.deepEqual(readdirSync(join(freshRoot, 'images', 'layers')).filter((name) => name.startsWith('.tmp')), [], 'no half layer is left');
    });

    test('a first contact with the registry that fails is tried again', async () => {
      // The probe of /v2/ that opens every pull (over HTTPS, then plain HTTP for a loopback registry) has
      // its connection reset: the registry restarting, a proxy dropping it. Before, the pull failed at once.
      let resets = 1;
      proxy.behaviour = (path) => (path === '/v2/' && resets-- > 0 ? 'reset' : 'pass');
      proxy.requests.length = 0;
      const result = await berth('pull', `${proxy.host}/test/busybox:1`);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        proxy.requests.filter((r) => r === 'GET /v2/'),
        ['GET /v2/', 'GET /v2/'],
        'the probe: reset, then again',
      );
      assert.match(daemon.output(), /cannot reach .*ECONNRESET; attempt 2/);
      assert.equal((await mergedTree((await inspect(`${proxy.host}/test/busybox:1`)).layerDirs)).get('/bin/sh')?.content, 'busybox');
    });

    test('a pull interrupted by killing the daemon resumes without fetching complete layers again', async () => {
      const { manifest } = manifestOf(layout, 'multi');
      const stalled = manifest.layers[0]!.digest; // the big busybox layer
      // The corrupt-blob test left some layers: start from an empty store.
      await daemon.stop();
      execRm(join(freshRoot, 'images'));
      daemon = await startDaemon(socket, freshRoot);
      proxy.behaviour = (path) => (path.endsWith(stalled) ? 'stall' : 'pass');
      proxy.requests.length = 0;
      proxy.served.length = 0;
      const pulling = berth('pull', `${proxy.host}/test/multi:1`);
      const others = manifest.layers.slice(1).map((l) => l.digest);
      await waitFor(`the other layers to arrive (requests: ${proxy.requests.join(', ')})`, () =>
        others.every((d) => existsSync(join(freshRoot, 'images', 'blobs', 'sha256', d.slice(7)))),
      );
      daemon.child.kill('SIGKILL');
      await daemon.stop();
      assert.notEqual((await pulling).code, 0);
      proxy.behaviour = () => 'pass';
      proxy.requests.length = 0;
      daemon = await startDaemon(socket, freshRoot);
      assert.equal((await list()).length, 0, 'nothing half is listed');
      const resumed = await berth('pull', `${proxy.host}/test/multi:1`);
      assert.equal(resumed.code, 0, resumed.stderr);
      const blobGets = proxy.requests.filter((r) => r.startsWith('GET') && r.includes('/blobs/'));
      assert.deepEqual(
        blobGets.map((r) => r.slice(r.lastIndexOf('/') + 1)),
        [stalled],
        'only the layer that had not arrived (the config too was kept) is fetched again',
      );
      const tree = await mergedTree((await inspect(`${proxy.host}/test/multi:1`)).layerDirs);
      assert.deepEqual(childrenOf(tree, '/data'), ['/data/new1']);
    });
  });
});

function childrenOf(tree: Map<string, unknown>, dir: string): string[] {
  return [...tree.keys()].filter((path) => path.startsWith(`${dir}/`) && !path.slice(dir.length + 1).includes('/')).sort();
}

function execRm(path: string): void {
  require('node:fs').rmSync(path, { recursive: true, force: true });
}

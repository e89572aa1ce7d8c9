// save, load and push against skopeo: `berth save` of pulled images read back by skopeo (as an OCI
// archive and as a docker archive) keeps every digest; archives skopeo writes load into Berth with the
// same ids; a pushed image is in the registry under the same manifest digest and pulls into a fresh store.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { mergedTree } from '../support/imageFiles';
import { busyboxImage, createLayout, manifestOf, umociLayer, type Layout } from '../support/imageLayouts';
import { startRegistry, type TestRegistry } from '../support/registry';

const skopeo = (...args: string[]) => execFileSync('skopeo', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('berth save, load and push', () => {
  const temp = privateTempDir('berth-images-saveload-');
  const socket = join(temp.path, 'berth.sock');
  let daemon: DaemonProcess;
  let registry: TestRegistry;
  let bundle: TestBundle;
  let layout: Layout;
  const berth = (...args: string[]) => runBerth(['-H', `unix://${socket}`, ...args], { hangAfterMs: 120_000 });
  const call = async <T>(work: (client: Awaited<ReturnType<DaemonProcess['connect']>>) => Promise<T>): Promise<T> => {
    const client = await daemon.connect();
    try {
      return await work(client);
    } finally {
      client.close();
    }
  };

  before(async () => {
    bundle = makeBusyboxBundle();
    layout = createLayout();
    busyboxImage(layout, 'busybox', bundle.rootfs);
    umociLayer(layout, 'two', (rootfs) => writeFileSync(join(rootfs, 'etc', 'second'), 'second layer\n'), 'busybox');
    registry = await startRegistry();
    await registry.push(layout.ref('busybox'), 'test/busybox:1');
    await registry.push(layout.ref('two'), 'test/two:1');
    daemon = await startDaemon(socket, join(temp.path, 'root'));
    for (const name of ['test/busybox:1', 'test/two:1']) assert.equal((await berth('pull', `${registry.host}/${name}`)).code, 0);
  });
  after(async () => {
    await daemon?.stop();
    await registry?.stop();
    bundle?.remove();
    if (layout) rmSync(layout.dir, { recursive: true, force: true });
    temp.remove();
  });

  test('berth save → skopeo (OCI archive and docker archive): same manifest and config digests', async () => {
    const archive = join(temp.path, 'saved.tar');
    const result = await berth('save', '-o', archive, `${registry.host}/test/busybox:1`, `${registry.host}/test/two:1`);
    assert.equal(result.code, 0, result.stderr);
    for (const tag of ['busybox', 'two']) {
      const original = manifestOf(layout, tag);
      // skopeo reads the docker-archive side by name: the config (the image id) is the one the registry had.
      const seen = JSON.parse(skopeo('inspect', '--raw', `docker-archive:${archive}:${registry.host}/test/${tag}:1`)) as { config: { digest: string } };
      assert.equal(seen.config.digest, original.manifest.config.digest, `${tag}: the image id survives docker-archive`);
    }
    // The OCI side (skopeo 1.9 picks an image in an OCI archive only by a ref name, and both are tagged
    // "1": one image per archive): copied out with its manifest digest unchanged.
    for (const tag of ['busybox', 'two']) {
      const single = join(temp.path, `saved-${tag}.tar`);
      assert.equal((await berth('save', '-o', single, `${registry.host}/test/${tag}:1`)).code, 0);
      const ociCopy = join(temp.path, `oci-copy-${tag}`);
      skopeo('copy', '--quiet', `oci-archive:${single}`, `oci:${ociCopy}:x`);
      const index = JSON.parse(readFileSync(join(ociCopy, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
      assert.equal(index.manifests[0]!.digest, manifestOf(layout, tag).digest);
    }
  });

  test('skopeo → berth load (OCI archive and docker archive): same ids, same files', async () => {
    const oci = join(temp.path, 'from-skopeo-oci.tar');
    skopeo('copy', '--quiet', layout.ref('two'), `oci-archive:${oci}:example.com/loaded/oci:7`);
    const loaded = await berth('load', '-i', oci);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /Loaded image: example\.com\/loaded\/oci:7\n/);
    const image = await call((client) => client.call('images.inspect', { image: 'example.com/loaded/oci:7' }));
    assert.equal(image.id, manifestOf(layout, 'two').manifest.config.digest);
    assert.equal(image.manifestDigest, manifestOf(layout, 'two').digest);
    assert.equal((await mergedTree(image.layerDirs)).get('/etc/second')?.content, 'second layer\n');

    const docker = join(temp.path, 'from-skopeo-docker.tar');
    skopeo('copy', '--quiet', layout.ref('busybox'), `docker-archive:${docker}:example.com/loaded/docker:8`);
    const child = await berth('load', '-i', docker);
    assert.equal(child.code, 0, child.stderr);
    const dockerImage = await call((client) => client.call('images.inspect', { image: 'example.com/loaded/docker:8' }));
    assert.equal(dockerImage.id, manifestOf(layout, 'busybox').manifest.config.digest);
    assert.equal((await mergedTree(dockerImage.layerDirs)).get('/bin/sh')?.content, 'busybox');
  });

  test('a truncated archive loads nothing', async () => {
    const archive = join(temp.path, 'whole.tar');
    skopeo('copy', '--quiet', layout.ref('busybox'), `oci-archive:${archive}:example.com/cut:1`);
    const bytes = readFileSync(archive);
    const cut = join(temp.path, 'cut.tar');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const result = await berth('load', '-i', cut);
    assert.equal(result.code, 125);
    const names = (await call((client) => client.call('images.list', {}))).flatMap((image) => image.repoTags);
    assert.equal(names.includes('example.com/cut:1'), false);
  });

  test('push: the registry has the same manifest digest, and a fresh store pulls it', async () => {
    const local = `${registry.host}/test/two:1`;
    const target = `${registry.host}/pushed/two:2`;
    assert.equal((await berth('tag', local, target)).code, 0);
    const pushed = await berth('push', target);
    assert.equal(pushed.code, 0, pushed.stderr);
    const raw = skopeo('inspect', '--raw', '--tls-verify=false', `docker://${target}`);
    assert.equal(sha256(raw), manifestOf(layout, 'two').digest);
    // An imported image (an uncompressed layer) goes up and comes back with the same id.
    const imported = (await berth('import', bundle.rootfs, `${registry.host}/pushed/imported:1`)).stdout.trim();
    assert.equal((await berth('push', `${registry.host}/pushed/imported:1`)).code, 0);
    await daemon.stop();
    daemon = await startDaemon(socket, join(temp.path, 'root-fresh'));
    assert.equal((await berth('pull', target)).code, 0);
    assert.equal((await berth('pull', `${registry.host}/pushed/imported:1`)).code, 0);
    const back = await call((client) => client.call('images.inspect', { image: `${registry.host}/pushed/imported:1` }));
    assert.equal(back.id, imported);
    assert.equal((await mergedTree(back.layerDirs)).get('/bin/sh')?.content, 'busybox');
  });
});

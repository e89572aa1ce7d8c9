// Layer unpacking as root on real directories. Hostile layers are built here with tar-stream's pack, and
// after each one the host is checked: an empty directory on the host stays empty and /etc/passwd is not
// touched, while inside the unpack root the entries land where OCI's semantics put them. Good layers
// check modes, owners, times, links, special files, whiteouts in both modes, gzip, and a busybox rootfs
// made by `tar` compared file by file with its source.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { unpackLayer, type UnpackOptions } from '../../helper/src/images/unpackLayer';
import { LayerStore } from '../../helper/src/images/layerStore';
import { DEFAULT_UNPACK_LIMITS, UnpackBudget, type UnpackLimits } from '../../helper/src/images/unpackLimits';
import { lgetxattr } from '../../helper/src/linux/xattr';
import { makeBusyboxBundle } from '../support/bundle';
import { tarOf, type TarItem } from '../support/imageLayouts';
import { tempDirsOfThisFile } from '../support/tempDirs';

const tempDir = tempDirsOfThisFile();

const layer = tarOf;

const unpack = (tar: Buffer, target: string, options?: UnpackOptions) => unpackLayer(Readable.from([tar]), target, options);

function passwdState() {
  const info = statSync('/etc/passwd');
  return { ino: info.ino, nlink: info.nlink, mtimeMs: info.mtimeMs, size: info.size, hash: createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex') };
}

/** A host directory an escape would write into, the unpack root, and a check that the host was untouched. */
function scene() {
  const host = tempDir('berth-host-');
  const target = tempDir('berth-unpack-');
  const passwd = passwdState();
  return {
    host,
    target,
    assertHostUntouched() {
      assert.deepEqual(readdirSync(host), [], 'the host directory stays empty');
      assert.deepEqual(passwdState(), passwd, '/etc/passwd is unchanged');
      assert.equal(existsSync('/etc/evil'), false);
      assert.equal(existsSync('/evil'), false);
    },
  };
}

describe('hostile layers stay inside the root', () => {
  test('`..` and absolute names land inside', async () => {
    const s = scene();
    const result = await unpack(
      await layer([
        { name: '../../etc/evil', body: 'dots' },
        { name: '/etc/evil2', body: 'absolute' },
        { name: '../../../../../evil', body: 'top' },
      ]),
      s.target,
    );
    assert.deepEqual(result, { entries: 3, bytes: 15 });
    assert.equal(readFileSync(join(s.target, 'etc/evil'), 'utf8'), 'dots');
    assert.equal(readFileSync(join(s.target, 'etc/evil2'), 'utf8'), 'absolute');
    assert.equal(readFileSync(join(s.target, 'evil'), 'utf8'), 'top');
    s.assertHostUntouched();
  });

  test('an absolute symlink followed by a file written through it is followed inside the root', async () => {
    const s = scene();
    await unpack(
      await layer([
        { name: 'link', type: 'symlink', linkname: s.host },
        { name: 'link/owned', body: 'gotcha' },
      ]),
      s.target,
    );
    assert.equal(readlinkSync(join(s.target, 'link')), s.host, 'the symlink is stored as-is');
    assert.equal(readFileSync(join(s.target, s.host, 'owned'), 'utf8'), 'gotcha');
    s.assertHostUntouched();
  });

  test('a relative symlink chain climbing out is clamped at the root', async () => {
    const s = scene();
    await unpack(
      await layer([
        { name: 'sub/', type: 'directory', mode: 0o755 },
        { name: 'sub/a', type: 'symlink', linkname: `../../../../..${s.host}` },
        { name: 'b', type: 'symlink', linkname: 'sub/a' },
        { name: 'b/owned', body: 'chain' },
        { name: 'sub/a/deeper/owned2', body: 'deeper' },
      ]),
      s.target,
    );
    assert.equal(readFileSync(join(s.target, s.host, 'owned'), 'utf8'), 'chain');
    assert.equal(readFileSync(join(s.target, s.host, 'deeper/owned2'), 'utf8'), 'deeper');
    s.assertHostUntouched();
  });

  test('a hardlink to a file outside is impossible: the target is looked up inside the root', async () => {
    const s = scene();
    await assert.rejects(
      unpack(await layer([{ name: 'h', type: 'link', linkname: '../../../../etc/passwd' }]), s.target),
      /layer entry "h" \(link\): hardlink target \/etc\/passwd is not in the layer's root/,
    );
    await assert.rejects(
      unpack(
        await layer([
          { name: 'etclink', type: 'symlink', linkname: '/etc' },
          { name: 'h2', type: 'link', linkname: 'etclink/passwd' },
        ]),
        s.target,
      ),
      /layer entry "h2" \(link\): hardlink target \/etclink\/passwd is not in the layer's root/,
    );
    assert.equal(existsSync(join(s.target, 'h')), false);
    assert.equal(existsSync(join(s.target, 'h2')), false);
    s.assertHostUntouched();

    // With an etc/passwd of the layer's own, the same link names that one.
    const t = scene();
    await unpack(
      await layer([
        { name: 'etc/passwd', body: 'root:x:0:0::/:/bin/sh\n' },
        { name: 'h', type: 'link', linkname: '../../../../etc/passwd' },
      ]),
      t.target,
    );
    assert.equal(statSync(join(t.target, 'h')).ino, statSync(join(t.target, 'etc/passwd')).ino);
    assert.equal(statSync(join(t.target, 'h')).nlink, 2);
    t.assertHostUntouched();
  });

  test('a directory entry replaces a symlink of the same name', async () => {
    const s = scene();
    await unpack(
      await layer([
        { name: 'd', type: 'symlink', linkname: s.host },
        { name: 'd/', type: 'directory', mode: 0o755 },
        { name: 'd/x', body: 'in the real d' },
      ]),
      s.target,
    );
    assert.ok(lstatSync(join(s.target, 'd')).isDirectory());
    assert.equal(readFileSync(join(s.target, 'd/x'), 'utf8'), 'in the real d');
    s.assertHostUntouched();
  });

  test('a file entry replaces a symlink instead of writing through it', async () => {
    const s = scene();
    writeFileSync(join(s.host, '..', `${s.host.split('/').pop()}-victim`), 'victim');
    const victim = `${s.host}-victim`;
    tempDir.removeAfter(victim);
    await unpack(
      await layer([
        { name: 'f', type: 'symlink', linkname: victim },
        { name: 'f', body: 'replaced' },
      ]),
      s.target,
    );
    assert.ok(lstatSync(join(s.target, 'f')).isFile());
    assert.equal(readFileSync(victim, 'utf8'), 'victim');
    s.assertHostUntouched();
  });

  test('whiteouts naming paths outside remove nothing on the host', async () => {
    const s = scene();
    writeFileSync(join(s.target, 'passwd'), 'the root own');
    await unpack(
      await layer([
        { name: '../../etc/.wh.passwd', body: '' },
        { name: 'e', type: 'symlink', linkname: '/etc' },
        { name: 'e/.wh.passwd', body: '' },
        { name: 'hostlink', type: 'symlink', linkname: s.host },
        { name: 'hostlink/.wh.anything', body: '' },
        { name: '../../.wh.passwd', body: '' },
      ]),
      s.target,
    );
    assert.equal(existsSync(join(s.target, 'passwd')), false, 'the root own /passwd was whited out');
    s.assertHostUntouched();
    await assert.rejects(unpack(await layer([{ name: 'x/.wh..', body: '' }]), s.target), /whiteout \.wh\.\. names no entry/);
    await assert.rejects(unpack(await layer([{ name: 'x/.wh...', body: '' }]), s.target), /whiteout \.wh\.\.\. names no entry/);
  });

  test('a symlink named `.` (the root) is refused', async () => {
    const s = scene();
    await assert.rejects(
      unpack(await layer([{ name: './', type: 'symlink', linkname: s.host }]), s.target),
      /layer entry "\.\/" \(symlink\): only a directory can stand for the root/,
    );
    assert.ok(lstatSync(s.target).isDirectory());
    s.assertHostUntouched();
  });

  test('size and entry guards stop a layer that expands past them', async () => {
    const s = scene();
    const big = await layer([{ name: 'a', body: Buffer.alloc(4096) }, { name: 'b', body: Buffer.alloc(4096) }]);
    const limits = (change: Partial<UnpackLimits>) => ({ budgets: [UnpackBudget.forLayer({ ...DEFAULT_UNPACK_LIMITS, ...change })] });
    await assert.rejects(unpack(big, s.target, limits({ layerBytes: 6000 })), /layer entry "b" \(file\): the layer unpacks to more than 6000 bytes of files, its limit \(--max-layer-size\)/);
    await assert.rejects(unpack(big, tempDir('berth-unpack-'), limits({ layerEntries: 1 })), /layer entry "b" \(file\): the layer unpacks to more than 1 entries, its limit \(--max-layer-entries\)/);
    // A file that announces more than is left is refused before anything of it is written.
    const third = tempDir('berth-unpack-');
    await assert.rejects(unpack(big, third, limits({ layerBytes: 5000 })), /layer entry "b" \(file\): the layer unpacks to more than 5000 bytes/);
    assert.equal(existsSync(join(third, 'b')), false);
    s.assertHostUntouched();
  });

  test('a layer tried again after its stream was cut counts once against its image budget', async () => {
    const tar = await layer([{ name: 'a', body: Buffer.alloc(4096, 1) }, { name: 'b', body: Buffer.alloc(4096, 2) }, { name: 'c', body: Buffer.alloc(4096, 3) }]);
    const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
    const store = new LayerStore(tempDir('berth-layers-'));
    // Room for the layer once (12 KiB of files), not for a second pass over most of it.
    const image = UnpackBudget.forImage({ ...DEFAULT_UNPACK_LIMITS, imageBytes: 16 * 1024 });
    // The first attempt's stream breaks once two of the three files are unpacked, as a cut download does.
    const cut = Readable.from(
      (async function* () {
        yield tar.subarray(0, 2 * (512 + 4096));
        for (const deadline = Date.now() + 60_000; image.bytes < 2 * 4096 && Date.now() < deadline; ) await new Promise((resolve) => setImmediate(resolve));
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      })(),
    );
    await assert.rejects(store.ensure(diffId, async () => cut, image), /socket hang up/);
    assert.equal(image.bytes, 0, 'what the failed attempt charged is given back');
    assert.equal(image.entries, 0);
    assert.equal(await store.ensure(diffId, async () => Readable.from([tar]), image), 3 * 4096);
    assert.deepEqual({ bytes: image.bytes, entries: image.entries }, { bytes: 3 * 4096, entries: 3 });
  });

  test('unknown entry types and unsupported compressions are refused by name', async () => {
    const s = scene();
    const tar = await layer([{ name: 'sparse', body: 'x' }]);
    tar[156] = 'S'.charCodeAt(0); // GNU sparse
    tar.fill(' ', 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tar[i];
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await assert.rejects(unpack(tar, s.target), /layer entry "sparse" \(unknown to tar-stream\): entry type unknown to tar-stream is not supported/);
    // zstd is read by the zstd program: a broken frame fails with what it said.
    await assert.rejects(unpack(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]), s.target), /zstd could not decompress the layer/);
    await assert.rejects(unpack(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0]), s.target), /xz-compressed/);
    const good = await layer([{ name: 'a', body: Buffer.alloc(100_000, 1) }]);
    const zipped = gzipSync(good);
    await assert.rejects(unpack(zipped.subarray(0, Math.floor(zipped.length / 2)), tempDir('berth-unpack-')), /unexpected end of file/);
    zipped[Math.floor(zipped.length / 2)] ^= 0xff;
    // Which zlib error depends on where the flipped byte falls; any of them must end the unpack.
    await assert.rejects(unpack(zipped, tempDir('berth-unpack-')), /incorrect|invalid|unexpected end of file/i);
    await assert.rejects(unpack(good.subarray(0, 50_000), tempDir('berth-unpack-')), /Unexpected end of data/);
    s.assertHostUntouched();
  });
});

describe('good layers', () => {
  const when = new Date('2021-03-04T05:06:07Z');

  test('files, directories, owners, modes, times, links, a fifo, devices and xattrs', async () => {
    const target = tempDir('berth-unpack-');
    const result = await unpack(
      await layer([
        { name: './', type: 'directory', mode: 0o755, mtime: when },
        { name: 'bin/', type: 'directory', mode: 0o750, uid: 12, gid: 34, mtime: when },
        { name: 'bin/tool', body: '#!/bin/sh\n', mode: 0o4755, uid: 1234, gid: 5678, mtime: when },
        { name: 'bin/secret', body: 'private', mode: 0o600, mtime: when },
        { name: 'bin/tool-again', type: 'link', linkname: 'bin/tool' },
        { name: 'bin/sh', type: 'symlink', linkname: '/bin/tool', uid: 7, gid: 8, mtime: when },
        { name: 'bin/rel', type: 'symlink', linkname: '../nowhere/at/all' },
        { name: 'ro/', type: 'directory', mode: 0o555, mtime: when },
        { name: 'ro/inside', body: 'written before the mode applies', mode: 0o444 },
        { name: 'dev/', type: 'directory', mode: 0o755 },
        { name: 'dev/pipe', type: 'fifo', mode: 0o620, mtime: when },
        { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
        { name: 'dev/loop9', type: 'block-device', devmajor: 7, devminor: 9, mode: 0o660 },
        { name: 'attrs', body: 'x', pax: { 'SCHILY.xattr.user.berth': 'value' } } as TarItem,
        { name: 'deep/ly/nested/file', body: 'parents made on the way' },
      ]),
      target,
    );
    assert.equal(result.entries, 15);
    assert.equal(result.bytes, 10 + 7 + 31 + 1 + 23);

    const tool = statSync(join(target, 'bin/tool'));
    assert.equal(tool.mode & 0o7777, 0o4755);
    assert.deepEqual([tool.uid, tool.gid], [1234, 5678]);
    assert.equal(tool.mtime.getTime(), when.getTime());
    assert.equal(tool.nlink, 2);
    assert.equal(statSync(join(target, 'bin/tool-again')).ino, tool.ino);
    assert.equal(statSync(join(target, 'bin/secret')).mode & 0o7777, 0o600);
    const bin = statSync(join(target, 'bin'));
    assert.equal(bin.mode & 0o7777, 0o750);
    assert.deepEqual([bin.uid, bin.gid], [12, 34]);
    assert.equal(bin.mtime.getTime(), when.getTime(), 'directory times are set after their children');
    assert.equal(statSync(target).mtime.getTime(), when.getTime());
    assert.equal(readlinkSync(join(target, 'bin/sh')), '/bin/tool');
    const sh = lstatSync(join(target, 'bin/sh'));
    assert.deepEqual([sh.uid, sh.gid, sh.mtime.getTime()], [7, 8, when.getTime()]);
    assert.equal(readlinkSync(join(target, 'bin/rel')), '../nowhere/at/all');
    assert.equal(statSync(join(target, 'ro')).mode & 0o7777, 0o555);
    assert.equal(readFileSync(join(target, 'ro/inside'), 'utf8'), 'written before the mode applies');
    const pipe = lstatSync(join(target, 'dev/pipe'));
    assert.ok(pipe.isFIFO());
    assert.equal(pipe.mode & 0o7777, 0o620);
    const nul = lstatSync(join(target, 'dev/null'));
    assert.ok(nul.isCharacterDevice());
    assert.equal(nul.rdev, (1 << 8) | 3);
    assert.equal(nul.mode & 0o7777, 0o666);
    const loop = lstatSync(join(target, 'dev/loop9'));
    assert.ok(loop.isBlockDevice());
    assert.equal(loop.rdev, (7 << 8) | 9);
    assert.equal(lgetxattr(join(target, 'attrs'), 'user.berth').toString(), 'value');
    assert.equal(readFileSync(join(target, 'deep/ly/nested/file'), 'utf8'), 'parents made on the way');
    assert.equal(statSync(join(target, 'deep/ly')).mode & 0o7777, 0o755);
  });

  test('devices are refused when not allowed', async () => {
    await assert.rejects(
      unpack(await layer([{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }]), tempDir('berth-unpack-'), { allowDevices: false }),
      /layer entry "null" \(character-device\): device nodes are made only when unpacking as root/,
    );
  });

  const lower = () =>
    layer([
      { name: 'gone', body: 'lower' },
      { name: 'stay', body: 'lower' },
      { name: 'gonedir/', type: 'directory' },
      { name: 'gonedir/f', body: 'lower' },
      { name: 'opq/', type: 'directory' },
      { name: 'opq/old', body: 'lower' },
      { name: 'opq/sub/old2', body: 'lower' },
      { name: 'opq2/old', body: 'lower' },
    ]);
  const upper = () =>
    layer([
      { name: '.wh.gone', body: '' },
      { name: '.wh.gonedir', body: '' },
      { name: 'opq/', type: 'directory' },
      { name: 'opq/new', body: 'upper' },
      { name: 'opq/sub/', type: 'directory' },
      { name: 'opq/sub/new2', body: 'upper' },
      { name: 'opq/.wh..wh..opq', body: '' },
      { name: 'opq2/', type: 'directory' },
      { name: 'opq2/.wh..wh..opq', body: '' },
      { name: 'opq2/new', body: 'upper' },
    ]);

  test("whiteouts and opaque directories in 'remove' mode", async () => {
    const target = tempDir('berth-unpack-');
    await unpack(await lower(), target);
    const result = await unpack(await upper(), target);
    assert.equal(result.entries, 10);
    assert.deepEqual(readdirSync(target).sort(), ['opq', 'opq2', 'stay']);
    assert.deepEqual(readdirSync(join(target, 'opq')).sort(), ['new', 'sub']);
    assert.deepEqual(readdirSync(join(target, 'opq/sub')), ['new2']);
    assert.deepEqual(readdirSync(join(target, 'opq2')), ['new']);
  });

  test("whiteouts and opaque directories in 'overlay' mode", async () => {
    const target = tempDir('berth-unpack-');
    await unpack(await upper(), target, { whiteoutMode: 'overlay' });
    for (const name of ['gone', 'gonedir']) {
      const whiteout = lstatSync(join(target, name));
      assert.ok(whiteout.isCharacterDevice(), name);
      assert.equal(whiteout.rdev, 0);
    }
    assert.equal(lgetxattr(join(target, 'opq'), 'trusted.overlay.opaque').toString(), 'y');
    assert.equal(lgetxattr(join(target, 'opq2'), 'trusted.overlay.opaque').toString(), 'y');
    assert.deepEqual(readdirSync(join(target, 'opq')).sort(), ['new', 'sub']);
    assert.deepEqual(readdirSync(join(target, 'opq2')), ['new']);
  });

  test('a zstd layer is unpacked through the zstd program', async () => {
    const target = tempDir('berth-unpack-');
    const tar = await layer([{ name: 'z/file', body: 'zstd body\n' }]);
    const compressed = execFileSync('zstd', ['-q', '-c'], { input: tar });
    await unpack(compressed, target);
    assert.equal(readFileSync(join(target, 'z', 'file'), 'utf8'), 'zstd body\n');
  });

  test('a gzip layer is recognised by its magic bytes', async () => {
    const target = tempDir('berth-unpack-');
    const result = await unpack(gzipSync(await layer([{ name: 'a/b', body: 'zipped' }])), target);
    assert.deepEqual(result, { entries: 1, bytes: 6 });
    assert.equal(readFileSync(join(target, 'a/b'), 'utf8'), 'zipped');
  });

  test('a busybox rootfs made with tar unpacks to the same tree', async () => {
    const bundle = makeBusyboxBundle();
    tempDir.removeAfter(bundle.dir);
    execFileSync('ln', [join(bundle.rootfs, 'bin/busybox'), join(bundle.rootfs, 'bin/busybox-hard')]);
    execFileSync('mkfifo', [join(bundle.rootfs, 'tmp/fifo')]);
    const tar = execFileSync('tar', ['-C', bundle.rootfs, '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 64 << 20 });
    const target = tempDir('berth-unpack-');
    const result = await unpack(tar, target);
    const source = walk(bundle.rootfs);
    assert.deepEqual(walk(target), source);
    assert.equal(result.entries, source.length + 1); // and ./ itself
    assert.equal(statSync(join(target, 'bin/busybox-hard')).ino, statSync(join(target, 'bin/busybox')).ino);
  });
});

interface Node {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size?: number;
  link?: string;
  mtime?: number;
}

function walk(root: string, dir = ''): Node[] {
  const nodes: Node[] = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const path = join(dir, name);
    const info = lstatSync(join(root, path));
    const type = info.isDirectory() ? 'dir' : info.isSymbolicLink() ? 'symlink' : info.isFile() ? 'file' : info.isFIFO() ? 'fifo' : 'other';
    const node: Node = { path, type, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
    if (type === 'file') node.size = info.size;
    if (type === 'symlink') node.link = readlinkSync(join(root, path));
    if (type !== 'symlink') node.mtime = Math.floor(info.mtimeMs / 1000);
    nodes.push(node);
    if (type === 'dir') nodes.push(...walk(root, path));
  }
  return nodes;
}

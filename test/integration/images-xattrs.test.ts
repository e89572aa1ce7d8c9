// Xattrs through layer unpacking, as root on real directories (ext4 or tmpfs under the temp dir): binary
// values (a file capability, a user xattr that is not UTF-8 and holds `=` and a newline) come back byte for
// byte from a layer GNU tar wrote and from one whose PAX block is built here by hand; `trusted.overlay.*`
// and `user.overlay.*` in a layer are refused naming the entry; other namespaces are skipped and listed;
// `import DIR`'s tar carries user xattrs and capabilities into the unpacked tree.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { paxRecord, paxRecords } from '../../helper/src/images/paxRaw';
import { tarDirectory } from '../../helper/src/images/tarDirectory';
import { unpackLayer, type UnpackOptions } from '../../helper/src/images/unpackLayer';
import { lgetxattr, llistxattr, lsetxattr } from '../../helper/src/linux/xattr';
import { tarOf } from '../support/imageLayouts';
import { tempDirsOfThisFile } from '../support/tempDirs';

const tempDir = tempDirsOfThisFile();

/** What `setcap cap_net_raw+ep` stores: vfs_cap_data v2, magic 0x02000000 | effective, permitted bit 13. */
const CAP_NET_RAW_EP = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, ...new Array<number>(12).fill(0)]);
/** Not UTF-8, and holding the bytes a record parser could trip on: NUL, `=`, a newline. */
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x3d, 0x0a, 0xc3]);

const record = paxRecord;

const layer = tarOf;

const unpack = (tar: Buffer, target: string, options?: UnpackOptions) => unpackLayer(Readable.from([tar]), target, options);

describe('PAX records', () => {
  test('are split with their values as raw bytes', () => {
    const block = Buffer.concat([record('path', Buffer.from('a/b')), record('SCHILY.xattr.user.x', BINARY), record('SCHILY.xattr.user.empty', Buffer.alloc(0))]);
    const records = paxRecords(block);
    assert.deepEqual([...records.keys()], ['path', 'SCHILY.xattr.user.x', 'SCHILY.xattr.user.empty']);
    assert.deepEqual(records.get('SCHILY.xattr.user.x'), BINARY);
    assert.deepEqual(records.get('SCHILY.xattr.user.empty'), Buffer.alloc(0));
  });
});

describe('layer xattrs', () => {
  test('a layer GNU tar wrote: a capability set by setcap and a binary user xattr, byte for byte', async (t) => {
    const source = tempDir('berth-xattr-src-');
    writeFileSync(join(source, 'ping'), '#!/bin/sh\n', { mode: 0o755 });
    try {
      execFileSync('setcap', ['cap_net_raw+ep', join(source, 'ping')]);
    } catch {
      t.diagnostic('setcap is missing: the capability is set by hand');
      lsetxattr(join(source, 'ping'), 'security.capability', CAP_NET_RAW_EP);
    }
    assert.deepEqual(lgetxattr(join(source, 'ping'), 'security.capability'), CAP_NET_RAW_EP);
    lsetxattr(join(source, 'ping'), 'user.blob', BINARY);
    mkdirSync(join(source, 'dir'));
    lsetxattr(join(source, 'dir'), 'user.dirattr', Buffer.from([0x80, 0x81]));
    const tar = execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-C', source, '-cf', '-', 'ping', 'dir'], { maxBuffer: 1 << 24 });

    const target = tempDir('berth-xattr-unpack-');
    const result = await unpack(tar, target);
    assert.equal(result.skippedXattrs, undefined, String(result.skippedXattrs));
    assert.deepEqual(lgetxattr(join(target, 'ping'), 'security.capability'), CAP_NET_RAW_EP);
    assert.deepEqual(lgetxattr(join(target, 'ping'), 'user.blob'), BINARY);
    assert.deepEqual(lgetxattr(join(target, 'dir'), 'user.dirattr'), Buffer.from([0x80, 0x81]));
    assert.equal(readFileSync(join(target, 'ping'), 'utf8'), '#!/bin/sh\n');
    try {
      assert.match(execFileSync('getcap', [join(target, 'ping')], { encoding: 'utf8' }), /cap_net_raw[=+]ep/);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  });

  test('a hand-built PAX block with a long name, in both whiteout modes', async () => {
    const name = `${'long/'.repeat(30)}tool`;
    for (const whiteoutMode of ['remove', 'overlay'] as const) {
      const tar = await layer([
        {
          name: 'placeholder',
          body: 'x',
          mode: 0o4755,
          uid: 1000,
          paxBlock: Buffer.concat([record('path', Buffer.from(name)), record('SCHILY.xattr.security.capability', CAP_NET_RAW_EP), record('SCHILY.xattr.user.blob', BINARY)]),
        },
      ]);
      const target = tempDir('berth-xattr-unpack-');
      await unpack(tar, target, { whiteoutMode });
      const at = join(target, name);
      assert.deepEqual(lgetxattr(at, 'security.capability'), CAP_NET_RAW_EP, 'chown and chmod come before the capability');
      assert.deepEqual(lgetxattr(at, 'user.blob'), BINARY);
    }
  });

  test('trusted.overlay.* and user.overlay.* in a layer are refused naming the entry', async () => {
    for (const [entry, key] of [
      [{ name: 'opq/', type: 'directory' }, 'SCHILY.xattr.trusted.overlay.opaque'],
      [{ name: 'file', body: 'x' }, 'SCHILY.xattr.trusted.overlay.redirect'],
      [{ name: 'dir2/', type: 'directory' }, 'SCHILY.xattr.user.overlay.opaque'],
    ] as const) {
      for (const whiteoutMode of ['remove', 'overlay'] as const) {
        const target = tempDir('berth-xattr-unpack-');
        await assert.rejects(
          unpack(await layer([{ ...entry, paxBlock: record(key, Buffer.from('y')) }]), target, { whiteoutMode }),
          (error: Error) => {
            assert.match(error.message, new RegExp(`layer entry "${entry.name}" .*xattr ${key.slice(13).replace(/\./g, '\\.')} is refused: overlayfs reads it`));
            return true;
          },
        );
        const made = join(target, entry.name);
        try {
          assert.equal(llistxattr(made).filter((n) => n.includes('overlay')).length, 0, 'nothing overlay-ish was set');
        } catch (error) {
          if ((error as { code?: string }).code !== 'ENOENT') throw error;
        }
      }
    }
  });

  test('other namespaces are skipped and listed; the layer still unpacks', async () => {
    const target = tempDir('berth-xattr-unpack-');
    const result = await unpack(
      await layer([
        {
          name: 'file',
          body: 'x',
          paxBlock: Buffer.concat([record('SCHILY.xattr.trusted.berth', Buffer.from('v')), record('SCHILY.xattr.security.selinux', Buffer.from('system_u:object_r:bin_t:s0\0')), record('SCHILY.xattr.user.kept', Buffer.from('k'))]),
        },
        { name: 'link', type: 'symlink', linkname: 'file', paxBlock: record('SCHILY.xattr.user.onlink', Buffer.from('v')) },
      ]),
      target,
    );
    assert.deepEqual(result.skippedXattrs, [
      'file: xattr trusted.berth not set (Berth restores only user.* and security.capability)',
      'file: xattr security.selinux not set (Berth restores only user.* and security.capability)',
      'link: xattr user.onlink not set (xattrs are restored on files and directories only, not on a symlink)',
    ]);
    assert.deepEqual(llistxattr(join(target, 'file')), ['user.kept']);
  });

  test('import DIR carries user xattrs and capabilities', async () => {
    const source = tempDir('berth-xattr-dir-');
    const deep = join(source, `${'d'.repeat(90)}/${'e'.repeat(90)}`);
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'ping'), 'p');
    lsetxattr(join(deep, 'ping'), 'security.capability', CAP_NET_RAW_EP);
    lsetxattr(join(deep, 'ping'), 'user.blob', BINARY);
    lsetxattr(join(source, 'd'.repeat(90)), 'user.dir', Buffer.from([0xfe]));
    writeFileSync(join(source, 'plain'), 'no xattrs');
    const chunks: Buffer[] = [];
    for await (const chunk of tarDirectory(source)) chunks.push(chunk);
    const target = tempDir('berth-xattr-unpack-');
    await unpack(Buffer.concat(chunks), target);
    const ping = join(target, `${'d'.repeat(90)}/${'e'.repeat(90)}/ping`);
    assert.equal(readFileSync(ping, 'utf8'), 'p');
    assert.deepEqual(lgetxattr(ping, 'security.capability'), CAP_NET_RAW_EP);
    assert.deepEqual(lgetxattr(ping, 'user.blob'), BINARY);
    assert.deepEqual(lgetxattr(join(target, 'd'.repeat(90)), 'user.dir'), Buffer.from([0xfe]));
    assert.deepEqual(llistxattr(join(target, 'plain')), []);
    assert.equal(readFileSync(join(target, 'plain'), 'utf8'), 'no xattrs');
  });
});

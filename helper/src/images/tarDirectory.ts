// A directory as a tar stream (for `import DIR`): entries in sorted order, ownership, modes and times as
// they are, hardlinks as links to the first name, symlinks never followed. Sockets are left out, as tar
// does. The names are relative (`bin/sh`), which the unpacker cleans to absolute paths in its root.
// Xattrs the unpacker restores (user.* on files and directories, security.capability on files) go in a PAX
// header of their own with their raw bytes, as GNU tar writes them; see withXattrs for why by hand.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { pack, type Header, type Pack } from 'tar-stream';
import { SyscallError } from '../linux/libc';
import { lgetxattr, llistxattr } from '../linux/xattr';
import { paxHeaderBlock, paxRecord } from './paxRaw';

type EntryHeader = Partial<Header> & { name: string };

/** The tar of everything below `dir` (not `dir` itself); an error in the walk errors the stream. */
export function tarDirectory(dir: string): AsyncIterable<Buffer> & { destroy(error?: Error): void } {
  const packer = pack();
  const links = new Map<string, string>();
  void (async () => {
    try {
      await addChildren(packer, dir, '', links);
      packer.finalize();
    } catch (error) {
      packer.destroy(error as Error);
    }
  })();
  return packer as unknown as AsyncIterable<Buffer> & { destroy(error?: Error): void };
}

async function addChildren(packer: Pack, dir: string, prefix: string, links: Map<string, string>): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const path = join(dir, name);
    const entryName = `${prefix}${name}`;
    const info = await lstat(path);
    const header: EntryHeader = {
      name: entryName,
      mode: info.mode & 0o7777,
      uid: info.uid,
      gid: info.gid,
      mtime: info.mtime,
    };
    if (info.isDirectory()) {
      await entry(packer, await withXattrs(packer, { ...header, name: `${entryName}/`, type: 'directory' }, path, false));
      await addChildren(packer, path, `${entryName}/`, links);
    } else if (info.isFile()) {
      const key = `${info.dev}:${info.ino}`;
      const first = info.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) {
        await entry(packer, { ...header, type: 'link', linkname: first, size: 0 });
        continue;
      }
      if (info.nlink > 1) links.set(key, entryName);
      await fileEntry(packer, await withXattrs(packer, { ...header, type: 'file', size: info.size }, path, true), path);
    } else if (info.isSymbolicLink()) {
      await entry(packer, { ...header, type: 'symlink', linkname: await readlink(path) });
    } else if (info.isCharacterDevice() || info.isBlockDevice()) {
      const rdev = info.rdev;
      const devmajor = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
      const devminor = (rdev & 0xff) | ((rdev >> 12) & ~0xff & 0xfffff);
      await entry(packer, { ...header, type: info.isCharacterDevice() ? 'character-device' : 'block-device', devmajor, devminor });
    } else if (info.isFIFO()) {
      await entry(packer, { ...header, type: 'fifo' });
    }
  }
}

function entry(packer: Pack, header: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) => {
    packer.entry(header, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

async function fileEntry(packer: Pack, header: EntryHeader, path: string): Promise<void> {
  let sink!: ReturnType<Pack['entry']>;
  const written = new Promise<void>((resolve, reject) => {
    sink = packer.entry(header, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
  for await (const chunk of createReadStream(path)) {
    if (!sink.write(chunk as Buffer)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
  }
  (sink as unknown as { end(): void }).end();
  await written;
}

/**
 * Writes a PAX header with `path` and the `SCHILY.xattr.*` records of `path`'s xattrs when it has any the
 * unpacker restores, and returns the header to write next. By hand (paxHeaderBlock) because tar-stream's
 * pack encodes a header's `pax` values as UTF-8 strings, which would corrupt binary values; and since a
 * second PAX header of tar-stream's own (for a long or non-ASCII name) would replace this one, the name
 * goes in here too and the header after it gets a short ASCII stand-in, which the PAX `path` overrides.
 */
async function withXattrs(packer: Pack, header: EntryHeader, path: string, isFile: boolean): Promise<EntryHeader> {
  const records: Buffer[] = [];
  for (const name of listXattrs(path)) {
    if (name.startsWith('user.') || (isFile && name === 'security.capability')) records.push(paxRecord(`SCHILY.xattr.${name}`, lgetxattr(path, name)));
  }
  if (records.length === 0) return header;
  // Between entries (each one is awaited) nothing of tar-stream's is in flight, so this lands in order.
  packer.push(paxHeaderBlock(Buffer.concat([paxRecord('path', Buffer.from(header.name)), ...records]), header.mtime));
  const ascii = Buffer.byteLength(header.name) === header.name.length && header.name.length <= 100;
  return ascii ? header : { ...header, name: isFile ? 'PaxHeader.name' : 'PaxHeader.name/' };
}

function listXattrs(path: string): string[] {
  try {
    return llistxattr(path);
  } catch (error) {
    if (error instanceof SyscallError && (error.code === 'ENOTSUP' || error.code === 'EOPNOTSUPP')) return [];
    throw error;
  }
}

// A build step's changes as an image layer: the overlay upper directory of the step's container, written
// as a tar the way the OCI image spec says layers record changes. A file or directory there is an
// addition or a change; overlayfs's whiteout (a 0:0 character device) becomes an empty `.wh.NAME` file; an
// opaque directory (trusted.overlay.opaque=y, what replacing a lower directory leaves) is written with a
// `.wh..wh..opq` entry inside it. Mount points the runtime made for the container (/etc/hosts, /proc, …)
// are left out: they belong to the container, not to the image, as Docker's init layer keeps them out.
//
// The upper directory was written by the container, so it is read without ever following a symlink
// (every lookup is one name below an open directory fd) and the container has ended before this runs.
import { closeSync, fstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { once } from 'node:events';
import { read } from 'node:fs';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { pack, type Header as TarHeader, type Pack } from 'tar-stream';

type Header = Partial<TarHeader> & { name: string };
import { AT_FDCWD, O_DIRECTORY, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, openat2, RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS } from '../../linux/files';
import { SyscallError } from '../../linux/libc';
import { lgetxattr, llistxattr } from '../../linux/xattr';
import { fdPath, openInRoot, openInRootIfExists } from '../../fs/openInRoot';
import { paxHeaderBlock, paxRecord } from '../../images/paxRaw';

const readAsync = promisify(read);
const ONE_NAME = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
const OPAQUE_XATTR = 'trusted.overlay.opaque';
const REDIRECT_XATTR = 'trusted.overlay.redirect';
const METACOPY_XATTR = 'trusted.overlay.metacopy';

export interface CaptureInput {
  upper: string;
  /** The container's merged root (still mounted): a metacopy file's data is read through it. */
  merged: string;
  /** The layers below, lowest first: whether a path existed before the step. */
  lowerDirs: string[];
  /** Absolute paths the runtime mounted over (left out, with the directories made only to hold them). */
  mountPoints: readonly string[];
}

interface CapturedEntry {
  /** Path in the layer, without a leading slash. */
  path: string;
  stats: Stats;
  kind: 'directory' | 'file' | 'symlink' | 'link' | 'whiteout' | 'fifo' | 'device';
  opaque?: boolean;
  linkname?: string;
  xattrs?: Array<[string, Buffer]>;
  /** Where to read the content from (metacopy-only files have theirs below). */
  readFromMerged?: boolean;
}

/** The changes, or undefined when the step changed nothing. */
export function captureUpper(input: CaptureInput): { entries: number; tar: AsyncIterable<Buffer> } | undefined {
  const entries = collect(input);
  if (entries.length === 0) return undefined;
  return { entries: entries.length, tar: packEntries(input, entries) };
}

function collect(input: CaptureInput): CapturedEntry[] {
  const excluded = new Set(input.mountPoints.map((path) => posix.normalize(path)));
  const holders = new Set<string>();
  for (const path of excluded) for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) holders.add(dir);
  const upperFd = openat2(AT_FDCWD, input.upper, O_PATH | O_DIRECTORY, 0);
  const result: CapturedEntry[] = [];
  const links = new Map<string, string>();
  const walk = (dirFd: number, dir: string): number => {
    let emitted = 0;
    for (const name of readdirSync(fdPath(dirFd)).sort()) {
      const path = dir === '' ? name : `${dir}/${name}`;
      const absolute = `/${path}`;
      if (excluded.has(absolute)) continue;
      const childPath = `${fdPath(dirFd)}/${name}`;
      const stats = lstatOf(dirFd, name);
      if (stats.isCharacterDevice() && stats.rdev === 0) {
        result.push({ path, stats, kind: 'whiteout' });
        emitted++;
        continue;
      }
      const xattrs = xattrsOf(childPath);
      if (xattrs.has(REDIRECT_XATTR)) {
        throw new Error(`/${path} was renamed with overlayfs redirect_dir on; this kernel's overlay cannot be captured as a layer (load the overlay module with redirect_dir=off)`);
      }
      const kept = [...xattrs.entries()].filter(([key]) => key.startsWith('user.') || (stats.isFile() && key === 'security.capability'));
      const base = { path, stats, ...(kept.length > 0 ? { xattrs: kept } : {}) };
      if (stats.isDirectory()) {
        const index = result.length;
        result.push({ ...base, kind: 'directory', ...(xattrs.get(OPAQUE_XATTR)?.toString() === 'y' ? { opaque: true } : {}) });
        const childFd = openat2(dirFd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW, ONE_NAME);
        let children: number;
        try {
          children = walk(childFd, path);
        } finally {
          closeSync(childFd);
        }
        // A directory made only to hold a mount point (/etc of an image without one) goes too.
        if (children === 0 && holders.has(absolute) && !result[index]!.opaque && !existsBelow(input.lowerDirs, absolute)) result.splice(index, 1);
        else emitted++;
      } else if (stats.isFile()) {
        const key = `${stats.dev}:${stats.ino}`;
        const first = stats.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) result.push({ ...base, kind: 'link', linkname: first });
        else {
          if (stats.nlink > 1) links.set(key, path);
          result.push({ ...base, kind: 'file', ...(xattrs.has(METACOPY_XATTR) ? { readFromMerged: true } : {}) });
        }
        emitted++;
      } else if (stats.isSymbolicLink()) {
        result.push({ ...base, kind: 'symlink', linkname: readlinkSync(childPath) });
        emitted++;
      } else if (stats.isFIFO()) {
        result.push({ ...base, kind: 'fifo' });
        emitted++;
      } else if (stats.isCharacterDevice() || stats.isBlockDevice()) {
        result.push({ ...base, kind: 'device' });
        emitted++;
      }
      // Sockets are left out, as tar and Docker leave them out.
    }
    return emitted;
  };
  try {
    walk(upperFd, '');
  } finally {
    closeSync(upperFd);
  }
  return result;
}

function lstatOf(dirFd: number, name: string): Stats {
  const fd = openat2(dirFd, name, O_PATH | O_NOFOLLOW, ONE_NAME);
  try {
    return fstatSync(fd);
  } finally {
    closeSync(fd);
  }
}

function xattrsOf(path: string): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  let names: string[];
  try {
    names = llistxattr(path);
  } catch (error) {
    if (error instanceof SyscallError && (error.code === 'ENOTSUP' || error.code === 'EOPNOTSUPP')) return values;
    throw error;
  }
  for (const name of names) {
    try {
      values.set(name, lgetxattr(path, name));
    } catch (error) {
      if (!(error instanceof SyscallError && error.code === 'ENODATA')) throw error;
    }
  }
  return values;
}

function existsBelow(lowerDirs: string[], path: string): boolean {
  return lowerDirs.some((dir) => {
    const root = openat2(AT_FDCWD, dir, O_PATH | O_DIRECTORY, 0);
    try {
      const fd = openInRootIfExists(root, path, O_PATH | O_NOFOLLOW);
      if (fd !== undefined) closeSync(fd);
      return fd !== undefined;
    } catch {
      return false;
    } finally {
      closeSync(root);
    }
  });
}

function packEntries(input: CaptureInput, entries: CapturedEntry[]): AsyncIterable<Buffer> {
  const packer = pack();
  void (async () => {
    const upperFd = openat2(AT_FDCWD, input.upper, O_PATH | O_DIRECTORY, 0);
    const mergedFd = openat2(AT_FDCWD, input.merged, O_PATH | O_DIRECTORY, 0);
    try {
      for (const entry of entries) await packEntry(packer, entry, upperFd, mergedFd);
      packer.finalize();
    } catch (error) {
      packer.destroy(error as Error);
    } finally {
      closeSync(upperFd);
      closeSync(mergedFd);
    }
  })();
  return packer as unknown as AsyncIterable<Buffer>;
}

async function packEntry(packer: Pack, entry: CapturedEntry, upperFd: number, mergedFd: number): Promise<void> {
  const { stats, path } = entry;
  const header: Header = { name: path, mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, mtime: stats.mtime };
  switch (entry.kind) {
    case 'whiteout':
      await write(packer, { ...header, name: posix.join(posix.dirname(path), `.wh.${posix.basename(path)}`), mode: 0, uid: 0, gid: 0, type: 'file', size: 0 });
      return;
    case 'directory':
      await write(packer, await withXattrs(packer, { ...header, name: `${path}/`, type: 'directory' }, entry));
      if (entry.opaque) await write(packer, { ...header, name: `${path}/.wh..wh..opq`, mode: 0, uid: 0, gid: 0, type: 'file', size: 0 });
      return;
    case 'symlink':
      await write(packer, { ...header, type: 'symlink', linkname: entry.linkname! });
      return;
    case 'link':
      await write(packer, { ...header, type: 'link', linkname: entry.linkname!, size: 0 });
      return;
    case 'fifo':
      await write(packer, { ...header, type: 'fifo' });
      return;
    case 'device': {
      const rdev = stats.rdev;
      const devmajor = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
      const devminor = (rdev & 0xff) | ((rdev >> 12) & ~0xff & 0xfffff);
      await write(packer, { ...header, type: stats.isCharacterDevice() ? 'character-device' : 'block-device', devmajor, devminor });
      return;
    }
    case 'file': {
      const fd = entry.readFromMerged
        ? openInRoot(mergedFd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        : openat2(upperFd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, ONE_NAME);
      try {
        const size = fstatSync(fd).size;
        let sink!: ReturnType<Pack['entry']>;
        const headerWithXattrs = await withXattrs(packer, { ...header, type: 'file', size }, entry);
        const written = new Promise<void>((resolve, reject) => {
          sink = packer.entry(headerWithXattrs, (error?: Error | null) => (error ? reject(error) : resolve()));
        });
        const buffer = Buffer.alloc(Math.min(size, 1024 * 1024) || 1);
        for (let position = 0; position < size; ) {
          const { bytesRead } = await readAsync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
          if (bytesRead === 0) throw new Error(`/${path} shrank while its layer was written`);
          if (!sink.write(Buffer.from(buffer.subarray(0, bytesRead)))) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
          position += bytesRead;
        }
        (sink as unknown as { end(): void }).end();
        await written;
      } finally {
        closeSync(fd);
      }
      return;
    }
  }
}

/** An entry without content (an empty file gets an empty buffer: without one tar-stream waits for its data). */
function write(packer: Pack, header: Header): Promise<void> {
  const done = (resolve: () => void, reject: (error: Error) => void) => (error?: Error | null) => (error ? reject(error) : resolve());
  return new Promise((resolve, reject) =>
    header.type === 'file' ? packer.entry(header, Buffer.alloc(0), done(resolve, reject)) : packer.entry(header, done(resolve, reject)),
  );
}

/**
 * Writes a PAX header with the entry's name and its xattrs (raw bytes; tar-stream would encode them as
 * UTF-8) before the entry, and returns the header to write next, as images/tarDirectory does.
 */
async function withXattrs(packer: Pack, header: Header, entry: CapturedEntry): Promise<Header> {
  if (!entry.xattrs) return header;
  const records = entry.xattrs.map(([name, value]) => paxRecord(`SCHILY.xattr.${name}`, value));
  packer.push(paxHeaderBlock(Buffer.concat([paxRecord('path', Buffer.from(header.name)), ...records]), header.mtime));
  const ascii = Buffer.byteLength(header.name) === header.name.length && header.name.length <= 100;
  return ascii ? header : { ...header, name: header.type === 'directory' ? 'PaxHeader.name/' : 'PaxHeader.name' };
}

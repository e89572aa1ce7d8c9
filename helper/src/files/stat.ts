// fs.stat and fs.readDirectory: what a path is, as VS Code wants it (a symlink flag beside its target's
// kind, sizes and times of the target, read-only when nobody in the container can write it).
import { readdirSync, type Dirent, type Stats } from 'node:fs';
import type { DirectoryEntry, FileKind, FileStat } from '../protocol';
import { O_DIRECTORY, O_NOFOLLOW, O_PATH, O_RDONLY } from '../linux/files';
import { MS_RDONLY } from '../linux/mount';
import { lockableFlags } from '../linux/statvfs';
import { fdPath, openInRoot } from '../fs/openInRoot';
import { aboutPath, errnoOf } from './errors';
import { joinPath, normalisePath } from './paths';
import { RootFs, withFd } from './rootFs';

export function kindOf(stats: Stats | Dirent): FileKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'charDevice';
  if (stats.isBlockDevice()) return 'blockDevice';
  return 'unknown';
}

/** The kind a symlink finally leads to inside the root; `unknown` when it dangles or loops. */
function targetOf(root: RootFs, path: string): { fd: number } | undefined {
  try {
    return { fd: openInRoot(root.fd, path, O_PATH) };
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'EACCES') return undefined;
    throw error;
  }
}

export function statPath(root: RootFs, rawPath: string): FileStat {
  const path = normalisePath(rawPath);
  return withFd(root.open(path, O_PATH | O_NOFOLLOW), (linkFd) =>
    aboutPath(path, () => {
      const own = RootFs.fstat(linkFd);
      if (!own.isSymbolicLink()) return describe(own, linkFd, false);
      const target = targetOf(root, path);
      if (!target) return { ...describe(own, linkFd, true), kind: 'unknown' as const };
      return withFd(target.fd, (fd) => describe(RootFs.fstat(fd), fd, true));
    }),
  );
}

function describe(stats: Stats, fd: number, symlink: boolean): FileStat {
  return {
    kind: kindOf(stats),
    symlink,
    size: stats.size,
    mtime: stats.mtimeMs,
    ctime: stats.ctimeMs,
    mode: stats.mode & 0o7777,
    uid: stats.uid,
    gid: stats.gid,
    readonly: (stats.mode & 0o222) === 0 || onReadOnlyMount(fd, stats),
  };
}

function onReadOnlyMount(fd: number, stats: Stats): boolean {
  // statvfs through the fd's link (a symlink fd has nothing to ask: its target was asked instead).
  if (stats.isSymbolicLink()) return false;
  try {
    return (lockableFlags(fdPath(fd)) & MS_RDONLY) !== 0;
  } catch {
    return false;
  }
}

export function readDirectory(root: RootFs, rawPath: string): DirectoryEntry[] {
  const path = normalisePath(rawPath);
  return withFd(root.open(path, O_RDONLY | O_DIRECTORY), (dirFd) =>
    aboutPath(path, () =>
      readdirSync(fdPath(dirFd), { withFileTypes: true }).map((entry): DirectoryEntry => {
        if (!entry.isSymbolicLink()) return { name: entry.name, kind: kindOf(entry), symlink: false };
        const target = targetOf(root, joinPath(path, entry.name));
        if (!target) return { name: entry.name, kind: 'unknown', symlink: true };
        return withFd(target.fd, (fd) => ({ name: entry.name, kind: kindOf(RootFs.fstat(fd)), symlink: true }));
      }),
    ),
  );
}

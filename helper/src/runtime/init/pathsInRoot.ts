// Resolving paths inside the container's root filesystem from outside it (before pivot_root), so that
// no symlink in an image can point a mount, a device or a file at the host: every lookup is an openat2
// with RESOLVE_IN_ROOT (an absolute symlink means the container's root), and the resulting O_PATH fd is
// what gets mounted on, through its /proc/self/fd link, as runc does.
import { closeSync, readlinkSync } from 'node:fs';
import { basename, dirname, posix } from 'node:path';
import {
  mkdirat,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_PATH,
  O_WRONLY,
  openat2,
  RESOLVE_BENEATH,
  RESOLVE_NO_SYMLINKS,
} from '../../linux/files';
import { SyscallError } from '../../linux/libc';
import { fdPath, openInRoot, openInRootIfExists } from '../../fs/openInRoot';

/**
 * Returns an O_PATH fd for `path` inside the root, creating it when missing: parent directories 0755, and
 * the last component as a directory or an empty file. Creation never follows a symlink; a dangling symlink
 * on the way (an image's /etc/resolv.conf -> /run/…, say) is followed inside the root and what it points
 * to is created there, as runc does.
 */
export function ensureInRoot(rootFd: number, path: string, kind: 'directory' | 'file', links = 0): number {
  const normalised = posix.normalize(`/${path}`);
  const existing = openInRootIfExists(rootFd, normalised);
  if (existing !== undefined) return existing;
  if (normalised === '/') return openInRoot(rootFd, '/');
  const parent = ensureInRoot(rootFd, dirname(normalised), 'directory', links);
  let linkTarget: string | undefined;
  try {
    const name = basename(normalised);
    linkTarget = symlinkIn(parent, name);
    if (linkTarget !== undefined) {
      // Relative to where the parent really is inside the root; absolute means the container's root.
      linkTarget = posix.isAbsolute(linkTarget) ? linkTarget : posix.join(pathInRoot(rootFd, parent) ?? dirname(normalised), linkTarget);
    } else if (kind === 'directory') {
      try {
        mkdirat(parent, name, 0o755);
      } catch (error) {
        if (!(error instanceof SyscallError && error.code === 'EEXIST')) throw error;
      }
    } else {
      const fd = openat2(parent, name, O_CREAT | O_EXCL | O_WRONLY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, 0o644);
      closeSync(fd);
    }
  } finally {
    closeSync(parent);
  }
  if (linkTarget !== undefined) {
    if (links >= MAX_SYMLINKS) throw new Error(`${normalised}: too many levels of symbolic links`);
    return ensureInRoot(rootFd, linkTarget, kind, links + 1);
  }
  return openInRoot(rootFd, normalised, kind === 'directory' ? O_PATH | O_DIRECTORY : O_PATH);
}

const MAX_SYMLINKS = 40;

/** The target of the symlink `name` in the directory `dirFd`, or undefined when it is not a symlink. */
function symlinkIn(dirFd: number, name: string): string | undefined {
  try {
    return readlinkSync(`${fdPath(dirFd)}/${name}`);
  } catch {
    return undefined;
  }
}

/** Where an fd opened inside the root is, as a path in the root; undefined if it is not under it (a bind mount from elsewhere). */
function pathInRoot(rootFd: number, fd: number): string | undefined {
  const rootPath = readlinkSync(fdPath(rootFd));
  const path = readlinkSync(fdPath(fd));
  if (path === rootPath) return '/';
  return path.startsWith(`${rootPath}/`) ? path.slice(rootPath.length) : undefined;
}

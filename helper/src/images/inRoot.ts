// Paths inside an unpack root, resolved so that nothing in the tree can lead out of it: every lookup is an
// openat2 with RESOLVE_IN_ROOT (an absolute symlink or a `..` past the top means the root itself), and
// the fd it returns is reached by later path calls through its /proc/self/fd link, one name at a time.
// Built on fs/openInRoot, which the runtime's pathsInRoot shares; this one creates directories only.
import { closeSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { mkdirat, O_DIRECTORY, O_PATH } from '../linux/files';
import { SyscallError } from '../linux/libc';
import { fdPath, openInRoot, openInRootIfExists } from '../fs/openInRoot';

const MAX_SYMLINKS = 40;

/** An archive path made absolute and clean: `..` cannot climb above `/`, so every path is inside. */
export function cleanPath(name: string): string {
  const normalised = posix.normalize(`/${name}`);
  return normalised.length > 1 && normalised.endsWith('/') ? normalised.slice(0, -1) : normalised;
}

/**
 * An O_PATH fd of the directory at `path` inside the root, creating missing directories 0755 (reporting
 * each one it made through `created`, by its clean path). A dangling symlink on the way is followed inside
 * the root and what it points to is created there, as Docker's securejoin + MkdirAll does.
 */
export function ensureDirInRoot(rootFd: number, path: string, created?: (path: string) => void, links = 0): number {
  const existing = openInRootIfExists(rootFd, path, O_PATH | O_DIRECTORY);
  if (existing !== undefined) return existing;
  if (path === '/') return openInRoot(rootFd, '/', O_PATH | O_DIRECTORY);
  const parent = ensureDirInRoot(rootFd, posix.dirname(path), created, links);
  let linkTarget: string | undefined;
  try {
    const name = posix.basename(path);
    linkTarget = symlinkIn(parent, name);
    if (linkTarget !== undefined) {
      linkTarget = posix.isAbsolute(linkTarget) ? linkTarget : posix.join(pathInRoot(rootFd, parent), linkTarget);
    } else {
      try {
        mkdirat(parent, name, 0o755);
        created?.(path);
      } catch (error) {
        if (!(error instanceof SyscallError && error.code === 'EEXIST')) throw error;
      }
    }
  } finally {
    closeSync(parent);
  }
  if (linkTarget !== undefined) {
    if (links >= MAX_SYMLINKS) throw new Error(`${path}: too many levels of symbolic links`);
    return ensureDirInRoot(rootFd, cleanPath(linkTarget), created, links + 1);
  }
  return openInRoot(rootFd, path, O_PATH | O_DIRECTORY);
}

function symlinkIn(dirFd: number, name: string): string | undefined {
  try {
    return readlinkSync(`${fdPath(dirFd)}/${name}`);
  } catch {
    return undefined;
  }
}

/** Where a directory fd opened inside the root is, as a path in the root. */
function pathInRoot(rootFd: number, fd: number): string {
  const rootPath = readlinkSync(fdPath(rootFd));
  const path = readlinkSync(fdPath(fd));
  if (path === rootPath) return '/';
  if (!path.startsWith(`${rootPath}/`)) throw new Error(`${path} is not inside the unpack root ${rootPath}`);
  return path.slice(rootPath.length);
}

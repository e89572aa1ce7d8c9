// Masked paths, read-only paths and writes into procfs, each done on a file descriptor that was checked,
// never by looking a path up a second time (the CVE-2025-31133, CVE-2021-30465 and CVE-2025-52881
// classes). Runs after the root switch, so "/" is the container's root; paths in it may come from the
// image or from volumes the container can change while we work:
//  - every target is opened once with openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS: a symlink on the
//    way resolves inside the container's root, never to the host, and what is mounted on is that fd;
//  - a masked file is covered with the container's /dev/null only once that was opened with O_NOFOLLOW
//    and checked to be the character device 1:3 (a volume on /dev whose `null` is a symlink or a file
//    would otherwise turn the mask into a writable bind of whatever it names, a sysctl for instance); a
//    masked directory gets a read-only tmpfs made on the spot;
//  - a read-only path is cloned (open_tree), the clone made read-only (mount_setattr) and put on the same
//    fd (move_mount): no remount by path that a racing volume could redirect;
//  - a procfs file (a sysctl, oom_score_adj) is opened beneath a procfs root checked with fstatfs,
//    without crossing a mount (RESOLVE_NO_XDEV, so nothing bound over it is reached), and is checked with
//    fstatfs again before the write.
import { closeSync, fstatSync, writeSync } from 'node:fs';
import { AT_FDCWD, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_WRONLY, openat2, RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV } from '../../linux/files';
import { SyscallError } from '../../linux/libc';
import { mount, MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT } from '../../linux/mount';
import { AT_EMPTY_PATH, AT_RECURSIVE, MOUNT_ATTR_RDONLY, mountSetattrFd, moveMountFdToFd, OPEN_TREE_CLONE, openTree } from '../../linux/mountApi';
import { filesystemType, PROC_SUPER_MAGIC } from '../../linux/statvfs';
import { fdPath } from '../../fs/openInRoot';

const IN_ROOT = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
/** procfs's root directory inode number (PROC_ROOT_INO). */
const PROC_ROOT_INO = 1;

/** Opens `path` in the container's root for mounting on; undefined when it does not exist. */
function openTarget(path: string, what: string): number | undefined {
  try {
    return openat2(AT_FDCWD, path.replace(/^\/+/, '') || '.', O_PATH, IN_ROOT);
  } catch (error) {
    if (error instanceof SyscallError && error.code === 'ENOENT') return undefined;
    throw new Error(`${what}: ${path}: ${(error as Error).message}`);
  }
}

/**
 * Masks each path: a read-only tmpfs on a directory, the verified /dev/null on anything else. /dev/null is
 * opened (once) only when a file needs it.
 */
export function maskPaths(paths: string[]): void {
  let devNull: number | undefined;
  try {
    for (const path of paths) {
      const target = openTarget(path, 'linux.maskedPaths');
      if (target === undefined) continue;
      try {
        if (fstatSync(target).isDirectory()) {
          mount('tmpfs', fdPath(target), 'tmpfs', MS_RDONLY, null);
        } else {
          devNull ??= openDevNull();
          mount(fdPath(devNull), fdPath(target), null, MS_BIND);
        }
      } catch (error) {
        throw new Error(`linux.maskedPaths: ${path}: ${(error as Error).message}`);
      } finally {
        closeSync(target);
      }
    }
  } finally {
    if (devNull !== undefined) closeSync(devNull);
  }
}

/** The container's /dev/null, refused unless it is the null device itself (character 1:3). */
function openDevNull(): number {
  let fd: number;
  try {
    fd = openat2(AT_FDCWD, 'dev/null', O_PATH | O_NOFOLLOW, IN_ROOT);
  } catch (error) {
    throw new Error(`/dev/null in the container cannot be used to mask with: ${(error as Error).message}`);
  }
  const info = fstatSync(fd);
  const rdev = Number(info.rdev);
  if (!info.isCharacterDevice() || major(rdev) !== 1 || minor(rdev) !== 3) {
    closeSync(fd);
    throw new Error('/dev/null in the container is not the null device (character 1:3); nothing is masked with it');
  }
  return fd;
}

const major = (dev: number) => ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
const minor = (dev: number) => (dev & 0xff) | ((dev >>> 12) & ~0xff);

/**
 * Makes `path` read-only, with what is mounted below it (`recursive`): "/" itself in place, any other path
 * through a read-only clone of its mounts put on top of it, all on the fd opened once.
 */
export function makeReadonly(path: string, recursive: boolean, what: string): void {
  const target = openTarget(path, what);
  if (target === undefined) return;
  try {
    if (path === '/') {
      readonlyInPlace(target);
      return;
    }
    const clone = openTree(target, '', OPEN_TREE_CLONE | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0));
    try {
      mountSetattrFd(clone, MOUNT_ATTR_RDONLY, 0, recursive);
      moveMountFdToFd(clone, target);
    } finally {
      closeSync(clone);
    }
  } catch (error) {
    if (!(error instanceof SyscallError && error.code === 'ENOSYS')) throw new Error(`${what}: ${path}: ${(error as Error).message}`);
    readonlyByRemount(target, recursive, path, what);
  } finally {
    closeSync(target);
  }
}

/** "/" (already a mount of its own, the rootfs bind) made read-only on its fd. */
function readonlyInPlace(rootFd: number): void {
  try {
    mountSetattrFd(rootFd, MOUNT_ATTR_RDONLY);
  } catch (error) {
    if (!(error instanceof SyscallError && error.code === 'ENOSYS')) throw error;
    mount(null, fdPath(rootFd), null, MS_BIND | MS_REMOUNT | MS_RDONLY);
  }
}

/**
 * Kernels before 5.12 (no mount_setattr): a bind of the fd onto itself, then a remount of the new mount,
 * reached by a second lookup that still refuses every symlink.
 */
function readonlyByRemount(target: number, recursive: boolean, path: string, what: string): void {
  mount(fdPath(target), fdPath(target), null, MS_BIND | (recursive ? MS_REC : 0));
  const mounted = openTarget(path, what);
  if (mounted === undefined) throw new Error(`${what}: ${path} vanished while it was being made read-only`);
  try {
    mount(null, fdPath(mounted), null, MS_BIND | MS_REMOUNT | MS_RDONLY | (recursive ? MS_REC : 0));
  } finally {
    closeSync(mounted);
  }
}

/**
 * The procfs mounted at `procPath` in the container (or the runtime's own before the root switch),
 * checked to be the root of a procfs: what writeProcFile opens beneath.
 */
export function openProcRoot(procPath = '/proc'): number {
  const fd = openat2(AT_FDCWD, procPath.replace(/^\/+/, ''), O_PATH | O_DIRECTORY | O_NOFOLLOW, IN_ROOT | RESOLVE_NO_SYMLINKS);
  if (filesystemType(fd) !== PROC_SUPER_MAGIC || fstatSync(fd).ino !== PROC_ROOT_INO) {
    closeSync(fd);
    throw new Error(`${procPath} is not the root of a procfs mount`);
  }
  return fd;
}

/**
 * Writes `value` to the procfs file `relative` beneath `procRoot`: no crossing into anything mounted over a
 * part of it, nothing outside it (procfs's own symlinks, such as self, stay inside), no magic link, and the
 * opened file checked to be on procfs before the write.
 */
export function writeProcFile(procRoot: number, relative: string, value: string): void {
  const fd = openat2(procRoot, relative, O_WRONLY | O_NOFOLLOW, RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS);
  try {
    if (filesystemType(fd) !== PROC_SUPER_MAGIC) throw new Error(`/proc/${relative} is not on procfs`);
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

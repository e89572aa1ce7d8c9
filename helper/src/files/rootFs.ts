// One container's root filesystem as a directory fd, and the ways this module reaches paths inside it.
// Every lookup is an openat2 with RESOLVE_IN_ROOT from that fd (openInRoot): an absolute symlink means
// the container's root, `..` stops there, /proc magic links are refused. Operations that must not follow
// the last name (lstat, unlink, rename, mkdir, symlink) take the parent directory's fd and the name alone,
// reached through the fd's /proc/self/fd link, so no symlink anywhere in the path can lead them out.
import { closeSync, fstatSync, lstatSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { ErrorCode, RpcError } from '../protocol';
import { AT_FDCWD, O_DIRECTORY, O_NOFOLLOW, O_PATH, openat2, RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV } from '../linux/files';
import { fdPath, openInRoot } from '../fs/openInRoot';
import { pidfdAlive, pidfdOpen } from '../linux/pidfd';
import { aboutPath } from './errors';
import { normalisePath, splitPath } from './paths';

/** Resolution of one name below a directory fd: never a symlink, never `..` out, never another mount. */
export const ONE_NAME = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV;

export class RootFs {
  private constructor(
    readonly fd: number,
    /** How errors name the container. */
    readonly container: string,
  ) {}

  /**
   * Opens the container's root: while it runs (`pid`, the host pid of its process), the root as that
   * process sees it (/proc/PID/root), so that what is mounted inside (volumes, binds, /etc/hostname) is
   * seen and written as the container sees it; otherwise, or if the process is gone by then, the root
   * filesystem directory on the host (a trusted path from the engine).
   */
  static open(rootDir: string, container: string, pid?: number): RootFs {
    const running = pid ? openProcessRoot(pid) : undefined;
    if (running !== undefined) return new RootFs(running, container);
    let fd: number;
    try {
      fd = openat2(AT_FDCWD, rootDir, O_PATH | O_DIRECTORY, 0);
    } catch (error) {
      throw new RpcError(ErrorCode.NotFound, `the root filesystem of container ${container} is not available: ${(error as Error).message}`);
    }
    return new RootFs(fd, container);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** An fd for `path` in the root (following symlinks inside it; O_NOFOLLOW stops at a last symlink). */
  open(path: string, flags = O_PATH): number {
    return aboutPath(path, () => openInRoot(this.fd, normalisePath(path), flags));
  }

  /** The parent directory's O_PATH fd and the last name; the root itself has none. */
  openParent(path: string, refuseRoot: string): { dirFd: number; name: string; parent: string } {
    const split = splitPath(path);
    if (!split) throw new RpcError(ErrorCode.InvalidParams, `${refuseRoot}: / is the container's root`, { fsCode: 'NoPermissions', path: '/' });
    const dirFd = this.open(split.parent, O_PATH | O_DIRECTORY);
    return { dirFd, ...split };
  }

  /** lstat of `name` in `dirFd`; undefined when nothing is there. */
  static lstatIn(dirFd: number, name: string): Stats | undefined {
    try {
      return lstatSync(`${fdPath(dirFd)}/${name}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** `name` in `dirFd` without following it or crossing a mount: a directory fd to walk a tree with. */
  static openChild(dirFd: number, name: string, flags: number, mode = 0): number {
    return openat2(dirFd, name, flags | O_NOFOLLOW, ONE_NAME, mode);
  }

  /** Like openChild, but into what is mounted there (reading a tree that holds a volume or a bound file). */
  static openChildToRead(dirFd: number, name: string, flags: number): number {
    return openat2(dirFd, name, flags | O_NOFOLLOW, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
  }

  /**
   * Whether `name` in `dirFd` is a mount point (a volume, a file bound in). Replacing or unlinking one
   * from the daemon's mount namespace would not fail with EBUSY as it does inside the container: the
   * kernel would silently detach the container's mount. So callers refuse, or write in place.
   */
  static isMountPoint(dirFd: number, name: string): boolean {
    let fd: number;
    try {
      fd = openat2(dirFd, name, O_PATH | O_NOFOLLOW, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    } catch {
      return false;
    }
    try {
      return mountIdOf(fd) !== mountIdOf(dirFd);
    } finally {
      closeSync(fd);
    }
  }

  /** Where an fd opened in the root is, as a path in the container; undefined if outside (never, unless a bind mount). */
  pathOf(fd: number): string | undefined {
    const rootPath = readlinkSync(fdPath(this.fd));
    const path = readlinkSync(fdPath(fd));
    if (path === rootPath) return '/';
    if (rootPath === '/') return path;
    return path.startsWith(`${rootPath}/`) ? path.slice(rootPath.length) : undefined;
  }

  static fstat(fd: number): Stats {
    return fstatSync(fd);
  }
}

/** The id of the mount an fd is on (/proc/self/fdinfo's mnt_id, there since Linux 3.15). */
function mountIdOf(fd: number): number {
  const match = /^mnt_id:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  if (!match) throw new Error(`no mnt_id in /proc/self/fdinfo/${fd}`);
  return Number(match[1]);
}

/** /proc/PID/root of a live process, checked through a pidfd taken first; undefined when it is gone. */
function openProcessRoot(pid: number): number | undefined {
  let pidfd: number;
  try {
    pidfd = pidfdOpen(pid);
  } catch {
    return undefined;
  }
  try {
    let fd: number;
    try {
      fd = openat2(AT_FDCWD, `/proc/${pid}/root`, O_PATH | O_DIRECTORY, 0);
    } catch {
      return undefined;
    }
    // Alive after the open: the pid named this process all along, so the fd is its root.
    if (pidfdAlive(pidfd)) return fd;
    closeSync(fd);
    return undefined;
  } finally {
    closeSync(pidfd);
  }
}

/** Runs `body` with the fd and closes it after, whatever happens. */
export function withFd<T>(fd: number, body: (fd: number) => T): T {
  try {
    return body(fd);
  } finally {
    closeSync(fd);
  }
}

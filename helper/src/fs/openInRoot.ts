// Opening a path inside a root directory so that nothing in the tree can lead out of it: an openat2 with
// RESOLVE_IN_ROOT (an absolute symlink or a `..` past the top means the root itself). The fd it returns is
// reached by later path-taking calls (mount, mknod, chown, …) through its /proc/self/fd link, one name at a
// time. Shared by the runtime (a container's rootfs) and the image store (a layer being unpacked).
import { O_PATH, openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } from '../linux/files';
import { SyscallError } from '../linux/libc';

const IN_ROOT = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

/** The magic link through which a path-taking call reaches exactly this fd; append `/name` for a child. */
export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

export function openInRoot(rootFd: number, path: string, flags = O_PATH): number {
  // Relative as well as RESOLVE_IN_ROOT: were the flag ever lost, an absolute path would name the host's.
  const relative = path.replace(/^\/+/, '') || '.';
  return openat2(rootFd, relative, flags, IN_ROOT);
}

/** Like openInRoot, but undefined when the path does not exist. */
export function openInRootIfExists(rootFd: number, path: string, flags = O_PATH): number | undefined {
  try {
    return openInRoot(rootFd, path, flags);
  } catch (error) {
    if (error instanceof SyscallError && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

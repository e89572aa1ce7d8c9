// Reading and creating paths inside a container's root filesystem from the host. The image is untrusted:
// its /etc/passwd may be a symlink to the host's /etc/shadow, a FIFO that never ends, or a huge file.
// Every lookup goes through openat2 with RESOLVE_IN_ROOT (an absolute symlink means the container's root,
// `..` stops there), and only regular files of sane size are read.
import { closeSync, fstatSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { AT_FDCWD, O_DIRECTORY, O_NOCTTY, O_NONBLOCK, O_PATH, O_RDONLY, openat2 } from '../../linux/files';
import { SyscallError } from '../../linux/libc';
import { openInRootIfExists } from '../../fs/openInRoot';
import { ensureInRoot } from '../../runtime/init/pathsInRoot';
import { ContainerConfigError } from './errors';

/** Larger than any real passwd or group file; a bigger one is refused rather than read into memory. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

function openRoot(rootfs: string): number {
  try {
    return openat2(AT_FDCWD, rootfs, O_PATH | O_DIRECTORY, 0);
  } catch (error) {
    throw new ContainerConfigError('rootfs', `cannot open ${rootfs}: ${(error as Error).message}`);
  }
}

/**
 * The text of `path` inside the root, or undefined when nothing is there. `field` names what asked for
 * it in errors (`user`).
 */
export function readFileInRoot(rootfs: string, path: string, field: string): string | undefined {
  const rootFd = openRoot(rootfs);
  let fd: number | undefined;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = openInRootIfExists(rootFd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd === undefined) return undefined;
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ContainerConfigError(field, `${path} in the image is not a regular file`);
    if (stat.size > MAX_FILE_BYTES) throw new ContainerConfigError(field, `${path} in the image is larger than ${MAX_FILE_BYTES} bytes`);
    return readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof SyscallError) {
      // ENOTDIR: a file where a directory of the path should be, which is as good as missing.
      if (error.code === 'ENOTDIR') return undefined;
      throw new ContainerConfigError(field, `cannot read ${path} in the image: ${error.message}`);
    }
    throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
    closeSync(rootFd);
  }
}

/**
 * Creates the working directory inside the root when it is missing, 0755 and owned by root, as Docker does
 * at start (container.SetupWorkingDirectory): `docker run -w /new image` works. A symlink on the way is
 * followed inside the root.
 */
export function ensureWorkdir(rootfs: string, workdir: string): void {
  const rootFd = openRoot(rootfs);
  try {
    const fd = ensureInRoot(rootFd, posix.normalize(workdir), 'directory');
    try {
      if (!fstatSync(fd).isDirectory()) throw new ContainerConfigError('workdir', `cannot create ${workdir}: it exists and is not a directory`);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof ContainerConfigError) throw error;
    const code = error instanceof SyscallError ? error.code : undefined;
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new ContainerConfigError('workdir', `cannot create ${workdir}: part of it is not a directory`);
    throw new ContainerConfigError('workdir', `cannot create ${workdir}: ${(error as Error).message}`);
  } finally {
    closeSync(rootFd);
  }
}

// Copying inside a container's root: regular files by content (fd to fd), symlinks as symlinks (their
// targets are never followed), FIFOs and devices recreated as nodes, directories level by level. Owners,
// modes and modification times are kept. Every source and destination is reached from its parent's fd by
// one name, so nothing in the tree can lead the copy out of the root.
import { closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, lutimesSync, read, readdirSync, readlinkSync, symlinkSync, write, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { mkdirat, mknod, O_CREAT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NONBLOCK, O_RDONLY, O_WRONLY } from '../linux/files';
import { fdPath } from '../fs/openInRoot';
import { RootFs } from './rootFs';

const readAsync = promisify(read);
const writeAsync = promisify(write);
const COPY_BYTES = 1024 * 1024;

/**
 * Copies `name` in `fromDir` to `toName` in `toDir` (which must not exist). `made` collects the directories
 * created, so that a copy into its own subtree (through some alias the caller could not see) skips them.
 */
export async function copyEntry(fromDir: number, name: string, toDir: number, toName: string, made = new Set<string>()): Promise<void> {
  const stats = RootFs.lstatIn(fromDir, name);
  if (!stats) throw Object.assign(new Error(`${name}: no such file or directory`), { code: 'ENOENT' });
  const to = `${fdPath(toDir)}/${toName}`;
  if (stats.isDirectory()) {
    await withFdAsync(RootFs.openChildToRead(fromDir, name, O_RDONLY | O_DIRECTORY), async (sourceFd) => {
      const names = readdirSync(fdPath(sourceFd));
      mkdirat(toDir, toName, 0o700);
      await withFdAsync(RootFs.openChild(toDir, toName, O_RDONLY | O_DIRECTORY), async (targetFd) => {
        made.add(identity(RootFs.fstat(targetFd)));
        for (const child of names) {
          const childStats = RootFs.lstatIn(sourceFd, child);
          if (!childStats || made.has(identity(childStats))) continue;
          await copyEntry(sourceFd, child, targetFd, child, made);
        }
        keepAttributes(targetFd, stats);
      });
    });
    return;
  }
  if (stats.isFile()) {
    const sourceFd = RootFs.openChildToRead(fromDir, name, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    try {
      // Swapped for something else since the lstat: never read a FIFO or a device as content.
      if (!RootFs.fstat(sourceFd).isFile()) throw Object.assign(new Error(`${name} changed while being copied`), { code: 'EAGAIN' });
      const targetFd = RootFs.openChild(toDir, toName, O_CREAT | O_EXCL | O_WRONLY, 0o600);
      try {
        await copyContent(sourceFd, targetFd);
        keepAttributes(targetFd, stats);
      } finally {
        closeSync(targetFd);
      }
    } finally {
      closeSync(sourceFd);
    }
    return;
  }
  if (stats.isSymbolicLink()) {
    symlinkSync(readlinkSync(`${fdPath(fromDir)}/${name}`), to);
  } else {
    mknod(to, stats.mode, major(stats.rdev), minor(stats.rdev));
  }
  lchownSync(to, stats.uid, stats.gid);
  lutimesSync(to, stats.atime, stats.mtime);
}

export async function copyContent(sourceFd: number, targetFd: number): Promise<void> {
  const buffer = Buffer.alloc(COPY_BYTES);
  for (let position = 0; ; ) {
    const { bytesRead } = await readAsync(sourceFd, buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    for (let offset = 0; offset < bytesRead; ) {
      const { bytesWritten } = await writeAsync(targetFd, buffer, offset, bytesRead - offset, position + offset);
      offset += bytesWritten;
    }
    position += bytesRead;
  }
}

function keepAttributes(fd: number, stats: Stats): void {
  // chown first: it clears set-id bits, which the chmod then restores.
  fchownSync(fd, stats.uid, stats.gid);
  fchmodSync(fd, stats.mode & 0o7777);
  futimesSync(fd, stats.atime, stats.mtime);
}

function identity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

// glibc's gnu_dev_major / gnu_dev_minor.
function major(rdev: number): number {
  const dev = BigInt(rdev);
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
}

function minor(rdev: number): number {
  const dev = BigInt(rdev);
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
}

async function withFdAsync<T>(fd: number, body: (fd: number) => Promise<T>): Promise<T> {
  try {
    return await body(fd);
  } finally {
    closeSync(fd);
  }
}

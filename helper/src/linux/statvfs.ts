// statvfs(3): the flags a mount has now, for a bind remount in a user namespace that must keep the flags
// the kernel locked when the mount came from a more privileged namespace (nosuid, nodev, noexec, ro, atime).
// fstatfs(2): which file system an fd is on, to check that a write meant for procfs lands there.
import { check, libc } from './libc';
import { MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_RELATIME, MS_STRICTATIME } from './mount';

const statvfsRaw = libc.func('int statvfs(const char *path, _Out_ uint8_t *buf)') as (path: string, buf: Buffer) => number;

// struct statvfs on 64-bit Linux (glibc, x86_64 and aarch64): eleven unsigned longs (f_flag is the tenth)
// and six ints of padding.
const STATVFS_SIZE = 112;
const F_FLAG_OFFSET = 72;
const ST = { RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, NOATIME: 1024, NODIRATIME: 2048, RELATIME: 4096 };

export const MS_ATIME_MASK = MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

/** The MS_* flags of the mount at `path` that a remount in a user namespace may not clear. */
export function lockableFlags(path: string): number {
  const buf = Buffer.alloc(STATVFS_SIZE);
  check('statvfs', `"${path}"`, statvfsRaw(path, buf));
  const flags = Number(buf.readBigUInt64LE(F_FLAG_OFFSET));
  let ms = 0;
  if (flags & ST.RDONLY) ms |= MS_RDONLY;
  if (flags & ST.NOSUID) ms |= MS_NOSUID;
  if (flags & ST.NODEV) ms |= MS_NODEV;
  if (flags & ST.NOEXEC) ms |= MS_NOEXEC;
  if (flags & ST.NOATIME) ms |= MS_NOATIME;
  if (flags & ST.NODIRATIME) ms |= MS_NODIRATIME;
  if (flags & ST.RELATIME) ms |= MS_RELATIME;
  // Neither noatime nor relatime: strictatime.
  if (!(flags & (ST.NOATIME | ST.RELATIME))) ms |= MS_STRICTATIME;
  return ms;
}

const fstatfsRaw = libc.func('int fstatfs(int fd, _Out_ uint8_t *buf)') as (fd: number, buf: Buffer) => number;
// struct statfs on 64-bit Linux (x86_64 and aarch64): f_type is its first field, a long; 120 bytes in all.
const STATFS_SIZE = 120;

export const PROC_SUPER_MAGIC = 0x9fa0;
export const TMPFS_MAGIC = 0x01021994;

/** The file system type (f_type, a *_MAGIC number) of what `fd` refers to. */
export function filesystemType(fd: number): number {
  const buf = Buffer.alloc(STATFS_SIZE);
  check('fstatfs', String(fd), fstatfsRaw(fd, buf));
  return Number(buf.readBigInt64LE(0));
}

// File-system calls Node lacks: openat2(2) with RESOLVE_IN_ROOT (so that a path inside a container's root
// can never lead out of it, whatever symlinks the image holds), mkdirat, mknod(2) and mkfifo(3).
import { check, koffi, libc } from './libc';

export const AT_FDCWD = -100;

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;

export const RESOLVE_NO_XDEV = 0x01;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

const OpenHow = koffi.struct('berth_open_how', { flags: 'uint64_t', mode: 'uint64_t', resolve: 'uint64_t' });
const SYS_OPENAT2 = 437; // the same number on x86_64 and arm64 (new syscalls share one table)
const openat2Raw = libc.func('syscall', 'long', ['long', 'int', 'const char *', koffi.pointer(OpenHow), 'size_t']) as unknown as (
  nr: number,
  dirfd: number,
  path: string,
  how: { flags: number; mode: number; resolve: number },
  size: number,
) => number;
const mkdiratRaw = libc.func('int mkdirat(int dirfd, const char *path, uint32_t mode)') as (dirfd: number, path: string, mode: number) => number;
const mknodRaw = libc.func('int mknod(const char *path, uint32_t mode, uint64_t dev)') as (path: string, mode: number, dev: number) => number;
const mkfifoRaw = libc.func('int mkfifo(const char *path, uint32_t mode)') as (path: string, mode: number) => number;

/** openat2(2): opens `path` relative to `dirfd` with the given RESOLVE_* rules. Returns the new fd. */
export function openat2(dirfd: number, path: string, flags: number, resolve: number, mode = 0): number {
  return check(
    'openat2',
    `${dirfd}, ${JSON.stringify(path)}, flags 0${flags.toString(8)}, resolve 0x${resolve.toString(16)}`,
    openat2Raw(SYS_OPENAT2, dirfd, path, { flags: flags | O_CLOEXEC, mode, resolve }, koffi.sizeof(OpenHow)),
  );
}

export function mkdirat(dirfd: number, path: string, mode: number): void {
  check('mkdirat', `${dirfd}, ${JSON.stringify(path)}, 0${mode.toString(8)}`, mkdiratRaw(dirfd, path, mode));
}

/** The kernel's encoding of a device number (glibc's makedev). */
export function makedev(major: number, minor: number): number {
  return (
    Number((BigInt(major & 0xfffff000) << 32n) | (BigInt(minor & 0xffffff00) << 12n)) +
    ((major & 0xfff) << 8) +
    (minor & 0xff)
  );
}

export function mknod(path: string, mode: number, major: number, minor: number): void {
  check('mknod', `${JSON.stringify(path)}, 0${mode.toString(8)}, ${major}:${minor}`, mknodRaw(path, mode, makedev(major, minor)));
}

export function mkfifo(path: string, mode: number): void {
  check('mkfifo', `${JSON.stringify(path)}, 0${mode.toString(8)}`, mkfifoRaw(path, mode));
}

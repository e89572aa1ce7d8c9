// Mounts and the root switch: mount(2), umount2(2), pivot_root(2), chroot(2), chdir(2). The new mount API
// (open_tree, mount_setattr, move_mount) is in mountApi.ts.
import { arch } from 'node:os';
import { check, libc } from './libc';

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
export const MS_MANDLOCK = 0x40;
export const MS_DIRSYNC = 0x80;
export const MS_NOSYMFOLLOW = 0x100;
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_MOVE = 0x2000;
export const MS_REC = 0x4000;
export const MS_SILENT = 0x8000;
export const MS_UNBINDABLE = 0x2_0000;
export const MS_PRIVATE = 0x4_0000;
export const MS_SLAVE = 0x8_0000;
export const MS_SHARED = 0x10_0000;
export const MS_RELATIME = 0x20_0000;
export const MS_STRICTATIME = 0x100_0000;
export const MS_LAZYTIME = 0x200_0000;
export const MS_POSIXACL = 0x1_0000;
export const MS_I_VERSION = 0x80_0000;


export const MNT_DETACH = 0x2;

const mountRaw = libc.func(
  'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
) as (source: string | null, target: string, fstype: string | null, flags: number, data: string | null) => number;
const umount2Raw = libc.func('int umount2(const char *target, int flags)') as (target: string, flags: number) => number;
const chrootRaw = libc.func('int chroot(const char *path)') as (path: string) => number;
const chdirRaw = libc.func('int chdir(const char *path)') as (path: string) => number;
const fchdirRaw = libc.func('int fchdir(int fd)') as (fd: number) => number;
// pivot_root has no glibc wrapper.
const syscall2 = libc.func('long syscall(long number, const char *a, const char *b)') as (n: number, a: string, b: string) => number;
const SYS_PIVOT_ROOT = arch() === 'arm64' ? 41 : 155;
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  check(
    'mount',
    `${JSON.stringify(source)}, ${JSON.stringify(target)}, ${JSON.stringify(fstype)}, 0x${flags.toString(16)}, ${JSON.stringify(data)}`,
    mountRaw(source, target, fstype, flags, data),
  );
}

export function umount2(target: string, flags: number): void {
  check('umount2', `${JSON.stringify(target)}, ${flags}`, umount2Raw(target, flags));
}

export function pivotRoot(newRoot: string, putOld: string): void {
  check('pivot_root', `${JSON.stringify(newRoot)}, ${JSON.stringify(putOld)}`, syscall2(SYS_PIVOT_ROOT, newRoot, putOld));
}

export function chroot(path: string): void {
  check('chroot', JSON.stringify(path), chrootRaw(path));
}

/** chdir(2) of the calling thread. process.chdir would also do, but this keeps every step in one layer. */
export function chdir(path: string): void {
  check('chdir', JSON.stringify(path), chdirRaw(path));
}

export function fchdir(fd: number): void {
  check('fchdir', String(fd), fchdirRaw(fd));
}



// Mounts and the root switch: mount(2), umount2(2), pivot_root(2), chroot(2), chdir(2), and the new mount
// API's mount_setattr(2) (recursive attributes, id mapping), open_tree(2) and move_mount(2).
import { arch } from 'node:os';
import { check, koffi, libc } from './libc';

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

// struct mount_attr's attr_set / attr_clr bits (linux/mount.h).
export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
export const MOUNT_ATTR__ATIME = 0x70;
export const MOUNT_ATTR_RELATIME = 0x0;
export const MOUNT_ATTR_NOATIME = 0x10;
export const MOUNT_ATTR_STRICTATIME = 0x20;
export const MOUNT_ATTR_NODIRATIME = 0x80;
export const MOUNT_ATTR_IDMAP = 0x10_0000;
export const MOUNT_ATTR_NOSYMFOLLOW = 0x20_0000;

export const AT_EMPTY_PATH = 0x1000;
export const AT_RECURSIVE = 0x8000;
export const OPEN_TREE_CLONE = 0x1;
export const OPEN_TREE_CLOEXEC = 0o2000000;
export const MOVE_MOUNT_F_EMPTY_PATH = 0x4;

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
// The new mount API: the same numbers on x86_64 and arm64 (new syscalls share one table).
const SYS_OPEN_TREE = 428;
const SYS_MOVE_MOUNT = 429;
const SYS_MOUNT_SETATTR = 442;
const MountAttr = koffi.struct('berth_mount_attr', { attr_set: 'uint64_t', attr_clr: 'uint64_t', propagation: 'uint64_t', userns_fd: 'uint64_t' });
const mountSetattrRaw = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'unsigned int', koffi.pointer(MountAttr), 'size_t']) as unknown as (
  nr: number,
  dirfd: number,
  path: string,
  flags: number,
  attr: MountAttributes,
  size: number,
) => number;
const openTreeRaw = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'unsigned int']) as unknown as (nr: number, dirfd: number, path: string, flags: number) => number;
const moveMountRaw = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'int', 'const char *', 'unsigned int']) as unknown as (
  nr: number,
  fromDirfd: number,
  fromPath: string,
  toDirfd: number,
  toPath: string,
  flags: number,
) => number;

/** struct mount_attr: what mount_setattr sets and clears, the propagation, and the user namespace of an id mapping. */
export interface MountAttributes {
  attr_set: number;
  attr_clr: number;
  propagation: number;
  userns_fd: number;
}

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


/** mount_setattr(2): changes the attributes of the mount at `path` relative to `dirfd` (and, with
 * AT_RECURSIVE, of every mount below it). With AT_EMPTY_PATH and path "", the mount `dirfd` refers to. */
export function mountSetattr(dirfd: number, path: string, flags: number, attributes: MountAttributes): void {
  const described = `${dirfd}, ${JSON.stringify(path)}, 0x${flags.toString(16)}, {set 0x${attributes.attr_set.toString(16)}, clr 0x${attributes.attr_clr.toString(16)}, propagation 0x${attributes.propagation.toString(16)}, userns ${attributes.userns_fd}}`;
  check('mount_setattr', described, mountSetattrRaw(SYS_MOUNT_SETATTR, dirfd, path, flags, attributes, koffi.sizeof(MountAttr)));
}

/** open_tree(2): with OPEN_TREE_CLONE, a detached copy of the mount (tree, with AT_RECURSIVE) at `path`, as an fd. */
export function openTree(dirfd: number, path: string, flags: number): number {
  return check('open_tree', `${dirfd}, ${JSON.stringify(path)}, 0x${flags.toString(16)}`, openTreeRaw(SYS_OPEN_TREE, dirfd, path, flags));
}

/** move_mount(2): attaches a detached mount (from open_tree) at a path. */
export function moveMount(fromDirfd: number, fromPath: string, toDirfd: number, toPath: string, flags: number): void {
  check(
    'move_mount',
    `${fromDirfd}, ${JSON.stringify(fromPath)}, ${toDirfd}, ${JSON.stringify(toPath)}, 0x${flags.toString(16)}`,
    moveMountRaw(SYS_MOVE_MOUNT, fromDirfd, fromPath, toDirfd, toPath, flags),
  );
}

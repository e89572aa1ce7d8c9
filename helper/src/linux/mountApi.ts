// The new mount API (Linux 5.2 and 5.12): open_tree(2) clones a mount (or a single file's bind mount) into
// an fd that belongs to no mount namespace, and mount_setattr(2) changes that mount's flags through the
// fd. Nothing is looked up by path a second time, and a detached mount is invisible to every other process:
// the runtime binds what it must protect or verify on the fd it already holds.
import { check, koffi, libc } from './libc';

// The same numbers on x86_64 and arm64 (syscalls newer than the split tables).
const SYS_OPEN_TREE = 428;
const SYS_MOVE_MOUNT = 429;
const SYS_MOUNT_SETATTR = 442;

export const OPEN_TREE_CLONE = 1;
export const OPEN_TREE_CLOEXEC = 0o2000000;
export const AT_EMPTY_PATH = 0x1000;
export const AT_RECURSIVE = 0x8000;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
export const MOVE_MOUNT_T_EMPTY_PATH = 0x40;

export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
/** The atime field (3 bits): one of RELATIME (0), NOATIME, STRICTATIME; setting one means clearing the field. */
export const MOUNT_ATTR__ATIME = 0x70;
export const MOUNT_ATTR_RELATIME = 0x0;
export const MOUNT_ATTR_NOATIME = 0x10;
export const MOUNT_ATTR_STRICTATIME = 0x20;
export const MOUNT_ATTR_NODIRATIME = 0x80;
/** Id-mapped: the files appear owned through the mapping of the user namespace given as userns_fd. */
export const MOUNT_ATTR_IDMAP = 0x10_0000;
export const MOUNT_ATTR_NOSYMFOLLOW = 0x20_0000;

const MountAttr = koffi.struct('berth_mount_attr', { attr_set: 'uint64_t', attr_clr: 'uint64_t', propagation: 'uint64_t', userns_fd: 'uint64_t' });

const openTreeRaw = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'uint32_t']) as unknown as (nr: number, dirfd: number, path: string, flags: number) => number;
const mountSetattrRaw = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'uint32_t', koffi.pointer(MountAttr), 'size_t']) as unknown as (
  nr: number,
  dirfd: number,
  path: string,
  flags: number,
  attr: { attr_set: number; attr_clr: number; propagation: number; userns_fd: number },
  size: number,
) => number;
const moveMountRaw = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'int', 'const char *', 'uint32_t']) as unknown as (
  nr: number,
  fromDirfd: number,
  fromPath: string,
  toDirfd: number,
  toPath: string,
  flags: number,
) => number;

/** open_tree(2): an fd for the mount at `path` (relative to `dirfd`); with OPEN_TREE_CLONE a detached copy. */
export function openTree(dirfd: number, path: string, flags: number): number {
  return check('open_tree', `${dirfd}, ${JSON.stringify(path)}, 0x${flags.toString(16)}`, openTreeRaw(SYS_OPEN_TREE, dirfd, path, flags | OPEN_TREE_CLOEXEC));
}

/**
 * mount_setattr(2) on the mount `fd` refers to (AT_EMPTY_PATH), with AT_RECURSIVE when `recursive`;
 * `usernsFd` is the user namespace of MOUNT_ATTR_IDMAP.
 */
export function mountSetattrFd(fd: number, set: number, clear = 0, recursive = false, usernsFd = 0): void {
  const flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  check(
    'mount_setattr',
    `${fd}, "", 0x${flags.toString(16)}, set 0x${set.toString(16)}, clear 0x${clear.toString(16)}${usernsFd ? `, userns ${usernsFd}` : ''}`,
    mountSetattrRaw(SYS_MOUNT_SETATTR, fd, '', flags, { attr_set: set, attr_clr: clear, propagation: 0, userns_fd: usernsFd }, koffi.sizeof(MountAttr)),
  );
}

/** move_mount(2) of the detached mount `fromFd` onto the file or directory `toFd` refers to. */
export function moveMountFdToFd(fromFd: number, toFd: number): void {
  check(
    'move_mount',
    `${fromFd}, "", ${toFd}, "", F_EMPTY_PATH|T_EMPTY_PATH`,
    moveMountRaw(SYS_MOVE_MOUNT, fromFd, '', toFd, '', MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
  );
}

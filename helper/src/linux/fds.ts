// File descriptors across execve: which ones the next program inherits (FD_CLOEXEC), moving one to a given
// number, and listing what is open. Node marks 0, 1 and 2 close-on-exec at start, so a program exec'd
// from Node has no stdio unless clearCloexec is called on them.
import { readdirSync } from 'node:fs';
import { check, koffi, libc } from './libc';

const SYS_close_range = 436; // the same number on x86_64 and arm64 (a syscall newer than the split tables)
const CLOSE_RANGE_CLOEXEC = 4;
const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
const EBADF = 9;

const syscallRaw = libc.func('long syscall(long number, ...)') as (number: number, ...typedArgs: unknown[]) => number;
const fcntlRaw = libc.func('int fcntl(int fd, int cmd, ...)') as (fd: number, cmd: number, ...typedArgs: unknown[]) => number;
const dup2Raw = libc.func('int dup2(int oldfd, int newfd)') as (oldfd: number, newfd: number) => number;
const closeRaw = libc.func('int close(int fd)') as (fd: number) => number;

function checkFd(fd: number): void {
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fff_ffff) throw new Error(`${fd} is not a file descriptor number`);
}

/** Marks every fd from `firstFd` up close-on-exec, so that the next program inherits only those below it. */
export function markCloexecFrom(firstFd: number): void {
  checkFd(firstFd);
  if (syscallRaw(SYS_close_range, 'long', firstFd, 'long', 0xffff_ffff, 'long', CLOSE_RANGE_CLOEXEC) === 0) return;
  // Kernels before 5.11 have no CLOSE_RANGE_CLOEXEC: go through the open fds one by one.
  for (const fd of openFds('self')) {
    if (fd < firstFd) continue;
    const flags = fcntlRaw(fd, F_GETFD);
    if (flags === -1) {
      if (koffi.errno() === EBADF) continue; // the listing's own directory fd, closed again since
      check('fcntl', `${fd}, F_GETFD`, flags);
    }
    check('fcntl', `${fd}, F_SETFD, FD_CLOEXEC`, fcntlRaw(fd, F_SETFD, 'int', flags | FD_CLOEXEC));
  }
}

/** Lets `fd` survive execve. */
export function clearCloexec(fd: number): void {
  checkFd(fd);
  const flags = check('fcntl', `${fd}, F_GETFD`, fcntlRaw(fd, F_GETFD));
  if (flags & FD_CLOEXEC) check('fcntl', `${fd}, F_SETFD, 0`, fcntlRaw(fd, F_SETFD, 'int', flags & ~FD_CLOEXEC));
}

/**
 * Makes `newFd` refer to what `oldFd` does, closing what `newFd` was, and returns `newFd`. The result is
 * always inherited by execve: dup2 clears FD_CLOEXEC, and when both numbers are equal (where dup2 does
 * nothing) the flag is cleared here.
 */
export function dup2(oldFd: number, newFd: number): number {
  checkFd(oldFd);
  checkFd(newFd);
  check('dup2', `${oldFd}, ${newFd}`, dup2Raw(oldFd, newFd));
  if (oldFd === newFd) clearCloexec(newFd);
  return newFd;
}

export function closeFd(fd: number): void {
  checkFd(fd);
  check('close', String(fd), closeRaw(fd));
}

/** The open fds of a process, ascending (for `self`: without the one that reading the list used). */
export function openFds(pid: number | 'self' = 'self'): number[] {
  const fds = readdirSync(`/proc/${pid}/fd`)
    .map((name) => Number.parseInt(name, 10))
    .sort((a, b) => a - b);
  return pid === 'self' || pid === process.pid ? fds.filter((fd) => fcntlRaw(fd, F_GETFD) !== -1) : fds;
}

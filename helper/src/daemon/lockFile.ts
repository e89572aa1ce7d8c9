// Exclusive ownership of a path for the daemon's lifetime. flock is released by the kernel when the
// process dies, so a crashed daemon never leaves a lock that blocks the next one (unlike a pid file alone).
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { flock, LOCK_EX, LOCK_NB } from '../linux/flock';
import { SyscallError } from '../linux/libc';

export class AlreadyLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holderPid: number | undefined,
  ) {
    super(`${lockPath} is held by ${holderPid ? `process ${holderPid}` : 'another process'}`);
    this.name = 'AlreadyLockedError';
  }
}

export interface HeldLock {
  readonly path: string;
  release(): void;
}

/** Takes an exclusive non-blocking lock on `path` (created 0600) and records our pid in it. */
export function acquireLock(path: string): HeldLock {
  // Node opens with O_CLOEXEC, so the lock's fd never reaches a process the daemon starts.
  const fd = openSync(path, 'a+', 0o600);
  try {
    flock(fd, LOCK_EX | LOCK_NB);
  } catch (error) {
    closeSync(fd);
    if (error instanceof SyscallError && error.code === 'EWOULDBLOCK') {
      throw new AlreadyLockedError(path, readHolderPid(path));
    }
    throw error;
  }
  ftruncateSync(fd);
  writeSync(fd, `${process.pid}\n`, 0);
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      closeSync(fd);
    },
  };
}

function readHolderPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

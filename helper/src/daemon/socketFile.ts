// Putting the API socket on disk safely. The socket is the API's only access control, so: its directory
// must be one only root can change (else someone could swap the socket for their own), the socket is
// created 0600 with no window in which it is wider, and a live daemon's socket is never taken over.
import { chmodSync, chownSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { socketGroupId } from './socketGroup';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import { acquireLock, AlreadyLockedError, type HeldLock } from './lockFile';

export class DaemonStartError extends Error {
  override name = 'DaemonStartError';
}

/** Creates the directory (0755) if missing and checks that only its owner, root or us, can write to it. */
export function prepareOwnedDirectory(dir: string, mode: number, purpose: string): void {
  mkdirSync(dir, { recursive: true, mode });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new DaemonStartError(`${purpose} ${dir} is not a directory`);
  const euid = process.geteuid?.() ?? 0;
  if (stat.uid !== euid && stat.uid !== 0) {
    throw new DaemonStartError(`${purpose} ${dir} belongs to uid ${stat.uid}; it must belong to root`);
  }
  if ((stat.mode & 0o022) !== 0) {
    throw new DaemonStartError(
      `${purpose} ${dir} can be written by others (mode ${(stat.mode & 0o7777).toString(8)}); ` +
        'use a directory only root can write to, such as /run/berth',
    );
  }
}

/**
 * Takes the socket's lock, removes a stale socket a dead daemon left, and listens with mode 0660, owned
 * by root and the `berth` group (socketGroup.ts).
 * Returns the lock, which the caller holds for as long as it serves.
 */
export async function listenOnSocket(server: Server, socketPath: string): Promise<HeldLock> {
  prepareOwnedDirectory(dirname(socketPath), 0o755, "the socket's directory");
  let lock: HeldLock;
  try {
    lock = acquireLock(`${socketPath}.lock`);
  } catch (error) {
    if (error instanceof AlreadyLockedError) {
      throw new DaemonStartError(
        `another daemon${error.holderPid ? ` (pid ${error.holderPid})` : ''} is already serving ${socketPath}; ` +
          'stop it first or choose another --socket',
      );
    }
    throw error;
  }
  try {
    removeStaleSocket(socketPath);
    await listenWithMode(server, socketPath, 0o660, socketGroupId());
    return lock;
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** We hold the lock, so anything at the path is left by a daemon that died; but only ever remove a socket. */
function removeStaleSocket(socketPath: string): void {
  let stat;
  try {
    stat = lstatSync(socketPath);
  } catch {
    return;
  }
  if (!stat.isSocket()) {
    throw new DaemonStartError(`${socketPath} exists and is not a socket; refusing to replace it`);
  }
  unlinkSync(socketPath);
}

function listenWithMode(server: Server, socketPath: string, mode: number, gid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // bind() creates the socket file with the umask applied: 0600 first (no moment at 0755, nor in the
    // group before it is berth), then the group, then the mode.
    const previous = process.umask(0o777 & ~0o600);
    const onError = (error: Error) => {
      process.umask(previous);
      reject(error);
    };
    server.once('error', onError);
    server.listen(socketPath, () => {
      process.umask(previous);
      server.off('error', onError);
      try {
        chownSync(socketPath, 0, gid);
        chmodSync(socketPath, mode);
        const actual = statSync(socketPath).mode & 0o777;
        if (actual !== mode) throw new DaemonStartError(`${socketPath} has mode ${actual.toString(8)}, not ${mode.toString(8)}`);
        resolve();
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Removes the socket at shutdown; we still hold the lock, so what is at the path is ours. */
export function removeSocket(socketPath: string, lock: HeldLock): void {
  try {
    unlinkSync(socketPath);
  } catch {
    // Already gone.
  }
  lock.release();
}

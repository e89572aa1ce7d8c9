// Emptying a cgroup by signals: SIGKILL to every pid listed, again and again, until nothing is listed.
// Repeating covers a process that forked between the listing and the signal.
import { CgroupError } from './errors';
import { describeError, errorCode } from './files';
import { waitFor } from './wait';

export async function killUntilEmpty(what: string, listPids: () => number[]): Promise<void> {
  await waitFor(`${what} to be empty`, () => {
    const pids = listPids();
    for (const pid of pids) sigkill(what, pid);
    return pids.length === 0;
  });
}

export function sigkill(what: string, pid: number): void {
  // 0 is how a pid from another pid namespace shows up; kill(0) would hit our own process group.
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (pid === process.pid) {
    throw new CgroupError(`${what} holds this helper's own process (pid ${pid}); refusing to kill it`);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if (errorCode(err) !== 'ESRCH') throw new CgroupError(`killing pid ${pid} of ${what} failed: ${describeError(err)}`);
  }
}

// Cgroup directories: creating the levels of a path, listing the processes of a subtree, removing it.
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CgroupError } from './errors';
import { describeError, errorCode, readIfExists } from './files';
import { assertInsideHierarchy, levelsOf } from './paths';
import { STATE_TIMEOUT_MS } from './wait';

/** Creates each missing level of the path below the hierarchy root and returns the ones it created, top first. */
export function makeCgroupDirs(hierarchyRoot: string, cgroupPath: string): string[] {
  const created: string[] = [];
  for (const dir of levelsOf(hierarchyRoot, cgroupPath)) {
    try {
      mkdirSync(dir);
      created.push(dir);
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') {
        removeCreatedDirs(created);
        if (err instanceof CgroupError) throw err;
        throw new CgroupError(`creating cgroup ${dir} failed: ${describeError(err)}`);
      }
      // An existing level is reused (a shared parent such as /berth, or a cgroup the caller made), but a
      // file of that name (say "cgroup.procs") is not a cgroup.
      if (!statSync(dir).isDirectory()) {
        removeCreatedDirs(created);
        throw new CgroupError(`linux.cgroupsPath: ${dir} exists and is not a directory`);
      }
    }
    // Checked level by level, so that no mkdir below a symlink ever runs outside the hierarchy.
    try {
      assertInsideHierarchy(hierarchyRoot, dir);
    } catch (err) {
      removeCreatedDirs(created);
      throw err;
    }
  }
  return created;
}

/** Best-effort undo of makeCgroupDirs after a failed create: the new directories hold no processes yet. */
export function removeCreatedDirs(created: string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // Left behind rather than hiding the error that made create() fail.
    }
  }
}

/** Child cgroups (directories) of a cgroup; none when it does not exist. */
export function childCgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name));
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw new CgroupError(`listing ${dir} failed: ${describeError(err)}`);
  }
}

/** The pids in cgroup.procs of the cgroup and every cgroup below it (a container may make its own). */
export function subtreePids(dir: string): number[] {
  const pids = new Set<number>();
  const visit = (current: string) => {
    for (const word of (readIfExists(join(current, 'cgroup.procs')) ?? '').split('\n')) {
      if (word.trim() !== '') pids.add(Number(word));
    }
    for (const child of childCgroups(current)) visit(child);
  };
  visit(dir);
  return [...pids];
}

/** Removes a cgroup and any cgroups below it, deepest first. A missing directory is already removed. */
export async function removeCgroupTree(dir: string): Promise<void> {
  for (const child of childCgroups(dir)) await removeCgroupTree(child);
  // The kernel answers EBUSY while exiting tasks are still being accounted; that passes quickly.
  const deadline = Date.now() + STATE_TIMEOUT_MS;
  for (let delay = 1; ; delay = Math.min(delay * 2, 100)) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) {
        throw new CgroupError(`removing cgroup ${dir} failed: ${describeError(err)}`);
      }
    }
    await sleep(delay);
  }
}

// Freezing and thawing: v1's freezer.state (THAWED, FREEZING, FROZEN) and v2's cgroup.freeze, whose
// progress cgroup.events reports as "frozen 0|1". Both are waited for, since the kernel freezes each task
// as it next reaches a safe point.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupError } from './errors';
import { parseKeyedLines, readCgroupFile, writeCgroupFile } from './files';
import { waitFor } from './wait';

export async function setV1FreezerState(dir: string, state: 'FROZEN' | 'THAWED'): Promise<void> {
  const file = join(dir, 'freezer.state');
  const what = state === 'FROZEN' ? `freezing ${dir}` : `thawing ${dir}`;
  try {
    await waitFor(`${file} to read ${state}`, () => {
      // Written again on every poll, as runc does: a task that joined while the cgroup was FREEZING is
      // only frozen by a new write.
      writeCgroupFile(file, state, what);
      return readCgroupFile(file).trim() === state;
    });
  } catch (err) {
    // A cgroup stuck in FREEZING (a task in uninterruptible sleep) is thawed rather than left half frozen.
    if (state === 'FROZEN') thawQuietly(() => writeCgroupFile(file, 'THAWED', what));
    throw err;
  }
}

export async function setV2Frozen(dir: string, frozen: boolean): Promise<void> {
  const file = join(dir, 'cgroup.freeze');
  if (!existsSync(file)) throw new CgroupError(`${frozen ? 'freezing' : 'thawing'} ${dir}: ${file} does not exist (the cgroup v2 freezer needs Linux 5.2)`);
  const value = frozen ? '1' : '0';
  writeCgroupFile(file, value, `${frozen ? 'freezing' : 'thawing'} ${dir}`);
  const events = join(dir, 'cgroup.events');
  try {
    await waitFor(`${events} to say "frozen ${value}"`, () => parseKeyedLines(readCgroupFile(events)).get('frozen') === value);
  } catch (err) {
    if (frozen) thawQuietly(() => writeCgroupFile(file, '0', `thawing ${dir}`));
    throw err;
  }
}

function thawQuietly(thaw: () => void): void {
  try {
    thaw();
  } catch {
    // The error being reported is the failed freeze.
  }
}

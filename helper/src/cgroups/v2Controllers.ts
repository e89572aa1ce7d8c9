// cgroup v2 controllers: a cgroup only has a controller's files when its parent lists the controller in
// cgroup.subtree_control, so each ancestor enables what is wanted for the level below it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CgroupError } from './errors';
import { readIfExists, words, writeCgroupFile } from './files';
import { levelsOf } from './paths';

/**
 * Enables controllers in cgroup.subtree_control of the mount root and of every level down to the cgroup's
 * parent. `wanted` is 'all' for the v2 driver (each level enables whatever it has, as runc does) or a
 * list (the hybrid driver's unified side enables only controllers it must use there).
 *
 * A controller that cannot be enabled is skipped, not fatal: the cpu controller with realtime tasks in
 * the root, or any controller in a level that holds processes itself ("no internal processes"). Only a
 * field that needs it fails then, naming the missing file (see requireV2File).
 */
export function enableControllers(mountRoot: string, cgroupPath: string, wanted: 'all' | readonly string[]): void {
  const levels = [mountRoot, ...levelsOf(mountRoot, cgroupPath).slice(0, -1)];
  for (const dir of levels) {
    const available = words(readIfExists(join(dir, 'cgroup.controllers')));
    const enabled = words(readIfExists(join(dir, 'cgroup.subtree_control')));
    const toEnable = (wanted === 'all' ? available : wanted.filter((c) => available.includes(c))).filter((c) => !enabled.includes(c));
    if (toEnable.length === 0) continue;
    const file = join(dir, 'cgroup.subtree_control');
    try {
      writeCgroupFile(file, toEnable.map((c) => `+${c}`).join(' '), `enabling controllers for cgroup ${cgroupPath}`);
    } catch {
      // One write enables all or none; one at a time, the ones that can be enabled are.
      for (const controller of toEnable) {
        try {
          writeCgroupFile(file, `+${controller}`, `enabling the ${controller} controller for cgroup ${cgroupPath}`);
        } catch {
          // See above: reported by the field that needs it.
        }
      }
    }
  }
}

/** Checks that the cgroup has a controller (hugetlb's files are named by page size, so no one file says it). */
export function requireV2Controller(dir: string, controller: string, field: string): void {
  if (words(readIfExists(join(dir, 'cgroup.controllers'))).includes(controller)) return;
  throw new CgroupError(`${field}: the ${controller} controller is not enabled for ${dir}: ${whyMissing(dir, controller)}`);
}

/** An interface file `field` needs, or a CgroupError saying which controller or kernel feature is missing. */
export function requireV2File(dir: string, name: string, field: string): string {
  const file = join(dir, name);
  if (existsSync(file)) return file;
  const controller = name.split('.')[0] ?? name;
  const why = words(readIfExists(join(dir, 'cgroup.controllers'))).includes(controller)
    ? `the ${controller} controller is enabled, but this kernel has no ${name}`
    : whyMissing(dir, controller);
  throw new CgroupError(`${field}: ${file} does not exist: ${why}`);
}

function whyMissing(dir: string, controller: string): string {
  const parent = dirname(dir);
  const available = words(readIfExists(join(parent, 'cgroup.controllers')));
  return available.includes(controller)
    ? `the ${controller} controller could not be enabled in ${join(parent, 'cgroup.subtree_control')}`
    : `the ${controller} controller is not available here (${join(parent, 'cgroup.controllers')} lists: ${available.join(' ') || 'nothing'})`;
}

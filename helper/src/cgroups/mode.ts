// Which cgroup layout the host has. Berth supports all three: v1 (a hierarchy per controller),
// v2 (one unified hierarchy) and hybrid (v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified).
import { readFileSync } from 'node:fs';
import type { CgroupMode } from '../protocol';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Decides the mode from the text of /proc/self/mountinfo, the way runc does from statfs of the same mounts. */
export function cgroupModeFromMountinfo(mountinfo: string): CgroupMode {
  const fsTypeAt = new Map<string, string>();
  for (const line of mountinfo.split('\n')) {
    // Fields: id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const mountPoint = unescapeMountPath(line.slice(0, separator).split(' ')[4] ?? '');
    const fsType = line.slice(separator + 3).split(' ')[0] ?? '';
    // Later lines are mounts on top of earlier ones at the same place: the last one is what is visible.
    fsTypeAt.set(mountPoint, fsType);
  }
  if (fsTypeAt.get(CGROUP_ROOT) === 'cgroup2') return 'v2';
  const hasV1 = [...fsTypeAt].some(([point, type]) => type === 'cgroup' && point.startsWith(`${CGROUP_ROOT}/`));
  if (!hasV1) return 'none';
  return fsTypeAt.get(`${CGROUP_ROOT}/unified`) === 'cgroup2' ? 'hybrid' : 'v1';
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040 and so on). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export function detectCgroupMode(): CgroupMode {
  return cgroupModeFromMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

// Where each v1 controller is mounted. The mount points under the cgroup root are named after their
// controllers ("memory", or "cpu,cpuacct" with "cpu" and "cpuacct" as symlinks to it), and a hierarchy's
// root holds files named after its controllers. Both are read, so a co-mounted controller is found under
// either name, and a hierarchy reached through two names is one hierarchy (by its real path).
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CgroupError } from './errors';
import { describeError } from './files';

export const V1_CONTROLLERS = [
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'devices',
  'freezer',
  'blkio',
  'pids',
  'hugetlb',
  'net_cls',
  'net_prio',
  'perf_event',
  'rdma',
  'misc',
] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/** systemd's named hierarchy (name=systemd) has no controller; runc joins it so the container is tracked there too. */
const TRACKING_ONLY = 'systemd';

export interface V1Hierarchy {
  /** The real path of the hierarchy's mount. */
  root: string;
  /** Its controllers; empty for the name=systemd tracking hierarchy. */
  controllers: V1Controller[];
}

export function findV1Hierarchies(mountRoot: string): V1Hierarchy[] {
  let names: string[];
  try {
    names = readdirSync(mountRoot);
  } catch (err) {
    throw new CgroupError(`listing the cgroup v1 mounts in ${mountRoot} failed: ${describeError(err)}`);
  }
  const byRoot = new Map<string, Set<V1Controller>>();
  for (const name of names) {
    const mount = join(mountRoot, name);
    // "unified" is the cgroup2 mount of the hybrid layout; anything without cgroup.procs is not a hierarchy.
    if (name === 'unified' || !existsSync(join(mount, 'cgroup.procs'))) continue;
    const root = realpathSync(mount);
    const controllers = byRoot.get(root) ?? new Set<V1Controller>();
    for (const candidate of [...name.split(','), ...basename(root).split(','), ...controllersByFiles(root)]) {
      if ((V1_CONTROLLERS as readonly string[]).includes(candidate)) controllers.add(candidate as V1Controller);
    }
    if (controllers.size > 0 || name === TRACKING_ONLY) byRoot.set(root, controllers);
  }
  return [...byRoot]
    .map(([root, controllers]) => ({ root, controllers: [...controllers].sort() }))
    .sort((a, b) => a.root.localeCompare(b.root));
}

/** "memory.limit_in_bytes" → memory. The freezer and pids roots have no such files; their names say it. */
function controllersByFiles(root: string): string[] {
  return readdirSync(root).map((file) => file.split('.')[0] ?? '');
}

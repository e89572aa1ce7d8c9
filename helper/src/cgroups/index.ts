// Cgroups for the OCI runtime: one interface, with a driver for each layout the host may have.
//   const cgroup = openCgroup(config.linux?.cgroupsPath ?? `/berth/${id}`);
//   cgroup.create(config.linux?.resources);   // refuses, naming the field, what the host cannot honour
//   ... the container's init writes "0" into each of cgroup.procsFiles() ...
//   await cgroup.destroy();
import type { CgroupMode } from '../protocol';
import { CgroupError } from './errors';
import { HybridCgroup } from './hybrid';
import { detectCgroupMode } from './mode';
import { normaliseCgroupsPath } from './paths';
import type { Cgroup } from './types';
import { V1Cgroup } from './v1';
import { V2Cgroup } from './v2';

export { CgroupError } from './errors';
export { DEFAULT_PARENT } from './paths';
export type { Cgroup, CgroupStats } from './types';

export const DEFAULT_MOUNT_ROOT = '/sys/fs/cgroup';

/**
 * The cgroup at cgroupsPath ("/berth/<id>"; a relative path goes under /berth). Nothing is created until
 * create(). `mode` defaults to the host's layout; `mountRoot` (for tests with a fake tree) needs `mode`.
 */
export function openCgroup(cgroupsPath: string, options: { mode?: CgroupMode; mountRoot?: string } = {}): Cgroup {
  if (options.mountRoot !== undefined && options.mode === undefined) {
    throw new CgroupError('openCgroup: a mountRoot other than /sys/fs/cgroup needs options.mode (the host layout comes from /proc/self/mountinfo, which says nothing about other trees)');
  }
  const mountRoot = options.mountRoot ?? DEFAULT_MOUNT_ROOT;
  const mode = options.mode ?? detectCgroupMode();
  const path = normaliseCgroupsPath(cgroupsPath);
  switch (mode) {
    case 'v1':
      return new V1Cgroup(path, mountRoot);
    case 'v2':
      return new V2Cgroup(path, mountRoot);
    case 'hybrid':
      return new HybridCgroup(path, mountRoot);
    case 'none':
      throw new CgroupError(`no cgroup hierarchies are mounted under ${mountRoot}: Berth cannot limit or track containers here`);
  }
}

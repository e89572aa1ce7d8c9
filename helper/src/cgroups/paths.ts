// linux.cgroupsPath → a normalised cgroup path, and that path → a directory that is certainly inside one
// hierarchy's mount. Every directory the drivers create, write or remove comes from here, so a path from
// a config.json can never reach outside /sys/fs/cgroup.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { CgroupError } from './errors';

/** Where a relative cgroupsPath goes. runc resolves it against its own cgroup; Berth keeps containers together. */
export const DEFAULT_PARENT = '/berth';

const FIELD = 'linux.cgroupsPath';
// systemd's driver takes "slice:prefix:name"; Berth writes cgroupfs itself, so such a path is a mistake.
const SYSTEMD_STYLE = /^[^/:]*:[^/:]*:[^/:]+$/;

/** "/berth//abc/" → "/berth/abc"; "abc" → "/berth/abc". Refuses "..", the root cgroup and odd characters. */
export function normaliseCgroupsPath(cgroupsPath: string): string {
  if (cgroupsPath.trim() === '') {
    throw new CgroupError(`${FIELD}: empty; give a path such as ${DEFAULT_PARENT}/<container id>`);
  }
  if (/[\0\n]/.test(cgroupsPath)) {
    throw new CgroupError(`${FIELD}: ${JSON.stringify(cgroupsPath)} contains a NUL or newline`);
  }
  if (SYSTEMD_STYLE.test(cgroupsPath)) {
    throw new CgroupError(
      `${FIELD}: "${cgroupsPath}" is a systemd slice:prefix:name path; Berth manages cgroupfs directly and takes a path such as ${DEFAULT_PARENT}/<id>`,
    );
  }
  const absolute = cgroupsPath.startsWith('/') ? cgroupsPath : `${DEFAULT_PARENT}/${cgroupsPath}`;
  const parts = absolute.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) {
    throw new CgroupError(`${FIELD}: "${cgroupsPath}" has a ".." component; a cgroup path may not climb`);
  }
  if (parts.length === 0) {
    throw new CgroupError(`${FIELD}: "${cgroupsPath}" names the root cgroup, which Berth never limits or removes`);
  }
  return `/${parts.join('/')}`;
}

/** The directory of a normalised cgroup path inside one hierarchy, checked to stay below the hierarchy's root. */
export function cgroupDir(hierarchyRoot: string, cgroupPath: string): string {
  const root = resolve(hierarchyRoot);
  const dir = resolve(root, `.${cgroupPath}`);
  if (!dir.startsWith(`${root}/`)) {
    throw new CgroupError(`${FIELD}: "${cgroupPath}" resolves to ${dir}, outside the cgroup mount ${root}`);
  }
  return dir;
}

/**
 * Checks an existing cgroup directory against symlinks: cgroupfs has none, but the tmpfs that holds the
 * v1 mount points could, and a link there must not turn a write into one outside the hierarchy.
 */
export function assertInsideHierarchy(hierarchyRoot: string, dir: string): void {
  const root = realpathSync(hierarchyRoot);
  const real = realpathSync(dir);
  if (!real.startsWith(`${root}/`)) {
    throw new CgroupError(`${FIELD}: ${dir} resolves to ${real}, outside the cgroup mount ${root}`);
  }
}

/** The directories from the hierarchy root down to the cgroup itself, root excluded: /a/b → [root/a, root/a/b]. */
export function levelsOf(hierarchyRoot: string, cgroupPath: string): string[] {
  const parts = cgroupPath.split('/').filter(Boolean);
  return parts.map((_, i) => cgroupDir(hierarchyRoot, `/${parts.slice(0, i + 1).join('/')}`));
}

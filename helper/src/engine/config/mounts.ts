// The container's mounts as moby's WithMounts builds them: Docker's defaults (minus those a user mount
// replaces), then the user's bind and tmpfs mounts together with the network files (/etc/resolv.conf,
// /etc/hostname, /etc/hosts from the container's directory), ordered by the depth of their destination
// so that a mount on /data never hides one on /data/cache.
import { statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Mount } from '../../runtime/spec/config';
import type { MountSpec } from './containerSpec';
import { defaultMounts } from './dockerDefaults';
import { ContainerConfigError } from './errors';
import { cleanPath } from './paths';

/** The files the engine writes into the container's directory and binds over the image's. */
export const NETWORK_FILES = [
  { name: 'resolv.conf', destination: '/etc/resolv.conf' },
  { name: 'hostname', destination: '/etc/hostname' },
  { name: 'hosts', destination: '/etc/hosts' },
] as const;

export interface MountsInput {
  mounts: readonly MountSpec[] | undefined;
  containerDir: string;
  readOnlyRootfs: boolean;
  privileged: boolean;
}

/** moby's sort key: the number of separators in the cleaned destination. */
function depth(destination: string): number {
  return destination === '/' ? 0 : destination.split('/').length - 1;
}

const PROPAGATIONS = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable']);

function checkPropagation(option: string, field: string): boolean {
  if (!PROPAGATIONS.has(option)) return false;
  if (option !== 'private' && option !== 'rprivate') {
    throw new ContainerConfigError(field, `mount propagation "${option}" is not supported yet (only private and rprivate)`, 'unsupported');
  }
  return true;
}

function bindMount(spec: MountSpec, destination: string, field: string): Mount {
  if (!spec.source) throw new ContainerConfigError(`${field}.source`, 'a bind mount needs a source path on the host');
  if (!posix.isAbsolute(spec.source)) throw new ContainerConfigError(`${field}.source`, `bind source path must be absolute: "${spec.source}"`);
  const source = cleanPath(spec.source);
  try {
    statSync(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ContainerConfigError(`${field}.source`, code === 'ENOENT' ? `bind source path does not exist: ${source}` : `cannot use bind source ${source}: ${code ?? error}`);
  }
  let recursive = true;
  let readOnly = spec.readOnly === true;
  let propagation = 'rprivate';
  for (const option of spec.options ?? []) {
    if (option === 'bind' || option === 'rbind') recursive = option === 'rbind';
    else if (option === 'ro') readOnly = true;
    else if (option === 'rw') {
      if (spec.readOnly) throw new ContainerConfigError(`${field}.options`, '"rw" contradicts readOnly');
    } else if (checkPropagation(option, `${field}.options`)) propagation = option;
    else throw new ContainerConfigError(`${field}.options`, `unknown bind mount option "${option}" (use ro, rw, bind, rbind, private or rprivate)`);
  }
  // "ro" makes the mount itself read-only; Docker 25+ asks runc for recursive read-only ("rro") where the
  // kernel allows it, which Berth's runtime does not take yet, so submounts of the source stay writable.
  return { destination, type: 'bind', source, options: [recursive ? 'rbind' : 'bind', ...(readOnly ? ['ro'] : []), propagation] };
}

// Flags that collide with each other (the later one wins), as moby's MergeTmpfsOptions keys them.
const TMPFS_FLAG_KEYS: Record<string, string> = {
  ro: 'ro', rw: 'ro', suid: 'suid', nosuid: 'suid', dev: 'dev', nodev: 'dev', exec: 'exec', noexec: 'exec',
  sync: 'sync', async: 'sync', dirsync: 'dirsync', mand: 'mand', nomand: 'mand', atime: 'atime', noatime: 'atime',
  diratime: 'diratime', nodiratime: 'diratime', relatime: 'relatime', norelatime: 'relatime',
  strictatime: 'strictatime', nostrictatime: 'strictatime', private: 'propagation', rprivate: 'propagation',
};
const TMPFS_DATA_KEYS = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/** moby's MergeTmpfsOptions: later options override earlier ones of the same kind; anything else is refused. */
export function mergeTmpfsOptions(options: readonly string[], field: string): string[] {
  const seenFlags = new Set<string>();
  const seenData = new Set<string>();
  const merged: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const option = options[i]!;
    if (option === 'defaults') continue;
    if (PROPAGATIONS.has(option)) checkPropagation(option, field);
    const flagKey = TMPFS_FLAG_KEYS[option];
    if (flagKey !== undefined) {
      if (!seenFlags.has(flagKey)) merged.unshift(option);
      seenFlags.add(flagKey);
      continue;
    }
    const equals = option.indexOf('=');
    const key = equals > 0 ? option.slice(0, equals) : '';
    if (!TMPFS_DATA_KEYS.has(key) || equals === option.length - 1) throw new ContainerConfigError(field, `invalid tmpfs option "${option}"`);
    if (!seenData.has(key)) merged.unshift(option);
    seenData.add(key);
  }
  return merged;
}

function tmpfsMount(spec: MountSpec, destination: string, field: string): Mount {
  if (spec.source !== undefined) throw new ContainerConfigError(`${field}.source`, 'a tmpfs mount takes no source');
  // --tmpfs's defaults (noexec too, unlike /dev/shm's size), then the user's options.
  const options = mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', ...(spec.options ?? []), ...(spec.readOnly ? ['ro'] : [])], `${field}.options`);
  return { destination, type: 'tmpfs', source: 'tmpfs', options };
}

function userMount(spec: MountSpec, field: string): Mount {
  if (!posix.isAbsolute(spec.target)) throw new ContainerConfigError(`${field}.target`, `mount path must be absolute: "${spec.target}"`);
  const destination = cleanPath(spec.target);
  if (destination === '/') throw new ContainerConfigError(`${field}.target`, 'cannot mount over the container\'s root "/"');
  if (spec.type === 'volume') throw new ContainerConfigError(field, 'volumes are not supported yet', 'unsupported');
  return spec.type === 'bind' ? bindMount(spec, destination, field) : tmpfsMount(spec, destination, field);
}

export function containerMounts(input: MountsInput): Mount[] {
  const binds: Mount[] = [];
  const tmpfs: Mount[] = [];
  const destinations = new Map<string, number>();
  for (const [index, spec] of (input.mounts ?? []).entries()) {
    const field = `mounts[${index}]`;
    const mount = userMount(spec, field);
    const earlier = destinations.get(mount.destination);
    if (earlier !== undefined) throw new ContainerConfigError(`${field}.target`, `duplicate mount point ${mount.destination} (also mounts[${earlier}])`);
    destinations.set(mount.destination, index);
    (mount.type === 'tmpfs' ? tmpfs : binds).push(mount);
  }
  // A user mount of the same file wins over the engine's.
  const networkMounts: Mount[] = NETWORK_FILES.filter((file) => !destinations.has(file.destination)).map((file) => ({
    destination: file.destination,
    type: 'bind',
    source: join(input.containerDir, file.name),
    options: ['rbind', ...(input.readOnlyRootfs ? ['ro'] : []), 'rprivate'],
  }));
  // moby's order before sorting: volumes and binds, the network files, tmpfs mounts; the sort is stable.
  const user = [...binds, ...networkMounts, ...tmpfs].sort((a, b) => depth(a.destination) - depth(b.destination));
  const userDestinations = new Set(user.map((m) => m.destination));

  const devMounted = userDestinations.has('/dev');
  const defaults = defaultMounts().filter((m) => !userDestinations.has(m.destination) && !(devMounted && m.destination.startsWith('/dev/')));
  for (const mount of defaults) {
    // --read-only: the kernel filesystems become read-only too, except those a program must write to.
    if (input.readOnlyRootfs && !['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev'].includes(mount.destination) && !mount.options?.includes('ro')) {
      mount.options = [...(mount.options ?? []), 'ro'];
    }
    // --privileged: /sys and the cgroup tree writable.
    if (input.privileged && (mount.destination === '/sys' || mount.type === 'cgroup')) mount.options = mount.options?.filter((o) => o !== 'ro');
  }
  return [...defaults, ...user];
}

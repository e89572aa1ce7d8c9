// The container's filesystem, built inside its new mount namespace: root propagation, the rootfs bound
// onto itself, config.json's mounts in order (targets resolved inside the root), /dev, then the switch of
// root (pivot_root, or chroot with --no-pivot) and the masked and read-only paths.
import { closeSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { AT_FDCWD, O_DIRECTORY, O_PATH, openat2 } from '../../linux/files';
import { SyscallError } from '../../linux/libc';
import {
  chdir,
  chroot,
  fchdir,
  MNT_DETACH,
  mount,
  MS_BIND,
  MS_MOVE,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  MS_SLAVE,
  pivotRoot,
  umount2,
} from '../../linux/mount';
import { mountSetattrFd } from '../../linux/mountApi';
import type { Mount } from '../spec/config';
import { copyDirectoryContents } from './copyUp';
import { createDevices, createDevSymlinks } from './devices';
import { lockableFlags, MS_ATIME_MASK } from '../../linux/statvfs';
import type { InitConfig } from './initConfig';
import { parseMountOptions } from './mountOptions';
import { fdPath, openInRoot } from '../../fs/openInRoot';
import { ensureInRoot } from './pathsInRoot';
import { makeReadonly, maskPaths } from './verifiedPaths';

export function setupRootfs(init: InitConfig): void {
  const { config, rootfs } = init;
  const linux = config.linux ?? {};
  // Nothing we mount may propagate back to the host: slave by default, as runc does.
  const rootPropagation = linux.rootfsPropagation ? parseMountOptions([linux.rootfsPropagation], 'linux.rootfsPropagation').propagation : 0;
  const preSwitch = rootPropagation & (MS_PRIVATE | MS_SLAVE) ? rootPropagation | MS_REC : MS_SLAVE | MS_REC;
  mount(null, '/', null, preSwitch);
  mount(rootfs, rootfs, null, MS_BIND | MS_REC);

  // The rootfs path itself comes from the runtime (the bundle), not the image: a plain lookup.
  const rootFd = openat2(AT_FDCWD, rootfs, O_PATH | O_DIRECTORY, 0);
  try {
    const mounts = config.mounts ?? [];
    for (const [index, entry] of mounts.entries()) mountOne(rootFd, entry, index, init);
    const dev = mounts.find((m) => m.destination === '/dev');
    const devIsBind = dev !== undefined && parseMountOptions(dev.options, 'mounts').bind;
    if (!devIsBind) createDevices(rootFd, linux.devices ?? [], init.userNamespace);
    createDevSymlinks(rootFd);
  } finally {
    closeSync(rootFd);
  }
}

function mountOne(rootFd: number, entry: Mount, index: number, init: InitConfig): void {
  const where = `mounts[${index}] (${entry.destination})`;
  if (!isAbsolute(entry.destination)) throw new Error(`${where}: destination must be an absolute path`);
  const options = parseMountOptions(entry.options, where);
  const type = entry.type ?? (options.bind ? 'bind' : undefined);
  try {
    if (options.bind || type === 'bind') {
      mountBind(rootFd, entry, options, init);
    } else if (type === 'cgroup' || type === 'cgroup2') {
      mountCgroup(rootFd, entry, options.flags, init);
    } else if (type === 'sysfs' && init.userNamespace && !ownNamespace(init, 'network')) {
      // sysfs may be mounted only by the owner of the network namespace: the host's /sys bound in (runc).
      mountBind(rootFd, { ...entry, source: '/sys' }, { ...options, bind: true, recursiveBind: true, flags: options.flags | MS_BIND | MS_REC }, init);
    } else {
      if (!type) throw new Error('type is missing');
      if (options.tmpcopyup && type !== 'tmpfs') throw new Error(`tmpcopyup applies to tmpfs mounts, not ${type}`);
      if (options.idmap) throw new Error(`${options.idmap} applies to bind mounts, not ${type}`);
      const target = ensureInRoot(rootFd, entry.destination, 'directory');
      try {
        mount(entry.source ?? type, fdPath(target), type, options.flags, options.data || null);
        // `target` still names the image's directory, now under the tmpfs: copied up from there.
        if (options.tmpcopyup) withMounted(rootFd, entry.destination, (mounted) => copyDirectoryContents(fdPath(target), fdPath(mounted)));
      } finally {
        closeSync(target);
      }
    }
    if (options.propagation) withMounted(rootFd, entry.destination, (mounted) => mount(null, fdPath(mounted), null, options.propagation));
    // runc's recursive attributes (rro, rnosuid, …) reach every mount below the destination too.
    if (options.recursive) {
      const { set, clear } = options.recursive;
      withMounted(rootFd, entry.destination, (mounted) => mountSetattrFd(mounted, set, clear, true));
    }
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}

function mountBind(rootFd: number, entry: Mount, options: ReturnType<typeof parseMountOptions>, init: InitConfig): void {
  if (!entry.source) throw new Error('a bind mount needs a source');
  // The runtime stages id-mapped mounts (lifecycle/idmappedMounts.ts) and hands over plain binds of them.
  if (options.idmap || entry.uidMappings || entry.gidMappings) throw new Error('an id-mapped mount reached the init unprepared');
  const source = isAbsolute(entry.source) ? entry.source : join(init.bundle, entry.source);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(source).isDirectory();
  } catch (error) {
    throw new Error(`source ${source}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const target = ensureInRoot(rootFd, entry.destination, isDirectory ? 'directory' : 'file');
  try {
    mount(source, fdPath(target), null, MS_BIND | (options.recursiveBind ? MS_REC : 0));
  } finally {
    closeSync(target);
  }
  // Flags such as ro or nosuid apply to a bind mount only through a remount of the new mount itself.
  if (options.flags & ~(MS_BIND | MS_REC)) {
    withMounted(rootFd, entry.destination, (mounted) => remountBind(fdPath(mounted), (options.flags & ~MS_REC) | MS_BIND | MS_REMOUNT));
  }
}

/** Runs `use` with an fd of what is now mounted at `destination` (not the directory under it). */
function withMounted(rootFd: number, destination: string, use: (fd: number) => void): void {
  const mounted = openInRoot(rootFd, destination);
  try {
    use(mounted);
  } finally {
    closeSync(mounted);
  }
}

/** Whether the container has a namespace of this type of its own (made, not joined). */
function ownNamespace(init: InitConfig, type: string): boolean {
  return (init.config.linux?.namespaces ?? []).some((ns) => ns.type === type && !ns.path);
}

/**
 * A bind remount. In a user namespace, the flags a mount had when it came from the host (nosuid, nodev,
 * noexec, ro, atime) are locked and a remount that would clear one fails with EPERM: then retried with
 * the locked ones kept, as runc does.
 */
function remountBind(path: string, flags: number, data: string | null = null): void {
  try {
    mount(null, path, null, flags, data);
  } catch (error) {
    if (!(error instanceof SyscallError && error.code === 'EPERM')) throw error;
    mount(null, path, null, (flags & ~MS_ATIME_MASK) | lockableFlags(path), data);
  }
}

/**
 * The container's view of its cgroups. On v2, a cgroup2 mount. On v1 and hybrid hosts, a tmpfs with one
 * mount per hierarchy: with a cgroup namespace each shows the container's own cgroup as its root; without
 * one, the container's cgroup directories are bound in.
 */
function mountCgroup(rootFd: number, entry: Mount, flags: number, init: InitConfig): void {
  const hierarchies = hostCgroupHierarchies();
  // In a user namespace cgroup v1 cannot be mounted: the container's cgroup directories are bound in.
  const ownCgroupNamespace = ownNamespace(init, 'cgroup') && !init.userNamespace;
  const target = ensureInRoot(rootFd, entry.destination, 'directory');
  try {
    const unifiedOnly = hierarchies.length === 1 && hierarchies[0]!.name === '';
    if (unifiedOnly) {
      mountHierarchy(hierarchies[0]!, fdPath(target), flags, ownCgroupNamespace, init, rootFd, entry.destination);
      return;
    }
    mount('tmpfs', fdPath(target), 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'mode=755');
  } finally {
    closeSync(target);
  }
  for (const hierarchy of hierarchies) {
    const sub = ensureInRoot(rootFd, join(entry.destination, hierarchy.name), 'directory');
    try {
      mountHierarchy(hierarchy, fdPath(sub), flags, ownCgroupNamespace, init, rootFd, join(entry.destination, hierarchy.name));
    } finally {
      closeSync(sub);
    }
  }
  if (flags & MS_RDONLY) {
    const top = openInRoot(rootFd, entry.destination);
    try {
      mount(null, fdPath(top), null, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 'mode=755');
    } finally {
      closeSync(top);
    }
  }
}

interface Hierarchy {
  /** Directory name under /sys/fs/cgroup ("" for a v2-only host, "unified" for hybrid's v2 mount). */
  name: string;
  mountPoint: string;
  fsType: 'cgroup' | 'cgroup2';
  /** Super options naming the controllers (cpu, memory, name=systemd, …). */
  controllers: string;
}

function hostCgroupHierarchies(): Hierarchy[] {
  const result: Hierarchy[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const mountPoint = line.slice(0, separator).split(' ')[4] ?? '';
    const [fsType, , superOptions = ''] = line.slice(separator + 3).split(' ');
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    if (mountPoint !== '/sys/fs/cgroup' && !mountPoint.startsWith('/sys/fs/cgroup/')) continue;
    const name = mountPoint === '/sys/fs/cgroup' ? '' : mountPoint.slice('/sys/fs/cgroup/'.length);
    const controllers = superOptions
      .split(',')
      .filter((option) => option !== 'rw' && option !== 'ro')
      .join(',');
    result.push({ name, mountPoint, fsType, controllers });
  }
  return result;
}

function mountHierarchy(hierarchy: Hierarchy, target: string, flags: number, ownNamespace: boolean, init: InitConfig, rootFd: number, destination: string): void {
  const mountFlags = (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (ownNamespace) {
    mount(hierarchy.fsType, target, hierarchy.fsType, mountFlags, hierarchy.fsType === 'cgroup' ? hierarchy.controllers : null);
    return;
  }
  // Without a cgroup namespace: the container's own cgroup in this hierarchy, bound in.
  const ownPath = init.cgroupProcsFiles
    .map((file) => file.replace(/\/(cgroup\.procs|tasks)$/, ''))
    .find((dir) => dir.startsWith(`${hierarchy.mountPoint}/`) || dir === hierarchy.mountPoint);
  const source = ownPath ?? hierarchy.mountPoint;
  mount(source, target, null, MS_BIND | MS_REC);
  // The remount must reach the new mount, not the directory under it that `target` (an fd) still names.
  const mounted = openInRoot(rootFd, destination);
  try {
    remountBind(fdPath(mounted), MS_BIND | MS_REMOUNT | mountFlags);
  } finally {
    closeSync(mounted);
  }
}

/** Switches the root: pivot_root and detach the old root, or (--no-pivot) move the rootfs onto / and chroot. */
export function switchRoot(rootfs: string, noPivot: boolean): void {
  chdir(rootfs);
  if (noPivot) {
    mount(rootfs, '/', null, MS_MOVE);
    chroot('.');
  } else {
    const oldRoot = openat2(AT_FDCWD, '/', O_PATH | O_DIRECTORY, 0);
    try {
      pivotRoot('.', '.');
      // The old root is now stacked on the new one. "." must name it, not the new root: made rslave
      // recursively, the new root would lose the propagation its mounts asked for (rshared). So, as runc
      // does, the cwd moves to the old root explicitly; then its unmount cannot reach the host.
      fchdir(oldRoot);
    } finally {
      closeSync(oldRoot);
    }
    mount(null, '.', null, MS_SLAVE | MS_REC);
    umount2('.', MNT_DETACH);
  }
  chdir('/');
}

/**
 * After the switch: masked paths hidden, read-only paths and the root made read-only (each through a
 * verified fd, verifiedPaths.ts), propagation set.
 */
export function finishRootfs(init: InitConfig): void {
  const linux = init.config.linux ?? {};
  maskPaths(linux.maskedPaths ?? []);
  for (const path of linux.readonlyPaths ?? []) makeReadonly(path, true, 'linux.readonlyPaths');
  if (init.config.root.readonly) makeReadonly('/', false, 'root.readonly');
  if (linux.rootfsPropagation) {
    const { propagation } = parseMountOptions([linux.rootfsPropagation], 'linux.rootfsPropagation');
    mount(null, '/', null, propagation);
  }
}

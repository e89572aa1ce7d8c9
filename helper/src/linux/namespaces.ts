// Namespaces: unshare(2) and setns(2). Both change only the calling thread, which in Node matters: the
// runtime calls them on the main thread of a process that then execve's (or spawns) at once, so no other
// thread's view is relied on. See the README, "Linux from Node.js".
import { closeSync, openSync } from 'node:fs';
import { check, libc } from './libc';

export const CLONE_NEWNS = 0x0002_0000;
export const CLONE_NEWCGROUP = 0x0200_0000;
export const CLONE_NEWUTS = 0x0400_0000;
export const CLONE_NEWIPC = 0x0800_0000;
export const CLONE_NEWUSER = 0x1000_0000;
export const CLONE_NEWPID = 0x2000_0000;
export const CLONE_NEWNET = 0x4000_0000;
export const CLONE_NEWTIME = 0x0000_0080;
export const CLONE_FS = 0x0000_0200;

/** The OCI namespace types, with their clone flag and their name under /proc/PID/ns. */
export const NAMESPACES = {
  pid: { flag: CLONE_NEWPID, procName: 'pid' },
  network: { flag: CLONE_NEWNET, procName: 'net' },
  mount: { flag: CLONE_NEWNS, procName: 'mnt' },
  ipc: { flag: CLONE_NEWIPC, procName: 'ipc' },
  uts: { flag: CLONE_NEWUTS, procName: 'uts' },
  user: { flag: CLONE_NEWUSER, procName: 'user' },
  cgroup: { flag: CLONE_NEWCGROUP, procName: 'cgroup' },
  time: { flag: CLONE_NEWTIME, procName: 'time' },
} as const;
export type NamespaceType = keyof typeof NAMESPACES;

const unshareRaw = libc.func('int unshare(int flags)') as (flags: number) => number;
const setnsRaw = libc.func('int setns(int fd, int nstype)') as (fd: number, nstype: number) => number;

function flagNames(flags: number): string {
  const names = Object.entries(NAMESPACES)
    .filter(([, { flag }]) => flags & flag)
    .map(([type]) => type);
  if (flags & CLONE_FS) names.push('CLONE_FS');
  return names.join('|') || '0';
}

export function unshare(flags: number): void {
  check('unshare', flagNames(flags), unshareRaw(flags));
}

export function setns(fd: number, nstype: number, path = `fd ${fd}`): void {
  check('setns', `${path}, ${flagNames(nstype)}`, setnsRaw(fd, nstype));
}

/** Joins the namespace at `path` (e.g. /proc/1234/ns/net). */
export function joinNamespace(path: string, type: NamespaceType): void {
  joinNamespaces([{ type, path }]);
}

/**
 * Joins several namespaces by path: every path is opened first (a path may only make sense in the
 * namespaces we start in, /proc/PID/ns/… or a bind-mounted file), then each is entered, the mount
 * namespace last, after unsharing CLONE_FS (setns into a mount namespace needs its own fs struct).
 */
export function joinNamespaces(list: ReadonlyArray<{ type: NamespaceType; path: string }>): void {
  const ordered = [...list.filter((ns) => ns.type !== 'mount'), ...list.filter((ns) => ns.type === 'mount')];
  const fds: number[] = [];
  try {
    for (const ns of ordered) fds.push(openSync(ns.path, 'r'));
    if (ordered.some((ns) => ns.type === 'mount')) unshare(CLONE_FS);
    ordered.forEach((ns, i) => setns(fds[i]!, NAMESPACES[ns.type].flag, ns.path));
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

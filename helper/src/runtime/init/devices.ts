// /dev inside the container: the devices every container gets (as runc and Docker give them), those that
// linux.devices asks for, and the standard symlinks. Created with mknod under a parent resolved inside the
// root, so a symlink in the image cannot make us create a device node on the host.
import { chownSync, chmodSync, closeSync, fstatSync, statSync, symlinkSync } from 'node:fs';
import { mount, MS_BIND } from '../../linux/mount';
import { basename, dirname } from 'node:path';
import { makedev, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../../linux/files';
import { SyscallError } from '../../linux/libc';
import type { Device } from '../spec/config';
import { fdPath, openInRootIfExists } from '../../fs/openInRoot';
import { ensureInRoot } from './pathsInRoot';

export const DEFAULT_DEVICES: Device[] = [
  { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/zero', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/full', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/random', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/urandom', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/tty', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

/** `bindFromHost`: in a user namespace mknod is not allowed; the host's nodes are bound in, as runc does. */
export function createDevices(rootFd: number, requested: readonly Device[], bindFromHost = false): void {
  // A device the config names replaces the default at the same path.
  const byPath = new Map<string, Device>();
  for (const device of [...DEFAULT_DEVICES, ...requested]) byPath.set(device.path, device);
  for (const device of byPath.values()) {
    if (bindFromHost && device.type !== 'p') bindDevice(rootFd, device);
    else createDevice(rootFd, device);
  }
}

/** The host's node at the same path bound onto an empty file (its owner and mode are the host's). */
function bindDevice(rootFd: number, device: Device): void {
  const where = `linux.devices ${device.path}`;
  let stat;
  try {
    stat = statSync(device.path);
  } catch (error) {
    throw new Error(`${where}: in a user namespace devices are bound from the host, and the host has none there (${(error as NodeJS.ErrnoException).code})`);
  }
  const typeBits = device.type === 'b' ? S_IFBLK : S_IFCHR;
  if ((stat.mode & 0o170000) !== typeBits || (device.major !== undefined && stat.rdev !== makedev(device.major, device.minor ?? 0))) {
    throw new Error(`${where}: in a user namespace devices are bound from the host, and the host's ${device.path} is a different device`);
  }
  const target = ensureInRoot(rootFd, device.path, 'file');
  try {
    mount(device.path, fdPath(target), null, MS_BIND);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  } finally {
    closeSync(target);
  }
}

function createDevice(rootFd: number, device: Device): void {
  const where = `linux.devices ${device.path}`;
  const typeBits = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO }[device.type];
  if (device.type !== 'p' && (device.major === undefined || device.minor === undefined)) {
    throw new Error(`${where}: major and minor are required for type "${device.type}"`);
  }
  const parent = ensureInRoot(rootFd, dirname(device.path), 'directory');
  try {
    const path = `${fdPath(parent)}/${basename(device.path)}`;
    const existing = openInRootIfExists(rootFd, device.path);
    if (existing !== undefined) {
      // An image without a /dev mount may already have the node; anything else there is refused.
      const stat = fstatSync(existing);
      closeSync(existing);
      if ((stat.mode & 0o170000) === typeBits && stat.rdev === makedev(device.major ?? 0, device.minor ?? 0)) return;
      throw new Error(`${where}: something else already exists at that path`);
    }
    const mode = device.fileMode ?? 0o666;
    mknod(path, typeBits | (mode & 0o7777), device.major ?? 0, device.minor ?? 0);
    // mknod applies the umask; the spec's fileMode is the mode to have.
    chmodSync(path, mode & 0o7777);
    chownSync(path, device.uid ?? 0, device.gid ?? 0);
  } catch (error) {
    if (error instanceof SyscallError) throw new Error(`${where}: ${error.message}`);
    throw error;
  } finally {
    closeSync(parent);
  }
}

const DEV_SYMLINKS: Array<[string, string]> = [
  ['/proc/self/fd', 'fd'],
  ['/proc/self/fd/0', 'stdin'],
  ['/proc/self/fd/1', 'stdout'],
  ['/proc/self/fd/2', 'stderr'],
  ['pts/ptmx', 'ptmx'],
];

export function createDevSymlinks(rootFd: number): void {
  const dev = ensureInRoot(rootFd, '/dev', 'directory');
  try {
    for (const [target, name] of DEV_SYMLINKS) {
      try {
        symlinkSync(target, `${fdPath(dev)}/${name}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`/dev/${name}: ${(error as Error).message}`);
      }
    }
  } finally {
    closeSync(dev);
  }
}

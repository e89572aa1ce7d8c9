// runc's "tmpcopyup": a tmpfs mounted over a directory of the image starts with a copy of that directory
// (podman asks for it on --tmpfs and --read-only's /tmp, /var/tmp, /run). Run by the init before the root
// switch; `from` is the image's directory, reached through an fd taken before the tmpfs covered it, and
// `to` the fresh tmpfs. Nothing is followed: symbolic links are copied as links, and the walk only goes
// down directories it has just lstat'ed (no process of the container runs yet to change them meanwhile).
import { chmodSync, copyFileSync, lchownSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { mknod, mkfifo } from '../../linux/files';

export function copyDirectoryContents(from: string, to: string): void {
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(to, name);
    const stat = lstatSync(source);
    if (stat.isDirectory()) {
      mkdirSync(target, { mode: 0o700 });
      copyDirectoryContents(source, target);
    } else if (stat.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), target);
    } else if (stat.isFile()) {
      copyFileSync(source, target);
    } else if (stat.isFIFO()) {
      mkfifo(target, 0o600);
    } else if (stat.isCharacterDevice() || stat.isBlockDevice()) {
      mknod(target, stat.mode, major(stat.rdev), minor(stat.rdev));
    } else {
      continue; // a socket means nothing without the process that listened on it
    }
    keepOwnerModeTimes(target, stat);
  }
}

function keepOwnerModeTimes(path: string, stat: Stats): void {
  lchownSync(path, stat.uid, stat.gid);
  // After the chown, which clears set-id bits; a link's own mode means nothing.
  if (!stat.isSymbolicLink()) chmodSync(path, stat.mode & 0o7777);
  lutimesSync(path, stat.atime, stat.mtime);
}

/** glibc's major() and minor() of a dev_t. */
function major(dev: number): number {
  return Number((BigInt(dev) >> 8n) & 0xfffn) | Number((BigInt(dev) >> 32n) & ~0xfffn);
}

function minor(dev: number): number {
  return Number(BigInt(dev) & 0xffn) | Number((BigInt(dev) >> 12n) & ~0xffn);
}

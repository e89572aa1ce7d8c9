// Deleting a directory tree inside a container's root: each level opened from its parent's fd by one name,
// never through a symlink and never across a mount, so a symlink planted in the tree (or swapped in while
// it is being deleted) is removed as a link, and what it points to is never touched.
import { readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { O_DIRECTORY, O_RDONLY } from '../linux/files';
import { fdPath } from '../fs/openInRoot';
import { errnoOf } from './errors';
import { RootFs, withFd } from './rootFs';

/** Removes `name` in `dirFd`, with everything under it when it is a directory. */
export function removeTree(dirFd: number, name: string): void {
  const at = `${fdPath(dirFd)}/${name}`;
  // A file bound in (a directory mount fails below with EXDEV): unlinking it would unmount it.
  if (RootFs.isMountPoint(dirFd, name)) throw Object.assign(new Error(`${name} is a mount point`), { code: 'EBUSY' });
  try {
    unlinkSync(at);
    return;
  } catch (error) {
    // EISDIR: a directory, emptied below. Anything else (ENOENT, EPERM…) is the caller's answer.
    if (errnoOf(error) !== 'EISDIR') throw error;
  }
  withFd(RootFs.openChild(dirFd, name, O_RDONLY | O_DIRECTORY), (childFd) => {
    for (const entry of readdirSync(fdPath(childFd))) removeTree(childFd, entry);
  });
  rmdirSync(at);
}

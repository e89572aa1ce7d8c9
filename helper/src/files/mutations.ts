// fs.createDirectory, fs.delete, fs.rename and fs.copy: each takes the parent directories' fds and the
// last names, so the entries themselves are never followed if they are symlinks.
import { mkdirSync, rmdirSync, unlinkSync, fchownSync } from 'node:fs';
import { O_DIRECTORY, O_RDONLY } from '../linux/files';
import { RENAME_NOREPLACE, renameat2 } from '../linux/rename';
import { fdPath } from '../fs/openInRoot';
import { ErrorCode, RpcError } from '../protocol';
import { copyEntry } from './copyTree';
import { aboutPath, fsError, toFsError } from './errors';
import type { FileOwner } from './owner';
import { isWithin, normalisePath, temporaryName } from './paths';
import { removeTree } from './removeTree';
import { RootFs, withFd } from './rootFs';

export function createDirectory(root: RootFs, rawPath: string, owner: FileOwner): void {
  const path = normalisePath(rawPath);
  if (path === '/') throw fsError('FileExists', path, '/ already exists');
  const { dirFd, name } = root.openParent(path, 'createDirectory');
  withFd(dirFd, () =>
    aboutPath(path, () => {
      mkdirSync(`${fdPath(dirFd)}/${name}`, 0o755);
      if (owner.uid !== 0 || owner.gid !== 0) {
        withFd(RootFs.openChild(dirFd, name, O_RDONLY | O_DIRECTORY), (fd) => fchownSync(fd, owner.uid, owner.gid));
      }
    }),
  );
}

export function deletePath(root: RootFs, rawPath: string, recursive: boolean): void {
  const path = normalisePath(rawPath);
  const { dirFd, name } = root.openParent(path, 'cannot delete /');
  withFd(dirFd, () =>
    aboutPath(path, () => {
      const stats = RootFs.lstatIn(dirFd, name);
      if (!stats) throw fsError('FileNotFound', path, `${path}: no such file or directory`);
      refuseMountPoint(dirFd, name, path);
      const at = `${fdPath(dirFd)}/${name}`;
      if (!stats.isDirectory()) unlinkSync(at);
      else if (recursive) removeTree(dirFd, name);
      else {
        try {
          rmdirSync(at);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOTEMPTY' || code === 'EEXIST') throw fsError('DirectoryNotEmpty', path, `${path} is a directory that is not empty (delete it recursively)`);
          throw error;
        }
      }
    }),
  );
}

/** A volume or a file bound into a running container: removing or replacing it would unmount it. */
function refuseMountPoint(dirFd: number, name: string, path: string): void {
  if (RootFs.isMountPoint(dirFd, name)) {
    throw fsError('NoPermissions', path, `${path} is a mount point in the container (a volume or a bound file): it cannot be removed or replaced from here`);
  }
}

function refuseIntoItself(from: string, to: string, verb: string): void {
  if (from !== to && isWithin(to, from)) {
    throw new RpcError(ErrorCode.InvalidParams, `cannot ${verb} ${from} into itself (${to})`, { path: to });
  }
}

export function renamePath(root: RootFs, rawFrom: string, rawTo: string, overwrite: boolean): void {
  const from = normalisePath(rawFrom);
  const to = normalisePath(rawTo);
  refuseIntoItself(from, to, 'move');
  const source = root.openParent(from, 'cannot rename /');
  withFd(source.dirFd, () => {
    const target = root.openParent(to, 'cannot rename onto /');
    withFd(target.dirFd, () => {
      const sourceStats = aboutPath(from, () => RootFs.lstatIn(source.dirFd, source.name));
      if (!sourceStats) throw fsError('FileNotFound', from, `${from}: no such file or directory`);
      if (from === to) return;
      refuseMountPoint(source.dirFd, source.name, from);
      refuseMountPoint(target.dirFd, target.name, to);
      const targetStats = aboutPath(to, () => RootFs.lstatIn(target.dirFd, target.name));
      if (targetStats && !overwrite) throw fsError('FileExists', to, `${to} already exists`);
      // rename(2) replaces a file with a file, or an empty directory with a directory; VS Code's overwrite
      // replaces whatever is there, so a directory (or a kind change) goes first.
      const same = targetStats && targetStats.dev === sourceStats.dev && targetStats.ino === sourceStats.ino;
      if (targetStats && !same && (targetStats.isDirectory() || sourceStats.isDirectory())) {
        aboutPath(to, () => removeTree(target.dirFd, target.name));
      }
      try {
        renameat2(source.dirFd, source.name, target.dirFd, target.name, overwrite ? 0 : RENAME_NOREPLACE);
      } catch (error) {
        throw toFsError(error, (error as { code?: string }).code === 'EEXIST' ? to : from);
      }
    });
  });
}

export async function copyPath(root: RootFs, rawFrom: string, rawTo: string, overwrite: boolean): Promise<void> {
  const from = normalisePath(rawFrom);
  const to = normalisePath(rawTo);
  refuseIntoItself(from, to, 'copy');
  const source = root.openParent(from, 'cannot copy /');
  try {
    const target = root.openParent(to, 'cannot copy onto /');
    try {
      const sourceStats = aboutPath(from, () => RootFs.lstatIn(source.dirFd, source.name));
      if (!sourceStats) throw fsError('FileNotFound', from, `${from}: no such file or directory`);
      const targetStats = aboutPath(to, () => RootFs.lstatIn(target.dirFd, target.name));
      if (targetStats && !overwrite) throw fsError('FileExists', to, `${to} already exists`);
      if (from === to) return;
      if (targetStats) refuseMountPoint(target.dirFd, target.name, to);
      // Into a hidden name first, renamed into place once complete: a failed copy leaves nothing half-made.
      const tmpName = temporaryName(target.name, 'copy');
      try {
        await copyEntry(source.dirFd, source.name, target.dirFd, tmpName);
        if (targetStats && (targetStats.isDirectory() || sourceStats.isDirectory())) removeTree(target.dirFd, target.name);
        renameat2(target.dirFd, tmpName, target.dirFd, target.name, overwrite ? 0 : RENAME_NOREPLACE);
      } catch (error) {
        try {
          removeTree(target.dirFd, tmpName);
        } catch {
          // Nothing was made.
        }
        throw toFsError(error, (error as { code?: string }).code === 'EEXIST' ? to : from);
      }
    } finally {
      closeQuietly(target.dirFd);
    }
  } finally {
    closeQuietly(source.dirFd);
  }
}

function closeQuietly(fd: number): void {
  withFd(fd, () => undefined);
}

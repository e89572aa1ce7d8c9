// renameat2(2), which Node lacks: a rename that refuses to replace what is at the target (RENAME_NOREPLACE),
// so that "create, never overwrite" holds even when something appears between a check and the rename.
import { check, libc } from './libc';

export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;

const renameat2Raw = libc.func('int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)') as (
  olddirfd: number,
  oldpath: string,
  newdirfd: number,
  newpath: string,
  flags: number,
) => number;

/** renameat2(2): `oldName` in `oldDirFd` becomes `newName` in `newDirFd`. */
export function renameat2(oldDirFd: number, oldName: string, newDirFd: number, newName: string, flags = 0): void {
  check(
    'renameat2',
    `${oldDirFd}, ${JSON.stringify(oldName)}, ${newDirFd}, ${JSON.stringify(newName)}, ${flags}`,
    renameat2Raw(oldDirFd, oldName, newDirFd, newName, flags),
  );
}

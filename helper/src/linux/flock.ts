// Advisory whole-file locks (flock(2)): released by the kernel when the holder dies.
import { check, libc } from './libc';

const flockRaw = libc.func('int flock(int fd, int operation)') as (fd: number, op: number) => number;

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

const lockOpNames = (op: number): string =>
  [
    op & LOCK_SH ? 'LOCK_SH' : '',
    op & LOCK_EX ? 'LOCK_EX' : '',
    op & LOCK_UN ? 'LOCK_UN' : '',
    op & LOCK_NB ? 'LOCK_NB' : '',
  ]
    .filter(Boolean)
    .join('|');

export function flock(fd: number, operation: number): void {
  check('flock', `${fd}, ${lockOpNames(operation)}`, flockRaw(fd, operation));
}

// The only place that touches koffi: libc is loaded once and every function Berth calls is declared here,
// with failures turned into SyscallError naming the call, its arguments and the errno.
// koffi's ESM entry needs import.meta, which a CommonJS bundle lacks: take its CommonJS entry, typed by
// the declarations that come with its ESM one.
type Koffi = typeof import('koffi', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const koffi: Koffi = require('koffi');
import { constants } from 'node:os';

const libc = koffi.load('libc.so.6');

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

const strerror = libc.func('const char *strerror(int errnum)') as (errnum: number) => string;

/** A failed libc call: `flock(7, LOCK_EX|LOCK_NB): EWOULDBLOCK (Resource temporarily unavailable)`. */
export class SyscallError extends Error {
  readonly code: string;
  constructor(
    readonly call: string,
    readonly args: string,
    readonly errno: number,
  ) {
    const code = errnoNames.get(errno) ?? `E${errno}`;
    super(`${call}(${args}): ${code} (${strerror(errno)})`);
    this.name = 'SyscallError';
    this.code = code;
  }
}

/** Calls a libc function that returns -1 on failure, throwing SyscallError with the errno read at once. */
function check(call: string, args: string, result: number): number {
  if (result === -1) throw new SyscallError(call, args, koffi.errno());
  return result;
}

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

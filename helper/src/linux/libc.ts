// The linux layer's foundation: libc loaded once through koffi, and the error type every wrapper throws.
// Each file beside this one declares the functions of one concern (locks, mounts, namespaces, ...) with
// `libc.func` and wraps them with `check`, so a failure names the call, its arguments and the errno.
// Only helper/src/linux may import koffi (ESLint enforces it).
// koffi's ESM entry needs import.meta, which a CommonJS bundle lacks: take its CommonJS entry, typed by
// the declarations that come with its ESM one.
type Koffi = typeof import('koffi', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const koffi: Koffi = require('koffi');
import { constants } from 'node:os';

export { koffi };
export const libc = koffi.load('libc.so.6');

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

/** Checks the result of a libc call that returns -1 on failure, throwing SyscallError with the errno read at once. */
export function check(call: string, args: string, result: number): number {
  if (result === -1) throw new SyscallError(call, args, koffi.errno());
  return result;
}


// Loading a seccomp filter (seccomp(2), SECCOMP_SET_MODE_FILTER) compiled by runtime/seccomp.
//
// A filter binds the calling thread only (unless SECCOMP_FILTER_FLAG_TSYNC is given), is inherited across
// fork and execve, and can never be removed. A Node process has several threads and async fs calls run on
// the libuv pool, so the runtime's init stage loads the filter on its main thread as the very last step
// before execve, from synchronous code; execve then keeps only that thread, filter included. Loading needs
// no_new_privs on the thread (setNoNewPrivs) or CAP_SYS_ADMIN, else EACCES.
import { check, koffi, libc } from './libc';

const SYS_SECCOMP: Partial<Record<NodeJS.Architecture, number>> = { x64: 317, arm64: 277 };
const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_TSYNC = 1;
const SOCK_FILTER_SIZE = 8;
const BPF_MAXINSNS = 4096;
// struct sock_fprog { unsigned short len; struct sock_filter *filter; }: the pointer is 8-aligned.
const SOCK_FPROG_SIZE = 16;

// syscall(2) is variadic; every argument is passed as a full register-width value, which is what the
// kernel reads. The struct goes by pointer (by value fails, as it does for openat2).
const syscallRaw = libc.func('long syscall(long number, ...)') as (number: number, ...typedArgs: unknown[]) => number;

/**
 * Installs `program` (struct sock_filter[], as compileSeccomp returns it) on the calling thread, or on every
 * thread of the process with SECCOMP_FILTER_FLAG_TSYNC in `flags`.
 */
export function loadSeccompFilter(program: Buffer, flags: number): void {
  const nr = SYS_SECCOMP[process.arch];
  if (nr === undefined) throw new Error(`seccomp filters are loaded on x64 and arm64 only, not ${process.arch}`);
  const count = program.length / SOCK_FILTER_SIZE;
  if (!Number.isInteger(count) || count < 1 || count > BPF_MAXINSNS) {
    throw new Error(`a seccomp filter is 1 to ${BPF_MAXINSNS} instructions of ${SOCK_FILTER_SIZE} bytes, got ${program.length} bytes`);
  }
  const fprog = Buffer.alloc(SOCK_FPROG_SIZE);
  fprog.writeUInt16LE(count, 0);
  // `program` is referenced by the caller for the whole call, so its memory stays where this points.
  fprog.writeBigUInt64LE(koffi.address(program), 8);
  const args = `SECCOMP_SET_MODE_FILTER, 0x${flags.toString(16)}, {len ${count}}`;
  const result = check(
    'seccomp',
    args,
    syscallRaw(nr, 'unsigned long', SECCOMP_SET_MODE_FILTER, 'unsigned long', flags, 'void *', fprog),
  );
  // With TSYNC, a positive result is the id of a thread that could not take the filter; nothing was loaded.
  if (result > 0 && flags & SECCOMP_FILTER_FLAG_TSYNC) {
    throw new Error(`seccomp(${args}): thread ${result} could not be synchronised to the filter, so none was loaded`);
  }
}


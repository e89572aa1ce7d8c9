// Sealed in-memory files: memfd_create(2) with MFD_ALLOW_SEALING, filled with sendfile(2), then sealed with
// fcntl(F_ADD_SEALS) so that nobody, the runtime included, can change a byte of it again.
import { check, koffi, libc } from './libc';

const MFD_CLOEXEC = 0x1;
const MFD_ALLOW_SEALING = 0x2;
/** Linux 6.3: say that the memfd will be executed (where vm.memfd_noexec asks for it); EINVAL before. */
const MFD_EXEC = 0x10;
const EINVAL = 22;

const F_ADD_SEALS = 1033;
const F_GET_SEALS = 1034;
export const F_SEAL_SEAL = 0x1;
export const F_SEAL_SHRINK = 0x2;
export const F_SEAL_GROW = 0x4;
export const F_SEAL_WRITE = 0x8;
export const ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

const memfdCreateRaw = libc.func('int memfd_create(const char *name, unsigned int flags)') as (name: string, flags: number) => number;
const sendfileRaw = libc.func('long sendfile(int out_fd, int in_fd, void *offset, size_t count)') as (out: number, input: number, offset: null, count: number) => number;
const fcntlRaw = libc.func('int fcntl(int fd, int cmd, ...)') as (fd: number, cmd: number, ...typedArgs: unknown[]) => number;

/** A new close-on-exec memfd that may be sealed and executed. */
export function memfdCreate(name: string): number {
  const fd = memfdCreateRaw(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd === -1 && koffi.errno() === EINVAL) return check('memfd_create', `${JSON.stringify(name)}, CLOEXEC|ALLOW_SEALING`, memfdCreateRaw(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  return check('memfd_create', `${JSON.stringify(name)}, CLOEXEC|ALLOW_SEALING|EXEC`, fd);
}

/** Copies `count` bytes from the current offset of `inFd` to `outFd` in the kernel. */
export function sendfileAll(outFd: number, inFd: number, count: number): void {
  for (let left = count; left > 0; ) {
    const sent = check('sendfile', `${outFd}, ${inFd}, NULL, ${left}`, sendfileRaw(outFd, inFd, null, left));
    if (sent === 0) throw new Error(`sendfile: the source ended ${left} bytes early`);
    left -= sent;
  }
}

export function addSeals(fd: number, seals: number): void {
  check('fcntl', `${fd}, F_ADD_SEALS, 0x${seals.toString(16)}`, fcntlRaw(fd, F_ADD_SEALS, 'int', seals));
}

export function getSeals(fd: number): number {
  return check('fcntl', `${fd}, F_GET_SEALS`, fcntlRaw(fd, F_GET_SEALS));
}

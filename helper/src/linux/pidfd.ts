// pidfd_open(2) and pidfd_send_signal(2): a handle on one process that a recycled pid can never be
// mistaken for. The files service opens a running container's /proc/PID/root and then checks, through
// the pidfd taken before, that the process it meant was still there, so the root it holds is that
// container's and not whatever process got the pid since.
import { check, libc } from './libc';

const SYS_PIDFD_SEND_SIGNAL = 424; // the same number on x86_64 and arm64 (newer than the split tables)
const SYS_PIDFD_OPEN = 434;

const syscall3 = libc.func('long syscall(long number, ...)') as (number: number, ...typedArgs: unknown[]) => number;

export function pidfdOpen(pid: number): number {
  return check('pidfd_open', String(pid), syscall3(SYS_PIDFD_OPEN, 'int', pid, 'unsigned int', 0));
}

/** Whether the process behind the pidfd is still alive (signal 0: checks without signalling). */
export function pidfdAlive(pidfd: number): boolean {
  return syscall3(SYS_PIDFD_SEND_SIGNAL, 'int', pidfd, 'int', 0, 'void *', null, 'unsigned int', 0) === 0;
}

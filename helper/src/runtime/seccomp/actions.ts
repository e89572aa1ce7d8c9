// What a filter returns for a syscall: the OCI action names mapped to SECCOMP_RET_* values
// (linux/seccomp.h), with the errno or tracer message in the low 16 bits, as runc maps them through libseccomp.
import type { Seccomp } from '../spec/config';
import { SeccompProfileError } from './profileError';

export const SECCOMP_RET_KILL_PROCESS = 0x8000_0000;
export const SECCOMP_RET_KILL_THREAD = 0x0000_0000;
export const SECCOMP_RET_TRAP = 0x0003_0000;
export const SECCOMP_RET_ERRNO = 0x0005_0000;
export const SECCOMP_RET_TRACE = 0x7ff0_0000;
export const SECCOMP_RET_LOG = 0x7ffc_0000;
export const SECCOMP_RET_ALLOW = 0x7fff_0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff_0000;
export const SECCOMP_RET_DATA = 0x0000_ffff;

const EPERM = 1;
/** The kernel clamps a larger SECCOMP_RET_ERRNO value to this (MAX_ERRNO), so Berth refuses it instead. */
const MAX_ERRNO = 4095;

type ActionName = Seccomp['defaultAction'];

/**
 * The SECCOMP_RET_* value for an action. `errnoRet` is the errno for SCMP_ACT_ERRNO and the message a
 * tracer sees for SCMP_ACT_TRACE, EPERM when absent (runc's default for both); the runtime spec says a
 * runtime must fail when errnoRet is given with any other action. `field` names the action's place in the
 * profile for errors, e.g. `linux.seccomp.syscalls[3]`.
 */
export function actionValue(action: ActionName, errnoRet: number | undefined, field: string, errnoField: string): number {
  const noData = (value: number): number => {
    if (errnoRet !== undefined) {
      throw new SeccompProfileError(errnoField, `${errnoRet} is set, but ${action} takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)`);
    }
    return value;
  };
  switch (action) {
    case 'SCMP_ACT_ALLOW':
      return noData(SECCOMP_RET_ALLOW);
    case 'SCMP_ACT_LOG':
      return noData(SECCOMP_RET_LOG);
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      // libseccomp's SCMP_ACT_KILL is the thread variant; runc keeps that meaning.
      return noData(SECCOMP_RET_KILL_THREAD);
    case 'SCMP_ACT_KILL_PROCESS':
      return noData(SECCOMP_RET_KILL_PROCESS);
    case 'SCMP_ACT_TRAP':
      return noData(SECCOMP_RET_TRAP);
    case 'SCMP_ACT_ERRNO': {
      const errno = errnoRet ?? EPERM;
      if (errno > MAX_ERRNO) throw new SeccompProfileError(errnoField, `${errno} is not an errno (they go up to ${MAX_ERRNO})`);
      return SECCOMP_RET_ERRNO | errno;
    }
    case 'SCMP_ACT_TRACE': {
      const message = errnoRet ?? EPERM;
      if (message > SECCOMP_RET_DATA) throw new SeccompProfileError(errnoField, `${message} does not fit the 16 bits a tracer message has`);
      return SECCOMP_RET_TRACE | message;
    }
    case 'SCMP_ACT_NOTIFY':
      throw new SeccompProfileError(
        field,
        'SCMP_ACT_NOTIFY is not supported: Berth has no seccomp notify agent (listenerPath) to hand the syscalls to',
      );
  }
}

/** Whether an action stops the syscall from running as asked (errno, kill, trap), as opposed to letting it through. */
export function refuses(value: number): boolean {
  const action = (value & SECCOMP_RET_ACTION_FULL) >>> 0;
  return (
    action === SECCOMP_RET_ERRNO ||
    action === SECCOMP_RET_TRAP ||
    action === SECCOMP_RET_KILL_THREAD ||
    action === SECCOMP_RET_KILL_PROCESS
  );
}

/** A readable name for a filter's return value, for tests and logs: `SCMP_ACT_ERRNO(38)`. */
export function describeAction(value: number): string {
  const data = value & SECCOMP_RET_DATA;
  switch ((value & SECCOMP_RET_ACTION_FULL) >>> 0) {
    case SECCOMP_RET_KILL_PROCESS:
      return 'SCMP_ACT_KILL_PROCESS';
    case SECCOMP_RET_KILL_THREAD:
      return 'SCMP_ACT_KILL_THREAD';
    case SECCOMP_RET_TRAP:
      return 'SCMP_ACT_TRAP';
    case SECCOMP_RET_ERRNO:
      return `SCMP_ACT_ERRNO(${data})`;
    case SECCOMP_RET_TRACE:
      return `SCMP_ACT_TRACE(${data})`;
    case SECCOMP_RET_LOG:
      return 'SCMP_ACT_LOG';
    case SECCOMP_RET_ALLOW:
      return 'SCMP_ACT_ALLOW';
    default:
      return `0x${(value >>> 0).toString(16)}`;
  }
}

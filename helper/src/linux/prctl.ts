// Process attributes set through prctl: no_new_privs, the parent-death signal, the child subreaper flag
// and dumpability (oom_score_adj is a procfs write: runtime/init/verifiedPaths.ts). prctl settings are per thread except the subreaper flag
// (per process); the init stage sets them on its main thread, the one execve keeps.
import { check, libc } from './libc';
import { signalNumber } from './signals';

const PR_SET_PDEATHSIG = 1;
const PR_SET_CHILD_SUBREAPER = 36;
const PR_SET_NO_NEW_PRIVS = 38;

const prctlRaw = libc.func('int prctl(int option, ...)') as (option: number, ...typedArgs: unknown[]) => number;

/** prctl(2) with each argument passed as unsigned long; returns its result (-1 with errno set on failure). */
export function prctl(option: number, ...args: number[]): number {
  return prctlRaw(option, ...args.flatMap((arg) => ['unsigned long', arg]));
}

/** Sets no_new_privs: execve can no longer grant privileges (setuid bits, file capabilities). Irreversible. */
export function setNoNewPrivs(): void {
  check('prctl', 'PR_SET_NO_NEW_PRIVS, 1', prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
}

/** The signal this thread gets when its parent thread dies (0 or '0' for none); a name like SIGKILL or a number. */
export function setParentDeathSignal(signal: number | string): void {
  const number = typeof signal === 'number' || signal === '0' ? Number(signal) : signalNumber(signal);
  if (!Number.isInteger(number) || number < 0 || number > 64) throw new Error(`unknown signal ${signal}`);
  check('prctl', `PR_SET_PDEATHSIG, ${number}`, prctl(PR_SET_PDEATHSIG, number));
}

/** Makes this process adopt its orphaned descendants (instead of PID 1 of its namespace). */
export function setChildSubreaper(on: boolean): void {
  check('prctl', `PR_SET_CHILD_SUBREAPER, ${on ? 1 : 0}`, prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0));
}

const PR_SET_DUMPABLE = 4;

/** A non-dumpable process's /proc/PID entries (exe, mem, fd) are closed to processes without CAP_SYS_PTRACE. */
export function setDumpable(on: boolean): void {
  check('prctl', `PR_SET_DUMPABLE, ${on ? 1 : 0}`, prctl(PR_SET_DUMPABLE, on ? 1 : 0, 0, 0, 0));
}

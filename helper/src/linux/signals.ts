// Signal names and numbers, and the signal state a program should start with. Node ignores SIGPIPE and
// SIGXFSZ, and an ignored disposition survives execve (child_process.spawn resets them; a direct execve
// does not): without a reset, `yes | head -1` in the container prints "Broken pipe" instead of ending.
import { check, libc } from './libc';

const SIGKILL = 9;
const SIGSTOP = 19;
/** glibc reserves 32 and 33 for its own threads (SIGCANCEL, SIGSETXID) and refuses to touch them. */
const GLIBC_INTERNAL = new Set([32, 33]);
const NSIG = 64;
/** glibc's SIGRTMIN: the kernel's 32 plus the two glibc keeps. runc and Docker count RTMIN+N from here. */
const SIGRTMIN = 34;
const SIGRTMAX = 64;
const SIG_SETMASK = 2;

// Handlers as intptr_t: SIG_DFL is 0 and SIG_ERR is -1, which koffi gives back as plain numbers.
const signalRaw = libc.func('intptr_t signal(int sig, intptr_t handler)') as (sig: number, handler: number) => number | bigint;
const sigprocmaskRaw = libc.func('int sigprocmask(int how, const void *set, void *oldset)') as (
  how: number,
  set: Buffer,
  oldset: Buffer | null,
) => number;

const SIGNALS: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  POLL: 29,
  PWR: 30,
  SYS: 31,
};

/**
 * The number of a signal given as runc's kill takes it: "TERM", "SIGTERM", "sigterm", "15", "RTMIN",
 * "RTMIN+3", "SIGRTMAX-2".
 */
export function signalNumber(nameOrNumber: string): number {
  const unknown = () => new Error(`unknown signal ${nameOrNumber}`);
  const text = nameOrNumber.trim();
  if (/^\d+$/.test(text)) {
    const number = Number.parseInt(text, 10);
    if (number < 1 || number > NSIG) throw unknown();
    return number;
  }
  const name = text.toUpperCase().replace(/^SIG/, '');
  if (Object.hasOwn(SIGNALS, name)) return SIGNALS[name];
  const realtime = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (realtime) {
    const [, base, sign, offsetText] = realtime;
    const offset = offsetText === undefined ? 0 : Number.parseInt(offsetText, 10) * (sign === '-' ? -1 : 1);
    const number = (base === 'MIN' ? SIGRTMIN : SIGRTMAX) + offset;
    if ((base === 'MIN' && offset < 0) || (base === 'MAX' && offset > 0) || number < SIGRTMIN || number > SIGRTMAX) throw unknown();
    return number;
  }
  throw unknown();
}

/**
 * Puts every signal disposition back to SIG_DFL (all but SIGKILL, SIGSTOP and glibc's own 32 and 33, which
 * cannot change) and unblocks every signal on the calling thread: the state a program expects after execve.
 * Node's handlers stop working from here on, so call it just before execve.
 */
export function resetSignalsForExec(): void {
  for (let sig = 1; sig <= NSIG; sig++) {
    if (sig === SIGKILL || sig === SIGSTOP || GLIBC_INTERNAL.has(sig)) continue;
    check('signal', `${sig}, SIG_DFL`, Number(signalRaw(sig, 0)));
  }
  const empty = Buffer.alloc(128); // sigset_t: 1024 bits
  check('sigprocmask', 'SIG_SETMASK, {}, NULL', sigprocmaskRaw(SIG_SETMASK, empty, null));
}

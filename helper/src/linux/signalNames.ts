// Signal names and numbers as runc's kill takes them. Apart from signals.ts (which loads libc through koffi),
// so that the runtime's kill and the engine can name signals without loading koffi.

/** The highest signal number (the kernel's _NSIG). */
export const NSIG = 64;
/** glibc's SIGRTMIN: the kernel's 32 plus the two glibc keeps. runc and Docker count RTMIN+N from here. */
const SIGRTMIN = 34;
const SIGRTMAX = 64;

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

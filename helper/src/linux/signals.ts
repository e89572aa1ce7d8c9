// Signal names and numbers, and the signal state a program should start with. Node ignores SIGPIPE and
// SIGXFSZ, and an ignored disposition survives execve (child_process.spawn resets them; a direct execve
// does not): without a reset, `yes | head -1` in the container prints "Broken pipe" instead of ending.
import { check, libc } from './libc';

import { NSIG } from './signalNames';

export { signalNumber } from './signalNames';

const SIGKILL = 9;
const SIGSTOP = 19;
/** glibc reserves 32 and 33 for its own threads (SIGCANCEL, SIGSETXID) and refuses to touch them. */
const GLIBC_INTERNAL = new Set([32, 33]);
const SIG_SETMASK = 2;

// Handlers as intptr_t: SIG_DFL is 0 and SIG_ERR is -1, which koffi gives back as plain numbers.
const signalRaw = libc.func('intptr_t signal(int sig, intptr_t handler)') as (sig: number, handler: number) => number | bigint;
const sigprocmaskRaw = libc.func('int sigprocmask(int how, const void *set, void *oldset)') as (
  how: number,
  set: Buffer,
  oldset: Buffer | null,
) => number;

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

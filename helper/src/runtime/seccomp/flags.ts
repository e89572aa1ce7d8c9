// The profile's `flags` as the bits seccomp(SECCOMP_SET_MODE_FILTER, flags, ...) takes (linux/seccomp.h).
// Only flags that change how a plain filter is loaded are accepted; the notify flags need a listener, which
// Berth does not have, and an unknown flag is refused rather than dropped, since it may weaken or strengthen
// the filter in a way the profile's author counted on.
import { SeccompProfileError } from './profileError';

export const SECCOMP_FILTER_FLAG_TSYNC = 1 << 0;
export const SECCOMP_FILTER_FLAG_LOG = 1 << 1;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1 << 2;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1 << 4;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5;

const SUPPORTED: Record<string, number> = {
  // Applies the filter to every thread of the process, not only the caller: in a Node process that also
  // covers the libuv pool threads until execve replaces them all.
  SECCOMP_FILTER_FLAG_TSYNC,
  // Logs every action but ALLOW to the audit log (kernel.seccomp.actions_logged decides which).
  SECCOMP_FILTER_FLAG_LOG,
  // Leaves Speculative Store Bypass mitigation off for the container.
  SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  // With TSYNC: fail with ESRCH instead of returning a thread id when a thread cannot be synchronised.
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
};

/** The flag names a profile may use (the features document's supportedFlags). */
export const SUPPORTED_FLAG_NAMES: readonly string[] = Object.keys(SUPPORTED);

const NEED_LISTENER = new Set(['SECCOMP_FILTER_FLAG_NEW_LISTENER', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']);

/** Every flag name the kernel defines (the features document's knownFlags). */
export const KNOWN_FLAG_NAMES: readonly string[] = [...SUPPORTED_FLAG_NAMES, ...NEED_LISTENER];

/** The OR of the named flags; `field` is where they sit in the profile, e.g. `linux.seccomp.flags`. */
export function filterFlags(names: readonly string[] | undefined, field: string): number {
  let flags = 0;
  (names ?? []).forEach((name, i) => {
    if (Object.hasOwn(SUPPORTED, name)) {
      flags |= SUPPORTED[name];
    } else if (NEED_LISTENER.has(name)) {
      throw new SeccompProfileError(`${field}[${i}]`, `${name} is not supported: it needs a seccomp notify listener, which Berth does not have`);
    } else {
      throw new SeccompProfileError(`${field}[${i}]`, `unknown flag ${JSON.stringify(name)} (known: ${Object.keys(SUPPORTED).join(', ')})`);
    }
  });
  return flags;
}

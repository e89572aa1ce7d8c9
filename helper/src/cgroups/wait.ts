// Polling for kernel state that has no cheap notification we can use synchronously (FROZEN, an empty
// cgroup). Starts at 1 ms so fast transitions return fast, backs off to 100 ms so slow ones cost little.
import { setTimeout as sleep } from 'node:timers/promises';
import { CgroupError } from './errors';

/** How long freezing, thawing and emptying a cgroup may take before the drivers give up and say so. */
export const STATE_TIMEOUT_MS = 10_000;

export async function waitFor(what: string, done: () => boolean, timeoutMs = STATE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  while (!done()) {
    if (Date.now() > deadline) throw new CgroupError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}

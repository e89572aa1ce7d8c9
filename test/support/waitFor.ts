// The one way tests wait for a condition they can observe: poll it until it holds, with a generous bound.
// The bound only stops a broken build from hanging the suite; a loaded machine is slow, so it is never a
// measure of speed (tests do not time things, benchmarks do). Plain module with no imports, so that the
// harnesses bundled into the extension host can use it too.

export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  readonly timeoutMs?: number;
  /** Time between two probes (default 25 ms). */
  readonly intervalMs?: number;
}

/** A probe's answer: anything but `undefined` or `false` means "ready" and is returned. */
type Probe<T> = () => T | undefined | false | Promise<T | undefined | false>;

/**
 * Resolves with the first answer of `probe` that is neither `undefined` nor `false`; rejects, naming
 * `what`, once `timeoutMs` has passed without one. A probe that throws fails the wait at once.
 */
export async function waitFor<T>(what: string, probe: Probe<T>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

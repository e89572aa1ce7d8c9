// Waiting longer after each failure: one backoff for every loop that tries again (a registry request, a
// container's restart policy, the extension's reconnection to a target), and bounded retries built on it.
// Plain code with no imports, so both sides can use it (the protocol module is the one they share).

export interface Backoff {
  /** The wait after the first failure. */
  firstMs: number;
  /** No wait is longer than this. */
  maxMs: number;
}

/** The wait before attempt `failures + 1` after `failures` failures (1, 2, …): doubling from firstMs, at most maxMs. */
export function backoffDelay({ firstMs, maxMs }: Backoff, failures: number): number {
  return Math.min(firstMs * 2 ** Math.min(Math.max(failures - 1, 0), 30), maxMs);
}

export interface RetryOptions extends Backoff {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Whether another attempt may help (a dropped connection, a 503); anything else fails at once. */
  retryable(error: unknown): boolean;
  /** Told before each wait: what failed, which attempt comes next, and after how long. */
  onRetry?(error: unknown, nextAttempt: number, delayMs: number): void;
  signal?: AbortSignal;
}

/** Runs `work` until it succeeds, a failure is not retryable, or the attempts are used up (the last error). */
export async function withRetries<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= options.attempts || options.signal?.aborted || !options.retryable(error)) throw error;
      const delay = backoffDelay(options, attempt);
      options.onRetry?.(error, attempt + 1, delay);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done() {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', done);
          resolve();
        }
        options.signal?.addEventListener('abort', done, { once: true });
      });
      if (options.signal?.aborted) throw error;
    }
  }
}

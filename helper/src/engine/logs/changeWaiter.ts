import { watch, type FSWatcher } from 'node:fs';
import { hasLiveWriter, onAppend } from './logEvents';

/** How often a follower looks again for a log directory that does not exist yet (and no writer here). */
const MISSING_DIR_RETRY_MS = 1000;

/**
 * What a follower of a log directory waits on: the in-process LogWriter's events when one owns the
 * directory (no inotify, no polling), fs.watch on the directory otherwise (a writer in another process),
 * its abort signal, and its `until` deadline. Changes are latched: one that arrives while the follower
 * reads is not lost, so the follower arms, reads to the end, then waits.
 */
export class ChangeWaiter {
  /** Set once the in-process writer of the directory has closed. */
  writerClosed = false;
  private changed = false;
  private wake: (() => void) | null = null;
  private watcher: FSWatcher | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly dir: string,
    private readonly signal: AbortSignal | undefined,
    deadline: Date | undefined,
  ) {
    this.unsubscribe = onAppend(dir, (event) => {
      if (event === 'close') this.writerClosed = true;
      this.notify();
    });
    signal?.addEventListener('abort', this.notify, { once: true });
    if (deadline) {
      const ms = deadline.getTime() - Date.now();
      if (ms > 0) this.deadlineTimer = setTimeout(this.notify, Math.min(ms, 2 ** 31 - 1));
    }
    this.watchUnlessWriterHere();
  }

  /** Forgets the changes seen so far: call before reading the files. */
  arm(): void {
    this.changed = false;
  }

  /** Resolves at the next change since arm(), at once if there was one. */
  async wait(): Promise<void> {
    if (this.changed || this.signal?.aborted) return;
    // A watcher that starts now may have missed a change made while the files were read: read again.
    if (this.watchUnlessWriterHere()) return;
    await new Promise<void>((resolve) => (this.wake = resolve));
  }

  close(): void {
    this.unsubscribe();
    this.signal?.removeEventListener('abort', this.notify);
    this.stopWatching();
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.deadlineTimer = this.retryTimer = null;
    this.notify();
  }

  private readonly notify = (): void => {
    this.changed = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  };

  /** Watches the directory when no writer of this process owns it; true if a watch started just now. */
  private watchUnlessWriterHere(): boolean {
    if (hasLiveWriter(this.dir)) {
      this.stopWatching();
      return false;
    }
    if (this.watcher || this.retryTimer) return false;
    try {
      this.watcher = watch(this.dir, { persistent: true }, this.notify);
      this.watcher.on('error', () => {
        this.stopWatching();
        this.notify();
      });
      return true;
    } catch {
      // No directory yet: an in-process writer will announce itself; a writer elsewhere is looked for again.
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.notify();
      }, MISSING_DIR_RETRY_MS);
      return false;
    }
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}

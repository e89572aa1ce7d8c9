// Who waits for what to happen to a container: its next exit (wait, stop, attach's end), its removal
// (wait --condition removed), and the readers of its logs that an auto-remove lets finish first.
import type { WaitResult } from './context';

/** How long an auto-removed container waits for the readers of its logs to finish. */
const AUTO_REMOVE_GRACE_MS = 5000;

export class ExitWaiters {
  private readonly exits = new Map<string, Array<(result: WaitResult) => void>>();
  private readonly removals = new Map<string, Array<() => void>>();
  /** Streams still reading a container's logs: auto-remove waits for them (a run's attach reads the end). */
  private readonly logReaders = new Map<string, Set<symbol>>();
  private readonly readerWaiters: Array<() => void> = [];

  /** Resolves with the container's next exit (after its record is updated). */
  nextExit(id: string): Promise<WaitResult> {
    return new Promise((resolve) => this.exits.set(id, [...(this.exits.get(id) ?? []), resolve]));
  }

  exited(id: string, result: WaitResult): void {
    const waiters = this.exits.get(id) ?? [];
    this.exits.delete(id);
    for (const waiter of waiters) waiter(result);
  }

  /** Resolves once the container has been removed. */
  removal(id: string): Promise<void> {
    return new Promise((resolve) => this.removals.set(id, [...(this.removals.get(id) ?? []), resolve]));
  }

  removed(id: string): void {
    const waiters = this.removals.get(id) ?? [];
    this.removals.delete(id);
    for (const waiter of waiters) waiter();
  }

  /** Marks a stream reading the container's logs until the returned function is called. */
  holdLogs(id: string): () => void {
    const token = Symbol('log reader');
    const readers = this.logReaders.get(id) ?? new Set();
    readers.add(token);
    this.logReaders.set(id, readers);
    return () => {
      readers.delete(token);
      if (readers.size === 0) this.logReaders.delete(id);
      for (const wake of this.readerWaiters.splice(0)) wake();
    };
  }

  /** Resolves when no stream reads the container's logs any more, or AUTO_REMOVE_GRACE_MS from now. */
  async readersDone(id: string): Promise<void> {
    const deadline = Date.now() + AUTO_REMOVE_GRACE_MS;
    while (this.logReaders.has(id) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.readerWaiters.push(resolve);
        setTimeout(resolve, deadline - Date.now()).unref();
      });
    }
  }
}

import { resolve } from 'node:path';

// In-process notifications from each LogWriter to the readers following the same directory, so that the
// daemon's own `logs --follow` wakes on a write without polling or an inotify round trip. Readers in
// other processes (or following while no writer of this process owns the directory) use fs.watch.

/** `append`: records were written; `rotate`: the files were rotated; `close`: the writer was closed. */
export type LogEvent = 'append' | 'rotate' | 'close';
export type LogListener = (event: LogEvent) => void;

const listeners = new Map<string, Set<LogListener>>();
const liveWriters = new Set<string>();

/** Calls `listener` on every event of the LogWriter of `dir`; returns the function that unsubscribes. */
export function onAppend(dir: string, listener: LogListener): () => void {
  const key = resolve(dir);
  let set = listeners.get(key);
  if (!set) listeners.set(key, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
  };
}

export function emitLogEvent(dir: string, event: LogEvent): void {
  const set = listeners.get(resolve(dir));
  if (!set) return;
  for (const listener of [...set]) {
    try {
      listener(event);
    } catch {
      // A reader's listener only wakes that reader; one that throws must not stop the writer or the others.
    }
  }
}

/** Whether a LogWriter of this process is open on `dir` (its events then arrive through onAppend). */
export function hasLiveWriter(dir: string): boolean {
  return liveWriters.has(resolve(dir));
}

export function claimWriter(dir: string): void {
  const key = resolve(dir);
  if (liveWriters.has(key)) {
    throw new Error(`a LogWriter is already open on ${key}: close it (and await close()) before opening another`);
  }
  liveWriters.add(key);
}

export function releaseWriter(dir: string): void {
  liveWriters.delete(resolve(dir));
}

// What a container's monitor left in the container's directory, read by a daemon that may have been
// restarted since it started the monitor: the pids (monitor.json, with their start times, so that a pid
// reused by another process is not mistaken for the monitor), and once the command has ended, exit.json.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive } from '../../runtime/state/liveStatus';

export interface MonitorExit {
  /** The command's exit code, or null when a signal ended it. */
  exitCode: number | null;
  /** The signal's name (e.g. "SIGKILL") when one ended the command, else null. */
  signal: string | null;
  /** When the monitor reaped the command (ISO 8601, UTC, milliseconds). */
  finishedAt: string;
}

export interface MonitorState {
  monitorPid: number;
  containerPid: number;
  /** The monitor is alive (the same process that wrote the files: its start time matches). */
  running: boolean;
  /** The command is alive (same check). */
  containerRunning: boolean;
  /** Present once the command has ended and its logs are complete. */
  exit?: MonitorExit;
}

interface MonitorFile {
  monitorPid: number;
  monitorStartTime: string;
  containerPid: number;
  containerStartTime: string;
}

/** The monitor's state in `dir`, or null when no monitor has started there (or its files are unreadable). */
export function readMonitorState(dir: string): MonitorState | null {
  const info = readJson(join(dir, 'monitor.json')) as MonitorFile | null;
  if (!info || typeof info.monitorPid !== 'number' || typeof info.containerPid !== 'number') return null;
  const state: MonitorState = {
    monitorPid: info.monitorPid,
    containerPid: info.containerPid,
    running: isAlive(info.monitorPid, String(info.monitorStartTime)),
    containerRunning: isAlive(info.containerPid, String(info.containerStartTime)),
  };
  const exit = readExit(dir);
  if (exit) state.exit = exit;
  return state;
}

/** dir/exit.json, or null while the command runs (or when it is unreadable). */
export function readExit(dir: string): MonitorExit | null {
  const value = readJson(join(dir, 'exit.json')) as MonitorExit | null;
  if (!value || typeof value.finishedAt !== 'string') return null;
  return { exitCode: value.exitCode ?? null, signal: value.signal ?? null, finishedAt: value.finishedAt };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

interface DirWatch {
  watcher: FSWatcher;
  waiters: Set<(exit: MonitorExit) => void>;
}
/** One fs.watch per directory, shared by every waiter on it, closed when the last waiter is gone. */
const watches = new Map<string, DirWatch>();

/**
 * Resolves with dir/exit.json once the monitor has written it (at once if it is there). Woken by
 * fs.watch on `dir`, not by polling. Rejects with an AbortError when `signal` aborts. A monitor that is
 * itself killed never writes exit.json: check readMonitorState's `running` to tell that case.
 */
export function waitForExit(dir: string, signal?: AbortSignal): Promise<MonitorExit> {
  const path = resolve(dir);
  return new Promise<MonitorExit>((resolvePromise, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    let entry = watches.get(path);
    if (!entry) {
      const created: DirWatch = { watcher: watch(path, { persistent: true }), waiters: new Set() };
      created.watcher.on('change', (_event, filename) => {
        if (filename !== null && filename !== 'exit.json') return;
        notify(path, created);
      });
      created.watcher.on('error', () => undefined);
      watches.set(path, created);
      entry = created;
    }
    const current = entry;
    const onAbort = () => {
      remove(path, current, waiter);
      reject(abortError());
    };
    const waiter = (exit: MonitorExit) => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise(exit);
    };
    current.waiters.add(waiter);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Written before the watch began?
    notify(path, current);
  });
}

function notify(path: string, entry: DirWatch): void {
  const exit = readExit(path);
  if (!exit) return;
  for (const waiter of [...entry.waiters]) {
    remove(path, entry, waiter);
    waiter(exit);
  }
}

function remove(path: string, entry: DirWatch, waiter: (exit: MonitorExit) => void): void {
  entry.waiters.delete(waiter);
  if (entry.waiters.size === 0 && watches.get(path) === entry) {
    entry.watcher.close();
    watches.delete(path);
  }
}

function abortError(): Error {
  const error = new Error('waitForExit was aborted');
  error.name = 'AbortError';
  return error;
}

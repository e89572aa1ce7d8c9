// A container's logs as `docker logs` gives them: what the monitor wrote (across rotations), and with
// follow the records written later, until the container stops. The monitor writes exit.json only after
// the log is complete, so at the exit the follow is ended and the records after the last one delivered
// are read once more, without follow: nothing written before the exit is lost, nothing is given twice.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readLogs, type LogEntry, type ReadLogsOptions } from '../logs';

export interface ContainerLogOptions {
  follow?: boolean;
  tail?: number;
  since?: Date;
  until?: Date;
  stdout?: boolean;
  stderr?: boolean;
}

/**
 * `runDir` is the monitor's directory; `exited` settles when the container stops (or is already settled
 * when it is not running).
 */
export async function* containerLogs(runDir: string, options: ContainerLogOptions, exited: Promise<unknown>, signal: AbortSignal): AsyncGenerator<LogEntry> {
  const dir = join(runDir, 'logs');
  if (!existsSync(dir)) {
    // Nothing written yet: a follow waits for the monitor's first records (run attaches before start).
    if (!options.follow) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  const base: ReadLogsOptions = {
    ...(options.tail !== undefined ? { tail: options.tail } : {}),
    ...(options.since ? { since: options.since } : {}),
    ...(options.until ? { until: options.until } : {}),
    stdout: options.stdout ?? true,
    stderr: options.stderr ?? true,
  };
  if (!options.follow) {
    yield* readLogs(dir, { ...base, signal });
    return;
  }
  const follow = new AbortController();
  const stopFollow = () => follow.abort();
  signal.addEventListener('abort', stopFollow, { once: true });
  let ended = false;
  void exited.then(() => {
    ended = true;
    follow.abort();
  });
  let lastTime: Date | undefined;
  let sameTime = 0;
  try {
    for await (const entry of readLogs(dir, { ...base, follow: true, signal: follow.signal })) {
      if (lastTime && entry.time.getTime() === lastTime.getTime()) sameTime++;
      else {
        lastTime = entry.time;
        sameTime = 1;
      }
      yield entry;
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    signal.removeEventListener('abort', stopFollow);
  }
  if (!ended || signal.aborted) return;
  // The rest, from the last delivered record's time on, skipping the records of that time already given.
  const rest = lastTime ? { ...base, since: lastTime, tail: undefined } : base;
  let skip = lastTime ? sameTime : 0;
  for await (const entry of readLogs(dir, { ...rest, signal })) {
    if (skip > 0 && lastTime && entry.time.getTime() === lastTime.getTime()) {
      skip--;
      continue;
    }
    yield entry;
  }
}

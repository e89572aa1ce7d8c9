// `logs` and `attach` as the engine gives them: async iterables of a container's output read from its log
// files, which end when the container stops (with follow) and hold off an auto-remove while they read.
import type { LogEntry } from '../logs';
import { containerLogs, type ContainerLogOptions } from '../containers/containerLogs';
import { exitOf, isRunning, type EngineContext, type WaitResult } from '../context';
import { EngineError } from '../engineErrors';
import type { ExitWaiters } from '../exitWaiters';
import type { ContainerProcesses } from '../processes';
import { readyBatches } from './readyBatches';

/** The most log entries in one batch (a backlog read from disk). */
const MAX_BATCH = 256;

/** The container's logs in batches of what was ready together; ends when `signal` aborts. */
export function containerLogBatches(
  ctx: EngineContext,
  waiters: ExitWaiters,
  ref: string,
  options: ContainerLogOptions,
  signal: AbortSignal,
): AsyncIterable<LogEntry[]> {
  const record = ctx.resolve(ref);
  const exited = isRunning(record) ? waiters.nextExit(record.id) : Promise.resolve();
  const release = waiters.holdLogs(record.id);
  signal.addEventListener('abort', release, { once: true });
  return (async function* () {
    try {
      yield* readyBatches(containerLogs(ctx.runDirOf(record.id), options, exited, signal), MAX_BATCH);
    } finally {
      release();
    }
  })();
}

export interface Attachment {
  /** The container has its own terminal: one output stream, resizable. */
  tty: boolean;
  /** What the container writes from now on (with `logs`: from its first line), until it stops. */
  output: AsyncIterable<{ stream: 'stdout' | 'stderr'; bytes: Buffer }>;
  /** How the container ended, once the output has ended. */
  exit: Promise<WaitResult>;
  /** Present when asked for stdin: writes wait while the container does not read. */
  input?: { write(bytes: Buffer): Promise<void>; end(): void };
  resize?(rows: number, cols: number): void;
}

export function attach(
  ctx: EngineContext,
  processes: ContainerProcesses,
  waiters: ExitWaiters,
  ref: string,
  options: { stdin?: boolean; logs?: boolean },
  signal: AbortSignal,
): Attachment {
  const record = ctx.resolve(ref);
  if (!isRunning(record) && record.state.status !== 'created' && !options.logs) {
    throw new EngineError(`cannot attach to container ${record.name}: it is not running`, 'conflict');
  }
  const input = options.stdin ? processes.stdinWriter(record) : undefined;
  // A container created but not started yet (run attaches first) ends with its next exit too.
  const waitsForExit = isRunning(record) || record.state.status === 'created';
  const exit = waitsForExit ? waiters.nextExit(record.id) : Promise.resolve(exitOf(record));
  const release = waiters.holdLogs(record.id);
  async function* output(): AsyncGenerator<{ stream: 'stdout' | 'stderr'; bytes: Buffer }> {
    try {
      const since = options.logs ? {} : { since: new Date() };
      for await (const entry of containerLogs(ctx.runDirOf(record.id), { follow: true, ...since }, exit, signal)) {
        yield { stream: entry.stream, bytes: entry.bytes ?? Buffer.from(entry.text) };
      }
    } finally {
      release();
      input?.end();
    }
  }
  signal.addEventListener('abort', () => {
    release();
    input?.end();
  }, { once: true });
  return {
    tty: record.process.tty,
    output: output(),
    exit,
    ...(input ? { input } : {}),
    ...(record.process.tty ? { resize: (rows: number, cols: number) => processes.resize(ctx.mustGet(record.id), rows, cols) } : {}),
  };
}

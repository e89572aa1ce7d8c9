// `exec` as the engine gives it: a session with the process's output as an async iterable, its input, its
// terminal's size, and its exit code once the output has ended; exec_start and exec_die are published.
// Aborting the session's signal (the client cancelled, or its connection is gone) kills the process, as
// closing docker exec's connection does.
import type { ExecParams } from '../../protocol';
import { signalNumber } from '../../linux/signals';
import type { EngineContext } from '../context';
import { EngineError } from '../engineErrors';
import { startExec } from '../exec/execProcess';
import type { ContainerProcesses } from '../processes';

/** After the process has exited, how long output still held by what it left behind is waited for. */
const OUTPUT_GRACE_MS = 2000;

export interface ExecSession {
  pid: number;
  tty: boolean;
  /** Output: fd 1 and 2 without a terminal; the terminal's output (no fd) with one. */
  output: AsyncIterable<{ fd?: 1 | 2; bytes: Buffer }>;
  write(bytes: Buffer): Promise<void>;
  closeInput(): void;
  resize(rows: number, cols: number): void;
  /** The exit code, once the output has ended. */
  exit: Promise<{ exitCode: number }>;
}

export async function startExecSession(
  ctx: EngineContext,
  processes: ContainerProcesses,
  ref: string,
  params: ExecParams,
  signal: AbortSignal,
): Promise<ExecSession> {
  const record = ctx.resolve(ref);
  if (record.state.status !== 'running') throw new EngineError(`cannot exec in container ${record.name}: it is ${record.state.status}, not running`, 'conflict');
  const started = await startExec(processes.runtime, record.id, ctx.mountRootfs(record), params).catch((error: Error) => {
    throw error instanceof EngineError ? error : new EngineError(error.message, 'conflict');
  });
  if (!params.stdin && !params.tty) started.stdin.end();
  ctx.publish('exec_start', record, { execPid: `${started.pid}`, command: params.cmd.join(' ') });
  const kill = () => {
    try {
      process.kill(started.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  signal.addEventListener('abort', kill, { once: true });
  let outputDone!: () => void;
  const outputEnded = new Promise<void>((resolve) => (outputDone = resolve));
  const status = started.exited;
  // With a terminal, output still in the pty after the exit is read until hangup; a process left behind
  // holding the pipes gets a grace period.
  const stop = status.then(() => new Promise<void>((resolve) => setTimeout(resolve, OUTPUT_GRACE_MS).unref()));
  const sources = [{ fd: params.tty ? undefined : (1 as const), readable: started.stdout }, ...(started.stderr ? [{ fd: 2 as const, readable: started.stderr }] : [])];
  async function* output(): AsyncGenerator<{ fd?: 1 | 2; bytes: Buffer }> {
    try {
      yield* merge(sources, stop);
    } finally {
      outputDone();
    }
  }
  const exit = (async () => {
    const { code, signal: killedBy } = await status;
    await Promise.race([outputEnded, stop]);
    started.close();
    const exitCode = code ?? 128 + (killedBy ? signalNumber(killedBy) : 0);
    ctx.publish('exec_die', record, { execPid: `${started.pid}`, exitCode: `${exitCode}` });
    return { exitCode };
  })();
  return {
    pid: started.pid,
    tty: params.tty === true,
    output: output(),
    write: (bytes) => new Promise<void>((resolve) => (started.stdin.write(bytes) ? resolve() : started.stdin.once('drain', () => resolve()))),
    closeInput: () => started.stdin.end(),
    resize: (rows, cols) => started.resize(rows, cols),
    exit,
  };
}

const STOP: unique symbol = Symbol('stop');

/** The chunks of several readables as they come, each tagged with its fd, until all end or `stop` settles. */
async function* merge<F>(sources: Array<{ fd: F; readable: NodeJS.ReadableStream }>, stop: Promise<void>): AsyncGenerator<{ fd: F; bytes: Buffer }> {
  const iterators = sources.map(({ readable }) => (readable as AsyncIterable<Buffer>)[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<Buffer> }>>();
  const pull = (index: number) =>
    pending.set(
      index,
      iterators[index]!.next().then(
        (result) => ({ index, result }),
        // A terminal reports EIO at hangup: the end of its output.
        () => ({ index, result: { done: true, value: undefined } as IteratorResult<Buffer> }),
      ),
    );
  iterators.forEach((_, index) => pull(index));
  const stopped = stop.then((): typeof STOP => STOP);
  try {
    while (pending.size > 0) {
      const next = await Promise.race([...pending.values(), stopped]);
      if (next === STOP) return;
      pending.delete(next.index);
      if (next.result.done) continue;
      yield { fd: sources[next.index]!.fd, bytes: next.result.value };
      pull(next.index);
    }
  } finally {
    for (const iterator of iterators) void iterator.return?.().catch(() => undefined);
  }
}

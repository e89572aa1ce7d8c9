// containers.*: the engine's operations, with its errors mapped to stable codes, and the streams (logs,
// attach, exec, stats, copy) that carry output and input on the caller's connection.
import { Socket } from 'node:net';
import { ErrorCode, RpcError, type ContainerStats, type containerMethods, type LogItem } from '../../protocol';
import { containerLogs } from '../../engine/containers/containerLogs';
import { processTable, statsFrom, type StatsSample } from '../../engine/containers/processInfo';
import { copyFromContainer, copyToContainer } from '../../engine/containers/copy';
import type { Engine } from '../../engine/engine';
import { EngineError } from '../../engine/engineErrors';
import { startExec } from '../../engine/exec/execProcess';
import type { LogEntry } from '../../engine/logs';
import type { HandlersFor } from '../dispatcher';
import type { ServerStream } from '../streams';
import type { DaemonServices } from './index';

const CODES = { invalid: ErrorCode.InvalidParams, notFound: ErrorCode.NotFound, conflict: ErrorCode.Conflict, unsupported: ErrorCode.InvalidParams } as const;

/** Engine errors become RPC errors with their kind in `data.kind`; anything else stays an internal error. */
function rpc(error: unknown): unknown {
  if (error instanceof EngineError) return new RpcError(CODES[error.kind], error.message, { kind: error.kind });
  return error;
}

/** Runs synchronous engine work with its errors as RPC errors (for other handlers, e.g. files). */
export function withRpcErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw rpc(error);
  }
}

async function mapped<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw rpc(error);
  }
}

function parseTime(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RpcError(ErrorCode.InvalidParams, `${field}: "${value}" is neither an RFC 3339 time nor seconds since the epoch`);
  return date;
}

function logItem(entry: LogEntry): LogItem {
  return { time: entry.time.toISOString(), stream: entry.stream, data: (entry.bytes ?? Buffer.from(entry.text)).toString('base64') };
}

/** A terminal's window: after Ctrl-C, at most this much output already sent is still to be shown. */
const TTY_WINDOW_BYTES = 128 * 1024;

/**
 * Pumps a readable into the stream (as bytes of `fd`): chunks go out at once while the client's window
 * has room; when it is full the readable is paused until the client has caught up.
 */
function pump(readable: NodeJS.ReadableStream, stream: ServerStream, fd?: 1 | 2): Promise<void> {
  return new Promise((resolve) => {
    let writing = Promise.resolve();
    let waiting = false;
    readable.on('data', (chunk: Buffer) => {
      if (!waiting && stream.tryWriteBytes(chunk, fd)) return;
      waiting = true;
      readable.pause();
      writing = writing
        .then(() => stream.writeBytes(chunk, fd))
        .then(
          () => {
            waiting = false;
            readable.resume();
          },
          () => resolve(),
        );
    });
    const done = () => void writing.then(resolve, resolve);
    readable.once('end', done);
    readable.once('close', done);
    readable.once('error', done);
  });
}

export function containerHandlers(services: DaemonServices): HandlersFor<typeof containerMethods> {
  const engine = (): Engine => {
    if (!services.engine) throw new RpcError(ErrorCode.InternalError, 'the engine is not running');
    return services.engine;
  };

  return {
    'containers.create': (params) => mapped(() => engine().create(params)),
    'containers.start': ({ container }) => mapped(async () => (await engine().start(container), {})),
    'containers.stop': ({ container, timeout }) => mapped(async () => (await engine().stop(container, timeout), {})),
    'containers.kill': ({ container, signal }) => mapped(async () => (await engine().kill(container, signal), {})),
    'containers.restart': ({ container, timeout }) => mapped(async () => (await engine().restart(container, timeout), {})),
    'containers.pause': ({ container }) => mapped(async () => (await engine().pause(container), {})),
    'containers.unpause': ({ container }) => mapped(async () => (await engine().unpause(container), {})),
    'containers.remove': ({ container, force }) => mapped(async () => (await engine().remove(container, force), {})),
    'containers.rename': ({ container, name }) => mapped(async () => (await engine().rename(container, name), {})),
    'containers.wait': ({ container, condition }) => mapped(() => engine().wait(container, condition)),
    'containers.inspect': ({ container }) => mapped(() => engine().inspect(container)),
    'containers.list': ({ all, filters }) => mapped(() => engine().list(all, filters)),
    'containers.prune': ({ filters }) => mapped(async () => ({ removed: await engine().prune(filters) })),
    'containers.top': ({ container }) => mapped(() => processTable(engine().processes(container))),

    'containers.stats': ({ container, stream: streaming }, { streams }) =>
      mapped(async () => {
        const record = engine().resolve(container);
        if (!engine().isRunning(record)) throw new EngineError(`container ${record.name} is not running`, 'conflict');
        const cgroup = engine().cgroupOf(record);
        const take = (previous?: StatsSample) => statsFrom({ id: record.id, name: record.name, pid: record.state.pid }, cgroup.stats(), previous);
        if (!streaming) {
          const first = take();
          await delay(100);
          return take(first.sample).stats;
        }
        const stream = streams.open();
        void (async () => {
          let previous = take().sample;
          while (!stream.closed) {
            await delay(1000);
            const current = engine().store.get(record.id);
            if (!current || !engine().isRunning(current)) break;
            let next: { stats: ContainerStats; sample: StatsSample };
            try {
              next = take(previous);
            } catch {
              break;
            }
            previous = next.sample;
            await stream.pushItems([next.stats]).catch(() => undefined);
          }
          stream.end();
        })();
        return { stream: stream.id };
      }),

    'containers.logs': (params, { streams }) =>
      mapped(() => {
        const record = engine().resolve(params.container);
        const since = parseTime(params.since, 'since');
        const until = parseTime(params.until, 'until');
        const stream = streams.open();
        const exited = engine().isRunning(record) ? engine().nextExit(record.id) : Promise.resolve();
        const release = engine().holdLogs(record.id);
        stream.signal.addEventListener('abort', release, { once: true });
        void (async () => {
          try {
            // Items go in batches of up to 256 (a backlog), and what arrives alone (a quiet container's
            // next line while following) goes within 10 ms rather than waiting for a full batch.
            let batch: LogItem[] = [];
            let timer: NodeJS.Timeout | undefined;
            const flush = () => {
              if (timer) clearTimeout(timer);
              timer = undefined;
              const items = batch;
              batch = [];
              return stream.pushItems(items);
            };
            for await (const entry of containerLogs(
              engine().runDirOf(record.id),
              { follow: params.follow, tail: params.tail, since, until, stdout: params.stdout, stderr: params.stderr },
              exited,
              stream.signal,
            )) {
              batch.push(logItem(entry));
              if (batch.length >= 256) await flush();
              else timer ??= setTimeout(() => void flush().catch(() => undefined), 10);
            }
            await flush();
            stream.end();
          } catch (error) {
            if (!stream.closed) stream.fail(rpc(error));
          } finally {
            release();
          }
        })();
        return { stream: stream.id };
      }),

    'containers.attach': ({ container, stdin, logs }, { streams }) =>
      mapped(() => {
        const record = engine().resolve(container);
        if (!engine().isRunning(record) && record.state.status !== 'created' && !logs) {
          throw new EngineError(`cannot attach to container ${record.name}: it is not running`, 'conflict');
        }
        // The stdin fifo as a pipe handle: writes wait (without blocking the daemon) while it is full.
        let input: Socket | undefined = stdin ? new Socket({ fd: engine().openStdin(record), readable: false, writable: true }) : undefined;
        input?.on('error', () => undefined);
        const stream = streams.open({
          onWrite: input === undefined ? undefined : (bytes) => new Promise<void>((resolve) => (input!.write(bytes) ? resolve() : input!.once('drain', () => resolve()))),
          onCloseInput:
            input === undefined
              ? undefined
              : () => {
                  // The fifo stays open in the monitor; closing ours is all "end of input" can mean.
                  input?.destroy();
                  input = undefined;
                },
          onResize: record.process.tty ? (rows, cols) => engine().resize(record.id, rows, cols) : undefined,
          ...(record.process.tty ? { window: TTY_WINDOW_BYTES } : {}),
        });
        // A container created but not started yet (run attaches first) ends with its next exit too.
        const waitsForExit = engine().isRunning(record) || record.state.status === 'created';
        const exited = waitsForExit ? engine().nextExit(record.id) : Promise.resolve(engine().exitOf(record));
        const release = engine().holdLogs(record.id);
        stream.signal.addEventListener('abort', release, { once: true });
        void (async () => {
          try {
            for await (const entry of containerLogs(engine().runDirOf(record.id), { follow: true, ...(logs ? {} : { since: new Date() }) }, exited, stream.signal)) {
              await stream.writeBytes(entry.bytes ?? Buffer.from(entry.text), entry.stream === 'stderr' ? 2 : 1);
            }
            const result = await exited;
            stream.end(result);
          } catch (error) {
            if (!stream.closed) stream.fail(rpc(error));
          } finally {
            release();
            input?.destroy();
          }
        })();
        return { stream: stream.id };
      }),

    'containers.resize': ({ container, rows, cols }) => mapped(() => (engine().resize(container, rows, cols), {})),

    'containers.exec': (params, { streams }) =>
      mapped(async () => {
        const record = engine().resolve(params.container);
        if (record.state.status !== 'running') throw new EngineError(`cannot exec in container ${record.name}: it is ${record.state.status}, not running`, 'conflict');
        const started = await startExec(engine().runtime, record.id, engine().rootfs(record.id), params).catch((error: Error) => {
          throw error instanceof EngineError ? error : new EngineError(error.message, 'conflict');
        });
        const stream = streams.open({
          onWrite: (bytes) =>
            new Promise<void>((resolve) => {
              if (started.stdin.write(bytes)) resolve();
              else started.stdin.once('drain', () => resolve());
            }),
          onCloseInput: () => started.stdin.end(),
          onResize: params.tty ? (rows, cols) => started.resize(rows, cols) : undefined,
          ...(params.tty ? { window: TTY_WINDOW_BYTES } : {}),
        });
        if (!params.stdin && !params.tty) started.stdin.end();
        engine().events.publish('container', 'exec_start', record.id, { name: record.name, execPid: `${started.pid}`, command: params.cmd.join(' ') });
        // Cancelling the stream (or losing the connection) ends the process, as closing docker exec's
        // connection does.
        stream.signal.addEventListener('abort', () => {
          try {
            process.kill(started.pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        });
        void (async () => {
          const output = [pump(started.stdout, stream, params.tty ? undefined : 1)];
          if (started.stderr) output.push(pump(started.stderr, stream, 2));
          const status = await started.exited;
          // With a terminal, output still in the pty after the exit is read until hangup.
          await Promise.race([Promise.all(output), delay(2000)]);
          started.close();
          const exitCode = status.code ?? 128 + (status.signal ? signalOffset(status.signal) : 0);
          engine().events.publish('container', 'exec_die', record.id, { name: record.name, execPid: `${started.pid}`, exitCode: `${exitCode}` });
          stream.end({ exitCode });
        })();
        return { stream: stream.id };
      }),

    'containers.copyTo': ({ container, path }, { streams }) =>
      mapped(() => {
        const rootfs = engine().rootfs(container);
        const input = copyToContainer(rootfs, path);
        const stream = streams.open({
          onWrite: (bytes) => input.write(bytes),
          onCloseInput: () => input.end(),
        });
        stream.signal.addEventListener('abort', () => input.abort());
        input.done.then(
          () => stream.end({}),
          (error: Error) => stream.fail(new RpcError(ErrorCode.InvalidParams, error.message)),
        );
        return { stream: stream.id };
      }),

    'containers.copyFrom': ({ container, path }, { streams }) =>
      mapped(() => {
        const rootfs = engine().rootfs(container);
        const tar = copyFromContainer(rootfs, path);
        const stream = streams.open();
        void (async () => {
          try {
            for await (const chunk of tar) await stream.writeBytes(chunk as Buffer);
            stream.end({});
          } catch (error) {
            if (!stream.closed) stream.fail(new RpcError(ErrorCode.InvalidParams, (error as Error).message));
          }
        })();
        return { stream: stream.id };
      }),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13, SIGABRT: 6, SIGSEGV: 11 };
function signalOffset(signal: string): number {
  return SIGNAL_NUMBERS[signal] ?? 0;
}

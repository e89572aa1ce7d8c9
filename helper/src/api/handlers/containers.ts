// containers.*: the engine's operations with their errors as RPC errors, and the engine's sessions (logs,
// attach, exec, stats, copies) adapted to streams on the caller's connection. Nothing here decides
// anything about containers: that is the engine's.
import { ErrorCode, RpcError, type containerMethods, type LogItem } from '../../protocol';
import type { Engine } from '../../engine/engine';
import type { LogEntry } from '../../engine/logs';
import type { HandlersFor } from '../dispatcher';
import { withRpcErrors, withRpcErrorsAsync as mapped } from '../engineErrors';
import type { DaemonServices } from '../services';
import { sendBytes, sendItems } from '../streamAdapters';

/** A terminal's window: after Ctrl-C, at most this much output already sent is still to be shown. */
const TTY_WINDOW_BYTES = 128 * 1024;

function parseTime(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RpcError(ErrorCode.InvalidParams, `${field}: "${value}" is neither an RFC 3339 time nor seconds since the epoch`);
  return date;
}

function logItem(entry: LogEntry): LogItem {
  return { time: entry.time.toISOString(), stream: entry.stream, data: (entry.bytes ?? Buffer.from(entry.text)).toString('base64') };
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
    'containers.top': ({ container }) => mapped(() => engine().top(container)),
    'containers.resize': ({ container, rows, cols }) => mapped(() => (engine().resize(container, rows, cols), {})),

    'containers.stats': ({ container, stream: streaming }, { streams }) =>
      mapped(async () => {
        if (!streaming) return engine().stats(container);
        const stream = streams.open();
        let samples: AsyncIterable<unknown>;
        try {
          samples = engine().statsStream(container, stream.signal);
        } catch (error) {
          stream.close();
          throw error;
        }
        sendItems(
          (async function* () {
            for await (const stats of samples) yield [stats];
          })(),
          stream,
          (stats) => stats,
        );
        return { stream: stream.id };
      }),

    'containers.logs': (params, { streams }) =>
      mapped(() => {
        const options = {
          follow: params.follow,
          tail: params.tail,
          since: parseTime(params.since, 'since'),
          until: parseTime(params.until, 'until'),
          stdout: params.stdout,
          stderr: params.stderr,
        };
        const aborted = new AbortController();
        const entries = engine().logs(params.container, options, aborted.signal);
        const stream = streams.open();
        stream.signal.addEventListener('abort', () => aborted.abort(), { once: true });
        sendItems(entries, stream, logItem);
        return { stream: stream.id };
      }),

    'containers.attach': ({ container, stdin, logs }, { streams }) =>
      mapped(() => {
        const aborted = new AbortController();
        const attachment = engine().attach(container, { stdin, logs }, aborted.signal);
        const { input, resize } = attachment;
        const stream = streams.open({
          onWrite: input ? (bytes) => input.write(bytes) : undefined,
          onCloseInput: input ? () => input.end() : undefined,
          onResize: resize,
          ...(attachment.tty ? { window: TTY_WINDOW_BYTES } : {}),
        });
        stream.signal.addEventListener('abort', () => aborted.abort(), { once: true });
        sendBytes(
          (async function* () {
            for await (const { stream: from, bytes } of attachment.output) yield { bytes, fd: from === 'stderr' ? (2 as const) : (1 as const) };
          })(),
          stream,
          () => attachment.exit,
        );
        return { stream: stream.id };
      }),

    'containers.exec': (params, { streams }) =>
      mapped(async () => {
        const aborted = new AbortController();
        const session = await engine().exec(params.container, params, aborted.signal);
        const stream = streams.open({
          onWrite: (bytes) => session.write(bytes),
          onCloseInput: () => session.closeInput(),
          onResize: session.tty ? (rows, cols) => withRpcErrors(() => session.resize(rows, cols)) : undefined,
          ...(session.tty ? { window: TTY_WINDOW_BYTES } : {}),
        });
        stream.signal.addEventListener('abort', () => aborted.abort(), { once: true });
        sendBytes(session.output, stream, () => session.exit);
        return { stream: stream.id };
      }),

    'containers.copyTo': ({ container, path }, { streams }) =>
      mapped(() => {
        const input = engine().copyTo(container, path);
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
        const tar = engine().copyFrom(container, path);
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

// Connects this process's stdio to a container stream (run, attach, exec): output to stdout/stderr with
// flow control (the acknowledgement waits until our stdout has taken the bytes), stdin to the stream, and
// with a terminal: raw mode, the window size now and on every SIGWINCH, restored on the way out.
import type { ClientStream } from '../../protocol';

export interface SessionOptions {
  /** Forward our stdin. */
  stdin: boolean;
  /** The stream is a terminal: raw mode and resizes. */
  tty: boolean;
}

function writeOut(target: NodeJS.WriteStream, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (target.write(bytes)) resolve();
    else target.once('drain', () => resolve());
  });
}

/** Resolves with the stream's result once it ends (stdin is then let go). */
export async function runSession(stream: ClientStream, options: SessionOptions): Promise<unknown> {
  stream.listen({ data: (bytes, fd) => writeOut(fd === 2 ? process.stderr : process.stdout, bytes) });
  const input = process.stdin;
  const rawTerminal = options.tty && input.isTTY === true;
  const cleanup: Array<() => void> = [];
  if (rawTerminal) {
    input.setRawMode(true);
    cleanup.push(() => input.setRawMode(false));
    const resize = () => {
      if (process.stdout.columns && process.stdout.rows) void stream.resize(process.stdout.rows, process.stdout.columns).catch(() => undefined);
    };
    resize();
    process.on('SIGWINCH', resize);
    cleanup.push(() => process.off('SIGWINCH', resize));
  }
  if (options.stdin) {
    let writing = Promise.resolve();
    const onData = (chunk: Buffer) => {
      input.pause();
      writing = writing.then(() => stream.write(chunk)).then(
        () => void input.resume(),
        () => void input.resume(),
      );
    };
    const onEnd = () => void writing.then(() => stream.closeInput()).catch(() => undefined);
    input.on('data', onData);
    input.once('end', onEnd);
    cleanup.push(() => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      input.unref?.();
    });
  }
  try {
    return await stream.done;
  } finally {
    for (const undo of cleanup.reverse()) undo();
  }
}

/** The exit code a stream's `{ exitCode }` result carries. */
export function exitCodeOf(result: unknown): number {
  const code = (result as { exitCode?: unknown } | undefined)?.exitCode;
  return typeof code === 'number' ? code : 0;
}

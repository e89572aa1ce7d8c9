// exec: a new process in a running container, through the runtime's exec (the container's namespaces,
// cgroup, capabilities and seccomp profile). Without a terminal its stdio are pipes to the daemon; with
// one, the init makes a pty inside the container's devpts and hands the master back over a console
// socket, as it does for runc's --console-socket. The process is the daemon's child: exec sessions end
// with the daemon, as they do with dockerd without live restore.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadStream } from 'node:tty';
import { closeFd } from '../../linux/fds';
import { setWindowSize } from '../../linux/pty';
import { acceptUnix, listenUnix, receiveFd } from '../../linux/unixSocket';
import { execInContainer } from '../../runtime/lifecycle/exec';
import type { ExitStatus } from '../../runtime/lifecycle/spawnInit';
import type { StateStore } from '../../runtime/state/stateStore';
import type { ExecParams } from '../../protocol';
import { resolveUserInRoot } from '../config/user';
import { EngineError } from '../engineErrors';

export interface ExecProcess {
  pid: number;
  /** Output: one stream with a terminal, stdout and stderr without. */
  stdout: NodeJS.ReadableStream;
  stderr?: NodeJS.ReadableStream;
  stdin: NodeJS.WritableStream & { destroy(): void };
  resize(rows: number, cols: number): void;
  exited: Promise<ExitStatus>;
  /** Frees the terminal (after exit). */
  close(): void;
}

export async function startExec(runtime: StateStore, id: string, rootfs: string, params: ExecParams): Promise<ExecProcess> {
  let user: { uid: number; gid: number } | undefined;
  if (params.user !== undefined) {
    try {
      const resolved = resolveUserInRoot(rootfs, params.user);
      user = { uid: resolved.uid, gid: resolved.gid };
    } catch (error) {
      throw new EngineError((error as Error).message, 'invalid');
    }
  }
  const common = { id, args: params.cmd, env: params.env, cwd: params.workdir, user };
  if (!params.tty) {
    const result = await execInContainer(runtime, { ...common, pipes: true });
    const stdio = result.stdio!;
    return {
      pid: result.pid,
      stdout: stdio.stdout,
      stderr: stdio.stderr,
      stdin: stdio.stdin,
      resize: () => {
        throw new EngineError('this exec has no terminal to resize (start it with tty)', 'conflict');
      },
      exited: result.exited,
      close: () => undefined,
    };
  }
  // The console socket lives in a private (0700) directory under the temporary directory: a socket
  // address holds 107 bytes, too few for a path under the container's directory. spawnInit connects to
  // it before the init starts, so accept and the fd's arrival never block once exec returns.
  const socketDir = mkdtempSync(join(tmpdir(), 'berth-console-'));
  const socketPath = join(socketDir, 'console.sock');
  const listener = listenUnix(socketPath);
  let master: number;
  let result;
  try {
    result = await execInContainer(runtime, { ...common, tty: true, consoleSocket: socketPath });
    const connection = acceptUnix(listener);
    try {
      master = receiveFd(connection).fd;
    } finally {
      closeFd(connection);
    }
  } finally {
    closeFd(listener);
    rmSync(socketDir, { recursive: true, force: true });
  }
  if (params.rows && params.cols) setWindowSize(master, params.rows, params.cols);
  // One handle for both directions (a tty stream is a duplex socket): two would close the fd twice.
  const terminal = new ReadStream(master);
  // At hangup (the process and everything holding the terminal ended) the master reports EIO: the end.
  terminal.on('error', () => terminal.push(null));
  return {
    pid: result.pid,
    stdout: terminal,
    stdin: terminal as unknown as ExecProcess['stdin'],
    resize: (rows, cols) => setWindowSize(master, rows, cols),
    exited: result.exited,
    close: () => terminal.destroy(),
  };
}

// Starting the init stage: a fresh Node process that sets up the container on its main thread and then
// execve's the container's program. The pid namespace is the one thing the init cannot do for itself
// (a process cannot move itself into a new pid namespace, and Node aborts if its threads' pid namespace
// differs), so it is unshared or joined here, on our main thread, for exactly the synchronous tick in
// which libuv forks the init, and restored at once. See shared/notes/linux-from-node.md.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { CLONE_NEWPID, setns, unshare } from '../../linux/namespaces';
import { RuntimeError } from '../errors';
import type { InitMessage } from '../init/initConfig';

/** The init bundle sits beside the helper bundle; from sources (tests under tsx) it is in dist/helper. */
export function initScriptPath(): string {
  const candidates = [join(__dirname, 'init.js'), join(__dirname, '..', '..', '..', '..', 'dist', 'helper', 'init.js')];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new RuntimeError(`the init bundle is missing (looked for ${candidates.join(', ')}); run npm run build`);
  return found;
}

export interface SpawnInitOptions {
  configPath: string;
  /** 'new': a new pid namespace; a path: join that one; undefined: stay in ours. */
  pidNamespace: 'new' | string | undefined;
  /** What fds 0-2 of the init are: inherited from us, or /dev/null when a terminal will replace them. */
  stdio: 'inherit' | 'ignore';
  /** Extra fds passed at 3, 4, … (LISTEN_FDS, --preserve-fds). */
  extraFds: number[];
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedInit {
  child: ChildProcess;
  syncFd: number;
  channel: InitChannel;
  /** The container's process (the init execs into it) ends; known while we are its parent. */
  exited: Promise<ExitStatus>;
}

export function spawnInit({ configPath, pidNamespace, stdio, extraFds }: SpawnInitOptions): SpawnedInit {
  const syncFd = 3 + extraFds.length;
  const stdioOptions: StdioOptions = [stdio, stdio, stdio, ...extraFds, 'pipe'];
  const env = {
    // Only what the init needs; the container's environment comes from config.json.
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    BERTH_INIT_CONFIG: configPath,
  };
  const args = [initScriptPath()];

  let child: ChildProcess;
  if (pidNamespace === undefined) {
    child = spawn(process.execPath, args, { stdio: stdioOptions, env, detached: true });
  } else {
    const ownNamespace = openSync('/proc/self/ns/pid', 'r');
    try {
      if (pidNamespace === 'new') unshare(CLONE_NEWPID);
      else {
        const target = openSync(pidNamespace, 'r');
        try {
          setns(target, CLONE_NEWPID, pidNamespace);
        } finally {
          closeSync(target);
        }
      }
      try {
        child = spawn(process.execPath, args, { stdio: stdioOptions, env, detached: true });
      } finally {
        setns(ownNamespace, CLONE_NEWPID, '/proc/self/ns/pid (restoring ours)');
      }
    } finally {
      closeSync(ownNamespace);
    }
  }

  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, syncFd, channel: new InitChannel(child, syncFd), exited };
}

/**
 * The runtime's end of the sync socket: JSON lines from the init (namespaces made, ready, error), and
 * JSON lines to it (go on after the createRuntime hooks). The init's exit before a message counts as an
 * error message, so a waiting runtime never hangs on a dead init.
 */
export class InitChannel {
  private readonly queue: InitMessage[] = [];
  private readonly waiting: Array<(message: InitMessage) => void> = [];
  private buffer = '';
  private ended: InitMessage | undefined;
  private readonly socket: NodeJS.ReadWriteStream & { destroy(): void };

  constructor(child: ChildProcess, syncFd: number) {
    this.socket = child.stdio[syncFd] as unknown as NodeJS.ReadWriteStream & { destroy(): void };
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n')) {
        this.push(JSON.parse(this.buffer.slice(0, newline)) as InitMessage);
        this.buffer = this.buffer.slice(newline + 1);
      }
    });
    this.socket.on('error', () => undefined);
    child.once('error', (error) => this.end({ type: 'error', message: `cannot start the init: ${error.message}` }));
    child.once('exit', (code, signal) =>
      this.end({ type: 'error', message: `the init exited (${signal ?? `code ${code}`}) before the container was ready` }),
    );
  }

  next(): Promise<InitMessage> {
    const queued = this.queue.shift() ?? (this.queue.length === 0 ? this.ended : undefined);
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  send(message: object): void {
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  close(): void {
    this.socket.destroy();
  }

  private push(message: InitMessage): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(message);
    else this.queue.push(message);
  }

  private end(message: InitMessage): void {
    if (this.ended) return;
    this.ended = message;
    for (const waiter of this.waiting.splice(0)) waiter(message);
  }
}

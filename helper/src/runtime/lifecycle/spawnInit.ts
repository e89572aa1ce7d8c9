// Starting the init stage: a fresh Node process that sets up the container on its main thread and then
// execve's the container's program. The pid namespace is the one thing the init cannot do for itself
// (a process cannot move itself into a new pid namespace, and Node aborts if its threads' pid namespace
// differs), so it is unshared or joined here, on our main thread, for exactly the synchronous tick in
// which libuv forks the init, and restored at once. See the README, "Linux from Node.js".
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { O_RDWR } from '../../linux/files';
import { CLONE_NEWPID, setns, unshare } from '../../linux/namespaces';
import { connectUnix, socketPair } from '../../linux/unixSocket';
import { RuntimeError } from '../errors';
import type { InitMessage } from '../init/initConfig';
import type { IdMapping } from '../spec/config';
import { sealedNode } from './sealedNode';
import { USER_NAMESPACE_SHIM } from './userNamespaceShim';

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
  /** What fds 0-2 of the init are: inherited from us, /dev/null when a terminal will replace them, or
   * pipes to us (the engine's exec: child.stdio). */
  stdio: 'inherit' | 'ignore' | 'pipe';
  /** Extra fds passed at 3, 4, … (LISTEN_FDS, --preserve-fds). */
  extraFds: number[];
  /** create: the exec fifo, opened here and handed on as an fd (the init may not be able to open it). */
  execFifo?: string;
  /** The console socket, connected here and handed on as an fd, for the same reason. */
  consoleSocket?: string;
  /**
   * The container has a user namespace: the init is started through the Perl shim (userNamespaceShim.ts),
   * which joins the cgroup as host root (these procs files), then makes the user namespace (mapped here
   * with these mappings) or joins the one at `join`, and the pid namespace, before exec'ing the init.
   */
  userNamespace?: { uidMappings: IdMapping[]; gidMappings: IdMapping[]; cgroupProcsFiles: string[] } | { join: string; cgroupProcsFiles: string[] };
  /** Start the init some other way than as our child: the engine starts it under its monitor. */
  launcher?: InitLauncher;
}

/** What a launcher is asked to start: exec argv with exactly env, with `fds` at 3, 4, … and stdio its own. */
export interface LaunchRequest {
  argv: string[];
  env: Record<string, string>;
  fds: number[];
  /** The init must be PID 1 of a new pid namespace. */
  newPidNamespace: boolean;
}

/** Starts the init and resolves with its host pid once it runs; the init is not our child. */
export type InitLauncher = (request: LaunchRequest) => Promise<{ pid: number }>;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedInit {
  /** Our child (the init, or the user namespace shim), unless a launcher started the init. */
  child?: ChildProcess;
  syncFd: number;
  channel: InitChannel;
  /** The container's process (the init execs into it) ends; known while we are its parent (never
   * settles when a launcher started it: its parent is the launcher's). */
  exited: Promise<ExitStatus>;
  /** SIGKILL the init (and the shim in front of it). */
  kill(): void;
  /** Lets our event loop end without waiting for the init. */
  detach(): void;
  /** The host pid of the init (the container's process): the child's, or, behind the user namespace
   * shim with a pid namespace, the shim's child's. */
  pid: number;
}

/**
 * Starts the init. Its config file, the exec fifo and the console socket are opened here and passed as
 * fds after the sync fd (config, then fifo, then console), announced in BERTH_INIT_FDS: an init in a user
 * namespace is not host root and could not open them itself.
 */
export async function spawnInit(options: SpawnInitOptions): Promise<SpawnedInit> {
  if (options.launcher) return launchInit(options, options.launcher);
  const { pidNamespace, stdio, extraFds, userNamespace } = options;
  const syncFd = 3 + extraFds.length;
  const passed: number[] = [];
  let child: ChildProcess;
  try {
    const env = openPassedFds(options, syncFd, passed);
    const stdioOptions: StdioOptions = [stdio, stdio, stdio, ...extraFds, 'pipe', ...passed];
    if (userNamespace) {
      Object.assign(env, {
        BERTH_SHIM_SYNC_FD: `${syncFd}`,
        BERTH_SHIM_CGROUP: userNamespace.cgroupProcsFiles.join('\n'),
        BERTH_SHIM_USERNS: 'join' in userNamespace ? userNamespace.join : '',
        BERTH_SHIM_PIDNS: pidNamespace ?? '',
      });
      // perl is looked up in PATH (perl-base is Essential on Debian). In a user namespace the shim may not
      // reach our /proc/PID/fd, so the sealed Node goes to it as its last fd (the init marks that
      // close-on-exec with every other before the container's program runs).
      const nodeFd = stdioOptions.length;
      child = spawn('perl', ['-e', USER_NAMESPACE_SHIM, '--', `/proc/self/fd/${nodeFd}`, initScriptPath()], {
        stdio: [...stdioOptions, sealedNode().fd],
        env,
        detached: true,
      });
    } else {
      child = spawnNode(initScriptPath(), pidNamespace, stdioOptions, env);
    }
  } finally {
    for (const fd of passed) closeSync(fd);
  }
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const channel = new InitChannel(child.stdio[syncFd] as unknown as Socket);
  child.once('error', (error) => channel.end({ type: 'error', message: `cannot start the init: ${error.message}` }));
  child.once('exit', (code, signal) => channel.end({ type: 'error', message: `the init exited (${signal ?? `code ${code}`}) before the container was ready` }));
  const spawned: SpawnedInit = {
    child,
    syncFd,
    channel,
    exited,
    pid: child.pid ?? 0,
    kill: () => {
      child.kill('SIGKILL');
      if (spawned.pid !== child.pid) killQuietly(spawned.pid);
    },
    detach: () => child.unref(),
  };
  if (userNamespace) {
    try {
      spawned.pid = await settleUserNamespace(spawned, userNamespace, pidNamespace !== undefined);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }
  return spawned;
}

/**
 * Opens the config file, the exec fifo and the console socket into `passed` (the caller closes them once
 * the init has its copies) and returns the init's environment, whose BERTH_INIT_FDS says where each lands:
 * after the sync fd, in that order.
 */
function openPassedFds(options: SpawnInitOptions, syncFd: number, passed: number[]): Record<string, string> {
  const configFd = openSync(options.configPath, 'r');
  passed.push(configFd);
  const fifoFd = options.execFifo === undefined ? undefined : openSync(options.execFifo, O_RDWR);
  if (fifoFd !== undefined) passed.push(fifoFd);
  const consoleFd = options.consoleSocket === undefined ? undefined : connectUnix(options.consoleSocket);
  if (consoleFd !== undefined) passed.push(consoleFd);
  const at = (fd: number | undefined) => (fd === undefined ? -1 : syncFd + 1 + passed.indexOf(fd));
  return {
    // Only what the init needs; the container's environment comes from config.json.
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    BERTH_INIT_FDS: JSON.stringify({ config: at(configFd), execFifo: at(fifoFd), console: at(consoleFd) }),
  };
}

/**
 * The init started by a launcher (the engine's monitor) instead of as our child: the same fds and
 * environment, the sync channel over a socket pair whose other end the launcher hands on. The launcher's
 * process holds no copy of it once the init runs, so the init's death shows here as end-of-file.
 */
async function launchInit(options: SpawnInitOptions, launcher: InitLauncher): Promise<SpawnedInit> {
  if (options.userNamespace) throw new RuntimeError('containers with a user namespace cannot be started by a launcher yet');
  if (options.pidNamespace !== undefined && options.pidNamespace !== 'new') {
    throw new RuntimeError('a launched init can make a new pid namespace but not join one');
  }
  const syncFd = 3 + options.extraFds.length;
  const [ours, theirs] = socketPair();
  const passed: number[] = [];
  let pid: number;
  try {
    const env = openPassedFds(options, syncFd, passed);
    ({ pid } = await launcher({
      argv: [sealedNode().path, initScriptPath()],
      env,
      fds: [...options.extraFds, theirs, ...passed],
      newPidNamespace: options.pidNamespace === 'new',
    }));
  } catch (error) {
    closeSync(ours);
    throw error;
  } finally {
    closeSync(theirs);
    for (const fd of passed) closeSync(fd);
  }
  const socket = new Socket({ fd: ours, readable: true, writable: true });
  const channel = new InitChannel(socket);
  socket.once('close', () => channel.end({ type: 'error', message: 'the init exited before the container was ready' }));
  return {
    syncFd,
    channel,
    pid,
    exited: new Promise<ExitStatus>(() => undefined),
    kill: () => killQuietly(pid),
    detach: () => undefined,
  };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The runtime's part of the shim's steps: map the new user namespace, learn the forked init's pid. */
async function settleUserNamespace(init: SpawnedInit, userNamespace: NonNullable<SpawnInitOptions['userNamespace']>, forks: boolean): Promise<number> {
  const expect = async (type: 'userns' | 'forked') => {
    const message = await init.channel.next();
    if (message.type === type) return message;
    throw new RuntimeError(message.type === 'error' ? message.message : `the user namespace shim sent ${message.type}, not ${type}`);
  };
  if (!('join' in userNamespace)) {
    await expect('userns');
    const lines = (mappings: IdMapping[]) => mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
    const pid = init.child!.pid!;
    // As runc does when it is root: setgroups stays "allow" (the container may set its groups), and the
    // host-side root may map any ranges. Each map is written once, in one write, as the kernel requires.
    try {
      writeFileSync(`/proc/${pid}/uid_map`, lines(userNamespace.uidMappings));
      writeFileSync(`/proc/${pid}/gid_map`, lines(userNamespace.gidMappings));
    } catch (error) {
      throw new RuntimeError(`writing the user namespace's id mappings: ${(error as Error).message}`);
    }
    init.channel.send({ type: 'mapped' });
  }
  if (!forks) return init.child!.pid!;
  const forked = await expect('forked');
  return (forked as { pid: number }).pid;
}

/** Starts the init from the sealed Node (sealedNode.ts), never from the host's file. */
function spawnNode(script: string, pidNamespace: string | undefined, stdioOptions: StdioOptions, env: Record<string, string>): ChildProcess {
  const args = [script];
  const node = sealedNode().path;
  let child: ChildProcess;
  if (pidNamespace === undefined) {
    child = spawn(node, args, { stdio: stdioOptions, env, detached: true });
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
        child = spawn(node, args, { stdio: stdioOptions, env, detached: true });
      } finally {
        setns(ownNamespace, CLONE_NEWPID, '/proc/self/ns/pid (restoring ours)');
      }
    } finally {
      closeSync(ownNamespace);
    }
  }

  return child;
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
  constructor(private readonly socket: Socket) {
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n')) {
        this.push(JSON.parse(this.buffer.slice(0, newline)) as InitMessage);
        this.buffer = this.buffer.slice(newline + 1);
      }
    });
    this.socket.on('error', () => undefined);
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

  /** No more messages will come: `message` (an error) answers every later next(). */
  end(message: InitMessage): void {
    if (this.ended) return;
    this.ended = message;
    for (const waiter of this.waiting.splice(0)) waiter(message);
  }
}

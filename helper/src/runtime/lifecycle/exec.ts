// exec: a new process inside a running container: the same namespaces (joined through /proc/PID/ns),
// the same cgroup, and the container's process settings (env, cwd, user, capabilities, seccomp) with the
// caller's changes on top.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroup } from '../../cgroups';
import { NAMESPACES } from '../../linux/namespaces';
import { compileSeccompForHost } from '../seccomp/compile';
import { loadBundle } from '../bundle';
import { RuntimeError } from '../errors';
import type { InitConfig } from '../init/initConfig';
import type { Process } from '../spec/config';
import { liveStatus } from '../state/liveStatus';
import type { StateStore } from '../state/stateStore';
import { writeFileAtomic } from '../../fs/writeFileAtomic';
import { spawnInit, type ExitStatus } from './spawnInit';

export interface ExecOptions {
  id: string;
  /** The whole process (runc's --process FILE), or changes to the container's own. */
  process?: Process;
  args?: string[];
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number };
  tty?: boolean;
  consoleSocket?: string;
  pidFile?: string;
  warn?: (message: string) => void;
  /** Pipes for the process's stdin, stdout and stderr instead of ours (without a terminal). */
  pipes?: boolean;
}

export interface ExecResult {
  pid: number;
  /** With `pipes`: the process's stdin, stdout and stderr. */
  stdio?: { stdin: NodeJS.WritableStream & { destroy(): void }; stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream };
  exited: Promise<ExitStatus>;
  /** Lets this process end without waiting for the exec'd process (exec -d). */
  detach(): void;
}

export async function execInContainer(store: StateStore, options: ExecOptions): Promise<ExecResult> {
  const stored = store.read(options.id);
  const status = liveStatus(stored);
  if (status !== 'running') throw new RuntimeError(`cannot exec in container "${options.id}": it is ${status}, not running`, 'state');
  const { config } = loadBundle(stored.bundle);
  const base = config.process!;
  const process_: Process = options.process ?? {
    ...base,
    args: options.args ?? [],
    env: [...(base.env ?? []), ...(options.env ?? [])],
    cwd: options.cwd ?? base.cwd,
    user: options.user ? { ...base.user, ...options.user, additionalGids: [] } : base.user,
    terminal: options.tty ?? false,
  };
  if (process_.args.length === 0) throw new RuntimeError('exec: no command given', 'invalid');
  if (process_.terminal && !options.consoleSocket) throw new RuntimeError('exec -t needs --console-socket to hand out the terminal', 'invalid');

  const namespaces = config.linux?.namespaces ?? [];
  const nsPath = (type: keyof typeof NAMESPACES) => `/proc/${stored.pid}/ns/${NAMESPACES[type].procName}`;
  const seccomp = config.linux?.seccomp ? compileSeccompForHost(config.linux.seccomp) : undefined;
  // Joined in this order: mount last, so that the paths of the others are still the host's.
  const order = ['cgroup', 'ipc', 'uts', 'network', 'mount'] as const;
  // The user namespace (and with it the pid namespace) is joined by the shim that starts the init.
  const userNamespace = namespaces.some((ns) => ns.type === 'user');
  const cgroupProcsFiles = openCgroup(stored.cgroupsPath).procsFiles();
  const initConfig: InitConfig = {
    mode: 'exec',
    id: options.id,
    config: { ...config, process: process_ },
    rootfs: stored.rootfs,
    bundle: stored.bundle,
    noPivot: false,
    consoleSocket: options.consoleSocket,
    extraFds: 0,
    listenFds: 0,
    syncFd: 3,
    cgroupProcsFiles,
    userNamespace,
    join: order.filter((type) => namespaces.some((ns) => ns.type === type)).map((type) => ({ type, path: nsPath(type) })),
    unshareFlags: 0,
    seccomp: seccomp && { program: seccomp.program.toString('base64'), flags: seccomp.flags },
    pauseForHooks: false,
  };
  const configPath = join(store.dirOf(options.id), `exec-${process.pid}-${Date.now()}.json`);
  writeFileSync(configPath, JSON.stringify(initConfig), { mode: 0o600 });
  let init: Awaited<ReturnType<typeof spawnInit>>;
  try {
    init = await spawnInit({
      configPath,
      pidNamespace: namespaces.some((ns) => ns.type === 'pid') ? nsPath('pid') : undefined,
      stdio: process_.terminal ? 'ignore' : options.pipes ? 'pipe' : 'inherit',
      extraFds: [],
      consoleSocket: options.consoleSocket,
      userNamespace: userNamespace ? { join: nsPath('user'), cgroupProcsFiles } : undefined,
    });
  } catch (error) {
    rmSync(configPath, { force: true });
    throw new RuntimeError(`cannot exec in container "${options.id}": ${(error as Error).message}`);
  }
  const message = await init.channel.next();
  rmSync(configPath, { force: true });
  if (message.type !== 'ready') {
    init.kill();
    throw new RuntimeError(`cannot exec in container "${options.id}": ${message.type === 'error' ? message.message : message.type}`);
  }
  for (const warning of message.warnings) options.warn?.(warning);
  if (options.pidFile) writeFileAtomic(options.pidFile, `${init.pid}`);
  init.channel.close();
  const child = init.child!;
  const stdio =
    options.pipes && !process_.terminal
      ? { stdin: child.stdin!, stdout: child.stdout!, stderr: child.stderr! }
      : undefined;
  return { pid: init.pid, exited: init.exited, detach: () => init.detach(), ...(stdio ? { stdio } : {}) };
}

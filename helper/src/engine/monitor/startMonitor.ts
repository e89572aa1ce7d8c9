// Starting a container's monitor (monitorScript.ts): one detached Perl process per container that owns
// the container's process, its logs and its exit status, so that the daemon may crash or restart
// without the container noticing. The daemon waits only until the monitor has written its pid files
// (the monitor's answer on a sync pipe), then lets go of it: no fd, no listener keeps them connected.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { MONITOR_SCRIPT } from './monitorScript';

export interface StartMonitorOptions {
  /** The container's state directory: pid files, exit.json and logs/ go here (made if missing). */
  dir: string;
  /** The command the monitor forks and execs (looked up as execvp does, in env's PATH). */
  argv: string[];
  /** The command's whole environment. Default: PATH only. */
  env?: Record<string, string>;
  /** unshare(CLONE_NEWPID) in the monitor before it forks, so that the command is PID 1 of a new pid namespace. */
  newPidNamespace?: boolean;
  /** stdin: /dev/null (default), or the fifo `dir/stdin` (made if missing; opened read-write, so it never ends). */
  stdin?: 'null' | 'fifo' | 'fifo-once';
  /** Rotation of dir/logs/container.log, as LogWriter's options (defaults 10 MiB, 3 files). */
  logs?: { maxBytes: number; maxFiles: number };
  /** A partial line is written as a partial record after this long without more output. Default 100 ms. */
  partialLineMs?: number;
  /** Fds of ours the command should inherit; every other fd above 2 is closed in the monitor. */
  keepFds?: number[];
  /** A terminal for the command: the pty's master and slave (ours; passed after keepFds). */
  tty?: { master: number; slave: number };
}

export interface StartedMonitor {
  monitorPid: number;
  /** The command's host pid. */
  containerPid: number;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Files a previous run of a container leaves in its directory, removed before a new one starts. */
const RUN_FILES = ['exit.json', 'monitor.pid', 'container.pid', 'monitor.json'];

export class MonitorError extends Error {}

/**
 * Starts the monitor and resolves once it has written dir/monitor.pid and dir/container.pid and the
 * command has been exec'd; rejects with the monitor's message if it could not (a command that cannot be
 * exec'd is still recorded in exit.json, with code 127).
 */
export function startMonitor(options: StartMonitorOptions): Promise<StartedMonitor> {
  const { argv, logs } = options;
  const keepFds = [...(options.keepFds ?? []), ...(options.tty ? [options.tty.master, options.tty.slave] : [])];
  if (argv.length === 0) return Promise.reject(new MonitorError('startMonitor: argv is empty'));
  if (logs && (!Number.isSafeInteger(logs.maxBytes) || logs.maxBytes < 1 || !Number.isSafeInteger(logs.maxFiles) || logs.maxFiles < 1)) {
    return Promise.reject(new RangeError('startMonitor: logs.maxBytes and logs.maxFiles must be positive integers'));
  }
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of RUN_FILES) rmSync(join(dir, name), { force: true });

  const environment = Object.entries(options.env ?? { PATH: DEFAULT_PATH }).map(([key, value]) => `${key}=${value}`);
  // The kept fds are passed at 3, 4, …; the sync pipe comes after them.
  const syncFd = 3 + keepFds.length;
  const child = spawn('perl', ['-e', MONITOR_SCRIPT, '--', `${environment.length}`, ...environment, ...argv], {
    // Its own session (setsid), stdio on /dev/null: nothing ties it to the daemon's terminal or process group.
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', ...keepFds, 'pipe'],
    cwd: '/',
    env: {
      PATH: DEFAULT_PATH,
      BERTH_MON_DIR: dir,
      BERTH_MON_SYNC_FD: `${syncFd}`,
      BERTH_MON_KEEP_FDS: keepFds.map((_, index) => `${3 + index}`).join(','),
      BERTH_MON_PIDNS: options.newPidNamespace ? '1' : '',
      BERTH_MON_STDIN: options.stdin === 'fifo' || options.stdin === 'fifo-once' ? options.stdin : '',
      BERTH_MON_MAX_BYTES: `${logs?.maxBytes ?? ''}`,
      BERTH_MON_MAX_FILES: `${logs?.maxFiles ?? ''}`,
      BERTH_MON_IDLE_MS: `${options.partialLineMs ?? ''}`,
      // The pty's fds as the monitor sees them: the last two kept fds.
      BERTH_MON_TTY: options.tty ? `${3 + keepFds.length - 2},${3 + keepFds.length - 1}` : '',
    },
  });
  const sync = child.stdio[syncFd] as Readable;
  return new Promise<StartedMonitor>((resolvePromise, reject) => {
    let answer = '';
    let settled = false;
    const settle = (error: Error | null, started?: StartedMonitor) => {
      if (settled) return;
      settled = true;
      sync.destroy();
      child.unref();
      if (error) reject(error);
      else resolvePromise(started!);
    };
    sync.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      const newline = answer.indexOf('\n');
      if (newline < 0) return;
      let message: { type?: string; message?: string; monitorPid?: number; containerPid?: number };
      try {
        message = JSON.parse(answer.slice(0, newline)) as typeof message;
      } catch {
        settle(new MonitorError(`the monitor answered ${JSON.stringify(answer.slice(0, newline))}`));
        return;
      }
      if (message.type === 'started' && typeof message.monitorPid === 'number' && typeof message.containerPid === 'number') {
        settle(null, { monitorPid: message.monitorPid, containerPid: message.containerPid });
      } else {
        settle(new MonitorError(message.message ?? `the monitor answered ${JSON.stringify(message)}`));
      }
    });
    sync.on('error', () => undefined);
    sync.on('end', () => settle(new MonitorError('the monitor closed its sync pipe without an answer')));
    child.once('error', (error) => settle(new MonitorError(`cannot start the monitor (perl): ${error.message}`)));
    // 'close', not 'exit': a quick command's monitor may exit before its answer has been read.
    child.once('close', (code, signal) => settle(new MonitorError(`the monitor exited (${signal ?? `code ${code}`}) before starting the command`)));
  });
}

// The container's process: started through the runtime under a monitor of its own (monitor/), signalled,
// resized, given input, and watched until it exits. Everything here is about the one process a running
// container has; what an exit means for the container (restart, remove) is the lifecycle's business.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { O_NOCTTY, O_NONBLOCK, O_RDWR } from '../linux/files';
import { openPty, setWindowSize } from '../linux/pty';
import { RuntimeError } from '../runtime/errors';
import { createContainer } from '../runtime/lifecycle/create';
import { containerState, deleteContainer, killContainer, startContainer } from '../runtime/lifecycle/operations';
import type { InitLauncher } from '../runtime/lifecycle/spawnInit';
import { readProcStat } from '../runtime/state/liveStatus';
import { StateStore } from '../runtime/state/stateStore';
import type { EngineContext } from './context';
import type { ContainerRecord } from './containers/containerRecord';
import { EngineError } from './engineErrors';
import { readMonitorState, startMonitor, waitForExit, type MonitorExit } from './monitor';

/** Rotation of each container's log: 10 MiB per file, three files, as Docker's json-file options often set. */
const LOG_ROTATION = { maxBytes: 10 * 1024 * 1024, maxFiles: 3 };

export type ProcessExit = MonitorExit;

/** What recovery finds of a process that was running when the daemon last looked. */
export type FoundProcess = { running: true } | { running: false; exit: ProcessExit | null };

export class ContainerProcesses {
  /** The runtime's own state (cgroup, pid), one directory per container under ROOT/runtime. */
  readonly runtime: StateStore;
  /** Containers whose exit is being watched by this process (one watch each). */
  private readonly watching = new Map<string, AbortController>();
  private closed = false;

  constructor(
    private readonly ctx: EngineContext,
    /** Called once per exit of a watched process. */
    private readonly onExit: (id: string, exit: ProcessExit) => void,
  ) {
    this.runtime = new StateStore(join(ctx.options.rootDir, 'runtime'));
  }

  /** Stops watching (the daemon is stopping); the processes go on under their monitors. */
  close(): void {
    this.closed = true;
    for (const controller of this.watching.values()) controller.abort();
    this.watching.clear();
  }

  /**
   * Starts the container's process and records it in `record.state` (saved); on failure the record says
   * why (exit code 127) and the error is thrown.
   */
  async launch(record: ContainerRecord): Promise<void> {
    const id = record.id;
    const dir = this.ctx.dirOf(id);
    const runDir = this.ctx.runDirOf(id);
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    this.ctx.mountRootfs(record);
    await this.deleteRuntimeState(id);
    const pty = record.process.tty ? openPty() : undefined;
    if (pty) {
      setWindowSize(pty.master, 24, 80);
      record.state.ttyPath = pty.slavePath;
    }
    const launcher: InitLauncher = async (request) => {
      const started = await startMonitor({
        ...(pty ? { tty: { master: pty.master, slave: pty.slave } } : {}),
        dir: runDir,
        argv: request.argv,
        env: request.env,
        keepFds: request.fds,
        newPidNamespace: request.newPidNamespace,
        stdin: !record.spec.openStdin ? 'null' : record.spec.stdinOnce && !record.process.tty ? 'fifo-once' : 'fifo',
        logs: LOG_ROTATION,
      });
      return { pid: started.containerPid };
    };
    let created;
    try {
      created = await createContainer(this.runtime, {
        id,
        bundle: join(dir, 'bundle'),
        launcher,
        warn: (message) => this.ctx.logger.warn(`container ${id.slice(0, 12)}: ${message}`),
      });
    } finally {
      // The monitor has its own copies now (or failed): the daemon keeps no fd of the terminal.
      if (pty) {
        closeSync(pty.master);
        closeSync(pty.slave);
      }
    }
    await startContainer(this.runtime, id);
    record.state = {
      ...record.state,
      status: 'running',
      pid: created.state.pid,
      pidStartTime: readProcStat(created.state.pid)?.startTime ?? '',
      exitCode: 0,
      signal: null,
      oomKilled: false,
      error: '',
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    this.ctx.store.save(record);
    this.watch(id);
  }

  /** Whether the kernel's OOM killer killed a process of the container (asked once it has stopped). */
  oomKilled(id: string): boolean {
    try {
      return containerState(this.runtime, id).oomKilled === true;
    } catch {
      return false; // No runtime state left.
    }
  }

  signal(record: ContainerRecord, signal: string): void {
    try {
      killContainer(this.runtime, record.id, signal);
    } catch (error) {
      if (error instanceof RuntimeError) this.ctx.logger.info(`signal ${signal} to ${record.id.slice(0, 12)}: ${error.message}`);
      else throw error;
    }
  }

  /** Forgets the runtime's state of the container: its cgroup, and its process if one is left. */
  async deleteRuntimeState(id: string): Promise<void> {
    try {
      this.runtime.read(id);
    } catch {
      return;
    }
    await deleteContainer(this.runtime, id, true).catch((error: Error) => this.ctx.logger.warn(`deleting the runtime state of ${id}: ${error.message}`));
  }

  /** Stops watching the container's process (it is being removed). */
  unwatch(id: string): void {
    this.watching.get(id)?.abort();
    this.watching.delete(id);
  }

  /** What became of a process the record says is running, for a daemon that was not watching it. */
  find(record: ContainerRecord): FoundProcess {
    const monitor = readMonitorState(this.ctx.runDirOf(record.id));
    if (monitor?.exit) return { running: false, exit: monitor.exit };
    if (monitor?.running) {
      this.watch(record.id);
      return { running: true };
    }
    // The monitor was killed (or the machine rebooted): the exit status is lost.
    return { running: false, exit: null };
  }

  /**
   * The container's stdin (created with openStdin), through the monitor's fifo: writes wait (without
   * blocking the daemon) while the fifo is full; end() closes only ours, as "end of input" can mean no more.
   */
  stdinWriter(record: ContainerRecord): { write(bytes: Buffer): Promise<void>; end(): void } {
    if (!record.spec.openStdin) throw new EngineError(`container ${record.name} was not created with an open stdin (-i)`, 'conflict');
    let fd: number;
    try {
      // Read-write: opening never waits for (or fails without) the monitor's end, which is not there
      // before start; what is written meanwhile waits in the fifo.
      fd = openSync(join(this.ctx.runDirOf(record.id), 'stdin'), O_RDWR | O_NONBLOCK);
    } catch (error) {
      throw new EngineError(`cannot write to the stdin of ${record.name}: ${(error as NodeJS.ErrnoException).code}`, 'conflict');
    }
    const socket = new Socket({ fd, readable: false, writable: true });
    socket.on('error', () => undefined);
    return {
      write: (bytes) => new Promise<void>((resolve) => (socket.write(bytes) ? resolve() : socket.once('drain', () => resolve()))),
      end: () => socket.destroy(),
    };
  }

  /** Sets the size of the container's own terminal (through its slave, which the monitor's child holds). */
  resize(record: ContainerRecord, rows: number, cols: number): void {
    if (!record.process.tty) throw new EngineError(`container ${record.name} has no terminal of its own (it was not created with -t)`, 'conflict');
    if ((record.state.status !== 'running' && record.state.status !== 'paused') || !record.state.ttyPath) {
      throw new EngineError(`container ${record.name} is not running`, 'conflict');
    }
    let fd: number;
    try {
      fd = openSync(record.state.ttyPath, O_RDWR | O_NOCTTY | O_NONBLOCK);
    } catch (error) {
      throw new EngineError(`cannot open the terminal of ${record.name}: ${(error as NodeJS.ErrnoException).code}`, 'conflict');
    }
    try {
      setWindowSize(fd, rows, cols);
    } finally {
      closeSync(fd);
    }
  }

  private watch(id: string): void {
    if (this.watching.has(id) || this.closed) return;
    const controller = new AbortController();
    this.watching.set(id, controller);
    waitForExit(this.ctx.runDirOf(id), controller.signal).then(
      (exit) => {
        if (this.watching.get(id) === controller) this.watching.delete(id);
        this.onExit(id, exit);
      },
      () => {
        if (this.watching.get(id) === controller) this.watching.delete(id);
      },
    );
  }
}

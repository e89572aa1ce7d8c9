// The engine: containers as Docker users know them, built on the runtime library. Each container has a
// directory under ROOT/containers (its record, OCI bundle, writable layer, network files) and, while it
// runs, a monitor (monitor/monitorScript.ts) that is the parent of its init and owns its stdio, logs and
// exit status. The daemon holds nothing a container needs: it may crash or restart, and on start it
// reads the records and the monitors' files to learn what happened meanwhile. The runtime's own state
// (cgroup, pid) lives in ROOT/runtime under the container's id.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroup } from '../cgroups';
import type { EventBus } from '../events/eventBus';
import type { ImageStore, ResolvedImage } from '../images/imageStore';
import { mkfifo, O_NOCTTY, O_NONBLOCK, O_RDWR } from '../linux/files';
import { openPty, setWindowSize } from '../linux/pty';
import { signalNumber } from '../linux/signals';
import type { Logger } from '../logging/logger';
import type { CreateContainerParams, ContainerInspect, ContainerSummary } from '../protocol';
import { writeFileAtomic } from '../fs/writeFileAtomic';
import { RuntimeError } from '../runtime/errors';
import { createContainer } from '../runtime/lifecycle/create';
import { containerState, deleteContainer, killContainer, startContainer } from '../runtime/lifecycle/operations';
import type { InitLauncher } from '../runtime/lifecycle/spawnInit';
import { readProcStat } from '../runtime/state/liveStatus';
import { StateStore } from '../runtime/state/stateStore';
import { buildOciConfig } from './config/buildOciConfig';
import { ContainerConfigError } from './config/errors';
import { ensureWorkdir } from './config/filesInRoot';
import type { ContainerRecord } from './containers/containerRecord';
import { ContainerStore } from './containers/containerStore';
import { toInspect, toSummary } from './containers/describe';
import { EngineError } from './engineErrors';
import { readMonitorState, startMonitor, waitForExit, type MonitorExit } from './monitor';
import { matchesFilters, NamingError, parseFilters, randomName, validateName } from './naming';
import { createWritableLayer, ensureMounted, releaseWritableLayer, rootfsOf } from './storage/writableLayer';

export interface EngineOptions {
  rootDir: string;
  logger: Logger;
  events: EventBus;
  images: ImageStore;
}

export interface WaitResult {
  exitCode: number;
  signal: string | null;
  oomKilled: boolean;
}

/** Rotation of each container's log: 10 MiB per file, three files, as Docker's json-file options often set. */
const LOG_ROTATION = { maxBytes: 10 * 1024 * 1024, maxFiles: 3 };
const DEFAULT_STOP_TIMEOUT = 10;
/** How long an auto-removed container waits for the readers of its logs to finish. */
const AUTO_REMOVE_GRACE_MS = 5000;

export class Engine {
  readonly store: ContainerStore;
  readonly runtime: StateStore;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly exitWaiters = new Map<string, Array<(result: WaitResult) => void>>();
  private readonly removeWaiters = new Map<string, Array<() => void>>();
  /** Containers whose exit is being watched by this process (one watch each). */
  private readonly watching = new Map<string, AbortController>();
  private closed = false;
  /** Containers whose root filesystem this daemon has mounted or found mounted (the files API asks often). */
  private readonly mounted = new Set<string>();
  /** Streams still reading a container's logs: auto-remove waits for them (a run's attach reads the end). */
  private readonly logReaders = new Map<string, Set<symbol>>();

  private constructor(private readonly options: EngineOptions) {
    this.store = new ContainerStore(join(options.rootDir, 'containers'));
    this.runtime = new StateStore(join(options.rootDir, 'runtime'));
  }

  /** Loads the containers and catches up with what happened while no daemon was watching. */
  static async open(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    await engine.recover();
    return engine;
  }

  get events(): EventBus {
    return this.options.events;
  }

  /** Stops watching (the daemon is stopping); containers go on running under their monitors. */
  close(): void {
    this.closed = true;
    for (const controller of this.watching.values()) controller.abort();
    this.watching.clear();
  }

  dirOf(id: string): string {
    return this.store.dirOf(id);
  }

  runDirOf(id: string): string {
    return join(this.store.dirOf(id), 'run');
  }

  /** The container named by id, id prefix or name. */
  resolve(ref: string): ContainerRecord {
    try {
      return this.store.resolve(ref);
    } catch (error) {
      if (error instanceof NamingError) {
        throw new EngineError(error.kind === 'notFound' ? `No such container: ${ref}` : error.message, error.kind === 'notFound' ? 'notFound' : 'invalid');
      }
      throw error;
    }
  }

  /** The host path of the container's root filesystem, mounted (files API). */
  rootfs(ref: string): string {
    const record = this.resolve(ref);
    const dir = this.dirOf(record.id);
    if (!this.mounted.has(record.id)) {
      ensureMounted(dir, this.layersOf(record), record.storageDriver);
      this.mounted.add(record.id);
    }
    return rootfsOf(dir);
  }

  // ---- create ----

  async create(params: CreateContainerParams): Promise<{ id: string; name: string; warnings: string[] }> {
    const spec = params.spec;
    const warnings: string[] = [];
    let name: string;
    try {
      name = params.name === undefined ? randomName((candidate) => this.store.nameTaken(candidate) !== undefined) : validateName(params.name);
    } catch (error) {
      if (error instanceof NamingError) throw new EngineError(error.message, 'invalid');
      throw error;
    }
    const taken = this.store.nameTaken(name);
    if (taken) {
      throw new EngineError(
        `the container name "/${name}" is already in use by container ${taken.id}; remove (or rename) that container to reuse the name`,
        'conflict',
      );
    }
    refuseUnbuiltNetworking(spec);
    const image = this.resolveImage(spec.image);
    const restartPolicy = params.restartPolicy ?? { name: 'no' as const };
    if (params.autoRemove && restartPolicy.name !== 'no') {
      throw new EngineError('--restart and --rm cannot be used together: a container removed when it stops cannot be restarted', 'invalid');
    }
    const id = randomBytes(32).toString('hex');
    const dir = this.store.dirOf(id);
    mkdirSync(dir, { mode: 0o700 });
    let driver: ContainerRecord['storageDriver'] | undefined;
    try {
      driver = createWritableLayer(dir, image.layerDirs, (warning) => warnings.push(warning));
      const rootfs = rootfsOf(dir);
      const { config, files } = buildOciConfig({ id, spec: this.withVolumes(spec), image: image.config, rootfs, containerDir: dir });
      for (const [path, content] of Object.entries(files)) writeFileSync(path, content, { mode: 0o644 });
      ensureWorkdir(rootfs, config.process!.cwd);
      // A container's own terminal is a pty the engine opens at each start and its monitor holds: the
      // init itself gets it as stdio and does not make one (it would need a console socket to hand back).
      const terminal = config.process!.terminal === true;
      config.process!.terminal = false;
      mkdirSync(join(dir, 'bundle'), { mode: 0o700 });
      if (spec.openStdin) {
        // The stdin fifo exists from create on, so that run can attach its input before it starts.
        mkdirSync(join(dir, 'run'), { mode: 0o700 });
        mkfifo(join(dir, 'run', 'stdin'), 0o600);
      }
      writeFileAtomic(join(dir, 'bundle', 'config.json'), JSON.stringify(config, null, 1), 0o600);
      const process_ = config.process!;
      const record: ContainerRecord = {
        id,
        name,
        created: new Date().toISOString(),
        spec,
        image: spec.image,
        imageId: image.id,
        restartPolicy,
        autoRemove: params.autoRemove === true,
        stopTimeout: params.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
        stopSignal: params.stopSignal ?? (typeof image.config.StopSignal === 'string' && image.config.StopSignal ? image.config.StopSignal : 'SIGTERM'),
        process: {
          args: process_.args,
          env: process_.env ?? [],
          cwd: process_.cwd,
          user: spec.user ?? (typeof image.config.User === 'string' ? image.config.User : ''),
          hostname: config.hostname ?? '',
          tty: terminal,
        },
        storageDriver: driver,
        state: {
          status: 'created',
          pid: 0,
          pidStartTime: '',
          exitCode: 0,
          signal: null,
          oomKilled: false,
          error: '',
          startedAt: null,
          finishedAt: null,
          restartCount: 0,
          stoppedByUser: false,
        },
      };
      try {
        signalNumber(record.stopSignal);
      } catch (error) {
        throw new EngineError(`stopSignal: ${(error as Error).message}`, 'invalid');
      }
      this.options.images.retain(image.id, id);
      this.store.save(record);
    } catch (error) {
      if (driver) releaseWritableLayer(dir, driver);
      this.store.remove(id);
      throw translate(error);
    }
    this.publish('create', this.store.get(id)!);
    return { id, name, warnings };
  }

  /**
   * Named volumes are directories the engine keeps (ROOT/volumes/NAME/_data, made on first use, never
   * removed with a container), bound like host paths; a volume without a name gets a random one.
   */
  private withVolumes(spec: CreateContainerParams['spec']): CreateContainerParams['spec'] {
    if (!spec.mounts?.some((mount) => mount.type === 'volume')) return spec;
    const mounts = spec.mounts.map((mount, index) => {
      if (mount.type !== 'volume') return mount;
      const name = mount.source ?? randomBytes(32).toString('hex');
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
        throw new EngineError(`mounts[${index}].source: "${name}" is not a valid volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+); a host path must be absolute`, 'invalid');
      }
      const data = join(this.options.rootDir, 'volumes', name, '_data');
      mkdirSync(data, { recursive: true, mode: 0o755 });
      return { ...mount, type: 'bind' as const, source: data };
    });
    return { ...spec, mounts };
  }

  // ---- start, stop, kill, restart, pause ----

  start(ref: string): Promise<void> {
    const record = this.resolve(ref);
    return this.locked(record.id, async () => {
      const current = this.mustGet(record.id);
      if (current.state.status === 'running' || current.state.status === 'paused') return;
      current.state.stoppedByUser = false;
      await this.launch(current);
    });
  }

  stop(ref: string, timeout?: number): Promise<void> {
    const record = this.resolve(ref);
    return this.locked(record.id, () => this.stopLocked(record.id, timeout ?? record.stopTimeout, true));
  }

  private async stopLocked(id: string, timeout: number, byUser: boolean): Promise<void> {
    const record = this.mustGet(id);
    if (byUser) {
      record.state.stoppedByUser = true;
      this.store.save(record);
    }
    if (!this.isRunning(record)) return;
    const exited = this.nextExit(id);
    if (record.state.status === 'paused') await this.thaw(record);
    this.signal(record, record.stopSignal);
    const graceful = await Promise.race([exited.then(() => true), delay(timeout * 1000).then(() => false)]);
    if (!graceful) {
      this.options.logger.info(`container ${id.slice(0, 12)} did not stop within ${timeout} s of ${record.stopSignal}; killing it`);
      this.signal(record, 'SIGKILL');
      await exited;
    }
    this.publish('stop', record);
  }

  kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const record = this.resolve(ref);
    try {
      signalNumber(signal);
    } catch (error) {
      throw new EngineError((error as Error).message, 'invalid');
    }
    return this.locked(record.id, async () => {
      const current = this.mustGet(record.id);
      if (!this.isRunning(current)) throw new EngineError(`cannot kill container ${current.name}: it is not running`, 'conflict');
      const fatal = ['SIGKILL', 'KILL', '9', 'SIGTERM', 'TERM', '15', 'SIGINT', 'INT', '2'].includes(signal.toUpperCase());
      if (fatal) {
        current.state.stoppedByUser = true;
        this.store.save(current);
      }
      this.signal(current, signal);
      this.publish('kill', current, { signal });
    });
  }

  restart(ref: string, timeout?: number): Promise<void> {
    const record = this.resolve(ref);
    return this.locked(record.id, async () => {
      await this.stopLocked(record.id, timeout ?? record.stopTimeout, false);
      const current = this.mustGet(record.id);
      current.state.stoppedByUser = false;
      await this.launch(current);
      this.publish('restart', current);
    });
  }

  pause(ref: string): Promise<void> {
    const record = this.resolve(ref);
    return this.locked(record.id, async () => {
      const current = this.mustGet(record.id);
      if (current.state.status === 'paused') throw new EngineError(`container ${current.name} is already paused`, 'conflict');
      if (current.state.status !== 'running') throw new EngineError(`container ${current.name} is not running`, 'conflict');
      await openCgroup(this.cgroupPath(current)).freeze();
      current.state.status = 'paused';
      this.store.save(current);
      this.publish('pause', current);
    });
  }

  unpause(ref: string): Promise<void> {
    const record = this.resolve(ref);
    return this.locked(record.id, async () => {
      const current = this.mustGet(record.id);
      if (current.state.status !== 'paused') throw new EngineError(`container ${current.name} is not paused`, 'conflict');
      await this.thaw(current);
      this.publish('unpause', current);
    });
  }

  private async thaw(record: ContainerRecord): Promise<void> {
    await openCgroup(this.cgroupPath(record)).thaw();
    record.state.status = 'running';
    this.store.save(record);
  }

  // ---- remove, rename, prune ----

  remove(ref: string, force = false): Promise<void> {
    const record = this.resolve(ref);
    return this.locked(record.id, () => this.removeLocked(record.id, force));
  }

  private async removeLocked(id: string, force: boolean): Promise<void> {
    const record = this.store.get(id);
    if (!record) return;
    if (this.isRunning(record)) {
      if (!force) {
        throw new EngineError(
          `cannot remove container ${record.name}: it is ${record.state.status}; stop it first, or remove it with force`,
          'conflict',
        );
      }
      const exited = this.nextExit(id);
      record.state.stoppedByUser = true;
      if (record.state.status === 'paused') await this.thaw(record);
      this.signal(record, 'SIGKILL');
      await exited;
    }
    this.watching.get(id)?.abort();
    this.watching.delete(id);
    await this.deleteRuntimeState(id);
    const dir = this.dirOf(id);
    releaseWritableLayer(dir, record.storageDriver);
    this.mounted.delete(id);
    this.store.remove(id);
    try {
      this.options.images.release(record.imageId, id);
    } catch (error) {
      this.options.logger.warn(`releasing image ${record.imageId} of container ${id}: ${(error as Error).message}`);
    }
    this.publish('destroy', record);
    for (const waiter of this.removeWaiters.get(id) ?? []) waiter();
    this.removeWaiters.delete(id);
  }

  rename(ref: string, newName: string): Promise<void> {
    const record = this.resolve(ref);
    return this.locked(record.id, async () => {
      let name: string;
      try {
        name = validateName(newName);
      } catch (error) {
        throw new EngineError((error as Error).message, 'invalid');
      }
      const current = this.mustGet(record.id);
      if (current.name === name) throw new EngineError(`renaming container ${current.name}: it already has that name`, 'conflict');
      const taken = this.store.nameTaken(name);
      if (taken) throw new EngineError(`the container name "/${name}" is already in use by container ${taken.id}`, 'conflict');
      const oldName = current.name;
      current.name = name;
      this.store.save(current);
      this.publish('rename', current, { oldName });
    });
  }

  async prune(filters?: Record<string, string[]>): Promise<string[]> {
    const parsed = this.parseFilters(filters ?? {});
    const removed: string[] = [];
    for (const record of this.store.all()) {
      if (record.state.status !== 'exited' && record.state.status !== 'created' && record.state.status !== 'dead') continue;
      if (!matchesFilters(this.filterable(record), parsed)) continue;
      try {
        await this.locked(record.id, () => this.removeLocked(record.id, false));
        removed.push(record.id);
      } catch (error) {
        this.options.logger.warn(`prune: ${record.id}: ${(error as Error).message}`);
      }
    }
    return removed;
  }

  // ---- wait, inspect, list ----

  async wait(ref: string, condition: 'not-running' | 'next-exit' | 'removed' = 'not-running'): Promise<WaitResult> {
    const record = this.resolve(ref);
    if (condition === 'removed') {
      const removed = new Promise<void>((resolve) => this.removeWaiters.set(record.id, [...(this.removeWaiters.get(record.id) ?? []), resolve]));
      const result = this.isRunning(record) ? await this.nextExit(record.id) : this.exitOf(record);
      await removed;
      return result;
    }
    if (condition === 'not-running' && !this.isRunning(record)) return this.exitOf(record);
    return this.nextExit(record.id);
  }

  inspect(ref: string): ContainerInspect {
    const record = this.resolve(ref);
    return toInspect(record, this.dirOf(record.id));
  }

  list(all = false, filters: Record<string, string[]> = {}): ContainerSummary[] {
    const parsed = this.parseFilters(filters);
    const order = (record: ContainerRecord) => (this.isRunning(record) ? 0 : 1);
    return this.store
      .all()
      .filter((record) => all || this.isRunning(record) || (filters.status?.length ?? 0) > 0)
      .filter((record) => matchesFilters(this.filterable(record), parsed))
      .sort((a, b) => order(a) - order(b) || b.created.localeCompare(a.created))
      .map(toSummary);
  }

  /** Host pids of the container's processes. */
  processes(ref: string): number[] {
    const record = this.resolve(ref);
    if (!this.isRunning(record)) throw new EngineError(`container ${record.name} is not running`, 'conflict');
    return openCgroup(this.cgroupPath(record)).processes();
  }

  cgroupOf(record: ContainerRecord): ReturnType<typeof openCgroup> {
    return openCgroup(this.cgroupPath(record));
  }

  isRunning(record: ContainerRecord): boolean {
    return record.state.status === 'running' || record.state.status === 'paused';
  }

  /** Writes to the container's stdin (created with openStdin): the monitor's fifo. */
  openStdin(record: ContainerRecord): number {
    if (!record.spec.openStdin) throw new EngineError(`container ${record.name} was not created with an open stdin (-i)`, 'conflict');
    try {
      // Read-write: opening never waits for (or fails without) the monitor's end, which is not there
      // before start; what is written meanwhile waits in the fifo.
      return openSync(join(this.runDirOf(record.id), 'stdin'), O_RDWR | O_NONBLOCK);
    } catch (error) {
      throw new EngineError(`cannot write to the stdin of ${record.name}: ${(error as NodeJS.ErrnoException).code}`, 'conflict');
    }
  }

  /** Sets the size of the container's own terminal (through its slave, which the monitor's child holds). */
  resize(ref: string, rows: number, cols: number): void {
    const record = this.resolve(ref);
    if (!record.process.tty) throw new EngineError(`container ${record.name} has no terminal of its own (it was not created with -t)`, 'conflict');
    if (!this.isRunning(record) || !record.state.ttyPath) throw new EngineError(`container ${record.name} is not running`, 'conflict');
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

  /** Resolves with the container's next exit (after its record is updated). */
  nextExit(id: string): Promise<WaitResult> {
    return new Promise((resolve) => this.exitWaiters.set(id, [...(this.exitWaiters.get(id) ?? []), resolve]));
  }

  exitOf(record: ContainerRecord): WaitResult {
    return { exitCode: record.state.exitCode, signal: record.state.signal, oomKilled: record.state.oomKilled };
  }

  // ---- the start path ----

  private async launch(record: ContainerRecord): Promise<void> {
    const id = record.id;
    const dir = this.dirOf(id);
    const runDir = this.runDirOf(id);
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    try {
      ensureMounted(dir, this.layersOf(record), record.storageDriver);
      this.mounted.add(id);
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
          warn: (message) => this.options.logger.warn(`container ${id.slice(0, 12)}: ${message}`),
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
      this.store.save(record);
    } catch (error) {
      await this.deleteRuntimeState(id);
      record.state.error = (error as Error).message;
      record.state.exitCode = 127;
      this.store.save(record);
      throw translate(error, `cannot start container ${record.name}`);
    }
    this.publish('start', record);
    this.watchExit(record.id);
  }

  private watchExit(id: string): void {
    if (this.watching.has(id) || this.closed) return;
    const controller = new AbortController();
    this.watching.set(id, controller);
    waitForExit(this.runDirOf(id), controller.signal).then(
      (exit) => {
        if (this.watching.get(id) === controller) this.watching.delete(id);
        // Not under the container's lock: stop and remove hold it while they wait for this exit.
        void this.onExit(id, exit).catch((error: Error) => this.options.logger.error(`recording the exit of ${id}`, error));
      },
      () => {
        if (this.watching.get(id) === controller) this.watching.delete(id);
      },
    );
  }

  private async onExit(id: string, exit: MonitorExit): Promise<void> {
    const record = this.store.get(id);
    if (!record || !this.isRunning(record) || record.state.finishedAt === exit.finishedAt) return;
    let oomKilled = false;
    try {
      oomKilled = containerState(this.runtime, id).oomKilled === true;
    } catch {
      // No runtime state left.
    }
    await this.deleteRuntimeState(id);
    const exitCode = exit.exitCode ?? 128 + safeSignalNumber(exit.signal);
    record.state = { ...record.state, status: 'exited', pid: 0, pidStartTime: '', exitCode, signal: exit.signal, oomKilled, finishedAt: exit.finishedAt };
    this.store.save(record);
    if (oomKilled) this.publish('oom', record);
    this.publish('die', record, { exitCode: `${exitCode}`, ...(exit.signal ? { signal: exit.signal } : {}) });
    const result = this.exitOf(record);
    for (const waiter of this.exitWaiters.get(id) ?? []) waiter(result);
    this.exitWaiters.delete(id);
    if (this.shouldRestart(record)) {
      record.state.restartCount++;
      this.store.save(record);
      const backoff = Math.min(100 * 2 ** Math.min(record.state.restartCount - 1, 10), 60_000);
      setTimeout(() => {
        void this.locked(id, async () => {
          const current = this.store.get(id);
          if (!current || this.isRunning(current) || current.state.stoppedByUser || this.closed) return;
          await this.launch(current).catch((error: Error) => this.options.logger.warn(`restarting ${current.name}: ${error.message}`));
        });
      }, backoff).unref();
    } else if (record.autoRemove) {
      // Once the readers of its logs (run's attach) have read the end, at most AUTO_REMOVE_GRACE_MS later.
      void this.readersDone(id).then(() =>
        this.remove(id, true).catch((error: Error) => this.options.logger.warn(`auto-removing ${record.name}: ${error.message}`)),
      );
    }
  }

  private shouldRestart(record: ContainerRecord): boolean {
    if (record.state.stoppedByUser || this.closed) return false;
    const policy = record.restartPolicy;
    switch (policy.name) {
      case 'always':
      case 'unless-stopped':
        return true;
      case 'on-failure':
        return record.state.exitCode !== 0 && (!policy.maximumRetryCount || record.state.restartCount < policy.maximumRetryCount);
      default:
        return false;
    }
  }

  /** Marks a stream reading the container's logs until the returned function is called. */
  holdLogs(id: string): () => void {
    const token = Symbol('log reader');
    const readers = this.logReaders.get(id) ?? new Set();
    readers.add(token);
    this.logReaders.set(id, readers);
    return () => {
      readers.delete(token);
      if (readers.size === 0) this.logReaders.delete(id);
      for (const wake of this.readerWaiters.splice(0)) wake();
    };
  }

  private readonly readerWaiters: Array<() => void> = [];

  private async readersDone(id: string): Promise<void> {
    const deadline = Date.now() + AUTO_REMOVE_GRACE_MS;
    while (this.logReaders.has(id) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.readerWaiters.push(resolve);
        setTimeout(resolve, deadline - Date.now()).unref();
      });
    }
  }

  // ---- recovery ----

  private async recover(): Promise<void> {
    const { loaded, broken } = this.store.load();
    for (const id of broken) {
      // A create cut short by a crash: nothing was listed yet.
      this.options.logger.warn(`removing the remains of container ${id} (its creation did not finish)`);
      releaseWritableLayer(this.dirOf(id), 'overlay');
      await this.deleteRuntimeState(id);
      this.store.remove(id);
    }
    for (const record of loaded) {
      if (this.isRunning(record)) {
        const monitor = readMonitorState(this.runDirOf(record.id));
        if (monitor?.exit) {
          await this.onExit(record.id, monitor.exit);
        } else if (monitor?.running) {
          this.watchExit(record.id);
        } else {
          // The monitor was killed (or the machine rebooted): the exit status is lost.
          await this.deleteRuntimeState(record.id);
          record.state = { ...record.state, status: 'exited', pid: 0, exitCode: 255, error: 'the container\'s monitor ended without recording an exit status (killed, or the machine restarted)', finishedAt: new Date().toISOString() };
          this.store.save(record);
        }
      }
      const current = this.store.get(record.id);
      if (current && !this.isRunning(current) && current.state.status !== 'created') {
        const policy = current.restartPolicy.name;
        if (policy === 'always' || (policy === 'unless-stopped' && !current.state.stoppedByUser)) {
          await this.start(current.id).catch((error: Error) => this.options.logger.warn(`restarting ${current.name} at daemon start: ${error.message}`));
        }
      }
    }
  }

  // ---- helpers ----

  private resolveImage(reference: string): ResolvedImage {
    try {
      return this.options.images.resolve(reference);
    } catch (error) {
      if ((error as Error).name === 'ImageNotFoundError') throw new EngineError((error as Error).message, 'notFound');
      throw error;
    }
  }

  private layersOf(record: ContainerRecord): string[] {
    return this.resolveImage(record.imageId).layerDirs;
  }

  private cgroupPath(record: ContainerRecord): string {
    return `/berth/${record.id}`;
  }

  private signal(record: ContainerRecord, signal: string): void {
    try {
      killContainer(this.runtime, record.id, signal);
    } catch (error) {
      if (error instanceof RuntimeError) this.options.logger.info(`signal ${signal} to ${record.id.slice(0, 12)}: ${error.message}`);
      else throw error;
    }
  }

  private async deleteRuntimeState(id: string): Promise<void> {
    try {
      this.runtime.read(id);
    } catch {
      return;
    }
    await deleteContainer(this.runtime, id, true).catch((error: Error) => this.options.logger.warn(`deleting the runtime state of ${id}: ${error.message}`));
  }

  private mustGet(id: string): ContainerRecord {
    const record = this.store.get(id);
    if (!record) throw new EngineError(`No such container: ${id}`, 'notFound');
    return record;
  }

  private filterable(record: ContainerRecord) {
    return {
      id: record.id,
      names: [record.name],
      status: record.state.status,
      labels: record.spec.labels ?? {},
      image: record.image,
      imageId: record.imageId,
    };
  }

  private parseFilters(filters: Record<string, string[]>) {
    try {
      return parseFilters(filters);
    } catch (error) {
      throw new EngineError((error as Error).message, 'invalid');
    }
  }

  private publish(action: string, record: ContainerRecord, attributes: Record<string, string> = {}): void {
    this.options.events.publish('container', action, record.id, { name: record.name, image: record.image, ...attributes });
  }

  /** Runs `fn` after every earlier operation on the same container has settled. */
  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return next;
  }
}

/** What the spec may ask that the engine cannot do yet: said plainly instead of being ignored. */
function refuseUnbuiltNetworking(spec: CreateContainerParams['spec']): void {
  const network = spec.network ?? 'none';
  if (!['none', 'host', 'private'].includes(network)) {
    throw new EngineError(`network "${network}": only none and host networks exist yet (bridge networks are coming)`, 'unsupported');
  }
  if ((spec.ports?.length ?? 0) > 0 || spec.publishAll) throw new EngineError('published ports are not supported yet', 'unsupported');
  if ((spec.networkAliases?.length ?? 0) > 0) throw new EngineError('network aliases need a bridge network, which is not supported yet', 'unsupported');
}

/** Input errors keep their message; the rest say what failed. */
function translate(error: unknown, context?: string): Error {
  if (error instanceof EngineError) return error;
  if (error instanceof ContainerConfigError) return new EngineError(error.message, error.kind === 'unsupported' ? 'unsupported' : 'invalid');
  const message = error instanceof Error ? error.message : String(error);
  return new Error(context ? `${context}: ${message}` : message);
}

function safeSignalNumber(signal: string | null): number {
  if (!signal) return 0;
  try {
    return signalNumber(signal);
  } catch {
    return 0;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

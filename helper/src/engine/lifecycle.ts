// A container's life after create: start, stop, kill, restart, pause, unpause, rename, remove and prune,
// each under the container's lock; and what its process's exit means: the record updated, `die` (and
// `oom`) published, the waiters woken, then a restart by policy or an auto-remove.
import { signalNumber } from '../linux/signals';
import { backoffDelay } from '../protocol/backoff';
import { exitOf, isRunning, type EngineContext } from './context';
import type { ContainerRecord } from './containers/containerRecord';
import { EngineError, translateError } from './engineErrors';
import type { ExitWaiters } from './exitWaiters';
import { matchesFilters, parseFilters, validateName } from './naming';
import type { ContainerProcesses, ProcessExit } from './processes';
import { releaseWritableLayer } from './storage/writableLayer';

/** A restart policy's wait before each restart, as Docker's: 100 ms, doubling, at most a minute. */
const RESTART_BACKOFF = { firstMs: 100, maxMs: 60_000 };
/** Signals after which a container is taken to have been stopped on purpose (no restart by policy). */
const FATAL_SIGNALS = ['SIGKILL', 'KILL', '9', 'SIGTERM', 'TERM', '15', 'SIGINT', 'INT', '2'];

export class Lifecycle {
  private closed = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly processes: ContainerProcesses,
    private readonly waiters: ExitWaiters,
  ) {}

  close(): void {
    this.closed = true;
  }

  start(ref: string): Promise<void> {
    const record = this.ctx.resolve(ref);
    return this.ctx.locks.run(record.id, async () => {
      const current = this.ctx.mustGet(record.id);
      if (isRunning(current)) return;
      current.state.stoppedByUser = false;
      await this.launch(current);
    });
  }

  stop(ref: string, timeout?: number): Promise<void> {
    const record = this.ctx.resolve(ref);
    return this.ctx.locks.run(record.id, () => this.stopLocked(record.id, timeout ?? record.stopTimeout, true));
  }

  kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const record = this.ctx.resolve(ref);
    try {
      signalNumber(signal);
    } catch (error) {
      throw new EngineError((error as Error).message, 'invalid');
    }
    return this.ctx.locks.run(record.id, async () => {
      const current = this.ctx.mustGet(record.id);
      if (!isRunning(current)) throw new EngineError(`cannot kill container ${current.name}: it is not running`, 'conflict');
      if (FATAL_SIGNALS.includes(signal.toUpperCase())) {
        current.state.stoppedByUser = true;
        this.ctx.store.save(current);
      }
      this.processes.signal(current, signal);
      this.ctx.publish('kill', current, { signal });
    });
  }

  restart(ref: string, timeout?: number): Promise<void> {
    const record = this.ctx.resolve(ref);
    return this.ctx.locks.run(record.id, async () => {
      await this.stopLocked(record.id, timeout ?? record.stopTimeout, false);
      const current = this.ctx.mustGet(record.id);
      current.state.stoppedByUser = false;
      await this.launch(current);
      this.ctx.publish('restart', current);
    });
  }

  pause(ref: string): Promise<void> {
    const record = this.ctx.resolve(ref);
    return this.ctx.locks.run(record.id, async () => {
      const current = this.ctx.mustGet(record.id);
      if (current.state.status === 'paused') throw new EngineError(`container ${current.name} is already paused`, 'conflict');
      if (current.state.status !== 'running') throw new EngineError(`container ${current.name} is not running`, 'conflict');
      await this.ctx.cgroupOf(current).freeze();
      current.state.status = 'paused';
      this.ctx.store.save(current);
      this.ctx.publish('pause', current);
    });
  }

  unpause(ref: string): Promise<void> {
    const record = this.ctx.resolve(ref);
    return this.ctx.locks.run(record.id, async () => {
      const current = this.ctx.mustGet(record.id);
      if (current.state.status !== 'paused') throw new EngineError(`container ${current.name} is not paused`, 'conflict');
      await this.thaw(current);
      this.ctx.publish('unpause', current);
    });
  }

  rename(ref: string, newName: string): Promise<void> {
    const record = this.ctx.resolve(ref);
    return this.ctx.locks.run(record.id, async () => {
      let name: string;
      try {
        name = validateName(newName);
      } catch (error) {
        throw new EngineError((error as Error).message, 'invalid');
      }
      const current = this.ctx.mustGet(record.id);
      if (current.name === name) throw new EngineError(`renaming container ${current.name}: it already has that name`, 'conflict');
      const taken = this.ctx.store.nameTaken(name);
      if (taken) throw new EngineError(`the container name "/${name}" is already in use by container ${taken.id}`, 'conflict');
      const oldName = current.name;
      current.name = name;
      this.ctx.store.save(current);
      await this.ctx.network.renamed(current.id);
      this.ctx.publish('rename', current, { oldName });
    });
  }

  remove(ref: string, force = false): Promise<void> {
    const record = this.ctx.resolve(ref);
    return this.ctx.locks.run(record.id, () => this.removeLocked(record.id, force));
  }

  async prune(filters: Record<string, string[]> = {}): Promise<string[]> {
    const parsed = parseFiltersOrThrow(filters);
    const removed: string[] = [];
    for (const record of this.ctx.store.all()) {
      if (record.state.status !== 'exited' && record.state.status !== 'created' && record.state.status !== 'dead') continue;
      if (!matchesFilters(filterable(record), parsed)) continue;
      try {
        await this.ctx.locks.run(record.id, () => this.removeLocked(record.id, false));
        removed.push(record.id);
      } catch (error) {
        this.ctx.logger.warn(`prune: ${record.id}: ${(error as Error).message}`);
      }
    }
    return removed;
  }

  /** The process of a running container ended: record it, tell everyone waiting, then restart or remove. */
  async exited(id: string, exit: ProcessExit): Promise<void> {
    const record = this.ctx.store.get(id);
    if (!record || !isRunning(record) || record.state.finishedAt === exit.finishedAt) return;
    const oomKilled = this.processes.oomKilled(id);
    await this.processes.deleteRuntimeState(id);
    // Its ports are free again once it stopped, as in Docker.
    await this.ctx.network.down(id).catch((error: Error) => this.ctx.logger.warn(`taking down the network of ${id.slice(0, 12)}: ${error.message}`));
    const exitCode = exit.exitCode ?? 128 + safeSignalNumber(exit.signal);
    record.state = { ...record.state, status: 'exited', pid: 0, pidStartTime: '', exitCode, signal: exit.signal, oomKilled, finishedAt: exit.finishedAt };
    this.ctx.store.save(record);
    if (oomKilled) this.ctx.publish('oom', record);
    this.ctx.publish('die', record, { exitCode: `${exitCode}`, ...(exit.signal ? { signal: exit.signal } : {}) });
    this.waiters.exited(id, exitOf(record));
    if (this.shouldRestart(record)) {
      record.state.restartCount++;
      this.ctx.store.save(record);
      const backoff = backoffDelay(RESTART_BACKOFF, record.state.restartCount);
      setTimeout(() => {
        void this.ctx.locks.run(id, async () => {
          const current = this.ctx.store.get(id);
          if (!current || isRunning(current) || current.state.stoppedByUser || this.closed) return;
          await this.launch(current).catch((error: Error) => this.ctx.logger.warn(`restarting ${current.name}: ${error.message}`));
        });
      }, backoff).unref();
    } else if (record.autoRemove) {
      // Once the readers of its logs (run's attach) have read the end, at most a few seconds later.
      void this.waiters.readersDone(id).then(() =>
        this.remove(id, true).catch((error: Error) => this.ctx.logger.warn(`auto-removing ${record.name}: ${error.message}`)),
      );
    }
  }

  /** The container's process ended while no daemon watched, and how is not known: exit code 255. */
  async lost(record: ContainerRecord): Promise<void> {
    await this.processes.deleteRuntimeState(record.id);
    await this.ctx.network.down(record.id).catch((error: Error) => this.ctx.logger.warn(`taking down the network of ${record.id.slice(0, 12)}: ${error.message}`));
    record.state = {
      ...record.state,
      status: 'exited',
      pid: 0,
      exitCode: 255,
      error: "the container's monitor ended without recording an exit status (killed, or the machine restarted)",
      finishedAt: new Date().toISOString(),
    };
    this.ctx.store.save(record);
  }

  private async launch(record: ContainerRecord): Promise<void> {
    try {
      // The network namespace the runtime joins, set up (ports bound first) before the process exists.
      await this.ctx.network.up(record.id);
      await this.processes.launch(record);
    } catch (error) {
      await this.processes.deleteRuntimeState(record.id);
      await this.ctx.network.down(record.id).catch(() => undefined);
      record.state.error = (error as Error).message;
      record.state.exitCode = 127;
      this.ctx.store.save(record);
      throw translateError(error, `cannot start container ${record.name}`);
    }
    this.ctx.publish('start', record);
  }

  private async stopLocked(id: string, timeout: number, byUser: boolean): Promise<void> {
    const record = this.ctx.mustGet(id);
    if (byUser) {
      record.state.stoppedByUser = true;
      this.ctx.store.save(record);
    }
    if (!isRunning(record)) return;
    const exited = this.waiters.nextExit(id);
    if (record.state.status === 'paused') await this.thaw(record);
    this.processes.signal(record, record.stopSignal);
    const graceful = await Promise.race([exited.then(() => true), delay(timeout * 1000).then(() => false)]);
    if (!graceful) {
      this.ctx.logger.info(`container ${id.slice(0, 12)} did not stop within ${timeout} s of ${record.stopSignal}; killing it`);
      this.processes.signal(record, 'SIGKILL');
      await exited;
    }
    this.ctx.publish('stop', record);
  }

  private async removeLocked(id: string, force: boolean): Promise<void> {
    const record = this.ctx.store.get(id);
    if (!record) return;
    if (isRunning(record)) {
      if (!force) {
        throw new EngineError(
          `cannot remove container ${record.name}: it is ${record.state.status}; stop it first, or remove it with force`,
          'conflict',
        );
      }
      const exited = this.waiters.nextExit(id);
      record.state.stoppedByUser = true;
      if (record.state.status === 'paused') await this.thaw(record);
      this.processes.signal(record, 'SIGKILL');
      await exited;
    }
    this.processes.unwatch(id);
    await this.processes.deleteRuntimeState(id);
    await this.ctx.network.forget(id).catch((error: Error) => this.ctx.logger.warn(`freeing the network of ${id.slice(0, 12)}: ${error.message}`));
    releaseWritableLayer(this.ctx.dirOf(id), record.storageDriver);
    this.ctx.forgetMount(id);
    this.ctx.store.remove(id);
    try {
      this.ctx.images.release(record.imageId, id);
    } catch (error) {
      this.ctx.logger.warn(`releasing image ${record.imageId} of container ${id}: ${(error as Error).message}`);
    }
    this.ctx.publish('destroy', record);
    this.waiters.removed(id);
  }

  private async thaw(record: ContainerRecord): Promise<void> {
    await this.ctx.cgroupOf(record).thaw();
    record.state.status = 'running';
    this.ctx.store.save(record);
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
}

/** The fields `ps` filters and prune's filters look at. */
export function filterable(record: ContainerRecord) {
  return {
    id: record.id,
    names: [record.name],
    status: record.state.status,
    labels: record.spec.labels ?? {},
    image: record.image,
    imageId: record.imageId,
  };
}

export function parseFiltersOrThrow(filters: Record<string, string[]>): ReturnType<typeof parseFilters> {
  try {
    return parseFilters(filters);
  } catch (error) {
    throw new EngineError((error as Error).message, 'invalid');
  }
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

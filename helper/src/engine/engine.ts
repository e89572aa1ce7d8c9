// The engine: containers as Docker users know them, built on the runtime library. Each container has a
// directory under ROOT/containers (its record, OCI bundle, writable layer, network files) and, while it
// runs, a process that does not depend on the daemon: the daemon may crash or restart, and on start it
// learns what happened meanwhile. This class is the engine's one face to the API; each concern lives in
// its own module:
//   create.ts       a container from an image and a spec
//   lifecycle.ts    start, stop, kill, restart, pause, rename, remove, prune; what an exit means
//   processes.ts    the container's process: launched, signalled, resized, watched
//   recovery.ts     catching up at daemon start
//   exitWaiters.ts  who waits for an exit or a removal
//   sessions/       logs, attach, exec and stats as async iterables and objects the API adapts to streams
import type { Readable } from 'node:stream';
import type { ContainerInspect, ContainerStats, ContainerSummary, CreateContainerParams, ExecParams } from '../protocol';
import type { ContainerLogOptions } from './containers/containerLogs';
import { copyFromContainer, copyToContainer, type CopyInput } from './containers/copy';
import { toInspect, toSummary } from './containers/describe';
import { processTable } from './containers/processInfo';
import { EngineContext, exitOf, isRunning, type EngineOptions, type WaitResult } from './context';
import { createContainer } from './create';
import { EngineError } from './engineErrors';
import { ExitWaiters } from './exitWaiters';
import { filterable, Lifecycle, parseFiltersOrThrow } from './lifecycle';
import type { LogEntry } from './logs';
import { matchesFilters } from './naming';
import { ContainerProcesses } from './processes';
import { recoverContainers } from './recovery';
import { startExecSession, type ExecSession } from './sessions/exec';
import { attach, containerLogBatches, type Attachment } from './sessions/logs';
import { statsOnce, statsStream } from './sessions/stats';
import { upperOf } from './storage/writableLayer';

export type { EngineOptions, WaitResult } from './context';
export type { Attachment } from './sessions/logs';
export type { ExecSession } from './sessions/exec';

export class Engine {
  private readonly ctx: EngineContext;
  private readonly waiters = new ExitWaiters();
  private readonly processes: ContainerProcesses;
  private readonly lifecycle: Lifecycle;

  private constructor(options: EngineOptions) {
    this.ctx = new EngineContext(options);
    this.processes = new ContainerProcesses(this.ctx, (id, exit) => {
      // Not under the container's lock: stop and remove hold it while they wait for this exit.
      void this.lifecycle.exited(id, exit).catch((error: Error) => this.ctx.logger.error(`recording the exit of ${id}`, error));
    });
    this.lifecycle = new Lifecycle(this.ctx, this.processes, this.waiters);
    options.network.attach({
      get: (id) => this.ctx.networkView(id),
      resolve: (ref) => this.ctx.resolve(ref).id,
      ids: () => this.ctx.store.all().map((record) => record.id),
    });
  }

  /** Loads the containers and catches up with what happened while no daemon was watching. */
  static async open(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    await recoverContainers(engine.ctx, engine.processes, engine.lifecycle);
    // With the containers' states known: proxies bound again, and what ended meanwhile cleaned away.
    await options.network.reconcile();
    return engine;
  }

  /** Stops watching (the daemon is stopping); containers go on running. */
  close(): void {
    this.lifecycle.close();
    this.processes.close();
  }

  // Lifecycle.
  create = (params: CreateContainerParams) => createContainer(this.ctx, params);
  start = (ref: string) => this.lifecycle.start(ref);
  stop = (ref: string, timeout?: number) => this.lifecycle.stop(ref, timeout);
  kill = (ref: string, signal?: string) => this.lifecycle.kill(ref, signal);
  restart = (ref: string, timeout?: number) => this.lifecycle.restart(ref, timeout);
  pause = (ref: string) => this.lifecycle.pause(ref);
  unpause = (ref: string) => this.lifecycle.unpause(ref);
  rename = (ref: string, name: string) => this.lifecycle.rename(ref, name);
  remove = (ref: string, force = false) => this.lifecycle.remove(ref, force);
  prune = (filters?: Record<string, string[]>) => this.lifecycle.prune(filters);

  async wait(ref: string, condition: 'not-running' | 'next-exit' | 'removed' = 'not-running'): Promise<WaitResult> {
    const record = this.ctx.resolve(ref);
    if (condition === 'removed') {
      const removed = this.waiters.removal(record.id);
      const result = isRunning(record) ? await this.waiters.nextExit(record.id) : exitOf(record);
      await removed;
      return result;
    }
    if (condition === 'not-running' && !isRunning(record)) return exitOf(record);
    return this.waiters.nextExit(record.id);
  }

  // Looking at containers.
  inspect(ref: string): ContainerInspect {
    const record = this.ctx.resolve(ref);
    return toInspect(record, this.ctx.dirOf(record.id), this.ctx.networkFacts(record));
  }

  list(all = false, filters: Record<string, string[]> = {}): ContainerSummary[] {
    const parsed = parseFiltersOrThrow(filters);
    const order = (running: boolean) => (running ? 0 : 1);
    return this.ctx.store
      .all()
      .filter((record) => all || isRunning(record) || (filters.status?.length ?? 0) > 0)
      .filter((record) => matchesFilters(filterable(record), parsed))
      .sort((a, b) => order(isRunning(a)) - order(isRunning(b)) || b.created.localeCompare(a.created))
      .map((record) => toSummary(record, this.ctx.networkFacts(record)));
  }

  top(ref: string): ReturnType<typeof processTable> {
    const record = this.ctx.resolve(ref);
    if (!isRunning(record)) throw new EngineError(`container ${record.name} is not running`, 'conflict');
    return processTable(this.ctx.cgroupOf(record).processes());
  }

  /** The host pid of the container's process while it runs (the files API reads its /proc/PID/root). */
  pidOf(ref: string): number | undefined {
    const record = this.ctx.resolve(ref);
    return isRunning(record) && record.state.pid > 0 ? record.state.pid : undefined;
  }

  /** The container's full id. */
  idOf(ref: string): string {
    return this.ctx.resolve(ref).id;
  }

  /** The host path of the container's root filesystem, mounted (files API, copies). */
  rootfs(ref: string): string {
    return this.ctx.mountRootfs(this.ctx.resolve(ref));
  }

  /** The overlay upper directory of the container's root: what the container changed (a build step's layer). */
  changesDir(ref: string): string {
    return upperOf(this.ctx.dirOf(this.ctx.resolve(ref).id));
  }

  // Its input and output.
  logs = (ref: string, options: ContainerLogOptions, signal: AbortSignal): AsyncIterable<LogEntry[]> => containerLogBatches(this.ctx, this.waiters, ref, options, signal);
  attach = (ref: string, options: { stdin?: boolean; logs?: boolean }, signal: AbortSignal): Attachment => attach(this.ctx, this.processes, this.waiters, ref, options, signal);
  resize = (ref: string, rows: number, cols: number): void => this.processes.resize(this.ctx.resolve(ref), rows, cols);
  exec = (ref: string, params: ExecParams, signal: AbortSignal): Promise<ExecSession> => startExecSession(this.ctx, this.processes, ref, params, signal);
  stats = (ref: string): Promise<ContainerStats> => statsOnce(this.ctx, ref);
  statsStream = (ref: string, signal: AbortSignal): AsyncIterable<ContainerStats> => statsStream(this.ctx, ref, signal);
  copyTo = (ref: string, path: string): CopyInput => copyToContainer(this.rootfs(ref), path);
  copyFrom = (ref: string, path: string): Readable => copyFromContainer(this.rootfs(ref), path);
}

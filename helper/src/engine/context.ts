// What every part of the engine shares: its options, the container records, the per-container locks, the
// mounted root filesystems, and the small lookups each part needs (a record by reference, its image's
// layers, its cgroup), so that no part reaches into another for them.
import { join } from 'node:path';
import { openCgroup, type Cgroup } from '../cgroups';
import type { EventBus } from '../events/eventBus';
import type { ImageStore, ResolvedImage } from '../images/imageStore';
import type { Logger } from '../logging/logger';
import type { NetworkedContainer, NetworkManager } from '../network/networkManager';
import type { NetworkFacts } from './containers/describe';
import type { ContainerRecord } from './containers/containerRecord';
import { ContainerStore } from './containers/containerStore';
import { ContainerLocks } from './containerLocks';
import { EngineError } from './engineErrors';
import { NamingError } from './naming';
import { ensureMounted, rootfsOf } from './storage/writableLayer';

export interface EngineOptions {
  rootDir: string;
  logger: Logger;
  events: EventBus;
  images: ImageStore;
  /** Namespaces, bridges, addresses, published ports and /etc/hosts of the containers (helper/src/network). */
  network: NetworkManager;
}

export interface WaitResult {
  exitCode: number;
  signal: string | null;
  oomKilled: boolean;
}

export function isRunning(record: ContainerRecord): boolean {
  return record.state.status === 'running' || record.state.status === 'paused';
}

export function exitOf(record: ContainerRecord): WaitResult {
  return { exitCode: record.state.exitCode, signal: record.state.signal, oomKilled: record.state.oomKilled };
}

/** The record's network mode; records from before networks had none (their own namespace, loopback only). */
export function networkModeOf(record: ContainerRecord): string {
  const network = record.spec.network;
  return network === undefined || network === 'private' ? 'none' : network;
}

export class EngineContext {
  readonly store: ContainerStore;
  readonly locks = new ContainerLocks();
  /** Containers whose root filesystem this daemon has mounted or found mounted (the files API asks often). */
  private readonly mounted = new Set<string>();

  constructor(readonly options: EngineOptions) {
    this.store = new ContainerStore(join(options.rootDir, 'containers'));
  }

  get logger(): Logger {
    return this.options.logger;
  }

  get events(): EventBus {
    return this.options.events;
  }

  get images(): ImageStore {
    return this.options.images;
  }

  get network(): NetworkManager {
    return this.options.network;
  }

  /** What the network layer knows of a container, for list and inspect. */
  networkFacts(record: ContainerRecord): NetworkFacts {
    return {
      ports: this.network.publishedPorts(record.id),
      networks: this.network.networkNames(record.id, networkModeOf(record)),
      settings: this.network.settings(record.id, isRunning(record)),
    };
  }

  /** The container as the network layer sees it (its ContainerDirectory). */
  networkView(id: string): NetworkedContainer | undefined {
    const record = this.store.get(id);
    if (!record) return undefined;
    let exposedPorts: Record<string, unknown> = {};
    if (record.spec.publishAll) {
      try {
        exposedPorts = (this.resolveImage(record.imageId).config.ExposedPorts ?? {}) as Record<string, unknown>;
      } catch {
        // The image is gone: no exposed ports to publish.
      }
    }
    return {
      id,
      name: record.name,
      hostname: record.process.hostname,
      network: networkModeOf(record),
      ports: record.spec.ports ?? [],
      publishAll: record.spec.publishAll === true,
      exposedPorts,
      aliases: record.spec.networkAliases ?? [],
      extraHosts: record.spec.extraHosts ?? [],
      running: isRunning(record),
      hostsPath: join(this.dirOf(id), 'hosts'),
    };
  }

  dirOf(id: string): string {
    return this.store.dirOf(id);
  }

  /** The container's run directory: what its process leaves while it runs (logs, pid files, stdin). */
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

  mustGet(id: string): ContainerRecord {
    const record = this.store.get(id);
    if (!record) throw new EngineError(`No such container: ${id}`, 'notFound');
    return record;
  }

  resolveImage(reference: string): ResolvedImage {
    try {
      return this.images.resolve(reference);
    } catch (error) {
      if ((error as Error).name === 'ImageNotFoundError') throw new EngineError((error as Error).message, 'notFound');
      throw error;
    }
  }

  layersOf(record: ContainerRecord): string[] {
    return this.resolveImage(record.imageId).layerDirs;
  }

  cgroupOf(record: ContainerRecord): Cgroup {
    return openCgroup(`/berth/${record.id}`);
  }

  /** The host path of the container's root filesystem, mounted. */
  mountRootfs(record: ContainerRecord): string {
    const dir = this.dirOf(record.id);
    if (!this.mounted.has(record.id)) {
      ensureMounted(dir, this.layersOf(record), record.storageDriver);
      this.mounted.add(record.id);
    }
    return rootfsOf(dir);
  }

  /** The root filesystem was unmounted (the container is being removed). */
  forgetMount(id: string): void {
    this.mounted.delete(id);
  }

  publish(action: string, record: ContainerRecord, attributes: Record<string, string> = {}): void {
    this.events.publish('container', action, record.id, { name: record.name, image: record.image, ...attributes });
  }
}

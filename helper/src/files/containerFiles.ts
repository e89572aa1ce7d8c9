// The files service: a container's root filesystem, found through the engine's resolver, with the API's
// operations on it. Each call opens the root afresh (a container removed meanwhile is simply not found) and
// closes it before answering; streams (read, write, watch) keep what they opened until they end.
import type { FileChange, FileStat, DirectoryEntry } from '../protocol';
import { copyPath, createDirectory, deletePath, renamePath } from './mutations';
import { HOST_ROOT, type FileOwner } from './owner';
import { openForReading, type OpenedRead } from './readFile';
import { RootFs } from './rootFs';
import { readDirectory, statPath } from './stat';
import { Watcher, type WatchOptions } from './watcher';
import { AtomicWrite } from './writeFile';

/**
 * The root directory on the host of a container given by id, id prefix or name (the engine's overlay
 * mount, there for as long as the container exists). Throws RpcError NotFound for an unknown container.
 */
export type RootResolver = (container: string) => string;

/** The host pid of a running container's process (its root as it sees it, mounts included); undefined when stopped. */
export type ProcessResolver = (container: string) => number | undefined;

export class ContainerFiles {
  constructor(
    private readonly resolveRoot: RootResolver,
    /** Owner of what is created; the container's root as the host sees it. */
    private readonly newFileOwner: FileOwner = HOST_ROOT,
    private readonly resolveProcess: ProcessResolver = () => undefined,
  ) {}

  stat(container: string, path: string): FileStat {
    return this.withRoot(container, (root) => statPath(root, path));
  }

  readDirectory(container: string, path: string): DirectoryEntry[] {
    return this.withRoot(container, (root) => readDirectory(root, path));
  }

  openRead(container: string, path: string, offset?: number, length?: number): OpenedRead {
    return this.withRoot(container, (root) => openForReading(root, path, offset, length));
  }

  openWrite(container: string, path: string, create: boolean, overwrite: boolean): AtomicWrite {
    return this.withRoot(container, (root) => AtomicWrite.open(root, path, { create, overwrite, newFileOwner: this.newFileOwner }));
  }

  createDirectory(container: string, path: string): void {
    this.withRoot(container, (root) => createDirectory(root, path, this.newFileOwner));
  }

  delete(container: string, path: string, recursive: boolean): void {
    this.withRoot(container, (root) => deletePath(root, path, recursive));
  }

  rename(container: string, from: string, to: string, overwrite: boolean): void {
    this.withRoot(container, (root) => renamePath(root, from, to, overwrite));
  }

  async copy(container: string, from: string, to: string, overwrite: boolean): Promise<void> {
    const root = this.openRoot(container);
    try {
      await copyPath(root, from, to, overwrite);
    } finally {
      root.close();
    }
  }

  /** A watch that owns its view of the root until closed. */
  watch(container: string, path: string, options: WatchOptions, emit: (changes: FileChange[]) => void): Watcher {
    const root = this.openRoot(container);
    try {
      return new Watcher(root, path, options, emit);
    } catch (error) {
      root.close();
      throw error;
    }
  }

  private openRoot(container: string): RootFs {
    const rootDir = this.resolveRoot(container);
    return RootFs.open(rootDir, container, this.resolveProcess(container));
  }

  private withRoot<T>(container: string, body: (root: RootFs) => T): T {
    const root = this.openRoot(container);
    try {
      return body(root);
    } finally {
      root.close();
    }
  }
}

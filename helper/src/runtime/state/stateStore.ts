// Container state on disk: ROOT/ID/state.json, written atomically (temporary file, fsync, rename) so that
// separate `berth runtime` processes always read a whole state, the old one or the new one.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/writeFileAtomic';
import { checkContainerId } from '../containerId';
import type { Hooks } from '../spec/config';
import { RuntimeError } from '../errors';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface StoredState {
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  /** The container's init process as the host sees it; 0 before it exists. */
  pid: number;
  /** Field 22 of /proc/PID/stat when the init started: tells the init from a later process that got its pid. */
  pidStartTime: string;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  cgroupsPath: string;
  /** Paths of the exec fifo; present while the container is created and not yet started. */
  execFifo?: string;
  /** config.json's hooks as they were at create: poststart and poststop run from them. */
  hooks?: Hooks;
}

export class StateStore {
  constructor(readonly root: string) {}

  dirOf(id: string): string {
    return join(this.root, checkContainerId(id));
  }

  /** Reserves the container's directory; fails if the id is taken. */
  reserve(id: string): string {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const dir = this.dirOf(id);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntimeError(`container "${id}" already exists`, 'exists');
      throw error;
    }
    return dir;
  }

  read(id: string): StoredState {
    let text: string;
    try {
      text = readFileSync(join(this.dirOf(id), 'state.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new RuntimeError(`container "${id}" does not exist`, 'notFound');
      throw error;
    }
    return JSON.parse(text) as StoredState;
  }

  write(state: StoredState): void {
    writeFileAtomic(join(this.dirOf(state.id), 'state.json'), JSON.stringify(state), 0o600);
  }

  remove(id: string): void {
    rmSync(this.dirOf(id), { recursive: true, force: true });
  }

  ids(): string[] {
    try {
      return readdirSync(this.root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

// start, state, kill, delete and list: the lifecycle operations after create, each reading the stored
// state, checking that the live status allows the operation (the errors runc gives), and acting.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { openCgroup } from '../../cgroups';
import { O_NONBLOCK, O_WRONLY } from '../../linux/files';
import { signalNumber } from '../../linux/signals';
import { RuntimeError } from '../errors';
import { runHooks } from '../hooks';
import { isAlive, liveStatus } from '../state/liveStatus';
import type { ContainerStatus, StateStore, StoredState } from '../state/stateStore';

/** The state as the OCI runtime spec (and runc's `state`) reports it. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  /** Berth's addition, once stopped: whether the kernel's OOM killer killed a process of the container. */
  oomKilled?: boolean;
}

export function containerState(store: StateStore, id: string): OciState {
  const stored = store.read(id);
  const status = liveStatus(stored);
  const oomKilled = status === 'stopped' ? cgroupSawOom(stored.cgroupsPath) : undefined;
  return {
    ociVersion: stored.ociVersion,
    id: stored.id,
    status,
    pid: status === 'stopped' ? 0 : stored.pid,
    bundle: stored.bundle,
    rootfs: stored.rootfs,
    created: stored.created,
    ...(stored.annotations ? { annotations: stored.annotations } : {}),
    ...(oomKilled === undefined ? {} : { oomKilled }),
  };
}

/** Read from the cgroup, which outlives the processes until delete. */
function cgroupSawOom(cgroupsPath: string): boolean | undefined {
  try {
    return openCgroup(cgroupsPath).oomKilled();
  } catch {
    return undefined;
  }
}

export function listContainers(store: StateStore): OciState[] {
  return store.ids().flatMap((id) => {
    try {
      return [containerState(store, id)];
    } catch {
      return []; // a directory being created or removed right now
    }
  });
}

/**
 * start: releases the init waiting on the exec fifo; it then execve's the container's program. The
 * poststart hooks run after; their failures are warnings, as the spec says.
 */
export async function startContainer(store: StateStore, id: string, warn: (message: string) => void = () => undefined): Promise<OciState> {
  const stored = store.read(id);
  const status = liveStatus(stored);
  if (status !== 'created') throw new RuntimeError(`cannot start container "${id}": it is ${status}, not created`, 'state');
  let fd: number;
  try {
    // Non-blocking: if the init is gone there is no reader and this fails (ENXIO) instead of hanging.
    fd = openSync(stored.execFifo!, O_WRONLY | O_NONBLOCK);
  } catch (error) {
    throw new RuntimeError(`cannot start container "${id}": its init is not waiting (${(error as NodeJS.ErrnoException).code})`, 'state');
  }
  try {
    writeSync(fd, Buffer.from([0]));
  } finally {
    closeSync(fd);
  }
  rmSync(stored.execFifo!, { force: true });
  const running: StoredState = { ...stored, status: 'running', execFifo: undefined };
  store.write(running);
  const state = containerState(store, id);
  await runHooks('poststart', stored.hooks, state).catch((error: Error) => warn(error.message));
  return state;
}

/** kill: sends a signal (name or number, default TERM) to the container's init. */
export function killContainer(store: StateStore, id: string, signal = 'TERM'): void {
  const number = signalNumber(signal);
  const stored = store.read(id);
  const status = liveStatus(stored);
  if (status !== 'created' && status !== 'running') {
    throw new RuntimeError(`cannot kill container "${id}": it is ${status}`, 'state');
  }
  try {
    process.kill(stored.pid, number);
  } catch (error) {
    throw new RuntimeError(`cannot kill container "${id}": ${(error as Error).message}`);
  }
}

/**
 * delete: removes a stopped container (its cgroup and state). A created container is deleted too, as runc
 * does; a running one only with force, which kills it with SIGKILL and waits until its processes are gone.
 */
export async function deleteContainer(
  store: StateStore,
  id: string,
  force = false,
  warn: (message: string) => void = () => undefined,
): Promise<void> {
  const stored = store.read(id);
  const status = liveStatus(stored);
  if (status === 'running' && !force) {
    throw new RuntimeError(`cannot delete container "${id}": it is running (stop it first, or use --force)`, 'state');
  }
  if (status === 'created' || status === 'running' || status === 'creating') {
    await killAndWait(stored);
  }
  // The cgroup is destroyed even when the init is gone: processes it forked may still be there.
  await openCgroup(stored.cgroupsPath).destroy();
  const finalState = { ...containerState(store, id), status: 'stopped' as const, pid: 0 };
  store.remove(id);
  await runHooks('poststop', stored.hooks, finalState).catch((error: Error) => warn(error.message));
}

async function killAndWait(stored: StoredState): Promise<void> {
  try {
    process.kill(stored.pid, 'SIGKILL');
  } catch {
    return;
  }
  // Wait for the init to die; it may stay a zombie if no one reaps it, which isAlive counts as dead.
  for (let i = 0; i < 1000 && isAlive(stored.pid, stored.pidStartTime); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}


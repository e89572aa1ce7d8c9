// The lifecycle operations after create (start, kill, delete, pause, resume, update) and what clients ask
// of a live container (its processes, its statistics): each reads the stored state, checks that the live
// status allows the operation (the errors runc gives), and acts. Nothing here loads koffi: these are the
// calls podman and containerd make many times per container, and each is a process start.
import { closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { openCgroup, type Cgroup } from '../../cgroups';
import { signalNumber } from '../../linux/signalNames';
import { RuntimeError } from '../errors';
import { runHooks } from '../hooks';
import type { Resources } from '../spec/config';
import { isAlive, liveStatus } from '../state/liveStatus';
import { containerState, type OciState } from '../state/ociState';
import type { StateStore, StoredState } from '../state/stateStore';

export { containerState, listContainers, type OciState } from '../state/ociState';

const SIGKILL = 9;

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
    fd = openSync(stored.execFifo!, constants.O_WRONLY | constants.O_NONBLOCK);
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

/**
 * kill: sends a signal (name or number, default TERM) to the container's init. A SIGKILL also thaws a
 * paused container, or the kill would wait for resume (the thaw is written at once; the kernel completes it).
 */
export function killContainer(store: StateStore, id: string, signal = 'TERM'): void {
  const number = signalNumber(signal);
  const stored = store.read(id);
  const status = liveStatus(stored);
  if (status !== 'created' && status !== 'running' && status !== 'paused') {
    throw new RuntimeError(`cannot kill container "${id}": it is ${status}`, 'state');
  }
  try {
    process.kill(stored.pid, number);
  } catch (error) {
    throw new RuntimeError(`cannot kill container "${id}": ${(error as Error).message}`);
  }
  if (status === 'paused' && number === SIGKILL) openCgroup(stored.cgroupsPath).thaw().catch(() => undefined);
}

/**
 * kill --all: the signal to every process in the container's cgroup, whatever its status (a container
 * without a pid namespace of its own may leave processes behind its init).
 */
export async function killAllInContainer(store: StateStore, id: string, signal = 'TERM'): Promise<void> {
  const number = signalNumber(signal);
  await signalCgroup(openCgroup(store.read(id).cgroupsPath), number);
}

/** Every process of the cgroup, frozen meanwhile so that none forks past the signal (as runc does). */
async function signalCgroup(cgroup: Cgroup, signal: number): Promise<void> {
  let pids: number[];
  try {
    pids = cgroup.processes();
  } catch {
    return; // no cgroup left: nothing to signal
  }
  if (pids.length === 0) return;
  const frozen = await cgroup.freeze().then(
    () => true,
    () => false,
  );
  for (const pid of cgroup.processes()) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone meanwhile.
    }
  }
  if (frozen) await cgroup.thaw();
}

/**
 * delete: removes a stopped container (its cgroup and state). A created container is deleted too, as runc
 * does; a running or paused one only with force, which kills it with SIGKILL and waits until its processes
 * are gone. With force, a container that does not exist is no error (runc's exit 0), and a directory left
 * by a create that never finished is removed either way.
 */
export async function deleteContainer(
  store: StateStore,
  id: string,
  force = false,
  warn: (message: string) => void = () => undefined,
): Promise<void> {
  let stored: StoredState;
  try {
    stored = store.read(id);
  } catch (error) {
    if (!(error instanceof RuntimeError && error.kind === 'notFound')) throw error;
    store.remove(id);
    if (force) return;
    throw error;
  }
  const status = liveStatus(stored);
  if ((status === 'running' || status === 'paused') && !force) {
    throw new RuntimeError(`cannot delete container "${id}": it is ${status} (stop it first, or use --force)`, 'state');
  }
  if (status !== 'stopped') await killAndWait(stored, status === 'paused');
  // The cgroup is destroyed even when the init is gone: processes it forked may still be there.
  await openCgroup(stored.cgroupsPath).destroy();
  const finalState = { ...containerState(store, id), status: 'stopped' as const, pid: 0 };
  store.remove(id);
  await runHooks('poststop', stored.hooks, finalState).catch((error: Error) => warn(error.message));
}

async function killAndWait(stored: StoredState, paused: boolean): Promise<void> {
  try {
    process.kill(stored.pid, 'SIGKILL');
  } catch {
    return;
  }
  // A frozen task (cgroup v1) dies only once thawed.
  if (paused) await openCgroup(stored.cgroupsPath).thaw().catch(() => undefined);
  // Wait for the init to die; it may stay a zombie if no one reaps it, which isAlive counts as dead.
  for (let i = 0; i < 1000 && isAlive(stored.pid, stored.pidStartTime); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** pause: freezes every process of a created or running container (runc allows both). */
export async function pauseContainer(store: StateStore, id: string): Promise<void> {
  const stored = store.read(id);
  const status = liveStatus(stored);
  if (status !== 'running' && status !== 'created') throw new RuntimeError(`cannot pause container "${id}": it is ${status}, not running`, 'state');
  await openCgroup(stored.cgroupsPath).freeze();
  store.write({ ...stored, status: 'paused' });
}

/** resume: thaws a paused container, which is then created again (its init still waits) or running. */
export async function resumeContainer(store: StateStore, id: string): Promise<void> {
  const stored = store.read(id);
  const status = liveStatus(stored);
  if (status !== 'paused') throw new RuntimeError(`cannot resume container "${id}": it is ${status}, not paused`, 'state');
  await openCgroup(stored.cgroupsPath).thaw();
  store.write({ ...stored, status: stored.execFifo ? 'created' : 'running' });
}

/** The host pids of every process in the container's cgroup (runc ps --format json). */
export function containerProcesses(store: StateStore, id: string): number[] {
  const stored = store.read(id);
  try {
    return openCgroup(stored.cgroupsPath).processes();
  } catch (error) {
    throw new RuntimeError(`cannot list the processes of container "${id}": ${(error as Error).message}`);
  }
}

/** The cgroup of a container that is not stopped: what update and events act on. */
export function liveCgroup(store: StateStore, id: string, action: string): Cgroup {
  const stored = store.read(id);
  const status = liveStatus(stored);
  if (status === 'stopped') throw new RuntimeError(`cannot ${action} container "${id}": it is stopped`, 'state');
  return openCgroup(stored.cgroupsPath);
}

/**
 * update: new limits for a live container. Kernel memory limits are ignored with a warning, as runc 1.1
 * and later do (the kernel deprecated them); device rules cannot change here either (runc skips them too).
 * Whatever else the host cannot honour is refused by the cgroup driver, naming the field.
 */
export function updateContainer(store: StateStore, id: string, resources: Resources, warn: (message: string) => void): void {
  const cgroup = liveCgroup(store, id, 'update');
  const { devices, ...rest } = withoutKernelMemory(resources, warn);
  if (devices && devices.length > 0) warn('linux.resources.devices: device rules cannot be changed by update; they are left as they are');
  try {
    cgroup.update(rest);
  } catch (error) {
    throw new RuntimeError(`cannot update container "${id}": ${(error as Error).message}`);
  }
}

/** Resources without memory.kernel and memory.kernelTCP, warning once when either was set (runc's words). */
export function withoutKernelMemory(resources: Resources, warn: (message: string) => void): Resources {
  const memory = resources.memory;
  if (memory?.kernel === undefined && memory?.kernelTCP === undefined) return resources;
  warn('Kernel memory settings are ignored and will be removed (linux.resources.memory.kernel, kernelTCP)');
  const kept = { ...memory };
  delete kept.kernel;
  delete kept.kernelTCP;
  return { ...resources, memory: kept };
}

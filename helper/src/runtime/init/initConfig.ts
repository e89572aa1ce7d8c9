// What the runtime hands the init stage: everything it needs, resolved in the runtime's view of the host,
// so the init only executes. Written as JSON to a 0600 file in the container's state directory, which
// the runtime opens and hands to the init as an fd (see spawnInit).
import type { NamespaceType } from '../../linux/namespaces';
import type { RuntimeConfig } from '../spec/config';

export interface InitConfig {
  /** create: set up a new container and wait for start. exec: join a running one and run a process. */
  mode: 'create' | 'exec';
  id: string;
  config: RuntimeConfig & { process: NonNullable<RuntimeConfig['process']> };
  rootfs: string;
  bundle: string;
  noPivot: boolean;
  /** create only: the fifo the init blocks on until `start`. */
  execFifo?: string;
  consoleSocket?: string;
  /** How many fds after stdio (3..3+n-1) the container's process keeps: LISTEN_FDS and --preserve-fds. */
  extraFds: number;
  /** How many of them are systemd socket-activation fds, announced with LISTEN_FDS and LISTEN_PID=1. */
  listenFds: number;
  /** The fd on which the init reports "ready" or an error to the runtime. */
  syncFd: number;
  /** Files the init writes "0" into to join the container's cgroup before anything else. */
  cgroupProcsFiles: string[];
  /** The container has a user namespace: the shim joined the cgroup already (the init, mapped, may not
   * write host cgroup files), and devices, cgroup and sysfs mounts are bound from the host. */
  userNamespace: boolean;
  /** Namespaces to enter by path (the pid namespace is handled by the runtime before the init starts). */
  join: Array<{ type: NamespaceType; path: string }>;
  /** CLONE_NEW* flags to unshare after joining. */
  unshareFlags: number;
  /** create only: stop after making the namespaces so that the runtime can run its hooks. */
  pauseForHooks: boolean;
  /** The compiled seccomp filter (base64 of struct sock_filter[]) and its flags, loaded last before execve. */
  seccomp?: { program: string; flags: number };
}

/** One line of JSON the init writes on its sync fd. */
export type InitMessage =
  /** create only, when config.json has hooks: the namespaces exist; the init waits for a RuntimeReply. */
  | { type: 'namespaces' }
  | { type: 'ready'; pid: number; warnings: string[] }
  /** From the user namespace shim: the user namespace exists and waits for its mappings. */
  | { type: 'userns' }
  /** From the user namespace shim: the init was forked into the pid namespace, with this host pid. */
  | { type: 'forked'; pid: number }
  | { type: 'error'; message: string };

/** The runtime's answer to 'namespaces', once the createRuntime (and prestart) hooks have run. */
export interface RuntimeReply {
  /** The OCI state the in-container hooks receive on stdin. */
  state: object;
}

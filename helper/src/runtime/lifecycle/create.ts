// create: from a bundle to a container whose init has set everything up and waits for `start`.
// Order matters and mirrors runc: validate everything first, then reserve the id, make the cgroup, spawn
// the init into its namespaces, wait for "ready", and only then record the state as created. Any failure
// on the way undoes what was made, so a failed create leaves no container behind.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroup, type Cgroup } from '../../cgroups';
import { mkfifo } from '../../linux/files';
import { NAMESPACES } from '../../linux/namespaces';
import { compileSeccompForHost } from '../seccomp/compile';
import { loadBundle } from '../bundle';
import { checkContainerId } from '../containerId';
import { RuntimeError } from '../errors';
import { runHooks } from '../hooks';
import type { InitConfig, RuntimeReply } from '../init/initConfig';
import { readProcStat } from '../state/liveStatus';
import type { StateStore, StoredState } from '../state/stateStore';
import { DEFAULT_DEVICE_RULES } from '../spec/defaultSpec';
import type { Resources, RuntimeConfig } from '../spec/config';
import { stageIdmappedMounts, type StagedMounts } from './idmappedMounts';
import { withoutKernelMemory } from './operations';
import { spawnInit, type ExitStatus, type InitLauncher } from './spawnInit';
import { writeFileAtomic } from '../../fs/writeFileAtomic';

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  /** How many socket-activation fds (3, 4, …) to hand on with LISTEN_FDS, as runc does when its own
   * LISTEN_FDS and LISTEN_PID say it was socket-activated. */
  listenFds?: number;
  /** How many fds after stdio (runc's --preserve-fds) to hand on without announcing them. */
  preserveFds?: number;
  /** Where warnings go (settings the kernel would not apply and runc also only warns about). */
  warn?: (message: string) => void;
  /** Start the init through this instead of as our child (the engine's monitor). */
  launcher?: InitLauncher;
}

export interface CreatedContainer {
  state: StoredState;
  /** The init process, while this process is its parent (run waits on it). */
  exited: Promise<ExitStatus>;
  /** Lets this process end without waiting for the container (create, run -d). */
  detach(): void;
}

export async function createContainer(store: StateStore, options: CreateOptions): Promise<CreatedContainer> {
  const id = checkContainerId(options.id);
  const bundle = loadBundle(options.bundle);
  const { config } = bundle;
  const process_ = config.process!;
  if (process_.terminal && !options.consoleSocket) {
    throw new RuntimeError('process.terminal is true: a --console-socket is needed to receive the terminal', 'invalid');
  }
  if (!process_.terminal && options.consoleSocket) {
    throw new RuntimeError('--console-socket was given but process.terminal is false', 'invalid');
  }
  const seccomp = config.linux?.seccomp ? compileSeccompForHost(config.linux.seccomp) : undefined;

  const dir = store.reserve(id);
  const cgroupsPath = config.linux?.cgroupsPath ?? `/berth/${id}`;
  let cgroup: Cgroup | undefined;
  let staged: StagedMounts | undefined;
  const undo = async () => {
    staged?.release();
    await cgroup?.destroy().catch(() => undefined);
    store.remove(id);
  };
  try {
    const state: StoredState = {
      ociVersion: config.ociVersion,
      id,
      status: 'creating',
      pid: 0,
      pidStartTime: '',
      bundle: bundle.dir,
      rootfs: bundle.rootfs,
      created: new Date().toISOString(),
      annotations: config.annotations,
      cgroupsPath,
      execFifo: join(dir, 'exec.fifo'),
      hooks: config.hooks,
    };
    store.write(state);
    cgroup = openCgroup(cgroupsPath);
    cgroup.create(withoutKernelMemory(withDefaultDeviceRules(config), options.warn ?? (() => undefined)));
    mkfifo(state.execFifo!, 0o600);

    const namespaces = config.linux?.namespaces ?? [];
    const pidNamespace = namespaces.find((ns) => ns.type === 'pid');
    // A user namespace is made (and mapped), or joined, by the shim that starts the init: see spawnInit.
    const user = namespaces.find((ns) => ns.type === 'user');
    const userNamespace = user !== undefined;
    const listenCount = options.listenFds ?? 0;
    // Both count from fd 3, so together they are the first max(L, P) fds after stdio.
    const extraFds = Array.from({ length: Math.max(listenCount, options.preserveFds ?? 0) }, (_, k) => 3 + k);
    staged = await stageIdmappedMounts(id, config, bundle.dir, bundle.rootfs);
    const initConfig: InitConfig = {
      mode: 'create',
      id,
      config: { ...config, mounts: staged.mounts, process: process_ },
      rootfs: bundle.rootfs,
      bundle: bundle.dir,
      noPivot: options.noPivot ?? false,
      execFifo: state.execFifo,
      consoleSocket: options.consoleSocket,
      extraFds: extraFds.length,
      listenFds: listenCount,
      syncFd: 3 + extraFds.length,
      cgroupProcsFiles: cgroup.procsFiles(),
      userNamespace,
      join: namespaces.filter((ns) => ns.path && ns.type !== 'pid' && ns.type !== 'user').map((ns) => ({ type: ns.type, path: ns.path! })),
      unshareFlags: namespaces
        .filter((ns) => !ns.path && ns.type !== 'pid' && ns.type !== 'user')
        .reduce((flags, ns) => flags | NAMESPACES[ns.type].flag, 0),
      seccomp: seccomp && { program: seccomp.program.toString('base64'), flags: seccomp.flags },
      pauseForHooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer'].some(
        (kind) => (config.hooks?.[kind as keyof typeof config.hooks]?.length ?? 0) > 0,
      ),
    };
    const configPath = join(dir, 'init.json');
    writeFileSync(configPath, JSON.stringify(initConfig), { mode: 0o600 });

    const init = await spawnInit({
      configPath,
      pidNamespace: pidNamespace ? (pidNamespace.path ?? 'new') : undefined,
      stdio: process_.terminal ? 'ignore' : 'inherit',
      extraFds,
      execFifo: state.execFifo,
      consoleSocket: options.consoleSocket,
      launcher: options.launcher,
      userNamespace: user?.path
        ? { join: user.path, cgroupProcsFiles: cgroup.procsFiles() }
        : user
          ? { uidMappings: config.linux!.uidMappings!, gidMappings: config.linux!.gidMappings!, cgroupProcsFiles: cgroup.procsFiles() }
          : undefined,
    });
    const fail = (why: string) => {
      init.kill();
      return new RuntimeError(`cannot create container "${id}": ${why}`);
    };
    let message = await init.channel.next();
    if (message.type === 'namespaces') {
      // The namespaces exist and the root is not switched yet: the moment for the runtime's hooks (a
      // network hook, say, configures the new network namespace through the pid it is given).
      state.pid = init.pid;
      state.pidStartTime = readProcStat(state.pid)?.startTime ?? '';
      store.write(state);
      const ociState = { ociVersion: config.ociVersion, id, status: 'creating', pid: state.pid, bundle: bundle.dir, annotations: config.annotations ?? {} };
      try {
        await runHooks('prestart', config.hooks, ociState);
        await runHooks('createRuntime', config.hooks, ociState);
      } catch (error) {
        throw fail((error as Error).message);
      }
      const reply: RuntimeReply = { state: ociState };
      init.channel.send(reply);
      message = await init.channel.next();
    }
    if (message.type !== 'ready') throw fail(message.type === 'error' ? message.message : `unexpected message ${message.type}`);
    // The init's mount namespace holds its copies now.
    staged.release();
    for (const warning of message.warnings) options.warn?.(warning);
    const pid = init.pid;
    state.pid = pid;
    state.pidStartTime = readProcStat(pid)?.startTime ?? '';
    state.status = 'created';
    store.write(state);
    if (options.pidFile) writeFileAtomic(options.pidFile, `${pid}`);
    init.channel.close();
    // The init lives on without us once the caller detaches: our event loop may then end.
    return { state, exited: init.exited, detach: () => init.detach() };
  } catch (error) {
    await undo();
    throw error;
  }
}


/** The config's device rules, then the defaults and linux.devices allowed, as runc appends them. */
function withDefaultDeviceRules(config: RuntimeConfig): Resources {
  const resources = config.linux?.resources ?? {};
  const fromDevices = (config.linux?.devices ?? [])
    .filter((device) => device.type !== 'p')
    .map((device) => ({ allow: true, type: device.type === 'u' ? ('c' as const) : (device.type as 'c' | 'b'), major: device.major, minor: device.minor, access: 'rwm' }));
  return { ...resources, devices: [...(resources.devices ?? []), ...DEFAULT_DEVICE_RULES, ...fromDevices] };
}

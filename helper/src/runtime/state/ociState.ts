// The state as the OCI runtime spec (and runc's `state` and `list`) reports it: read from the stored state
// and the live process, without loading anything a container's creation needs (no koffi, no schema), so
// that `state`, the call clients make most often, stays cheap.
import { openCgroup } from '../../cgroups';
import { liveStatus } from './liveStatus';
import type { ContainerStatus, StateStore } from './stateStore';

/** runc's field order: ociVersion, id, pid, status, bundle, rootfs, created, annotations, owner. */
export interface OciState {
  ociVersion: string;
  id: string;
  pid: number;
  status: ContainerStatus;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  /** runc's addition: empty in `state`, the state directory's owner in `list`. */
  owner: string;
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
    pid: status === 'stopped' ? 0 : stored.pid,
    status,
    bundle: stored.bundle,
    rootfs: stored.rootfs,
    created: stored.created,
    ...(stored.annotations ? { annotations: stored.annotations } : {}),
    owner: '',
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

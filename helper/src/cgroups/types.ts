// What the runtime sees of a container's cgroup, whatever the host's layout. index.ts re-exports these;
// they live apart so that the drivers can implement them without importing index.ts (which imports them).
import type { Resources } from '../runtime/spec/config';

export interface CgroupStats {
  memory: { usage: number; limit: number | null; maxUsage: number | null; oomKills: number };
  pids: { current: number; limit: number | null };
  /** Total CPU time, and its user and kernel parts (their sum may differ from the total a little: the
   * kernel samples the split at ticks). */
  cpu: { usageNanos: number; userNanos: number; systemNanos: number };
  blkio: { readBytes: number; writeBytes: number };
}

export interface Cgroup {
  /** The cgroupsPath, normalised (e.g. "/berth/abc"). */
  readonly path: string;
  /**
   * Creates the cgroup (every needed controller dir on v1) and writes the limits. Throws CgroupError naming
   * the OCI field for values the host cannot honour; never silently ignores a field that is set. When it
   * throws, the directories it created are removed again.
   */
  create(resources: Resources | undefined): void;
  /** Writes new limits to an existing cgroup (the engine's `update`). */
  update(resources: Resources): void;
  /** Moves a process (by host pid) into the cgroup, in every controller. */
  addProcess(pid: number): void;
  /** Files the container's init writes "0" into to join itself (one per v1 hierarchy, or one cgroup.procs on v2). */
  procsFiles(): string[];
  /** Host pids in the cgroup and in any cgroups below it, ascending. */
  processes(): number[];
  stats(): CgroupStats;
  /** True when the memory controller recorded an OOM kill in this cgroup. */
  oomKilled(): boolean;
  /** Waits until the cgroup is frozen. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Kills whatever is left, waits until the cgroup is empty, removes the directories. Idempotent. */
  destroy(): Promise<void>;
}

// What every `berth runtime` command gets from the global flags, and how a command fails with its own code.
import type { StateStore } from '../../runtime/state/stateStore';
import type { RuntimeLog } from './runtimeLog';

export interface RuntimeContext {
  /** The state root (--root). */
  store: StateStore;
  log: RuntimeLog;
  /** --systemd-cgroup was given: refused where a cgroup is made (create, run). */
  systemdCgroup: boolean;
}

/** A failure that exits with its own code (runc's exec exits 255 when the process could not be started). */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

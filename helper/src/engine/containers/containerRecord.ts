// What the engine keeps of each container in ROOT/containers/ID/container.json: what it was created with
// and what has happened to it. Live facts (is the process there now?) come from the monitor's files and
// are merged in when the record is read; what is written here survives the daemon's restarts.
import type { ContainerSpec, RestartPolicy } from '../../protocol';

export type StoredStatus = 'created' | 'running' | 'paused' | 'exited' | 'dead';

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  spec: ContainerSpec;
  /** The image reference as given, and what it resolved to at create. */
  image: string;
  imageId: string;
  restartPolicy: RestartPolicy;
  autoRemove: boolean;
  stopTimeout: number;
  stopSignal: string;
  /** The effective process, for inspect (the OCI config holds the same). */
  process: { args: string[]; env: string[]; cwd: string; user: string; hostname: string; tty: boolean };
  storageDriver: 'overlay' | 'copy';
  state: {
    status: StoredStatus;
    pid: number;
    /** /proc/PID/stat field 22 of the container's process, to tell it from a reused pid. */
    pidStartTime: string;
    exitCode: number;
    signal: string | null;
    oomKilled: boolean;
    error: string;
    startedAt: string | null;
    finishedAt: string | null;
    restartCount: number;
    /** Set by stop/kill by the user: restart policies (but unless-stopped's daemon restart) leave it alone. */
    stoppedByUser: boolean;
    /** The container's own terminal (created with tty): the slave's path, for resizes. */
    ttyPath?: string;
  };
}

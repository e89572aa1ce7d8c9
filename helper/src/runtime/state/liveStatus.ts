// What a stored state means now: a created or running container whose init has died (or whose pid now
// belongs to another process, or is a zombie nobody reaped) is stopped.
import { readFileSync } from 'node:fs';
import type { ContainerStatus, StoredState } from './stateStore';

interface ProcStat {
  state: string;
  startTime: string;
}

/** Fields of /proc/PID/stat; the command name (field 2) may hold spaces and parentheses, so split after it. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, startTime: fields[19]! };
}

export function isAlive(pid: number, startTime: string): boolean {
  if (pid <= 0) return false;
  const stat = readProcStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

export function liveStatus(state: StoredState): ContainerStatus {
  if (state.status === 'stopped') return 'stopped';
  if (state.status === 'creating' && state.pid === 0) return 'creating';
  return isAlive(state.pid, state.pidStartTime) ? state.status : 'stopped';
}

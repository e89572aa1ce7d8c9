// What `top` and `stats` read about a container from the host's /proc and its cgroup.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { CgroupStats } from '../../cgroups';
import type { ContainerStats } from '../../protocol';

const TICKS_PER_SECOND = 100;

/** `top`'s table for host pids: PID, PPID, UID, STAT, TIME, CMD (what `ps -o` would show). */
export function processTable(pids: number[]): { titles: string[]; processes: string[][] } {
  const rows: string[][] = [];
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const seconds = Math.floor((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
      const time = `${String(Math.floor(seconds / 3600)).padStart(2, '0')}:${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
      rows.push([`${pid}`, fields[1] ?? '?', uid, fields[0] ?? '?', time, cmdline || `[${comm}]`]);
    } catch {
      // Gone meanwhile.
    }
  }
  return { titles: ['PID', 'PPID', 'UID', 'STAT', 'TIME', 'CMD'], processes: rows };
}

/** Bytes received and sent on the container's interfaces but loopback, from its network namespace. */
function networkBytes(pid: number): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  try {
    for (const line of readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2)) {
      const [name, rest] = line.split(':');
      if (!rest || name!.trim() === 'lo') continue;
      const numbers = rest.trim().split(/\s+/).map(Number);
      rx += numbers[0] ?? 0;
      tx += numbers[8] ?? 0;
    }
  } catch {
    // Not running.
  }
  return { rx, tx };
}

export interface StatsSample {
  at: number;
  cpuNanos: number;
}

/** One ContainerStats from the cgroup's counters, with CPU % over the time since `previous`. */
export function statsFrom(
  container: { id: string; name: string; pid: number },
  stats: CgroupStats,
  previous: StatsSample | undefined,
  now = Date.now(),
): { stats: ContainerStats; sample: StatsSample } {
  const sample = { at: now, cpuNanos: stats.cpu.usageNanos };
  const elapsedNanos = previous ? (now - previous.at) * 1e6 : 0;
  const cpuPercent = previous && elapsedNanos > 0 ? Math.max(0, ((stats.cpu.usageNanos - previous.cpuNanos) / elapsedNanos) * 100) : 0;
  const limit = stats.memory.limit ?? totalmem();
  const network = networkBytes(container.pid);
  return {
    sample,
    stats: {
      id: container.id,
      name: container.name,
      read: new Date(now).toISOString(),
      cpuPercent: Math.round(cpuPercent * 100) / 100,
      memoryUsage: stats.memory.usage,
      memoryLimit: limit,
      memoryPercent: limit > 0 ? Math.round((stats.memory.usage / limit) * 10_000) / 100 : 0,
      pids: stats.pids.current,
      blockRead: stats.blkio.readBytes,
      blockWrite: stats.blkio.writeBytes,
      netRx: network.rx,
      netTx: network.tx,
    },
  };
}

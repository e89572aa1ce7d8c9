// Statistics from a cgroup v2 directory. Each part reports zeros (and null limits) when its controller
// is not enabled there, which the hybrid driver relies on for controllers that live in v1.
import { join } from 'node:path';
import type { CgroupStats } from './types';
import { keyedNumber, limitOrNull, numberOrZero, parseKeyedLines, readIfExists } from './files';

export function v2MemoryStats(dir: string): CgroupStats['memory'] {
  const peak = readIfExists(join(dir, 'memory.peak'));
  return {
    usage: numberOrZero(join(dir, 'memory.current')),
    limit: limitOrNull(join(dir, 'memory.max')),
    // memory.peak came with Linux 5.19.
    maxUsage: peak === undefined ? null : Number(peak.trim()),
    oomKills: v2OomKills(dir),
  };
}

/** memory.events counts this cgroup's and its descendants' OOM kills (unless mounted with memory_localevents). */
export function v2OomKills(dir: string): number {
  return keyedNumber(join(dir, 'memory.events'), 'oom_kill');
}

export function v2PidsStats(dir: string): CgroupStats['pids'] {
  return { current: numberOrZero(join(dir, 'pids.current')), limit: limitOrNull(join(dir, 'pids.max')) };
}

/** cpu.stat is a core file, there even without the cpu controller; it counts microseconds. */
export function v2CpuStats(dir: string): CgroupStats['cpu'] {
  const stat = parseKeyedLines(readIfExists(join(dir, 'cpu.stat')) ?? '');
  const usec = (key: string) => Number(stat.get(key) ?? 0) * 1000;
  return { usageNanos: usec('usage_usec'), userNanos: usec('user_usec'), systemNanos: usec('system_usec') };
}

/** io.stat: "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 ..." per device. */
export function v2IoStats(dir: string): CgroupStats['blkio'] {
  const totals = { readBytes: 0, writeBytes: 0 };
  for (const line of (readIfExists(join(dir, 'io.stat')) ?? '').split('\n')) {
    for (const pair of line.trim().split(/\s+/).slice(1)) {
      const [key, value] = pair.split('=');
      if (key === 'rbytes') totals.readBytes += Number(value);
      if (key === 'wbytes') totals.writeBytes += Number(value);
    }
  }
  return totals;
}

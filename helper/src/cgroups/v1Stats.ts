// Statistics from v1 controller directories. Each part takes the directory of its controller, or
// undefined when the host lacks the controller, and then reports zeros (and null limits).
import { join } from 'node:path';
import type { CgroupStats } from './types';
import { keyedNumber, limitOrNull, numberOrZero, parseKeyedLines, readIfExists } from './files';

export function v1MemoryStats(dir: string | undefined): CgroupStats['memory'] {
  if (dir === undefined) return { usage: 0, limit: null, maxUsage: null, oomKills: 0 };
  const maxUsage = readIfExists(join(dir, 'memory.max_usage_in_bytes'));
  return {
    usage: numberOrZero(join(dir, 'memory.usage_in_bytes')),
    limit: limitOrNull(join(dir, 'memory.limit_in_bytes')),
    maxUsage: maxUsage === undefined ? null : Number(maxUsage.trim()),
    oomKills: v1OomKills(dir),
  };
}

/** The oom_kill line of memory.oom_control (Linux 4.13 added it). */
export function v1OomKills(dir: string | undefined): number {
  return dir === undefined ? 0 : keyedNumber(join(dir, 'memory.oom_control'), 'oom_kill');
}

export function v1PidsStats(dir: string | undefined): CgroupStats['pids'] {
  if (dir === undefined) return { current: 0, limit: null };
  return { current: numberOrZero(join(dir, 'pids.current')), limit: limitOrNull(join(dir, 'pids.max')) };
}

/** Clock ticks per second, in which cpuacct.stat counts (USER_HZ: 100 on every architecture Linux builds). */
const USER_HZ = 100;

/** cpuacct.usage is already in nanoseconds; cpuacct.stat's user and system lines are in USER_HZ ticks. */
export function v1CpuStats(cpuacctDir: string | undefined): CgroupStats['cpu'] {
  if (cpuacctDir === undefined) return { usageNanos: 0, userNanos: 0, systemNanos: 0 };
  const stat = parseKeyedLines(readIfExists(join(cpuacctDir, 'cpuacct.stat')) ?? '');
  const ticks = (key: string) => Number(stat.get(key) ?? 0) * (1e9 / USER_HZ);
  return { usageNanos: numberOrZero(join(cpuacctDir, 'cpuacct.usage')), userNanos: ticks('user'), systemNanos: ticks('system') };
}

/**
 * Bytes read and written, from "8:0 Read 4096" lines. The throttle layer's counters see every bio on
 * current kernels; CFQ's own file is the fallback for old ones.
 */
export function v1BlkioStats(dir: string | undefined): CgroupStats['blkio'] {
  const totals = { readBytes: 0, writeBytes: 0 };
  if (dir === undefined) return totals;
  const text =
    readIfExists(join(dir, 'blkio.throttle.io_service_bytes_recursive')) ?? readIfExists(join(dir, 'blkio.io_service_bytes_recursive')) ?? '';
  for (const line of text.split('\n')) {
    const [device, op, bytes] = line.trim().split(/\s+/);
    if (!device?.includes(':') || bytes === undefined) continue;
    if (op === 'Read') totals.readBytes += Number(bytes);
    if (op === 'Write') totals.writeBytes += Number(bytes);
  }
  return totals;
}

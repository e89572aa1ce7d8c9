// events: the container's statistics as runc prints them ({"type":"stats","id":…,"data":…}), once with
// --stats, else every --interval, plus an "oom" event whenever the kernel's OOM killer strikes, until
// the container stops.
import { parseArgs } from 'node:util';
import type { Cgroup, CgroupStats } from '../../../cgroups';
import { liveCgroup } from '../../../runtime/lifecycle/operations';
import { liveStatus } from '../../../runtime/state/liveStatus';
import { UsageError } from '../../usage';
import type { RuntimeContext } from '../runtimeContext';
import { writeOut } from '../output';

export async function eventsCommand(args: string[], { store }: RuntimeContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { stats: { type: 'boolean' }, interval: { type: 'string', default: '5s' } },
  });
  if (positionals.length !== 1) throw new UsageError('events takes one ID');
  const id = positionals[0]!;
  const intervalMs = parseDuration(values.interval!);
  const cgroup = liveCgroup(store, id, 'read the events of');
  const emit = (type: string, data?: object) =>
    writeOut(`${JSON.stringify({ type, id, ...(data ? { data } : {}) }).replaceAll(`"${NO_LIMIT}"`, NO_LIMIT)}\n`);
  if (values.stats) {
    emit('stats', runcStats(cgroup.stats()));
    return 0;
  }
  let ooms = cgroup.stats().memory.oomKills;
  for (;;) {
    const stored = store.read(id);
    if (liveStatus(stored) === 'stopped') return 0;
    let stats: CgroupStats;
    try {
      stats = cgroup.stats();
    } catch {
      return 0; // the cgroup is gone: the container was deleted
    }
    if (stats.memory.oomKills > ooms) emit('oom');
    ooms = stats.memory.oomKills;
    emit('stats', runcStats(stats));
    await sleepWatchingOom(cgroup, intervalMs, () => ooms, (count) => {
      emit('oom');
      ooms = count;
    });
  }
}

/** Waits an interval, checking for OOM kills every 100 ms meanwhile so that they are reported at once. */
async function sleepWatchingOom(cgroup: Cgroup, ms: number, seen: () => number, onOom: (count: number) => void): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, end - Date.now())));
    try {
      const count = cgroup.stats().memory.oomKills;
      if (count > seen()) onOom(count);
    } catch {
      return;
    }
  }
}

/** Go durations as runc's --interval takes them: 5s, 500ms, 1m30s. */
function parseDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new UsageError(`--interval: "${text}" is not a duration (5s, 500ms, 1m)`);
  const ms = parts.reduce((sum, [, value, unit]) => sum + Number(value) * units[unit!]!, 0);
  if (ms <= 0) throw new UsageError('duration interval must be greater than 0');
  return ms;
}

/** The statistics in runc's shape (its types.Stats), as far as Berth's cgroup drivers read them. */
export function runcStats(stats: CgroupStats): object {
  const limit = (value: number | null) => value ?? NO_LIMIT;
  return {
    cpu: { usage: { total: stats.cpu.usageNanos, kernel: stats.cpu.systemNanos, user: stats.cpu.userNanos }, throttling: {} },
    // Not read by Berth's drivers: present, empty, as runc's groups are when a controller reports nothing.
    cpuset: {},
    memory: {
      usage: { limit: limit(stats.memory.limit), usage: stats.memory.usage, ...(stats.memory.maxUsage ? { max: stats.memory.maxUsage } : {}), failcnt: 0 },
    },
    pids: { current: stats.pids.current, ...(stats.pids.limit === null ? {} : { limit: stats.pids.limit }) },
    blkio: {
      ioServiceBytesRecursive: [
        { op: 'Read', value: stats.blkio.readBytes },
        { op: 'Write', value: stats.blkio.writeBytes },
      ],
    },
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** What cgroup v1 reports for "no memory limit" (and runc passes on): the largest page-aligned int64, which
 * a JavaScript number cannot hold, so it is put into the JSON text as written here. */
const NO_LIMIT = '9223372036854771712';

// Benchmark: the daemon's memory with many idle containers. Starts a daemon, measures its RSS, runs N
// idle busybox containers (sleep), measures again; also the per-container cost outside the daemon (the
// container's monitor, in Perl). Prints the figures; asserts nothing.
//   node --import tsx test/bench/engine-idle-memory.bench.ts [COUNT]
import { readFileSync } from 'node:fs';
import { reportRow } from '../support/benchStats';
import { IMAGE, startEngine } from '../support/engineHarness';

const count = Number(process.argv[2] ?? 100);

function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
}

async function main(): Promise<void> {
  const engine = await startEngine();
  try {
    const daemonPid = engine.daemon.child.pid!;
    // The daemon is helper/bin/berth (sh) exec'ing node: the same pid.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = rssKiB(daemonPid);
    const ids: string[] = [];
    for (let i = 0; i < count; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, count - i) }, async () => {
          const { id } = await engine.client.call('containers.create', { spec: { image: IMAGE, cmd: ['sleep', '100000'] } });
          await engine.client.call('containers.start', { container: id });
          return id;
        }),
      );
      ids.push(...batch);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = rssKiB(daemonPid);
    const running = await engine.client.call('containers.list', {});
    const monitors = ids.map((id) => {
      const monitor = JSON.parse(readFileSync(`${engine.daemon.rootDir}/containers/${id}/run/monitor.json`, 'utf8')) as { monitorPid: number };
      return rssKiB(monitor.monitorPid);
    });
    const sum = monitors.reduce((a, b) => a + b, 0);
    console.log(`${running.length} idle containers (sleep) running`);
    console.log(`  daemon RSS before: ${(before / 1024).toFixed(1)} MiB, with ${count} containers: ${(after / 1024).toFixed(1)} MiB (+${((after - before) / 1024).toFixed(1)} MiB, ${((after - before) / count).toFixed(0)} KiB per container)`);
    console.log(`  monitors: ${(sum / 1024).toFixed(1)} MiB in all, ${(sum / count / 1024).toFixed(2)} MiB each (RSS, shared pages counted in each)`);
    reportRow({ name: `host memory per idle container (${count} sleeping)`, unit: 'MiB', berth: (after - before + sum) / count / 1024, samples: 1, note: `daemon +${((after - before) / count).toFixed(0)} KiB, monitor ${(sum / count / 1024).toFixed(2)} MiB RSS each` });
  } finally {
    await engine.close();
  }
}

void main();

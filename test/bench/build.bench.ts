// Benchmark: the multi-stage build of the podman comparison test (a build stage that makes files with
// busybox tools, a final stage that copies them --from it, two RUNs, three COPYs), by `berth build` and by
// `podman build` (Debian's podman, buildah inside) from the same base image and context: cold (--no-cache)
// and fully cached, rounds interleaved so that the machine's noise falls on both alike. Prints medians and
// ratios. Not part of the test suite: speed is measured, not asserted.
//   node --import tsx test/bench/build.bench.ts [ROUNDS]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BERTH } from '../support/daemonProcess';
import { median, reportRow, summary, timedCommand as timed } from '../support/benchStats';
import { IMAGE, startEngine } from '../support/engineHarness';
import { COMPARED_DOCKERFILE } from '../support/buildFixtures';

const rounds = Number(process.argv[2] ?? 5);

async function main(): Promise<void> {
  const engine = await startEngine();
  const podmanDir = join(engine.dir, 'podman');
  const podman = ['--root', join(podmanDir, 'storage'), '--runroot', join(podmanDir, 'run'), '--cgroup-manager=cgroupfs', '--runtime', 'runc', '--events-backend', 'none'];
  try {
    const base = join(engine.dir, 'base.tar');
    execFileSync(BERTH, ['--host', `unix://${engine.daemon.socketPath}`, 'save', '-o', base, IMAGE]);
    execFileSync('podman', [...podman, 'load', '-i', base], { stdio: 'ignore' });
    const dir = join(engine.dir, 'context');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Dockerfile'), COMPARED_DOCKERFILE);
    writeFileSync(join(dir, 'input.txt'), 'a benchmark\n');
    writeFileSync(join(dir, 'config.json'), '{"mode": "bench"}\n');

    const berthBuild = (extra: string[]) => ['--host', `unix://${engine.daemon.socketPath}`, 'build', '--progress', 'plain', ...extra, '-t', 'bench:berth', dir];
    const podmanBuild = (extra: string[]) => [...podman, 'build', '--pull=never', '--network', 'none', '--ulimit', 'nofile=1024:1024', ...extra, '-t', 'bench:podman', dir];
    // One of each first, unmeasured: it fills both caches for the cached rounds.
    timed(BERTH, berthBuild([]));
    timed('podman', podmanBuild([]));
    const samples = { berthCold: [] as number[], podmanCold: [] as number[], berthCached: [] as number[], podmanCached: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      const pair: Array<() => void> = [
        () => samples.berthCold.push(timed(BERTH, berthBuild(['--no-cache']))),
        () => samples.podmanCold.push(timed('podman', podmanBuild(['--no-cache']))),
      ];
      if (i % 2) pair.reverse();
      pair.forEach((take) => take());
      const cached: Array<() => void> = [
        () => samples.berthCached.push(timed(BERTH, berthBuild([]))),
        () => samples.podmanCached.push(timed('podman', podmanBuild([]))),
      ];
      if (i % 2) cached.reverse();
      cached.forEach((take) => take());
    }
    console.log(`multi-stage build (2 RUN, 3 COPY, 2 WORKDIR), ${rounds} interleaved rounds`);
    console.log(`  cold     berth build:  ${summary(samples.berthCold)}`);
    console.log(`  cold     podman build: ${summary(samples.podmanCold)}`);
    console.log(`  cached   berth build:  ${summary(samples.berthCached)}`);
    console.log(`  cached   podman build: ${summary(samples.podmanCached)}`);
    reportRow({ name: 'multi-stage build, cold (--no-cache)', unit: 'ms', berth: median(samples.berthCold), anchorName: 'podman build --no-cache (buildah)', anchor: median(samples.podmanCold), samples: rounds });
    reportRow({ name: 'multi-stage build, fully cached', unit: 'ms', berth: median(samples.berthCached), anchorName: 'podman build (buildah, cached)', anchor: median(samples.podmanCached), samples: rounds });
  } finally {
    spawnSync('podman', [...podman, 'system', 'reset', '-f'], { stdio: 'ignore' });
    await engine.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

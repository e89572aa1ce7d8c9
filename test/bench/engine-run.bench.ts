// Benchmark: `berth run --rm busybox true` against `podman run --rm` of the same root filesystem (Debian's
// podman with runc), interleaved so that the machine's noise falls on both alike; then the cold start
// path inside the daemon (API create, start, wait, remove, without the CLI's own Node start). Prints
// medians and the ratio. Not part of the test suite: speed is measured, not asserted.
//   node --import tsx test/bench/engine-run.bench.ts [ROUNDS]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE, startEngine } from '../support/engineHarness';
import { makeBusyboxBundle } from '../support/bundle';
import { BERTH } from '../support/daemonProcess';
import { median, reportRow, summary } from '../support/benchStats';

const rounds = Number(process.argv[2] ?? 20);


function timed(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

async function main(): Promise<void> {
  const engine = await startEngine();
  // podman gets the same root filesystem as an image of its own, in a private store.
  const podmanDir = mkdtempSync(join(tmpdir(), 'podman-bench-'));
  const bundle = makeBusyboxBundle();
  const podman = ['--root', join(podmanDir, 'storage'), '--runroot', join(podmanDir, 'run'), '--cgroup-manager=cgroupfs', '--runtime', 'runc', '--events-backend', 'none'];
  try {
    execFileSync('tar', ['-C', bundle.rootfs, '-cf', join(podmanDir, 'rootfs.tar'), '.']);
    execFileSync('podman', [...podman, 'import', join(podmanDir, 'rootfs.tar'), 'localhost/busybox-bench'], { stdio: 'ignore' });
    const berthArgs = ['--host', `unix://${engine.daemon.socketPath}`, 'run', '--rm', IMAGE, '/bin/true'];
    const podmanArgs = [...podman, 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', 'localhost/busybox-bench', '/bin/true'];
    // One of each first, unmeasured: caches, podman's first-run setup.
    timed(BERTH, berthArgs);
    timed('podman', podmanArgs);
    const berth: number[] = [];
    const pod: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const pair: Array<[number[], string, string[]]> = [
        [berth, BERTH, berthArgs],
        [pod, 'podman', podmanArgs],
      ];
      if (i % 2) pair.reverse();
      for (const [samples, command, args] of pair) samples.push(timed(command, args));
    }
    // The cold path inside the daemon: what a client already connected pays (no CLI process).
    const create: number[] = [];
    const start: number[] = [];
    const waitRemove: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      const { id } = await engine.client.call('containers.create', { spec: { image: IMAGE, cmd: ['/bin/true'] } });
      create.push(performance.now() - t);
      t = performance.now();
      await engine.client.call('containers.start', { container: id });
      start.push(performance.now() - t);
      t = performance.now();
      await engine.client.call('containers.wait', { container: id }, { timeoutMs: 0 });
      await engine.client.call('containers.remove', { container: id });
      waitRemove.push(performance.now() - t);
    }
    console.log(`run --rm of /bin/true in busybox, ${rounds} interleaved rounds`);
    console.log(`  berth run --rm:     ${summary(berth)}`);
    console.log(`  podman run --rm:    ${summary(pod)}`);
    console.log(`  ratio berth/podman: ${(median(berth) / median(pod)).toFixed(2)}`);
    console.log(`cold path through the API (${rounds} rounds, one connection)`);
    console.log(`  containers.create:        ${summary(create)}`);
    console.log(`  containers.start:         ${summary(start)}`);
    console.log(`  wait + remove:            ${summary(waitRemove)}`);
    reportRow({ name: 'berth run --rm busybox /bin/true (CLI)', unit: 'ms', berth: median(berth), anchorName: 'podman run --rm (runc, cgroupfs)', anchor: median(pod), samples: rounds });
    reportRow({ name: 'API create + start + wait + remove, /bin/true', unit: 'ms', berth: median(create.map((c, i) => c + start[i]! + waitRemove[i]!)), samples: rounds, note: `create ${median(create).toFixed(1)}, start ${median(start).toFixed(1)}, wait+remove ${median(waitRemove).toFixed(1)} ms` });
  } finally {
    spawnSync('podman', [...podman, 'rm', '-a', '-f'], { stdio: 'ignore' });
    spawnSync('podman', [...podman, 'system', 'reset', '-f'], { stdio: 'ignore' });
    rmSync(podmanDir, { recursive: true, force: true });
    bundle.remove();
    await engine.close();
  }
}

void main();

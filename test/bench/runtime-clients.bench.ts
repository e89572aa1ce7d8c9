// Benchmark: Berth's runtime in runc's place under its real clients, and the cost of one runtime call.
//   - `podman run --rm IMAGE /bin/true` with each runtime (cgroupfs, no network), interleaved;
//   - `ctr run --rm --rootfs ROOTFS ID /bin/true` with each runtime (containerd's runc v2 shim), interleaved;
//   - one `berth runtime state ID` (bin/berth-runtime, as clients run it) against `node -e 0` (the floor
//     a Node program cannot go below) and against `runc state ID`, on live containers, interleaved.
// Medians and ratios through reportRow. Speed is measured, never asserted.
//   node --import tsx test/bench/runtime-clients.bench.ts [ROUNDS] [STATE_ROUNDS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBusyboxBundle } from '../support/bundle';
import { median, reportRow, summary } from '../support/benchStats';
import { RUNTIME_BINARY, RUNTIMES, startContainerd, startPodman, type RuntimeName } from '../support/runtimeClients';

const rounds = Number(process.argv[2] ?? 10);
const stateRounds = Number(process.argv[3] ?? 30);

/** Wall-clock milliseconds of one run of a program that must succeed. */
function timed(command: string, args: string[], env?: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: env ?? process.env });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

/** Interleaved samples of each variant (the order alternates each round), after one unmeasured warm-up each. */
function interleave<K extends string>(count: number, variants: Record<K, () => number>): Record<K, number[]> {
  const names = Object.keys(variants) as K[];
  for (const name of names) variants[name]();
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < count; i++) {
    const order = i % 2 ? [...names].reverse() : names;
    for (const name of order) samples[name].push(variants[name]());
  }
  return samples;
}

async function clients(): Promise<void> {
  const podman = await startPodman();
  try {
    const run = (runtime: RuntimeName) => {
      const line = podman.commandLine(runtime, 'run', '--rm', '--cgroup-parent', podman.cgroupParent, podman.image, '/bin/true');
      return timed(line.command, line.args, line.env);
    };
    const samples = interleave(rounds, { runc: () => run('runc'), berth: () => run('berth') });
    console.log(`podman run --rm /bin/true, ${rounds} interleaved rounds`);
    for (const runtime of RUNTIMES) console.log(`  ${runtime}: ${summary(samples[runtime])}`);
    reportRow({ name: 'podman run --rm busybox /bin/true, runtime berth', unit: 'ms', berth: median(samples.berth), anchorName: 'the same with runc', anchor: median(samples.runc), samples: rounds });
  } finally {
    await podman.close();
  }

  const containerd = await startContainerd();
  try {
    let serial = 0;
    const run = (runtime: RuntimeName) => {
      const line = containerd.commandLine('run', '--rm', ...containerd.runtimeFlags(runtime), '--rootfs', containerd.rootfs, `bench-${runtime}-${serial++}`, '/bin/true');
      return timed(line.command, line.args, line.env);
    };
    const samples = interleave(rounds, { runc: () => run('runc'), berth: () => run('berth') });
    console.log(`ctr run --rm /bin/true, ${rounds} interleaved rounds`);
    for (const runtime of RUNTIMES) console.log(`  ${runtime}: ${summary(samples[runtime])}`);
    reportRow({ name: 'ctr run --rm --rootfs busybox /bin/true, runc shim with berth', unit: 'ms', berth: median(samples.berth), anchorName: 'the same with runc', anchor: median(samples.runc), samples: rounds });
  } finally {
    await containerd.close();
  }
}

function stateCalls(): void {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-state-'));
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sleep', '1000']));
  const root = (runtime: RuntimeName) => ['--root', join(dir, runtime)];
  const id = `bench-state-${process.pid}`;
  try {
    for (const runtime of RUNTIMES) timed(RUNTIME_BINARY[runtime], [...root(runtime), 'run', '-d', '--bundle', bundle.dir, id]);
    const samples = interleave(stateRounds, {
      node: () => timed(process.execPath, ['-e', '0']),
      berth: () => timed(RUNTIME_BINARY.berth, [...root('berth'), 'state', id]),
      runc: () => timed(RUNTIME_BINARY.runc, [...root('runc'), 'state', id]),
    });
    console.log(`one state call of a running container, ${stateRounds} interleaved rounds`);
    for (const name of ['node', 'berth', 'runc'] as const) console.log(`  ${name}: ${summary(samples[name])}`);
    reportRow({ name: 'berth runtime state ID (bin/berth-runtime)', unit: 'ms', berth: median(samples.berth), anchorName: 'node -e 0', anchor: median(samples.node), samples: stateRounds });
    reportRow({ name: 'berth runtime state ID (bin/berth-runtime)', unit: 'ms', berth: median(samples.berth), anchorName: 'runc state ID', anchor: median(samples.runc), samples: stateRounds });
  } finally {
    for (const runtime of RUNTIMES) spawnSync(RUNTIME_BINARY[runtime], [...root(runtime), 'delete', '--force', id]);
    bundle.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

stateCalls();
clients().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// Benchmark: create + start + delete of a /bin/true container, Berth's runtime against runc (Debian's
// package), on the same busybox bundle, interleaved so that the machine's noise falls on both alike.
// Prints the median of each and the ratio. Not part of the test suite: speed is measured, not asserted.
//   node --import tsx test/bench/runtime-lifecycle.bench.ts [ROUNDS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBusyboxBundle } from '../support/bundle';
import { BERTH } from '../support/daemonProcess';
import { median, reportRow } from '../support/benchStats';

const rounds = Number(process.argv[2] ?? 20);
const bundle = makeBusyboxBundle((config) => {
  config.process!.args = ['/bin/true'];
});
const berthRoot = mkdtempSync(join(tmpdir(), 'berth-bench-'));
const runcRoot = mkdtempSync(join(tmpdir(), 'runc-bench-'));

/** One lifecycle: create, start, wait for the exit, delete — what `run` does in the foreground. */
function lifecycle(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}


const berth: number[] = [];
const runc: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const pair: Array<[number[], string, string[]]> = [
      [berth, BERTH, ['runtime', '--root', berthRoot, 'run', '--bundle', bundle.dir, `bench-${i}`]],
      [runc, 'runc', ['--root', runcRoot, 'run', '--bundle', bundle.dir, `bench-${i}`]],
    ];
    // Alternate which goes first, so neither always runs on a warmer cache.
    if (i % 2) pair.reverse();
    for (const [samples, command, args] of pair) samples.push(lifecycle(command, args));
  }
  const b = median(berth);
  const r = median(runc);
  console.log(`create+start+delete of /bin/true, ${rounds} interleaved rounds`);
  console.log(`  berth runtime run: median ${b.toFixed(1)} ms (min ${Math.min(...berth).toFixed(1)}, max ${Math.max(...berth).toFixed(1)})`);
  console.log(`  runc run:          median ${r.toFixed(1)} ms (min ${Math.min(...runc).toFixed(1)}, max ${Math.max(...runc).toFixed(1)})`);
  console.log(`  ratio berth/runc:  ${(b / r).toFixed(2)}`);
  reportRow({ name: 'berth runtime run of /bin/true (create+start+delete)', unit: 'ms', berth: b, anchorName: 'runc run', anchor: r, samples: rounds });
} finally {
  bundle.remove();
  rmSync(berthRoot, { recursive: true, force: true });
  rmSync(runcRoot, { recursive: true, force: true });
}

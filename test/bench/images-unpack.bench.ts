// Benchmark: unpacking the Debian minbase layer (its gzip blob from the cached OCI layout) with Berth's
// unpacker (every entry resolved with openat2 RESOLVE_IN_ROOT, overlay whiteouts, as the store does it)
// and with GNU `tar -xzf --numeric-owner -p`, each into a fresh directory, interleaved. Prints medians
// and the ratio, of wall-clock time and of CPU time (user + system, every thread: Berth's from
// process.cpuUsage around the unpack, tar's from /usr/bin/time), which a busy machine disturbs far less.   node --import tsx test/bench/images-unpack.bench.ts [ROUNDS]
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { unpackLayer } from '../../helper/src/images/unpackLayer';
import { privateTempDir } from '../support/daemonProcess';
import { median, reportRow } from '../support/benchStats';
import { debianMinbaseLayout } from '../support/imageLayouts';

const rounds = Number(process.argv[2] ?? 7);


async function main(): Promise<void> {
  const layout = debianMinbaseLayout();
  const index = JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'minbase')!;
  const manifest = JSON.parse(readFileSync(join(layout.dir, 'blobs', 'sha256', entry.digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
  const blob = join(layout.dir, 'blobs', 'sha256', manifest.layers[0]!.digest.slice(7));
  const temp = privateTempDir('berth-bench-unpack-');
  const berth: number[] = [];
  const tar: number[] = [];
  const berthCpu: number[] = [];
  const tarCpu: number[] = [];
  const loads: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const runs: Array<[number[], () => Promise<number>]> = [
        [
          berth,
          async () => {
            const target = join(temp.path, `berth-${i}`);
            mkdirSync(target);
            const started = process.hrtime.bigint();
            const cpu = process.cpuUsage();
            await unpackLayer(createReadStream(blob), target, { whiteoutMode: 'overlay' });
            const used = process.cpuUsage(cpu);
            const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
            berthCpu.push((used.user + used.system) / 1000);
            rmSync(target, { recursive: true, force: true });
            return elapsed;
          },
        ],
        [
          tar,
          async () => {
            const target = join(temp.path, `tar-${i}`);
            mkdirSync(target);
            const times = join(temp.path, 'tar-times');
            const started = process.hrtime.bigint();
            const result = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', times, 'tar', '--numeric-owner', '-p', '-xzf', blob, '-C', target], {
              stdio: ['ignore', 'ignore', 'pipe'],
              encoding: 'utf8',
            });
            const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
            if (result.status !== 0) throw new Error(`tar exited ${result.status}: ${result.stderr}`);
            const [user, system] = readFileSync(times, 'utf8').trim().split(/\s+/).map(Number);
            tarCpu.push((user! + system!) * 1000);
            rmSync(target, { recursive: true, force: true });
            return elapsed;
          },
        ],
      ];
      if (i % 2) runs.reverse();
      for (const [samples, run] of runs) samples.push(await run());
      loads.push(loadavg()[0]!);
    }
    const b = median(berth);
    const t = median(tar);
    console.log(`unpack of the Debian minbase layer (gzip), ${rounds} interleaved rounds`);
    console.log(`  berth unpackLayer: median ${b.toFixed(0)} ms (min ${Math.min(...berth).toFixed(0)}, max ${Math.max(...berth).toFixed(0)})`);
    console.log(`  tar -xzf:          median ${t.toFixed(0)} ms (min ${Math.min(...tar).toFixed(0)}, max ${Math.max(...tar).toFixed(0)})`);
    const load = `load average ${median(loads).toFixed(1)} (median over the rounds)`;
    reportRow({ name: 'unpack the Debian minbase layer (gzip)', unit: 'ms', berth: b, anchorName: 'tar -xzf', anchor: t, samples: rounds, note: load });
    console.log(`  ratio berth/tar:   ${(b / t).toFixed(2)}`);
    console.log(`  CPU time (user+sys): berth median ${median(berthCpu).toFixed(0)} ms, tar median ${median(tarCpu).toFixed(0)} ms`);
    reportRow({ name: 'unpack the Debian minbase layer (gzip), CPU time user+sys', unit: 'ms', berth: median(berthCpu), anchorName: 'tar -xzf', anchor: median(tarCpu), samples: rounds, note: load });
  } finally {
    temp.remove();
  }
}

void main();

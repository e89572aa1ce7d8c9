// Benchmark: pulling the Debian bookworm minbase image (one gzip layer, made once with debootstrap and
// umoci, cached in /var/cache/berth) from a docker-registry on loopback, with `berth pull` into an
// emptied store, with `skopeo copy` into a fresh OCI layout, and with `podman pull` into fresh storage
// (overlay, its own --root and --runroot each round), interleaved. Berth's and podman's times include
// unpacking the layer (what a pull is for); skopeo's does not, so a third line times skopeo copy followed
// by `tar -xzf` of the layer, the like-for-like work. Prints medians and the ratios.
//   node --import tsx test/bench/images-pull.bench.ts [ROUNDS]      (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BERTH, privateTempDir, startDaemon } from '../support/daemonProcess';
import { median, reportRow } from '../support/benchStats';
import { debianMinbaseLayout } from '../support/imageLayouts';
import { startRegistry } from '../support/registry';

const rounds = Number(process.argv[2] ?? 7);

function timed(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}


async function main(): Promise<void> {
  const temp = privateTempDir('berth-bench-pull-');
  const registry = await startRegistry();
  const socket = join(temp.path, 'berth.sock');
  const daemon = await startDaemon(socket, join(temp.path, 'root'));
  const berthArgs = (...args: string[]) => ['-H', `unix://${socket}`, ...args];
  const name = `${registry.host}/bench/debian:minbase`;
  const berth: number[] = [];
  const skopeo: number[] = [];
  const skopeoTar: number[] = [];
  const podman: number[] = [];
  try {
    await registry.push(debianMinbaseLayout().ref('minbase'), 'bench/debian:minbase');
    for (let i = 0; i < rounds; i++) {
      const layout = join(temp.path, `skopeo-${i}`);
      const runs: Array<[number[], () => number]> = [
        [
          berth,
          () => {
            const elapsed = timed(BERTH, berthArgs('pull', '-q', name));
            timed(BERTH, berthArgs('rmi', name));
            timed(BERTH, berthArgs('image', 'prune', '-a'));
            return elapsed;
          },
        ],
        [
          skopeo,
          () => {
            const elapsed = timed('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${name}`, `oci:${layout}:minbase`]);
            rmSync(layout, { recursive: true, force: true });
            return elapsed;
          },
        ],
      ];
      runs.push([
        skopeoTar,
        () => {
          const dir = join(temp.path, `skopeo-tar-${i}`);
          const started = process.hrtime.bigint();
          timed('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${name}`, `oci:${dir}:minbase`]);
          const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
          const manifest = JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
          mkdirSync(join(dir, 'rootfs'));
          timed('tar', ['--numeric-owner', '-p', '-xzf', join(dir, 'blobs', 'sha256', manifest.layers[0]!.digest.slice(7)), '-C', join(dir, 'rootfs')]);
          const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
          rmSync(dir, { recursive: true, force: true });
          return elapsed;
        },
      ]);
      runs.push([
        podman,
        () => {
          const storage = join(temp.path, `podman-${i}`);
          const elapsed = timed('podman', [
            '--root', join(storage, 'root'), '--runroot', join(storage, 'run'), '--storage-driver', 'overlay',
            '--events-backend', 'file', '--cgroup-manager', 'cgroupfs',
            'pull', '--quiet', '--tls-verify=false', name,
          ]);
          spawnSync('podman', ['--root', join(storage, 'root'), '--runroot', join(storage, 'run'), '--storage-driver', 'overlay', 'system', 'reset', '--force'], { stdio: 'ignore' });
          rmSync(storage, { recursive: true, force: true });
          return elapsed;
        },
      ]);
      if (i % 2) runs.reverse();
      for (const [samples, run] of runs) samples.push(run());
    }
    const b = median(berth);
    const s = median(skopeo);
    console.log(`pull of the Debian minbase image from a loopback registry, ${rounds} interleaved rounds`);
    console.log(`  berth pull (download + verify + unpack): median ${b.toFixed(0)} ms (min ${Math.min(...berth).toFixed(0)}, max ${Math.max(...berth).toFixed(0)})`);
    console.log(`  skopeo copy to an OCI layout:            median ${s.toFixed(0)} ms (min ${Math.min(...skopeo).toFixed(0)}, max ${Math.max(...skopeo).toFixed(0)})`);
    const st = median(skopeoTar);
    console.log(`  skopeo copy, then tar -xzf of the layer: median ${st.toFixed(0)} ms (min ${Math.min(...skopeoTar).toFixed(0)}, max ${Math.max(...skopeoTar).toFixed(0)})`);
    console.log(`  ratio berth/skopeo:                      ${(b / s).toFixed(2)}`);
    console.log(`  ratio berth/(skopeo + tar):              ${(b / st).toFixed(2)}`);
    const p = median(podman);
    console.log(`  podman pull into fresh storage:          median ${p.toFixed(0)} ms (min ${Math.min(...podman).toFixed(0)}, max ${Math.max(...podman).toFixed(0)})`);
    console.log(`  ratio berth/podman:                      ${(b / p).toFixed(2)}`);
    reportRow({ name: 'pull Debian minbase from a loopback registry, with unpack', unit: 'ms', berth: b, anchorName: 'skopeo copy + tar -xzf', anchor: st, samples: rounds });
    reportRow({ name: 'pull Debian minbase from a loopback registry, with unpack', unit: 'ms', berth: b, anchorName: 'podman pull into fresh storage', anchor: p, samples: rounds });
    reportRow({ name: 'pull Debian minbase (Berth with unpack, skopeo without)', unit: 'ms', berth: b, anchorName: 'skopeo copy', anchor: s, samples: rounds });
  } finally {
    await daemon.stop();
    await registry.stop();
    temp.remove();
  }
}

void main();

// Benchmark: a published port. A busybox httpd in a bridge container serves a 256 MiB file and a 1-byte
// one; curl fetches them (interleaved rounds) through the userland proxy (127.0.0.1:PORT), through the
// direct path (DNAT: the port on another address of the host) and, as the anchor, from the same busybox
// httpd serving the same files on plain loopback with no container between. Reported: the transfer's
// throughput and the set-up time of a connection (connect to the first byte of a 1-byte reply), medians.
// Everything runs in a network namespace of the bench's own (testNetns.ts); nothing touches the host's.
//   node --import tsx test/bench/network-ports.bench.ts [ROUNDS] [MIB]
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, reportRow } from '../support/benchStats';
import { IMAGE, startEngine } from '../support/engineHarness';
import { makeTestNetns } from '../support/testNetns';

const rounds = Number(process.argv[2] ?? 7);
const mib = Number(process.argv[3] ?? 256);
const SETUP_SAMPLES = 20;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-net-bench-'));
  const ns = makeTestNetns(dir);
  let anchor: ChildProcess | undefined;
  let engine: Awaited<ReturnType<typeof startEngine>> | undefined;
  try {
    // Another address of the "host" (the namespace): what the direct path's DNAT serves.
    // (A veth pair: this kernel has no dummy links.)
    ns.runSync('ip', ['link', 'add', 'bench0', 'type', 'veth', 'peer', 'name', 'bench1']);
    ns.runSync('ip', ['addr', 'add', '192.0.2.1/24', 'dev', 'bench0']);
    ns.runSync('ip', ['link', 'set', 'bench0', 'up']);
    ns.runSync('ip', ['link', 'set', 'bench1', 'up']);
    engine = await startEngine({ netns: ns.path });
    const make = `mkdir -p /www && dd if=/dev/zero of=/www/big bs=1M count=${mib} 2>/dev/null && printf x > /www/small && echo ready > /www/ready`;
    const run = await engine!.berth(['run', '-d', '--name', 'server', '-p', '127.0.0.1:18500:80', '-p', '18501:80', IMAGE, 'sh', '-c', `${make} && exec httpd -f -p 80 -h /www`]);
    if (run.code !== 0) throw new Error(`run: ${run.stderr}`);
    const www = join(dir, 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'small'), 'x');
    const big = Buffer.alloc(1024 * 1024);
    const fd = openSync(join(www, 'big'), 'w');
    for (let k = 0; k < mib; k++) writeSync(fd, big);
    closeSync(fd);
    anchor = spawn('nsenter', [`--net=${ns.path}`, '--', 'busybox', 'httpd', '-f', '-p', '127.0.0.1:18502', '-h', www], { stdio: 'ignore' });
    const paths = {
      proxy: 'http://127.0.0.1:18500',
      direct: 'http://192.0.2.1:18501',
      loopback: 'http://127.0.0.1:18502',
    } as const;
    const deadline = Date.now() + 60_000;
    while ((await ns.run('curl', ['-sf', `${paths.proxy}/ready`])).code !== 0 || (await ns.run('curl', ['-sf', `${paths.loopback}/small`])).code !== 0) {
      if (Date.now() > deadline) throw new Error('the servers did not answer');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const curl = async (url: string, format: string): Promise<number> => {
      const result = await ns.run('curl', ['-sS', '-o', '/dev/null', '-w', format, url], { timeoutMs: 300_000 });
      if (result.code !== 0) throw new Error(`curl ${url}: ${result.stderr}`);
      return Number(result.stdout) * 1000;
    };
    const transfer: Record<keyof typeof paths, number[]> = { proxy: [], direct: [], loopback: [] };
    const setup: Record<keyof typeof paths, number[]> = { proxy: [], direct: [], loopback: [] };
    // One unmeasured round: page cache, ARP, the proxy's first connection.
    for (const url of Object.values(paths)) await curl(`${url}/big`, '%{time_total}');
    for (let round = 0; round < rounds; round++) {
      const order = Object.keys(paths) as Array<keyof typeof paths>;
      if (round % 2) order.reverse();
      for (const path of order) {
        transfer[path].push(await curl(`${paths[path]}/big`, '%{time_total}'));
        for (let k = 0; k < SETUP_SAMPLES / rounds + 1; k++) setup[path].push(await curl(`${paths[path]}/small`, '%{time_starttransfer}'));
      }
    }
    const throughput = (path: keyof typeof paths) => mib / (median(transfer[path]) / 1000);
    for (const path of ['proxy', 'direct'] as const) {
      reportRow({
        name: `${mib} MiB through a published port, ${path === 'proxy' ? 'userland proxy (127.0.0.1)' : 'direct path (DNAT, another host address)'}`,
        unit: 'MiB/s',
        berth: throughput(path),
        anchorName: 'plain loopback (same busybox httpd, no container)',
        anchor: throughput('loopback'),
        samples: rounds,
        note: `median transfer ${median(transfer[path]).toFixed(0)} ms vs ${median(transfer.loopback).toFixed(0)} ms`,
      });
      reportRow({
        name: `connection set-up through a published port (connect to first byte of 1 B), ${path}`,
        unit: 'ms',
        berth: median(setup[path]),
        anchorName: 'plain loopback',
        anchor: median(setup.loopback),
        samples: setup[path].length,
      });
    }
  } finally {
    anchor?.kill();
    await engine?.close();
    ns.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

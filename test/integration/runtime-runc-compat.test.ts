// `berth runtime` against runc (Debian's 1.1.5) on the same bundles, for what clients rely on beyond the
// basic lifecycle: pause/resume, ps, update, events, the --log file, exit codes for missing containers,
// kernel memory, joining a mount namespace by path, a missing cgroup controller, kill --all, features,
// --version. Each case runs with both runtimes (each with its own state root) and compares.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RuntimeConfig } from '../../helper/src/runtime/spec/config';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { runProgram } from '../support/processes';
import { bothRuntimes, sameWithBoth, type RuntimeName } from '../support/runtimeClients';

const tmp = mkdtempSync(join(tmpdir(), 'berth-compat-'));
const { drive, argv, newId, cleanup } = bothRuntimes(tmp);
after(async () => {
  await cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** A busybox bundle running `sh -c SCRIPT`, removed at the end. */
function bundle(script: string, change?: (config: RuntimeConfig) => void): TestBundle {
  const made = makeBusyboxBundle((config) => {
    config.process!.args = ['sh', '-c', script];
    change?.(config);
  });
  after(() => made.remove());
  return made;
}

const statusOf = async (runtime: RuntimeName, id: string) => {
  const result = await drive(runtime, 'state', id);
  return result.code === 0 ? (JSON.parse(result.stdout) as { status: string }).status : `exit ${result.code}`;
};

test('a container that does not exist: delete --force exits 0, the rest fail with runc\'s codes (exec 255)', async () => {
  await sameWithBoth(async (runtime) => {
    const codes: Record<string, number | null> = {};
    for (const args of [['delete', '--force'], ['delete'], ['state'], ['start'], ['kill'], ['pause'], ['resume'], ['ps'], ['events', '--stats'], ['exec']]) {
      const result = await drive(runtime, ...args, `missing-${process.pid}`, ...(args[0] === 'exec' ? ['true'] : []));
      codes[args.join(' ')] = result.code;
      if (result.code !== 0) assert.match(result.stderr, /does not exist/, `${runtime} ${args.join(' ')}`);
    }
    return codes;
  });
});

test('pause, resume, ps, kill --all and the statuses they lead to, as with runc', async () => {
  const made = bundle('sleep 1000 & sleep 1000 & wait');
  await sameWithBoth(async (runtime) => {
    const id = newId(runtime);
    const steps: string[] = [];
    const step = async (label: string, ...args: string[]) => {
      const result = await drive(runtime, ...args);
      steps.push(`${label} ${result.code === 0 ? 'ok' : 'error'} ${await statusOf(runtime, id)}`);
      return result;
    };
    await step('create', 'create', '--bundle', made.dir, id);
    await step('pause created', 'pause', id);
    await step('resume', 'resume', id);
    await step('resume again', 'resume', id);
    await step('start', 'start', id);
    await step('pause', 'pause', id);
    await step('pause again', 'pause', id);
    await step('delete paused', 'delete', id);
    await step('resume', 'resume', id);
    // The shell and its two sleeps, once forked.
    let pids: number[] = [];
    for (let i = 0; i < 600 && pids.length < 3; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      pids = JSON.parse((await drive(runtime, 'ps', '--format', 'json', id)).stdout) as number[];
    }
    steps.push(`ps json: ${pids.length} processes`);
    const table = (await drive(runtime, 'ps', id)).stdout.split('\n').filter(Boolean);
    steps.push(`ps table: header ${/^UID\s+PID\s+PPID/.test(table[0]!)}, ${table.length - 1} rows`);
    const own = (await drive(runtime, 'ps', id, '-o', 'pid,comm')).stdout.split('\n').filter(Boolean).slice(1);
    steps.push(`ps -o pid,comm: ${own.map((line) => line.trim().split(/\s+/)[1]).sort().join(',')}`);
    await step('kill --all', 'kill', '--all', id, 'KILL');
    for (let i = 0; i < 600 && pids.some((pid) => existsSync(`/proc/${pid}`) && !/ Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    steps.push(`after kill --all: ${await statusOf(runtime, id)}`);
    await step('delete', 'delete', id);
    return steps;
  });
});

test('update from flags, from a file and from stdin changes the limits, as with runc', async () => {
  const made = bundle('sleep 1000');
  await sameWithBoth(async (runtime) => {
    const id = newId(runtime);
    assert.equal((await drive(runtime, 'run', '-d', '--bundle', made.dir, id)).code, 0);
    const cgroupFile = (controller: string, file: string) => {
      const [binary, ...global] = argv(runtime);
      const pid = (JSON.parse(execFileSync(binary!, [...global, 'state', id], { encoding: 'utf8' })) as { pid: number }).pid;
      const path = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]!.split(',').includes(controller))!.split(':')[2];
      return readFileSync(`/sys/fs/cgroup/${controller}${path}/${file}`, 'utf8').trim();
    };
    const seen: string[] = [];
    const flags = await drive(runtime, 'update', '--memory', '64m', '--pids-limit', '99', '--cpu-quota', '50000', '--cpu-period', '100000', id);
    seen.push(`flags ${flags.code} ${cgroupFile('memory', 'memory.limit_in_bytes')} ${cgroupFile('pids', 'pids.max')} ${cgroupFile('cpu', 'cpu.cfs_quota_us')}`);
    const file = join(tmp, `resources-${runtime}.json`);
    writeFileSync(file, JSON.stringify({ memory: { limit: 96 * 1024 * 1024 }, pids: { limit: 77 } }));
    const fromFile = await drive(runtime, 'update', '-r', file, id);
    seen.push(`file ${fromFile.code} ${cgroupFile('memory', 'memory.limit_in_bytes')} ${cgroupFile('pids', 'pids.max')}`);
    const [binary, ...global] = argv(runtime);
    const fromStdin = await runProgram(binary!, [...global, 'update', '--resources', '-', id], {
      input: JSON.stringify({ memory: { limit: 128 * 1024 * 1024 }, cpu: { shares: 512 } }),
    });
    seen.push(`stdin ${fromStdin.code} ${cgroupFile('memory', 'memory.limit_in_bytes')} ${cgroupFile('cpu', 'cpu.shares')}`);
    const kernel = await drive(runtime, 'update', '--kernel-memory', '32m', id);
    seen.push(`kernel memory ${kernel.code} ${/Kernel memory settings are ignored/.test(kernel.stderr)}`);
    const bad = await drive(runtime, 'update', '--memory', 'lots', id);
    seen.push(`bad value ${bad.code === 0 ? 'accepted' : 'refused'}`);
    return seen;
  });
});

test('events --stats prints one stats event in runc\'s shape', async () => {
  const made = bundle('sleep 1000');
  await sameWithBoth(async (runtime) => {
    const id = newId(runtime);
    assert.equal((await drive(runtime, 'run', '-d', '--bundle', made.dir, id)).code, 0);
    const result = await drive(runtime, 'events', '--stats', id);
    assert.equal(result.code, 0, result.stderr);
    const event = JSON.parse(result.stdout) as { type: string; id: string; data: { cpu: { usage: { total: number } }; memory: { usage: { usage: number; limit: number } }; pids: { current: number } } };
    assert.ok(event.data.cpu.usage.total > 0 && event.data.memory.usage.usage > 0, `${runtime}: ${result.stdout}`);
    return { type: event.type, id: event.id === id, pids: event.data.pids.current, keys: Object.keys(event.data).sort(), unlimited: event.data.memory.usage.limit > 2 ** 62 };
  });
});

test('--log FILE gets the errors and warnings in runc\'s text and JSON formats', async () => {
  // Kernel memory limits: runc 1.1 and Berth warn that they are ignored, and run the container.
  const made = bundle('echo ran', (config) => (config.linux!.resources = { memory: { kernel: 64 << 20, kernelTCP: 32 << 20 } }));
  await sameWithBoth(async (runtime) => {
    const seen: string[] = [];
    for (const format of ['json', 'text']) {
      const log = join(tmp, `log-${runtime}-${format}`);
      const ran = await drive(runtime, '--log', log, '--log-format', format, 'run', '--bundle', made.dir, newId(runtime));
      const missing = await drive(runtime, '--log', log, '--log-format', format, 'state', `missing-${process.pid}`);
      seen.push(`${format}: run ${ran.code} ${ran.stdout.trim()}, state ${missing.code}`);
      const entries = readFileSync(log, 'utf8').trim().split('\n');
      const parsed = entries.map((line) => {
        if (format === 'json') return JSON.parse(line) as Record<string, string>;
        const match = /^time="([^"]+)" level=(\w+) msg="((?:[^"\\]|\\.)*)"$/.exec(line);
        assert.ok(match, `${runtime} text log line: ${line}`);
        return { time: match[1]!, level: match[2]!, msg: JSON.parse(`"${match[3]}"`) as string };
      });
      for (const entry of parsed) {
        if (format === 'json') assert.deepEqual(Object.keys(entry), ['level', 'msg', 'time'], runtime);
        assert.match(entry.time!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/, runtime);
      }
      const warning = parsed.find((entry) => /Kernel memory settings are ignored/.test(entry.msg!));
      seen.push(`${format}: kernel memory ${warning?.level}, last ${parsed.at(-1)!.level} ${/does not exist/.test(parsed.at(-1)!.msg!)}`);
    }
    return seen;
  });
});

test('a mount namespace joined by path: the container runs in it, as with runc', async () => {
  const made = bundle('readlink /proc/self/ns/mnt');
  await sameWithBoth(async (runtime) => {
    // A mount namespace of its own, kept by a bind mount of its nsfs file (util-linux's unshare).
    const holder = join(tmp, `mntns-${runtime}`);
    writeFileSync(holder, '');
    execFileSync('unshare', [`--mount=${holder}`, '--propagation', 'private', 'true']);
    try {
      const inode = execFileSync('stat', ['-L', '-c', '%i', holder], { encoding: 'utf8' }).trim();
      made.config.linux!.namespaces = made.config.linux!.namespaces!.map((ns) => (ns.type === 'mount' ? { type: 'mount', path: holder } : ns));
      made.save();
      const result = await drive(runtime, 'run', '--bundle', made.dir, newId(runtime));
      assert.equal(result.code, 0, `${runtime}: ${result.stderr}`);
      assert.equal(result.stdout.trim(), `mnt:[${inode}]`, runtime);
      return result.code;
    } finally {
      execFileSync('umount', [holder]);
    }
  });
});

test('a hugetlb limit where the hugetlb controller is absent is refused, as by runc', async () => {
  // Fenced: in a mount namespace of the test's own, the host's only hugetlb hierarchy (the unified
  // mount of this hybrid layout) is unmounted, so neither runtime can find the controller.
  const made = bundle('echo ran', (config) => (config.linux!.resources = { hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }] }));
  await sameWithBoth(async (runtime) => {
    const script = 'umount /sys/fs/cgroup/unified 2>/dev/null; for h in /sys/fs/cgroup/*; do [ -e "$h/hugetlb.2MB.limit_in_bytes" ] && umount "$h"; done; exec "$@"';
    const result = await runProgram('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...argv(runtime), 'run', '--bundle', made.dir, newId(runtime)]);
    assert.doesNotMatch(result.stdout, /ran/, runtime);
    assert.match(result.stderr, /hugetlb/, runtime);
    return result.code;
  });
});

test('checkpoint and restore are refused, --systemd-cgroup where systemd does not run, as by runc', async () => {
  const made = bundle('sleep 1000');
  await sameWithBoth(async (runtime) => {
    const id = newId(runtime);
    assert.equal((await drive(runtime, 'run', '-d', '--bundle', made.dir, id)).code, 0);
    const checkpoint = await drive(runtime, 'checkpoint', '--image-path', join(tmp, `checkpoint-${runtime}`), id);
    const systemd = await drive(runtime, '--systemd-cgroup', 'create', '--bundle', made.dir, newId(runtime));
    if (runtime === 'berth') {
      assert.match(checkpoint.stderr, /cannot checkpoint or restore containers \(it has no CRIU support\)/);
      assert.match(systemd.stderr, /--systemd-cgroup: systemd is not running on this host .*--cgroup-manager cgroupfs/);
    }
    return [checkpoint.code === 0 ? 'ok' : 'refused', systemd.code];
  });
});

test('features lists every mount option runc lists, and --version is in runc\'s format', async () => {
  const features = async (runtime: RuntimeName) => JSON.parse((await drive(runtime, 'features')).stdout) as { mountOptions: string[]; linux: { namespaces: string[] } };
  const runc = await features('runc');
  const berth = await features('berth');
  assert.deepEqual(runc.mountOptions.filter((option) => !berth.mountOptions.includes(option)), []);
  assert.ok(berth.mountOptions.includes('idmap'));
  assert.deepEqual(berth.linux.namespaces, runc.linux.namespaces);
  for (const flag of ['--version', '-v']) {
    const version = await drive('berth', flag);
    assert.match(version.stdout, /^berth version \d+\.\d+\.\d+\nspec: 1\.\d+\.\d+\nnode: \d+\.\d+\.\d+\n$/);
  }
});

// The cgroup drivers on this machine's real cgroups, as root. The host's layout decides the driver
// (this machine is hybrid: v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified that holds at
// most hugetlb), so the behaviour tests go through openCgroup() as the runtime will, and only the
// read-backs of interface files look at the layout. The v2 driver's lifecycle (join, freeze, kill,
// remove) also runs against the real cgroup2 mount at /sys/fs/cgroup/unified, which has no limiting
// controllers; its limit files are covered by test/unit/cgroups-v2.test.ts on a fake tree.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { CgroupError, openCgroup, type Cgroup } from '../../helper/src/cgroups';
import { detectCgroupMode } from '../../helper/src/cgroups/mode';
import { waitFor } from '../support/waitFor';

const ROOT = '/sys/fs/cgroup';
const MiB = 1024 * 1024;
const mode = detectCgroupMode();
const isRoot = process.getuid?.() === 0;
const skip = !isRoot ? 'needs root' : mode === 'none' ? 'no cgroups mounted' : false;
const v1Files = mode === 'v1' || mode === 'hybrid';
const unifiedMount = join(ROOT, 'unified');

// Every test's cgroups live below this one parent, removed with everything in it at the end.
const PARENT = `/berth-test-${process.pid}`;
const children: ChildProcess[] = [];
const unifiedSubtreeBefore = mode === 'hybrid' ? readFileSync(join(unifiedMount, 'cgroup.subtree_control'), 'utf8') : '';

after(async () => {
  if (skip) return;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await openCgroup(PARENT).destroy();
  // The hugetlb test enables hugetlb in the unified root; put the host back as it was. Best effort: it
  // fails (EBUSY) while another cgroup below the root still uses hugetlb, and then it must stay.
  const subtreeControl = join(unifiedMount, 'cgroup.subtree_control');
  if (mode === 'hybrid' && !unifiedSubtreeBefore.includes('hugetlb') && readFileSync(subtreeControl, 'utf8').includes('hugetlb')) {
    try {
      writeFileSync(subtreeControl, '-hugetlb');
    } catch {
      // See above.
    }
  }
});

/** Every cgroup mount of the host: each v1 hierarchy and the cgroup2 mount, from mountinfo. */
function cgroupMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => / - cgroup2? /.test(line))
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(ROOT));
}

/** An interface file of the cgroup: under the controller's hierarchy on v1/hybrid, in the one directory on v2. */
function fileOf(cgroup: Cgroup, controller: string, name: string): string {
  return mode === 'v2' ? join(ROOT, cgroup.path, name) : join(ROOT, controller, cgroup.path, name);
}
const read = (file: string) => readFileSync(file, 'utf8').trim();

/**
 * A program started under `sh -c 'read x; exec ...'`: it waits for go() so it can be moved into a cgroup
 * first. `output` settles when its stdout and stderr close, which background jobs holding them delay.
 */
function spawnWaiting(command: string, args: string[]): ChildProcess & { output: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn('sh', ['-c', 'read x; exec "$@"', 'sh', command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const output = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return Object.assign(child, { output });
}
const go = (child: ChildProcess) => child.stdin?.end('go\n');

/** Polls until the condition holds; the test runner's timeout is the only limit. */

function alive(pid: number): boolean {
  try {
    // A zombie has exited; only its parent's wait is missing.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('cgroups on this host', { skip }, () => {
  test('a process over memory.limit is OOM-killed, and the kill is counted', async () => {
    const cgroup = openCgroup(`${PARENT}/oom`);
    // swap equal to the limit: memory plus swap is 16 MiB, so nothing can be swapped out instead.
    cgroup.create({ memory: { limit: 16 * MiB, swap: 16 * MiB } });
    assert.equal(cgroup.oomKilled(), false);
    const child = spawnWaiting('python3', ['-c', 'b = bytearray(64 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1']);
    cgroup.addProcess(child.pid!);
    go(child);
    const { signal } = await child.output;
    assert.equal(signal, 'SIGKILL');
    assert.equal(cgroup.oomKilled(), true);
    const stats = cgroup.stats();
    assert.ok(stats.memory.oomKills >= 1, `oomKills ${stats.memory.oomKills}`);
    assert.equal(stats.memory.limit, 16 * MiB);
    assert.ok(stats.memory.maxUsage === null || stats.memory.maxUsage > 0);
  });

  test('pids.limit stops a fork loop with EAGAIN, and the count stays within it', async () => {
    const cgroup = openCgroup(`${PARENT}/pids`);
    cgroup.create({ pids: { limit: 32 } });
    // The sleeps must not hold the test's pipes, or the shell's output would not end until they die.
    const child = spawnWaiting('sh', ['-c', 'for i in $(seq 100); do sleep 1000 >/dev/null 2>&1 & done; echo started']);
    cgroup.addProcess(child.pid!);
    go(child);
    const { stderr } = await child.output;
    assert.match(stderr, /Cannot fork|Resource temporarily unavailable/);
    const stats = cgroup.stats();
    assert.equal(stats.pids.limit, 32);
    assert.ok(stats.pids.current > 0 && stats.pids.current <= 32, `pids.current ${stats.pids.current}`);
    assert.ok(cgroup.processes().length <= 32);
    await cgroup.destroy();
  });

  test('cpu shares, quota, period and cpuset read back as written, and update changes only what it names', () => {
    const cgroup = openCgroup(`${PARENT}/cpu`);
    cgroup.create({ cpu: { shares: 512, quota: 50_000, period: 100_000, cpus: '0', mems: '0' } });
    if (v1Files) {
      assert.equal(read(fileOf(cgroup, 'cpu', 'cpu.shares')), '512');
      assert.equal(read(fileOf(cgroup, 'cpu', 'cpu.cfs_quota_us')), '50000');
      assert.equal(read(fileOf(cgroup, 'cpu', 'cpu.cfs_period_us')), '100000');
    } else {
      assert.equal(read(fileOf(cgroup, 'cpu', 'cpu.weight')), '20');
      assert.equal(read(fileOf(cgroup, 'cpu', 'cpu.max')), '50000 100000');
    }
    assert.equal(read(fileOf(cgroup, 'cpuset', 'cpuset.cpus')), '0');
    assert.equal(read(fileOf(cgroup, 'cpuset', 'cpuset.mems')), '0');
    cgroup.update({ cpu: { quota: -1 } });
    if (v1Files) {
      assert.equal(read(fileOf(cgroup, 'cpu', 'cpu.cfs_quota_us')), '-1');
      assert.equal(read(fileOf(cgroup, 'cpu', 'cpu.cfs_period_us')), '100000');
    } else {
      assert.equal(read(fileOf(cgroup, 'cpu', 'cpu.max')), 'max 100000');
    }
  });

  test('a new v1 cpuset level gets its parent cpus and mems, so a process can join it', { skip: !v1Files && 'v1 cpuset only' }, async () => {
    // No cpu fields at all: the copy from the parent is what makes joining possible.
    const cgroup = openCgroup(`${PARENT}/cpuset/nested`);
    cgroup.create(undefined);
    const rootCpus = read(join(ROOT, 'cpuset', 'cpuset.cpus'));
    assert.equal(read(join(ROOT, 'cpuset', PARENT, 'cpuset', 'cpuset.cpus')), rootCpus);
    assert.equal(read(fileOf(cgroup, 'cpuset', 'cpuset.cpus')), rootCpus);
    assert.notEqual(read(fileOf(cgroup, 'cpuset', 'cpuset.mems')), '');
    const child = spawnWaiting('true', []);
    cgroup.addProcess(child.pid!);
    const membership = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
    go(child);
    await child.output;
    // In every hierarchy, the unified one ("0::") included.
    for (const line of membership.trim().split('\n')) assert.ok(line.endsWith(`:${cgroup.path}`), line);
    assert.equal(cgroup.procsFiles().length, membership.trim().split('\n').length);
    await cgroup.destroy();
  });

  test('v1 devices: deny all, then allow /dev/null; the kernel enforces it', { skip: !v1Files && 'v1 devices only' }, async () => {
    const cgroup = openCgroup(`${PARENT}/devices`);
    cgroup.create({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
    assert.equal(read(fileOf(cgroup, 'devices', 'devices.list')), 'c 1:3 rwm');
    const child = spawnWaiting('sh', ['-c', 'cat /dev/null && echo null-ok; head -c 1 /dev/zero >/dev/null 2>&1 || echo zero-denied']);
    cgroup.addProcess(child.pid!);
    go(child);
    const { stdout } = await child.output;
    assert.equal(stdout, 'null-ok\nzero-denied\n');
  });

  test('v1 blkio: throttles on a real disk read back; the weight goes to whichever weight file the kernel has', { skip: !v1Files && 'v1 blkio only' }, () => {
    const disk = readdirSync('/sys/block').find((name) => !/^(loop|ram|zram)/.test(name) && existsSync(`/sys/block/${name}/dev`));
    if (!disk) return;
    const [major, minor] = read(`/sys/block/${disk}/dev`).split(':').map(Number) as [number, number];
    const cgroup = openCgroup(`${PARENT}/blkio`);
    const blkio = join(ROOT, 'blkio', PARENT, 'blkio');
    const weightFile = ['blkio.weight', 'blkio.bfq.weight'].find((name) => existsSync(join(ROOT, 'blkio', PARENT, name)) || existsSync(join(ROOT, 'blkio', name)));
    cgroup.create({
      blockIO: {
        weight: weightFile ? 300 : undefined,
        throttleReadBpsDevice: [{ major, minor, rate: MiB }],
        throttleWriteIOPSDevice: [{ major, minor, rate: 100 }],
      },
    });
    assert.equal(read(join(blkio, 'blkio.throttle.read_bps_device')), `${major}:${minor} ${MiB}`);
    assert.equal(read(join(blkio, 'blkio.throttle.write_iops_device')), `${major}:${minor} 100`);
    if (weightFile) assert.match(read(join(blkio, weightFile)), /\b300\b/);
  });

  test('freeze stops a busy loop and thaw lets it run again', async () => {
    const cgroup = openCgroup(`${PARENT}/freeze`);
    cgroup.create(undefined);
    const child = spawnWaiting('sh', ['-c', 'while :; do :; done']);
    cgroup.addProcess(child.pid!);
    go(child);
    await waitFor('the cgroup to count CPU time', () => cgroup.stats().cpu.usageNanos > 0);
    await cgroup.freeze();
    if (v1Files) assert.equal(read(fileOf(cgroup, 'freezer', 'freezer.state')), 'FROZEN');
    const frozenAt = cgroup.stats().cpu.usageNanos;
    // Frozen means no progress at all, however long we look.
    await sleep(300);
    assert.equal(cgroup.stats().cpu.usageNanos, frozenAt);
    await cgroup.thaw();
    await waitFor('the thawed cgroup to count more CPU time', () => cgroup.stats().cpu.usageNanos > frozenAt);
    await cgroup.destroy();
    assert.equal((await child.output).signal, 'SIGKILL');
  });

  test('destroy kills everything left, frozen or nested, removes every directory, and is idempotent', async () => {
    const cgroup = openCgroup(`${PARENT}/destroy`);
    cgroup.create({ pids: { limit: 64 } });
    const nested = openCgroup(`${PARENT}/destroy/inner`);
    nested.create(undefined);
    const child = spawnWaiting('sh', ['-c', 'sleep 1000 & sleep 1000 & sleep 1000 & wait']);
    cgroup.addProcess(child.pid!);
    go(child);
    const lone = spawn('sleep', ['1000']);
    children.push(lone);
    nested.addProcess(lone.pid!);
    await waitFor('five processes in the cgroup', () => cgroup.processes().length >= 5);
    const pids = cgroup.processes();
    assert.ok(pids.includes(lone.pid!), 'processes() includes nested cgroups');
    await cgroup.freeze();
    await cgroup.destroy();
    for (const mount of cgroupMounts()) assert.equal(existsSync(join(mount, cgroup.path)), false, `${join(mount, cgroup.path)} still exists`);
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} survived`);
    assert.equal((await child.output).signal, 'SIGKILL');
    await cgroup.destroy();
    assert.deepEqual(cgroup.processes(), []);
  });

  test('refused resources name their field and leave no directory behind', () => {
    const refusals: Array<[Parameters<Cgroup['create']>[0], RegExp]> = [
      [{ hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }, /^linux\.resources\.hugepageLimits(\[0\]\.pageSize)?: /],
      [{ rdma: { mlx5_0: { hcaHandles: 1 } } }, /^linux\.resources\.rdma/],
      [{ memory: { limit: 16 * MiB, swap: 8 * MiB } }, /^linux\.resources\.memory\.swap: /],
      [{ cpu: { shares: 1 } }, /^linux\.resources\.cpu\.shares: /],
    ];
    if (v1Files) refusals.push([{ unified: { 'memory.high': '1M' } }, /^linux\.resources\.unified: /]);
    for (const [resources, message] of refusals) {
      const cgroup = openCgroup(`${PARENT}/refused`);
      assert.throws(() => cgroup.create(resources), (err: unknown) => err instanceof CgroupError && message.test(err.message));
      for (const mount of cgroupMounts()) assert.equal(existsSync(join(mount, cgroup.path)), false, `${JSON.stringify(resources)} left ${mount}`);
    }
  });

  test('memory.kernel is applied where the kernel enforces it, and refused by name where it only pretends to', { skip: !v1Files && 'v2 refuses it outright (unit tested)' }, () => {
    const cgroup = openCgroup(`${PARENT}/kmem`);
    try {
      cgroup.create({ memory: { kernel: 16 * MiB } });
      assert.equal(read(fileOf(cgroup, 'memory', 'memory.kmem.limit_in_bytes')), String(16 * MiB));
    } catch (err) {
      // Current kernels keep memory.kmem.limit_in_bytes but ignore writes to it.
      assert.ok(err instanceof CgroupError && /^linux\.resources\.memory\.kernel: .*ignores kernel memory limits/.test(err.message), String(err));
    }
  });

  test('hybrid: hugepage limits go to the unified mount when no v1 hierarchy has hugetlb', { skip: !(mode === 'hybrid' && read(join(unifiedMount, 'cgroup.controllers')).split(' ').includes('hugetlb')) && 'needs hugetlb in the unified mount' }, () => {
    const cgroup = openCgroup(`${PARENT}/hugetlb`);
    cgroup.create({ hugepageLimits: [{ pageSize: '2MB', limit: 8 * MiB }] });
    assert.equal(read(join(unifiedMount, cgroup.path, 'hugetlb.2MB.max')), String(8 * MiB));
    cgroup.update({ hugepageLimits: [{ pageSize: '2MB', limit: 4 * MiB }] });
    assert.equal(read(join(unifiedMount, cgroup.path, 'hugetlb.2MB.max')), String(4 * MiB));
  });
});

describe('the v2 driver on the real cgroup2 mount at /sys/fs/cgroup/unified', { skip: skip || (mode !== 'hybrid' && 'needs the hybrid layout') }, () => {
  const open = () => openCgroup(`${PARENT}/v2`, { mode: 'v2', mountRoot: unifiedMount });

  test('refuses limits whose controller the mount does not have, naming field and file', () => {
    assert.throws(() => open().create({ memory: { limit: 16 * MiB } }), /^CgroupError: linux\.resources\.memory\.limit: \S+\/memory\.max does not exist: the memory controller/);
    assert.equal(existsSync(join(unifiedMount, PARENT, 'v2')), false);
  });

  test('joins, freezes, thaws and kills through cgroup.procs, cgroup.freeze and cgroup.kill', async () => {
    const cgroup = open();
    cgroup.create(undefined);
    assert.deepEqual(cgroup.procsFiles(), [join(unifiedMount, PARENT, 'v2', 'cgroup.procs')]);
    const child = spawnWaiting('sh', ['-c', 'while :; do :; done']);
    cgroup.addProcess(child.pid!);
    go(child);
    assert.match(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8'), new RegExp(`^0::${PARENT}/v2$`, 'm'));
    assert.deepEqual(cgroup.processes(), [child.pid]);
    await waitFor('the cgroup to count CPU time', () => cgroup.stats().cpu.usageNanos > 0);
    await cgroup.freeze();
    assert.match(readFileSync(join(unifiedMount, PARENT, 'v2', 'cgroup.events'), 'utf8'), /^frozen 1$/m);
    const frozenAt = cgroup.stats().cpu.usageNanos;
    await sleep(300);
    assert.equal(cgroup.stats().cpu.usageNanos, frozenAt);
    await cgroup.thaw();
    await waitFor('the thawed cgroup to count more CPU time', () => cgroup.stats().cpu.usageNanos > frozenAt);
    await cgroup.destroy();
    assert.equal((await child.output).signal, 'SIGKILL');
    assert.equal(existsSync(join(unifiedMount, PARENT, 'v2')), false);
  });
});

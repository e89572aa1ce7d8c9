// The cgroup v1 driver against a fake tree: what this machine's real v1 hierarchies cannot show (a
// co-mounted cpu,cpuacct hierarchy, kernels without swap accounting or blkio weights) and the exact
// lines written. test/integration/cgroups.test.ts runs the driver on the real hierarchies. The fake is
// plain files holding the last value written; mkdir creates no files there, so the test makes them.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CgroupError, openCgroup } from '../../helper/src/cgroups';
import { v1DeviceLines } from '../../helper/src/cgroups/devices';

const MiB = 1024 * 1024;
const UNLIMITED = '9223372036854771712';
const temps: string[] = [];
after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Each hierarchy's files in a new cgroup, as the kernel makes them. */
const HIERARCHY_FILES: Record<string, Record<string, string>> = {
  'cpu,cpuacct': { 'cpu.shares': '1024', 'cpu.cfs_quota_us': '-1', 'cpu.cfs_period_us': '100000', 'cpuacct.usage': '0' },
  cpuset: { 'cpuset.cpus': '', 'cpuset.mems': '' },
  memory: {
    'memory.limit_in_bytes': UNLIMITED,
    'memory.memsw.limit_in_bytes': UNLIMITED,
    'memory.soft_limit_in_bytes': UNLIMITED,
    'memory.usage_in_bytes': '0',
    'memory.max_usage_in_bytes': '0',
    'memory.swappiness': '60',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
    'memory.kmem.tcp.limit_in_bytes': UNLIMITED,
  },
  pids: { 'pids.max': 'max', 'pids.current': '0' },
  blkio: { 'blkio.throttle.read_bps_device': '', 'blkio.throttle.io_service_bytes_recursive': 'Total 0\n' },
  devices: { 'devices.allow': '', 'devices.deny': '', 'devices.list': 'a *:* rwm' },
  freezer: { 'freezer.state': 'THAWED' },
  systemd: {},
};

interface FakeHost {
  root: string;
  /** A file of the cgroup /berth/test in a hierarchy's directory. */
  read(hierarchy: string, name: string): string;
  write(hierarchy: string, name: string, text: string): void;
  rm(hierarchy: string, name: string): void;
}

/** A v1 host whose cpu and cpuacct are co-mounted (with the usual symlinks), and /berth/test made in each. */
function fakeHost(hierarchies = Object.keys(HIERARCHY_FILES)): FakeHost {
  const root = mkdtempSync(join(tmpdir(), 'berth-cgroup-v1-'));
  temps.push(root);
  for (const hierarchy of hierarchies) {
    const files = HIERARCHY_FILES[hierarchy] ?? {};
    for (const [i, dir] of ['', 'berth', 'berth/test'].entries()) {
      mkdirSync(join(root, hierarchy, dir), { recursive: true });
      writeFileSync(join(root, hierarchy, dir, 'cgroup.procs'), '');
      for (const [name, text] of Object.entries(files)) writeFileSync(join(root, hierarchy, dir, name), text);
      // The root cpuset has every cpu and node; a new level starts empty.
      if (hierarchy === 'cpuset' && i === 0) {
        writeFileSync(join(root, hierarchy, 'cpuset.cpus'), '0-3\n');
        writeFileSync(join(root, hierarchy, 'cpuset.mems'), '0\n');
      }
    }
  }
  if (hierarchies.includes('cpu,cpuacct')) {
    symlinkSync('cpu,cpuacct', join(root, 'cpu'));
    symlinkSync('cpu,cpuacct', join(root, 'cpuacct'));
  }
  // Neither of these is a v1 hierarchy.
  mkdirSync(join(root, 'unified'));
  writeFileSync(join(root, 'unified', 'cgroup.procs'), '');
  mkdirSync(join(root, 'leftover'));
  const file = (hierarchy: string, name: string) => join(root, hierarchy, 'berth', 'test', name);
  return {
    root,
    read: (hierarchy, name) => readFileSync(file(hierarchy, name), 'utf8'),
    write: (hierarchy, name, text) => writeFileSync(file(hierarchy, name), text),
    rm: (hierarchy, name) => rmSync(file(hierarchy, name)),
  };
}

const open = (host: FakeHost) => openCgroup('/berth/test', { mode: 'v1', mountRoot: host.root });

function refuses(action: () => unknown, field: string, more?: RegExp): void {
  assert.throws(action, (err: unknown) => {
    assert.ok(err instanceof CgroupError, `not a CgroupError: ${String(err)}`);
    assert.ok(err.message.startsWith(`${field}: `), `"${err.message}" does not start with "${field}: "`);
    if (more) assert.match(err.message, more);
    return true;
  });
}

describe('hierarchies', () => {
  test('one procs file per hierarchy: a co-mounted pair counts once, name=systemd is joined, unified is not', () => {
    const host = fakeHost();
    const files = open(host).procsFiles().map((file) => file.slice(host.root.length));
    assert.deepEqual(files, [
      '/blkio/berth/test/cgroup.procs',
      '/cpu,cpuacct/berth/test/cgroup.procs',
      '/cpuset/berth/test/cgroup.procs',
      '/devices/berth/test/cgroup.procs',
      '/freezer/berth/test/cgroup.procs',
      '/memory/berth/test/cgroup.procs',
      '/pids/berth/test/cgroup.procs',
      '/systemd/berth/test/cgroup.procs',
    ]);
  });

  test('a new cpuset level gets cpuset.cpus and cpuset.mems from its parent, top down', () => {
    const host = fakeHost();
    open(host).create(undefined);
    assert.equal(readFileSync(join(host.root, 'cpuset', 'berth', 'cpuset.cpus'), 'utf8'), '0-3');
    assert.equal(host.read('cpuset', 'cpuset.cpus'), '0-3');
    assert.equal(host.read('cpuset', 'cpuset.mems'), '0');
  });

  test('a field whose controller is not mounted is refused by name', async () => {
    const host = fakeHost(['memory', 'pids']);
    refuses(() => open(host).create({ cpu: { shares: 512 } }), 'linux.resources.cpu', /cpu controller is not mounted/);
    refuses(() => open(host).create({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }), 'linux.resources.hugepageLimits', /hugetlb/);
    refuses(() => open(host).create({ network: { classID: 1 } }), 'linux.resources.network.classID', /net_cls/);
    refuses(() => open(host).create({ rdma: { mlx5_0: { hcaHandles: 1 } } }), 'linux.resources.rdma', /rdma controller/);
    await assert.rejects(open(host).freeze(), /freezer controller is not mounted/);
  });
});

describe('memory', () => {
  test('limit, memsw (OCI swap is memory plus swap, as memsw is), soft limit, swappiness, OOM killer, TCP', () => {
    const host = fakeHost();
    open(host).create({
      memory: { limit: 16 * MiB, swap: 32 * MiB, reservation: 8 * MiB, swappiness: 0, disableOOMKiller: true, kernelTCP: MiB },
    });
    assert.equal(host.read('memory', 'memory.limit_in_bytes'), String(16 * MiB));
    assert.equal(host.read('memory', 'memory.memsw.limit_in_bytes'), String(32 * MiB));
    assert.equal(host.read('memory', 'memory.soft_limit_in_bytes'), String(8 * MiB));
    assert.equal(host.read('memory', 'memory.swappiness'), '0');
    assert.equal(host.read('memory', 'memory.oom_control'), '1');
    assert.equal(host.read('memory', 'memory.kmem.tcp.limit_in_bytes'), String(MiB));
  });

  test('an unlimited limit with swap unset lifts memsw too', () => {
    const host = fakeHost();
    open(host).create({ memory: { limit: -1 } });
    assert.equal(host.read('memory', 'memory.limit_in_bytes'), '-1');
    assert.equal(host.read('memory', 'memory.memsw.limit_in_bytes'), '-1');
  });

  test('refusals name the field', () => {
    const host = fakeHost();
    const M = 'linux.resources.memory';
    refuses(() => open(host).create({ memory: { limit: 16 * MiB, swap: 8 * MiB } }), `${M}.swap`, /at least the limit/);
    refuses(() => open(host).create({ memory: { swap: 8 * MiB } }), `${M}.swap`, /below the cgroup's memory limit \(unlimited\)/);
    refuses(() => open(host).create({ memory: { limit: -1, swap: 8 * MiB } }), `${M}.swap`);
    refuses(() => open(host).create({ memory: { swappiness: 101 } }), `${M}.swappiness`);
    refuses(() => open(host).create({ memory: { kernel: MiB } }), `${M}.kernel`, /no kernel memory accounting/);
    host.rm('memory', 'memory.memsw.limit_in_bytes');
    refuses(() => open(host).create({ memory: { limit: 16 * MiB, swap: 16 * MiB } }), `${M}.swap`, /does not account swap/);
  });

  test('stats() reads usage, limit, peak and the oom_kill counter', () => {
    const host = fakeHost();
    const cgroup = open(host);
    cgroup.create({ memory: { limit: 16 * MiB } });
    host.write('memory', 'memory.usage_in_bytes', '1000\n');
    host.write('memory', 'memory.max_usage_in_bytes', '3000\n');
    host.write('memory', 'memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    host.write('cpu,cpuacct', 'cpuacct.usage', '123456\n');
    // USER_HZ ticks (100 a second): 3 ticks are 30 ms.
    host.write('cpu,cpuacct', 'cpuacct.stat', 'user 3\nsystem 1\n');
    host.write('pids', 'pids.current', '2\n');
    host.write('blkio', 'blkio.throttle.io_service_bytes_recursive', '8:0 Read 100\n8:0 Write 50\n8:0 Sync 150\n8:0 Total 150\n8:16 Read 1\nTotal 151\n');
    assert.deepEqual(cgroup.stats(), {
      memory: { usage: 1000, limit: 16 * MiB, maxUsage: 3000, oomKills: 1 },
      pids: { current: 2, limit: null },
      cpu: { usageNanos: 123456, userNanos: 30_000_000, systemNanos: 10_000_000 },
      blkio: { readBytes: 101, writeBytes: 50 },
    });
    assert.equal(cgroup.oomKilled(), true);
  });
});

describe('cpu, pids, blkio, unified', () => {
  test('cpu files take the values as they are', () => {
    const host = fakeHost();
    open(host).create({ cpu: { shares: 512, quota: 50_000, period: 200_000, cpus: '1', mems: '0' }, pids: { limit: 0 } });
    assert.equal(host.read('cpu,cpuacct', 'cpu.shares'), '512');
    assert.equal(host.read('cpu,cpuacct', 'cpu.cfs_quota_us'), '50000');
    assert.equal(host.read('cpu,cpuacct', 'cpu.cfs_period_us'), '200000');
    assert.equal(host.read('cpuset', 'cpuset.cpus'), '1');
    assert.equal(host.read('pids', 'pids.max'), 'max');
  });

  test('CPU fields the kernel lacks are refused: burst, idle, realtime', () => {
    const host = fakeHost();
    refuses(() => open(host).create({ cpu: { burst: 1000 } }), 'linux.resources.cpu.burst', /cpu\.cfs_burst_us does not exist/);
    refuses(() => open(host).create({ cpu: { idle: 1 } }), 'linux.resources.cpu.idle');
    refuses(() => open(host).create({ cpu: { realtimeRuntime: 1000 } }), 'linux.resources.cpu.realtimeRuntime', /CONFIG_RT_GROUP_SCHED/);
  });

  test('blkio weight: blkio.weight (CFQ) first, then blkio.bfq.weight, else refused; throttles always', () => {
    const host = fakeHost();
    refuses(() => open(host).create({ blockIO: { weight: 300 } }), 'linux.resources.blockIO.weight', /neither blkio\.weight \(CFQ\) nor blkio\.bfq\.weight/);
    refuses(() => open(host).create({ blockIO: { leafWeight: 300 } }), 'linux.resources.blockIO.leafWeight');
    open(host).create({ blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: MiB }] } });
    assert.equal(host.read('blkio', 'blkio.throttle.read_bps_device'), `8:0 ${MiB}`);
    host.write('blkio', 'blkio.bfq.weight', '100');
    host.write('blkio', 'blkio.bfq.weight_device', '');
    open(host).create({ blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 200 }] } });
    assert.equal(host.read('blkio', 'blkio.bfq.weight'), '300');
    assert.equal(host.read('blkio', 'blkio.bfq.weight_device'), '8:0 200');
    host.write('blkio', 'blkio.weight', '500');
    open(host).create({ blockIO: { weight: 400 } });
    assert.equal(host.read('blkio', 'blkio.weight'), '400');
    assert.equal(host.read('blkio', 'blkio.bfq.weight'), '300');
  });

  test('unified keys are refused: the controllers are in v1 hierarchies', () => {
    const host = fakeHost();
    refuses(() => open(host).create({ unified: { 'memory.high': '1M' } }), 'linux.resources.unified', /cgroup v1/);
  });

  test('devices: the last line written is the last rule', () => {
    const host = fakeHost();
    open(host).create({ devices: [{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
    assert.equal(host.read('devices', 'devices.allow'), 'c 1:3 rwm');
    assert.equal(host.read('devices', 'devices.deny'), 'a');
  });
});

describe('v1 device rule lines', () => {
  test('deny everything first, then each rule in order', () => {
    const lines = v1DeviceLines([
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      { allow: true, type: 'c', major: 136, access: 'rw' },
      { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
      { allow: false, type: 'c', major: 5, minor: 1, access: 'wr' },
    ]);
    assert.deepEqual(
      lines.map((line) => `${line.file} ${line.value}`),
      ['devices.deny a', 'devices.deny a', 'devices.allow c 1:3 rwm', 'devices.allow c 136:* rw', 'devices.allow b *:* m', 'devices.deny c 5:1 rw'],
    );
    assert.equal(lines[2]?.field, 'linux.resources.devices[1]');
  });

  test('a type-"a" rule narrower than everything becomes the same rule for c and b (the kernel reads "a ..." as all)', () => {
    const lines = v1DeviceLines([{ allow: true, major: 7, access: 'r' }]);
    assert.deepEqual(lines.slice(1).map((line) => line.value), ['c 7:* r', 'b 7:* r']);
    assert.deepEqual(v1DeviceLines([{ allow: true }]).slice(1).map((line) => line.value), ['a']);
  });
});

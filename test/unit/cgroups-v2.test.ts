// The cgroup v2 driver against a fake tree in a temporary directory: a mock of a v2-only host's file
// layout (a cgroup2 mount with cgroup.controllers, cgroup.subtree_control and each controller's files).
// Such a host cannot be had here (this machine is hybrid, and its real cgroup2 mount has no limiting
// controllers), so this checks the exact contents written to each file; test/integration/cgroups.test.ts
// runs the same driver's lifecycle on the real cgroup2 mount. The fake is plain files: each holds the
// last value written, and nothing happens on mkdir, so the test creates the cgroup's files itself.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CgroupError, openCgroup, type Cgroup } from '../../helper/src/cgroups';
import type { Resources } from '../../helper/src/runtime/spec/config';

const MiB = 1024 * 1024;
const temps: string[] = [];
after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** What the kernel creates in a cgroup for each controller, with a new cgroup's values. */
const CONTROLLER_FILES: Record<string, Record<string, string>> = {
  cpuset: { 'cpuset.cpus': '', 'cpuset.mems': '', 'cpuset.cpus.effective': '0-3' },
  cpu: { 'cpu.weight': '100', 'cpu.max': 'max 100000', 'cpu.max.burst': '0', 'cpu.idle': '0' },
  io: { 'io.max': '', 'io.weight': 'default 100', 'io.stat': '' },
  memory: {
    'memory.max': 'max',
    'memory.high': 'max',
    'memory.low': '0',
    'memory.swap.max': 'max',
    'memory.current': '0',
    'memory.peak': '0',
    'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
  },
  hugetlb: { 'hugetlb.2MB.max': 'max', 'hugetlb.1GB.max': 'max', 'hugetlb.2MB.current': '0' },
  pids: { 'pids.max': 'max', 'pids.current': '0' },
  rdma: { 'rdma.max': '' },
};
const ALL = Object.keys(CONTROLLER_FILES);

/** Every file under `dir`, by path relative to it, with its content. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path.slice(dir.length)] = readFileSync(path, 'utf8');
  }
  return files;
}

interface FakeHost {
  root: string;
  cgroup: Cgroup;
  /** A file of the container's cgroup (/berth/test). */
  read(name: string): string;
  write(name: string, text: string): void;
}

/** A v2 host with `controllers` available at the root, and the cgroup /berth/test already holding its files. */
function fakeHost(controllers: string[] = ALL, extra: Record<string, string> = {}): FakeHost {
  const root = mkdtempSync(join(tmpdir(), 'berth-cgroup-v2-'));
  temps.push(root);
  const level = (dir: string, files: Record<string, string>) => {
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries({ 'cgroup.controllers': controllers.join(' '), 'cgroup.subtree_control': '', ...files })) {
      writeFileSync(join(dir, name), text);
    }
  };
  level(root, {});
  level(join(root, 'berth'), { 'cgroup.procs': '' });
  const leaf = join(root, 'berth', 'test');
  level(leaf, {
    'cgroup.procs': '',
    'cgroup.events': 'populated 0\nfrozen 0\n',
    'cgroup.freeze': '0',
    'cgroup.kill': '',
    'cpu.stat': 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n',
    ...Object.assign({}, ...controllers.map((c) => CONTROLLER_FILES[c])),
    ...extra,
  });
  return {
    root,
    cgroup: openCgroup('/berth/test', { mode: 'v2', mountRoot: root }),
    read: (name) => readFileSync(join(leaf, name), 'utf8'),
    write: (name, text) => writeFileSync(join(leaf, name), text),
  };
}

/** Asserts a CgroupError whose message starts with the field, and optionally says more. */
function refuses(action: () => unknown, field: string, more?: RegExp): void {
  assert.throws(action, (err: unknown) => {
    assert.ok(err instanceof CgroupError, `not a CgroupError: ${String(err)}`);
    assert.ok(err.message.startsWith(`${field}: `), `"${err.message}" does not start with "${field}: "`);
    if (more) assert.match(err.message, more);
    return true;
  });
}

describe('creating', () => {
  test('enables every available controller in each ancestor, not in the cgroup itself', () => {
    const host = fakeHost(['cpu', 'memory', 'pids']);
    host.cgroup.create(undefined);
    assert.equal(readFileSync(join(host.root, 'cgroup.subtree_control'), 'utf8'), '+cpu +memory +pids');
    assert.equal(readFileSync(join(host.root, 'berth', 'cgroup.subtree_control'), 'utf8'), '+cpu +memory +pids');
    assert.equal(host.read('cgroup.subtree_control'), '');
  });

  test('writes nothing at all when a later field is refused', () => {
    const host = fakeHost();
    refuses(() => host.cgroup.create({ memory: { limit: 16 * MiB }, cpu: { realtimeRuntime: 1000 } }), 'linux.resources.cpu.realtimeRuntime');
    assert.equal(host.read('memory.max'), 'max');
  });

  test('update on a cgroup that does not exist says so', () => {
    const host = fakeHost();
    const missing = openCgroup('/berth/missing', { mode: 'v2', mountRoot: host.root });
    assert.throws(() => missing.update({ pids: { limit: 5 } }), /cgroup \/berth\/missing does not exist/);
  });
});

describe('memory', () => {
  test('limit, swap (memory plus swap in OCI, swap alone in memory.swap.max) and reservation', () => {
    const host = fakeHost();
    host.cgroup.create({ memory: { limit: 16 * MiB, swap: 48 * MiB, reservation: 8 * MiB } });
    assert.equal(host.read('memory.max'), String(16 * MiB));
    assert.equal(host.read('memory.swap.max'), String(32 * MiB));
    assert.equal(host.read('memory.low'), String(8 * MiB));
  });

  test('swap equal to the limit allows no swap; -1 is max, and an unlimited limit lifts swap too', () => {
    const host = fakeHost();
    host.cgroup.create({ memory: { limit: 16 * MiB, swap: 16 * MiB } });
    assert.equal(host.read('memory.swap.max'), '0');
    host.cgroup.update({ memory: { limit: -1 } });
    assert.equal(host.read('memory.max'), 'max');
    assert.equal(host.read('memory.swap.max'), 'max');
    host.cgroup.update({ memory: { reservation: -1 } });
    assert.equal(host.read('memory.low'), 'max');
  });

  test('swap alone on update counts against the limit in force', () => {
    const host = fakeHost();
    host.cgroup.create({ memory: { limit: 16 * MiB } });
    host.cgroup.update({ memory: { swap: 24 * MiB } });
    assert.equal(host.read('memory.swap.max'), String(8 * MiB));
  });

  test('0 means not set, as in runc', () => {
    const host = fakeHost();
    host.cgroup.create({ memory: { limit: 0, swap: 0, reservation: 0 } });
    assert.equal(host.read('memory.max'), 'max');
    assert.equal(host.read('memory.swap.max'), 'max');
  });

  test('refuses what v2 cannot do, naming the field', () => {
    const host = fakeHost();
    const M = 'linux.resources.memory';
    refuses(() => host.cgroup.create({ memory: { limit: 16 * MiB, swap: 8 * MiB } }), `${M}.swap`, /at least the limit/);
    refuses(() => host.cgroup.create({ memory: { swap: 8 * MiB } }), `${M}.swap`, /needs memory\.limit/);
    refuses(() => host.cgroup.create({ memory: { swappiness: 10 } }), `${M}.swappiness`, /cgroup v1 only/);
    refuses(() => host.cgroup.create({ memory: { disableOOMKiller: true } }), `${M}.disableOOMKiller`);
    refuses(() => host.cgroup.create({ memory: { kernel: 16 * MiB } }), `${M}.kernel`);
    refuses(() => host.cgroup.create({ memory: { kernelTCP: 16 * MiB } }), `${M}.kernelTCP`);
    refuses(() => host.cgroup.create({ memory: { useHierarchy: false } }), `${M}.useHierarchy`);
    refuses(() => host.cgroup.create({ memory: { limit: -2 } }), `${M}.limit`);
    // What v2 does anyway is accepted.
    host.cgroup.create({ memory: { disableOOMKiller: false, useHierarchy: true } });
  });

  test('checkBeforeUpdate refuses a limit below the current usage', () => {
    const host = fakeHost();
    host.cgroup.create(undefined);
    host.write('memory.current', String(20 * MiB));
    refuses(() => host.cgroup.update({ memory: { limit: 16 * MiB, checkBeforeUpdate: true } }), 'linux.resources.memory.limit', /below the current usage/);
    host.cgroup.update({ memory: { limit: 16 * MiB } });
    assert.equal(host.read('memory.max'), String(16 * MiB));
  });

  test('swap without swap accounting is refused', () => {
    const host = fakeHost();
    rmSync(join(host.root, 'berth', 'test', 'memory.swap.max'));
    refuses(() => host.cgroup.create({ memory: { limit: 16 * MiB, swap: 16 * MiB } }), 'linux.resources.memory.swap', /does not account swap/);
    // Unlimited memory needs no swap file to mean what it says.
    host.cgroup.create({ memory: { limit: -1 } });
    assert.equal(host.read('memory.max'), 'max');
  });
});

describe('cpu', () => {
  test('shares become cpu.weight as runc converts them', () => {
    const host = fakeHost();
    for (const [shares, weight] of [[1024, '39'], [2, '1'], [262144, '10000'], [512, '20']] as const) {
      host.cgroup.create({ cpu: { shares } });
      assert.equal(host.read('cpu.weight'), weight, `shares ${shares}`);
    }
    refuses(() => host.cgroup.create({ cpu: { shares: 1 } }), 'linux.resources.cpu.shares', /2\.\.262144/);
    refuses(() => host.cgroup.create({ cpu: { shares: 300000 } }), 'linux.resources.cpu.shares');
  });

  test('quota and period share cpu.max; a change of one keeps the other', () => {
    const host = fakeHost();
    host.cgroup.create({ cpu: { quota: 50_000, period: 100_000 } });
    assert.equal(host.read('cpu.max'), '50000 100000');
    host.cgroup.update({ cpu: { period: 200_000 } });
    assert.equal(host.read('cpu.max'), '50000 200000');
    host.cgroup.update({ cpu: { quota: -1 } });
    assert.equal(host.read('cpu.max'), 'max 200000');
    host.cgroup.update({ cpu: { quota: 25_000 } });
    assert.equal(host.read('cpu.max'), '25000 200000');
  });

  test('burst, idle, cpus and mems', () => {
    const host = fakeHost();
    host.cgroup.create({ cpu: { burst: 10_000, idle: 1, cpus: '0-1', mems: '0' } });
    assert.equal(host.read('cpu.max.burst'), '10000');
    assert.equal(host.read('cpu.idle'), '1');
    assert.equal(host.read('cpuset.cpus'), '0-1');
    assert.equal(host.read('cpuset.mems'), '0');
  });

  test('realtime scheduling is refused', () => {
    const host = fakeHost();
    refuses(() => host.cgroup.create({ cpu: { realtimePeriod: 1_000_000 } }), 'linux.resources.cpu.realtimePeriod', /cgroup v1 only/);
  });
});

describe('pids', () => {
  test('a positive limit is written, 0 or less is max', () => {
    const host = fakeHost();
    host.cgroup.create({ pids: { limit: 32 } });
    assert.equal(host.read('pids.max'), '32');
    host.cgroup.update({ pids: { limit: 0 } });
    assert.equal(host.read('pids.max'), 'max');
    host.cgroup.update({ pids: { limit: 7 } });
    host.cgroup.update({ pids: { limit: -1 } });
    assert.equal(host.read('pids.max'), 'max');
  });
});

describe('block I/O', () => {
  test('weight converts to io.weight without BFQ, and goes to io.bfq.weight as is with it', () => {
    const host = fakeHost();
    host.cgroup.create({ blockIO: { weight: 500 } });
    assert.equal(host.read('io.weight'), 'default 4950');
    host.cgroup.update({ blockIO: { weightDevice: [{ major: 8, minor: 0, weight: 10 }] } });
    assert.equal(host.read('io.weight'), '8:0 1');
    const bfq = fakeHost(ALL, { 'io.bfq.weight': 'default 100' });
    bfq.cgroup.create({ blockIO: { weight: 500 } });
    assert.equal(bfq.read('io.bfq.weight'), '500');
    assert.equal(bfq.read('io.weight'), 'default 100');
  });

  test("all four throttles of a device go into one io.max line; a rate of 0 is max", () => {
    const host = fakeHost();
    const device = (rate: number) => [{ major: 8, minor: 0, rate }];
    host.cgroup.create({
      blockIO: {
        throttleReadBpsDevice: device(MiB),
        throttleWriteBpsDevice: device(2 * MiB),
        throttleReadIOPSDevice: device(100),
        throttleWriteIOPSDevice: device(0),
      },
    });
    assert.equal(host.read('io.max'), `8:0 rbps=${MiB} wbps=${2 * MiB} riops=100 wiops=max`);
  });

  test('leaf weights, weights out of range and wildcard devices are refused', () => {
    const host = fakeHost();
    const B = 'linux.resources.blockIO';
    refuses(() => host.cgroup.create({ blockIO: { leafWeight: 500 } }), `${B}.leafWeight`);
    refuses(() => host.cgroup.create({ blockIO: { weight: 5 } }), `${B}.weight`, /10\.\.1000/);
    refuses(() => host.cgroup.create({ blockIO: { weightDevice: [{ major: 8, minor: 0, leafWeight: 100 }] } }), `${B}.weightDevice[0].leafWeight`);
    refuses(() => host.cgroup.create({ blockIO: { throttleReadBpsDevice: [{ major: -1, minor: 0, rate: 1 }] } }), `${B}.throttleReadBpsDevice[0]`);
  });
});

describe('huge pages, rdma, network', () => {
  test('hugetlb.<size>.max per page size; a size the host lacks is refused with those it has', () => {
    const host = fakeHost();
    host.cgroup.create({ hugepageLimits: [{ pageSize: '2MB', limit: 8 * MiB }, { pageSize: '1GB', limit: 0 }] });
    assert.equal(host.read('hugetlb.2MB.max'), String(8 * MiB));
    assert.equal(host.read('hugetlb.1GB.max'), '0');
    refuses(() => host.cgroup.create({ hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }), 'linux.resources.hugepageLimits[0].pageSize', /no "3MB" huge pages \(it has 1GB, 2MB/);
  });

  test('rdma.max gets one line per device', () => {
    const host = fakeHost();
    host.cgroup.create({ rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 100 } } });
    assert.equal(host.read('rdma.max'), 'mlx5_0 hca_handle=3 hca_object=100');
    refuses(() => host.cgroup.create({ rdma: { 'bad dev': { hcaHandles: 1 } } }), 'linux.resources.rdma["bad dev"]');
    refuses(() => host.cgroup.create({ rdma: { mlx5_0: {} } }), 'linux.resources.rdma["mlx5_0"]');
  });

  test('network classID and priorities are refused: v2 has no net_cls or net_prio', () => {
    const host = fakeHost();
    refuses(() => host.cgroup.create({ network: { classID: 0x100001 } }), 'linux.resources.network');
  });
});

describe('devices', () => {
  const defaults: NonNullable<Resources['devices']> = [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 5, access: 'rw' },
    { allow: true, type: 'c', major: 136, access: 'rwm' },
    { allow: true, type: 'b', access: 'm' },
  ];

  test('the default list (deny all, then the standard devices) is accepted and writes nothing', () => {
    // Every file of the fake tree after a create with no device rules, against the same after a create with
    // the default list, and with allow-all: device rules must add no write of their own.
    const tree = (resources: Resources) => {
      const host = fakeHost();
      host.cgroup.create(resources);
      return snapshot(host.root);
    };
    const plain = tree({});
    assert.ok(Object.keys(plain).length > 10, 'the snapshot sees the fake tree');
    assert.deepEqual(tree({ devices: defaults }), plain);
    assert.deepEqual(tree({ devices: [{ allow: true, access: 'rwm' }] }), plain);
  });

  test('any other rule is refused, naming it: v2 needs an eBPF program', () => {
    const host = fakeHost();
    refuses(() => host.cgroup.create({ devices: [...defaults, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] }), 'linux.resources.devices[5]', /eBPF/);
    refuses(() => host.cgroup.create({ devices: [{ allow: false }, { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }] }), 'linux.resources.devices[1]');
    refuses(() => host.cgroup.create({ devices: [{ allow: false }, { allow: true, type: 'b', major: 8, minor: 0, access: 'r' }] }), 'linux.resources.devices[1]');
  });
});

describe('unified', () => {
  test('writes each key to its file, after the fields above', () => {
    const host = fakeHost();
    host.cgroup.create({ memory: { limit: 16 * MiB }, unified: { 'memory.high': '12M', 'memory.max': '20M' } });
    assert.equal(host.read('memory.high'), '12M');
    assert.equal(host.read('memory.max'), '20M');
  });

  test('refuses names that are not interface files, files that do not exist, and process control', () => {
    const host = fakeHost();
    for (const key of ['../memory.max', 'memory/max', 'memory..max', '.hidden', 'memory']) {
      refuses(() => host.cgroup.create({ unified: { [key]: '1' } }), `linux.resources.unified[${JSON.stringify(key)}]`, /not an interface file name/);
    }
    refuses(() => host.cgroup.create({ unified: { 'cgroup.procs': '1' } }), 'linux.resources.unified["cgroup.procs"]', /not a limit/);
    refuses(() => host.cgroup.create({ unified: { 'cgroup.kill': '1' } }), 'linux.resources.unified["cgroup.kill"]');
    refuses(() => host.cgroup.create({ unified: { 'misc.max': 'x 1' } }), 'linux.resources.unified["misc.max"]', /does not exist/);
  });
});

describe('controllers the host lacks', () => {
  test('a field whose controller is not available names the field, the missing file and what the parent has', () => {
    const host = fakeHost(['cpu', 'pids']);
    refuses(() => host.cgroup.create({ memory: { limit: 16 * MiB } }), 'linux.resources.memory.limit', /memory\.max does not exist: the memory controller is not available here .*lists: cpu pids/);
    refuses(() => host.cgroup.create({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }), 'linux.resources.hugepageLimits', /hugetlb controller is not enabled/);
    refuses(() => host.cgroup.create({ cpu: { cpus: '0' } }), 'linux.resources.cpu.cpus', /cpuset/);
    refuses(() => host.cgroup.create({ blockIO: { weight: 100 } }), 'linux.resources.blockIO.weight', /io\.weight does not exist/);
  });
});

describe('processes, stats and the freezer', () => {
  test('addProcess writes the pid to cgroup.procs, the one procs file; processes() includes child cgroups', () => {
    const host = fakeHost();
    host.cgroup.create(undefined);
    host.cgroup.addProcess(4242);
    assert.equal(host.read('cgroup.procs'), '4242');
    assert.deepEqual(host.cgroup.procsFiles(), [join(host.root, 'berth', 'test', 'cgroup.procs')]);
    mkdirSync(join(host.root, 'berth', 'test', 'inner'));
    writeFileSync(join(host.root, 'berth', 'test', 'inner', 'cgroup.procs'), '17\n4242\n');
    assert.deepEqual(host.cgroup.processes(), [17, 4242]);
  });

  test('stats() reads memory, pids, cpu and io files; oomKilled() reads memory.events', () => {
    const host = fakeHost();
    host.cgroup.create({ memory: { limit: 16 * MiB } });
    assert.equal(host.cgroup.oomKilled(), false);
    host.write('memory.current', '1000\n');
    host.write('memory.peak', '2000\n');
    host.write('memory.events', 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n');
    host.write('pids.current', '3\n');
    host.write('cpu.stat', 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n');
    host.write('io.stat', '8:0 rbytes=100 wbytes=200 rios=1 wios=2\n8:16 rbytes=1 wbytes=2 rios=1 wios=1\n');
    assert.deepEqual(host.cgroup.stats(), {
      memory: { usage: 1000, limit: 16 * MiB, maxUsage: 2000, oomKills: 2 },
      pids: { current: 3, limit: null },
      cpu: { usageNanos: 1_500_000, userNanos: 1_000_000, systemNanos: 500_000 },
      blkio: { readBytes: 101, writeBytes: 202 },
    });
    assert.equal(host.cgroup.oomKilled(), true);
  });

  test('freeze writes cgroup.freeze and waits for cgroup.events to say frozen; thaw undoes it', async () => {
    const host = fakeHost();
    host.cgroup.create(undefined);
    // The fake's kernel answers at once.
    host.write('cgroup.events', 'populated 1\nfrozen 1\n');
    await host.cgroup.freeze();
    assert.equal(host.read('cgroup.freeze'), '1');
    host.write('cgroup.events', 'populated 1\nfrozen 0\n');
    await host.cgroup.thaw();
    assert.equal(host.read('cgroup.freeze'), '0');
  });
});

describe('paths', () => {
  test('relative paths go under /berth, and the path is normalised', () => {
    const host = fakeHost();
    assert.equal(openCgroup('abc', { mode: 'v2', mountRoot: host.root }).path, '/berth/abc');
    assert.equal(openCgroup('//berth///x/./y/', { mode: 'v2', mountRoot: host.root }).path, '/berth/x/y');
  });

  test('refuses .., the root cgroup, systemd slice paths and an unnamed mode', () => {
    const host = fakeHost();
    const open = (path: string) => () => openCgroup(path, { mode: 'v2', mountRoot: host.root });
    refuses(open('../x'), 'linux.cgroupsPath', /"\.\."/);
    refuses(open('/berth/../../etc'), 'linux.cgroupsPath', /"\.\."/);
    refuses(open('/berth/x/..'), 'linux.cgroupsPath');
    refuses(open('/'), 'linux.cgroupsPath', /root cgroup/);
    refuses(open(''), 'linux.cgroupsPath');
    refuses(open('system.slice:berth:abc'), 'linux.cgroupsPath', /systemd/);
    assert.throws(() => openCgroup('/berth/x', { mountRoot: host.root }), /needs options\.mode/);
  });

  test('a symlink inside the tree cannot lead a cgroup outside the mount, to create or to destroy', async () => {
    const host = fakeHost();
    const outside = mkdtempSync(join(tmpdir(), 'berth-outside-'));
    temps.push(outside);
    symlinkSync(outside, join(host.root, 'berth', 'escape'));
    refuses(() => openCgroup('/berth/escape', { mode: 'v2', mountRoot: host.root }).create(undefined), 'linux.cgroupsPath', /outside the cgroup mount/);
    refuses(() => openCgroup('/berth/escape/deeper', { mode: 'v2', mountRoot: host.root }).create(undefined), 'linux.cgroupsPath', /outside the cgroup mount/);
    assert.deepEqual(readdirSync(outside), [], 'nothing was created through the link');
    mkdirSync(join(outside, 'victim'));
    await assert.rejects(openCgroup('/berth/escape', { mode: 'v2', mountRoot: host.root }).destroy(), /outside the cgroup mount/);
    assert.deepEqual(readdirSync(outside), ['victim'], 'nothing was removed through the link');
  });
});

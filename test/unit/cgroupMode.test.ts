// The cgroup layout decides how Berth places containers in cgroups. This machine is hybrid, so the v1 and
// v2-only layouts are checked against mountinfo text copied from such hosts (the mock is the file, not
// the parser).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { cgroupModeFromMountinfo, detectCgroupMode } from '../../helper/src/cgroups/mode';

const line = (id: number, point: string, fsType: string, source = fsType) =>
  `${id} 1 0:${id} / ${point} rw,nosuid,nodev,noexec,relatime shared:${id} - ${fsType} ${source} rw`;

const common = [line(20, '/', 'ext4', '/dev/vda'), line(21, '/proc', 'proc'), line(22, '/sys', 'sysfs')];
const v1Controllers = ['cpu,cpuacct', 'memory', 'pids', 'freezer'].map((c, i) =>
  line(40 + i, `/sys/fs/cgroup/${c}`, 'cgroup', 'cgroup'),
);

test('a cgroup2 mount at /sys/fs/cgroup is v2 (a current systemd host)', () => {
  const text = [...common, line(30, '/sys/fs/cgroup', 'cgroup2', 'cgroup2')].join('\n');
  assert.equal(cgroupModeFromMountinfo(text), 'v2');
});

test('v1 controllers without a unified mount are v1', () => {
  const text = [...common, line(30, '/sys/fs/cgroup', 'tmpfs'), ...v1Controllers].join('\n');
  assert.equal(cgroupModeFromMountinfo(text), 'v1');
});

test('v1 controllers plus cgroup2 at /sys/fs/cgroup/unified are hybrid', () => {
  const text = [
    ...common,
    line(30, '/sys/fs/cgroup', 'tmpfs'),
    ...v1Controllers,
    line(50, '/sys/fs/cgroup/unified', 'cgroup2', 'cgroup2'),
  ].join('\n');
  assert.equal(cgroupModeFromMountinfo(text), 'hybrid');
});

test('no cgroup mounts at all is none', () => {
  assert.equal(cgroupModeFromMountinfo(common.join('\n')), 'none');
});

test('the last mount at a place wins (cgroup2 mounted over an old tmpfs)', () => {
  const text = [...common, line(30, '/sys/fs/cgroup', 'tmpfs'), line(31, '/sys/fs/cgroup', 'cgroup2')].join('\n');
  assert.equal(cgroupModeFromMountinfo(text), 'v2');
});

test('optional fields and escaped spaces in mount points are parsed', () => {
  const text = [
    ...common,
    '30 1 0:30 / /sys/fs/cgroup rw shared:4 master:1 - tmpfs tmpfs rw',
    '31 30 0:31 / /sys/fs/cgroup/memory rw shared:5 - cgroup cgroup rw,memory',
    '32 1 0:32 / /mnt/with\\040space rw - cgroup2 cgroup2 rw',
  ].join('\n');
  assert.equal(cgroupModeFromMountinfo(text), 'v1');
});

test('this machine is detected the way its own mountinfo says', () => {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const cgroup2At = (point: string) => lines.some((l) => l.split(' ')[4] === point && l.includes(' - cgroup2 '));
  const expected = cgroup2At('/sys/fs/cgroup') ? 'v2' : cgroup2At('/sys/fs/cgroup/unified') ? 'hybrid' : 'v1';
  assert.equal(detectCgroupMode(), expected);
});

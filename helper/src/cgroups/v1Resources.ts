// linux.resources → the writes into a v1 cgroup's controller directories. Planning only: every refusal
// happens here, before applyWrites changes anything.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Resources } from '../runtime/spec/config';
import { BLOCKIO, deviceNumber, THROTTLES, type BlockIO } from './blockio';
import { checkBlkioWeight, checkShares, unlessZero } from './convert';
import { v1DeviceLines } from './devices';
import { CgroupError } from './errors';
import { requireFile } from './files';
import { hugetlbWrites } from './hugetlb';
import { rdmaWrites } from './rdma';
import type { V1Controller } from './v1Hierarchies';
import { v1MemoryWrites } from './v1Memory';
import { anySet, type Write } from './writes';

const R = 'linux.resources';

/** The cgroup's directory in the hierarchy holding a controller, or undefined when none holds it. */
export type V1DirOf = (controller: V1Controller) => string | undefined;

export function planV1(resources: Resources, dirOf: V1DirOf): Write[] {
  const need = (controller: V1Controller, field: string): string => {
    const dir = dirOf(controller);
    if (dir === undefined) throw new CgroupError(`${field}: the ${controller} controller is not mounted as a cgroup v1 hierarchy on this host`);
    return dir;
  };
  const writes: Write[] = [];
  const { memory, cpu, pids, blockIO, hugepageLimits, network, rdma, devices, unified } = resources;

  if (anySet(memory) && memory) writes.push(...v1MemoryWrites(memory, need('memory', `${R}.memory`)));
  if (cpu) writes.push(...cpuWrites(cpu, need));
  if (pids) {
    // A limit of 0 or less means no limit.
    const file = join(need('pids', `${R}.pids.limit`), 'pids.max');
    writes.push({ file, value: pids.limit > 0 ? String(pids.limit) : 'max', field: `${R}.pids.limit` });
  }
  if (anySet(blockIO) && blockIO) writes.push(...blkioWrites(blockIO, need('blkio', `${R}.blockIO`)));
  if (hugepageLimits && hugepageLimits.length > 0) {
    writes.push(...hugetlbWrites(hugepageLimits, need('hugetlb', `${R}.hugepageLimits`), 'limit_in_bytes'));
  }
  if (network?.classID !== undefined) {
    const file = join(need('net_cls', `${R}.network.classID`), 'net_cls.classid');
    writes.push({ file, value: String(network.classID), field: `${R}.network.classID` });
  }
  for (const [i, priority] of (network?.priorities ?? []).entries()) {
    const field = `${R}.network.priorities[${i}]`;
    if (!/^[^\s/]+$/.test(priority.name)) throw new CgroupError(`${field}.name: ${JSON.stringify(priority.name)} is not an interface name`);
    writes.push({ file: join(need('net_prio', field), 'net_prio.ifpriomap'), value: `${priority.name} ${priority.priority}`, field });
  }
  if (rdma && Object.keys(rdma).length > 0) writes.push(...rdmaWrites(rdma, need('rdma', `${R}.rdma`)));
  if (devices) {
    const dir = need('devices', `${R}.devices`);
    for (const line of v1DeviceLines(devices)) writes.push({ file: join(dir, line.file), value: line.value, field: line.field });
  }
  if (unified && Object.keys(unified).length > 0) {
    throw new CgroupError(
      `${R}.unified: cgroup v2 keys (${Object.keys(unified).join(', ')}) cannot be applied: this host's controllers are in cgroup v1 hierarchies`,
    );
  }
  return writes;
}

function cpuWrites(cpu: NonNullable<Resources['cpu']>, need: (c: V1Controller, field: string) => string): Write[] {
  const F = `${R}.cpu`;
  const writes: Write[] = [];
  const shares = unlessZero(cpu.shares);
  const quota = unlessZero(cpu.quota);
  const period = unlessZero(cpu.period);
  const rtRuntime = unlessZero(cpu.realtimeRuntime);
  const rtPeriod = unlessZero(cpu.realtimePeriod);
  const cpuSet = [shares, quota, period, rtRuntime, rtPeriod, cpu.burst, cpu.idle].some((value) => value !== undefined);
  if (cpuSet) {
    const dir = need('cpu', F);
    if (shares !== undefined) {
      checkShares(shares, `${F}.shares`);
      writes.push({ file: join(dir, 'cpu.shares'), value: String(shares), field: `${F}.shares` });
    }
    // A shorter period can be refused while the old quota is in place; then it is retried after the quota.
    if (period !== undefined) {
      const file = join(dir, 'cpu.cfs_period_us');
      writes.push({ file, value: String(period), field: `${F}.period`, retryAfterOthersOnEinval: quota !== undefined });
    }
    if (quota !== undefined) writes.push({ file: join(dir, 'cpu.cfs_quota_us'), value: String(quota), field: `${F}.quota` });
    if (cpu.burst !== undefined) {
      const file = requireFile(dir, 'cpu.cfs_burst_us', `${F}.burst`, 'this kernel has no CFS burst (Linux 5.14 added it)');
      writes.push({ file, value: String(cpu.burst), field: `${F}.burst` });
    }
    // The period first, so that a runtime that fits the new period is accepted.
    const rtWhy = 'this kernel has no realtime group scheduling (CONFIG_RT_GROUP_SCHED)';
    if (rtPeriod !== undefined) {
      writes.push({ file: requireFile(dir, 'cpu.rt_period_us', `${F}.realtimePeriod`, rtWhy), value: String(rtPeriod), field: `${F}.realtimePeriod` });
    }
    if (rtRuntime !== undefined) {
      writes.push({ file: requireFile(dir, 'cpu.rt_runtime_us', `${F}.realtimeRuntime`, rtWhy), value: String(rtRuntime), field: `${F}.realtimeRuntime` });
    }
    if (cpu.idle !== undefined) {
      const file = requireFile(dir, 'cpu.idle', `${F}.idle`, 'this kernel has no SCHED_IDLE cgroups (Linux 5.15 added them)');
      writes.push({ file, value: String(cpu.idle), field: `${F}.idle` });
    }
  }
  // An empty string is "not set", as in runc.
  for (const key of ['cpus', 'mems'] as const) {
    const value = cpu[key];
    if (value) writes.push({ file: join(need('cpuset', `${F}.${key}`), `cpuset.${key}`), value, field: `${F}.${key}` });
  }
  return writes;
}

function blkioWrites(blockIO: BlockIO, dir: string): Write[] {
  const F = BLOCKIO;
  const writes: Write[] = [];
  // CFQ had blkio.weight; since Linux 5.0 only BFQ offers weights, as blkio.bfq.weight (runc does the same).
  const weightFile = ['blkio.weight', 'blkio.bfq.weight'].find((name) => existsSync(join(dir, name)));
  const weightDeviceFile = weightFile === 'blkio.weight' ? 'blkio.weight_device' : 'blkio.bfq.weight_device';
  const noWeight = `neither blkio.weight (CFQ) nor blkio.bfq.weight (BFQ) exists in ${dir}: this kernel's blkio controller has no proportional weight`;
  const weight = unlessZero(blockIO.weight);
  if (weight !== undefined) {
    checkBlkioWeight(weight, `${F}.weight`);
    if (!weightFile) throw new CgroupError(`${F}.weight: ${noWeight}`);
    writes.push({ file: join(dir, weightFile), value: String(weight), field: `${F}.weight` });
  }
  const leafWhy = 'leaf weights existed only with the CFQ scheduler, which this kernel lacks';
  const leafWeight = unlessZero(blockIO.leafWeight);
  if (leafWeight !== undefined) {
    checkBlkioWeight(leafWeight, `${F}.leafWeight`);
    writes.push({ file: requireFile(dir, 'blkio.leaf_weight', `${F}.leafWeight`, leafWhy), value: String(leafWeight), field: `${F}.leafWeight` });
  }
  for (const [i, device] of (blockIO.weightDevice ?? []).entries()) {
    const field = `${F}.weightDevice[${i}]`;
    const number = deviceNumber(device, field);
    const deviceWeight = unlessZero(device.weight);
    if (deviceWeight !== undefined) {
      checkBlkioWeight(deviceWeight, `${field}.weight`);
      if (!weightFile) throw new CgroupError(`${field}.weight: ${noWeight}`);
      writes.push({ file: join(dir, weightDeviceFile), value: `${number} ${deviceWeight}`, field: `${field}.weight` });
    }
    const deviceLeaf = unlessZero(device.leafWeight);
    if (deviceLeaf !== undefined) {
      checkBlkioWeight(deviceLeaf, `${field}.leafWeight`);
      const file = requireFile(dir, 'blkio.leaf_weight_device', `${field}.leafWeight`, leafWhy);
      writes.push({ file, value: `${number} ${deviceLeaf}`, field: `${field}.leafWeight` });
    }
  }
  for (const throttle of THROTTLES) {
    for (const [i, device] of (blockIO[throttle.list] ?? []).entries()) {
      const field = `${F}.${throttle.list}[${i}]`;
      const file = requireFile(dir, throttle.v1File, field, 'this kernel has no block I/O throttling (CONFIG_BLK_DEV_THROTTLING)');
      // A rate of 0 removes the device's limit.
      writes.push({ file, value: `${deviceNumber(device, field)} ${device.rate}`, field });
    }
  }
  return writes;
}

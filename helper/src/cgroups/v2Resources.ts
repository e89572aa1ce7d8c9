// linux.resources → the writes into one cgroup v2 directory. Planning only: every refusal happens here,
// before applyWrites changes anything.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Resources } from '../runtime/spec/config';
import { BLOCKIO, deviceNumber, THROTTLES, type BlockIO } from './blockio';
import { blkioWeightToIoWeight, checkBlkioWeight, checkMemoryValue, checkShares, cpuMax, sharesToWeight, unlessZero, v2SwapMax } from './convert';
import { checkV2DeviceRules } from './devices';
import { CgroupError } from './errors';
import { parseLimit, parseNumber, readCgroupFile } from './files';
import { hugetlbWrites } from './hugetlb';
import { rdmaWrites } from './rdma';
import { requireV2Controller, requireV2File } from './v2Controllers';
import { anySet, type Write } from './writes';

const R = 'linux.resources';

export function planV2(resources: Resources, dir: string): Write[] {
  const writes: Write[] = [];
  const { memory, cpu, pids, blockIO, hugepageLimits, network, rdma, devices, unified } = resources;
  if (anySet(memory) && memory) writes.push(...memoryWrites(memory, dir));
  if (anySet(cpu) && cpu) writes.push(...cpuWrites(cpu, dir));
  if (pids) {
    // A limit of 0 or less means no limit.
    writes.push({ file: requireV2File(dir, 'pids.max', `${R}.pids.limit`), value: pids.limit > 0 ? String(pids.limit) : 'max', field: `${R}.pids.limit` });
  }
  if (anySet(blockIO) && blockIO) writes.push(...ioWrites(blockIO, dir));
  if (hugepageLimits && hugepageLimits.length > 0) {
    requireV2Controller(dir, 'hugetlb', `${R}.hugepageLimits`);
    writes.push(...hugetlbWrites(hugepageLimits, dir, 'max'));
  }
  if (network?.classID !== undefined || (network?.priorities ?? []).length > 0) {
    throw new CgroupError(`${R}.network: cgroup v2 has no net_cls or net_prio controller; classify traffic by cgroup path instead (nftables "socket cgroupv2")`);
  }
  if (rdma && Object.keys(rdma).length > 0) writes.push(...rdmaWrites(rdma, requireDirOf(dir, 'rdma.max', `${R}.rdma`)));
  if (devices) checkV2DeviceRules(devices);
  // Last, as runc does: an explicit unified key overrides what the fields above wrote to the same file.
  if (unified) writes.push(...unifiedWrites(unified, dir));
  return writes;
}

/** requireV2File for a file whose directory, not path, the caller wants. */
function requireDirOf(dir: string, name: string, field: string): string {
  requireV2File(dir, name, field);
  return dir;
}

function memoryWrites(memory: NonNullable<Resources['memory']>, dir: string): Write[] {
  const F = `${R}.memory`;
  const writes: Write[] = [];
  const refuse = (key: string, why: string) => {
    throw new CgroupError(`${F}.${key}: ${why}`);
  };
  if (unlessZero(memory.kernel) !== undefined) refuse('kernel', 'cgroup v2 has no separate kernel memory limit (kernel memory counts toward memory.max)');
  if (unlessZero(memory.kernelTCP) !== undefined) refuse('kernelTCP', 'cgroup v2 has no separate TCP memory limit (it counts toward memory.max)');
  if (memory.swappiness !== undefined) refuse('swappiness', 'cgroup v2 has no per-cgroup swappiness (cgroup v1 only)');
  if (memory.disableOOMKiller) refuse('disableOOMKiller', 'cgroup v2 cannot disable the OOM killer for a cgroup (cgroup v1 only)');
  if (memory.useHierarchy === false) refuse('useHierarchy', 'cgroup v2 is always hierarchical');

  const limit = unlessZero(memory.limit);
  const swap = unlessZero(memory.swap);
  const reservation = unlessZero(memory.reservation);
  if (limit !== undefined) checkMemoryValue(limit, `${F}.limit`);
  if (swap !== undefined) checkMemoryValue(swap, `${F}.swap`);
  const asV2 = (value: number) => (value === -1 ? 'max' : String(value));

  if (limit !== undefined) {
    const file = requireV2File(dir, 'memory.max', `${F}.limit`);
    if (memory.checkBeforeUpdate && limit > 0) {
      const usageFile = join(dir, 'memory.current');
      const usage = parseNumber(readCgroupFile(usageFile), usageFile);
      if (limit < usage) throw new CgroupError(`${F}.limit: ${limit} is below the current usage ${usage} (checkBeforeUpdate is set)`);
    }
    writes.push({ file, value: asV2(limit), field: `${F}.limit` });
  }
  // Swap is relative to the limit: without a new limit, the one in force counts.
  let limitInForce = limit ?? 0;
  if (limit === undefined && swap !== undefined && swap > 0) {
    const maxFile = requireV2File(dir, 'memory.max', `${F}.swap`);
    limitInForce = parseLimit(readCgroupFile(maxFile), maxFile) ?? 0;
  }
  const swapMax = v2SwapMax(swap ?? 0, limitInForce, `${F}.swap`);
  if (swapMax !== undefined) {
    const field = swap === undefined ? `${F}.limit` : `${F}.swap`;
    const file = join(dir, 'memory.swap.max');
    if (!existsSync(file)) {
      // runc's compatibility rule (unlimited memory lifts swap too) needs nothing when swap is not accounted.
      if (swap !== undefined) {
        throw new CgroupError(`${F}.swap: ${file} does not exist: this kernel does not account swap (CONFIG_MEMCG_SWAP, swapaccount=1), leave swap unset`);
      }
    } else {
      writes.push({ file, value: swapMax, field });
    }
  }
  if (reservation !== undefined) {
    checkMemoryValue(reservation, `${F}.reservation`);
    writes.push({ file: requireV2File(dir, 'memory.low', `${F}.reservation`), value: asV2(reservation), field: `${F}.reservation` });
  }
  return writes;
}

function cpuWrites(cpu: NonNullable<Resources['cpu']>, dir: string): Write[] {
  const F = `${R}.cpu`;
  if (unlessZero(cpu.realtimeRuntime) !== undefined || unlessZero(cpu.realtimePeriod) !== undefined) {
    const key = unlessZero(cpu.realtimeRuntime) !== undefined ? 'realtimeRuntime' : 'realtimePeriod';
    throw new CgroupError(`${F}.${key}: cgroup v2 has no realtime group scheduling (cgroup v1 only)`);
  }
  const writes: Write[] = [];
  const shares = unlessZero(cpu.shares);
  if (shares !== undefined) {
    checkShares(shares, `${F}.shares`);
    writes.push({ file: requireV2File(dir, 'cpu.weight', `${F}.shares`), value: String(sharesToWeight(shares)), field: `${F}.shares` });
  }
  const quota = unlessZero(cpu.quota);
  const period = unlessZero(cpu.period);
  if (quota !== undefined || period !== undefined) {
    const field = quota !== undefined ? `${F}.quota` : `${F}.period`;
    const file = requireV2File(dir, 'cpu.max', field);
    // One file holds both: the half this change leaves unset keeps its current value.
    writes.push({ file, value: cpuMax(quota, period, readCgroupFile(file)), field });
  }
  if (cpu.burst !== undefined) writes.push({ file: requireV2File(dir, 'cpu.max.burst', `${F}.burst`), value: String(cpu.burst), field: `${F}.burst` });
  if (cpu.idle !== undefined) writes.push({ file: requireV2File(dir, 'cpu.idle', `${F}.idle`), value: String(cpu.idle), field: `${F}.idle` });
  // An empty string is "not set", as in runc.
  for (const key of ['cpus', 'mems'] as const) {
    const value = cpu[key];
    if (value) writes.push({ file: requireV2File(dir, `cpuset.${key}`, `${F}.${key}`), value, field: `${F}.${key}` });
  }
  return writes;
}

function ioWrites(blockIO: BlockIO, dir: string): Write[] {
  const F = BLOCKIO;
  if (unlessZero(blockIO.leafWeight) !== undefined) throw new CgroupError(`${F}.leafWeight: cgroup v2 has no leaf weights`);
  const writes: Write[] = [];
  // With BFQ, io.bfq.weight takes the blkio range as is; otherwise io.weight (iocost) takes a converted value.
  const bfq = existsSync(join(dir, 'io.bfq.weight'));
  const weight = unlessZero(blockIO.weight);
  if (weight !== undefined) {
    checkBlkioWeight(weight, `${F}.weight`);
    writes.push(
      bfq
        ? { file: join(dir, 'io.bfq.weight'), value: String(weight), field: `${F}.weight` }
        : { file: requireV2File(dir, 'io.weight', `${F}.weight`), value: `default ${blkioWeightToIoWeight(weight)}`, field: `${F}.weight` },
    );
  }
  for (const [i, device] of (blockIO.weightDevice ?? []).entries()) {
    const field = `${F}.weightDevice[${i}]`;
    const number = deviceNumber(device, field);
    if (unlessZero(device.leafWeight) !== undefined) throw new CgroupError(`${field}.leafWeight: cgroup v2 has no leaf weights`);
    const deviceWeight = unlessZero(device.weight);
    if (deviceWeight === undefined) continue;
    checkBlkioWeight(deviceWeight, `${field}.weight`);
    writes.push(
      bfq
        ? { file: join(dir, 'io.bfq.weight'), value: `${number} ${deviceWeight}`, field: `${field}.weight` }
        : { file: requireV2File(dir, 'io.weight', `${field}.weight`), value: `${number} ${blkioWeightToIoWeight(deviceWeight)}`, field: `${field}.weight` },
    );
  }
  // io.max takes all four limits of a device in one line; a rate of 0 lifts the limit, as on v1.
  const lines = new Map<string, { keys: string[]; field: string }>();
  for (const throttle of THROTTLES) {
    for (const [i, device] of (blockIO[throttle.list] ?? []).entries()) {
      const field = `${F}.${throttle.list}[${i}]`;
      const number = deviceNumber(device, field);
      const line = lines.get(number) ?? { keys: [], field };
      line.keys.push(`${throttle.v2Key}=${device.rate === 0 ? 'max' : device.rate}`);
      lines.set(number, line);
    }
  }
  for (const [number, line] of lines) {
    writes.push({ file: requireV2File(dir, 'io.max', line.field), value: `${number} ${line.keys.join(' ')}`, field: line.field });
  }
  return writes;
}

/** Keys that move or kill processes rather than set a limit: the runtime does those itself. */
const NOT_LIMITS = new Set(['cgroup.procs', 'cgroup.threads', 'cgroup.kill', 'cgroup.freeze', 'cgroup.subtree_control']);

function unifiedWrites(unified: Record<string, string>, dir: string): Write[] {
  return Object.entries(unified).map(([key, value]) => {
    const field = `${R}.unified[${JSON.stringify(key)}]`;
    if (!/^[a-z][a-z0-9_]*\.[A-Za-z0-9_.]+$/.test(key) || key.includes('..')) {
      throw new CgroupError(`${field}: not an interface file name (controller.name, no "/" or "..")`);
    }
    if (NOT_LIMITS.has(key)) throw new CgroupError(`${field}: ${key} is not a limit; the runtime manages it`);
    return { file: requireV2File(dir, key, field), value, field };
  });
}

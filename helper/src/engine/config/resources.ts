// cgroup limits from Docker's --memory, --memory-swap, --cpus, --cpu-shares, --pids-limit and
// --cpuset-cpus, checked as moby's verifyPlatformContainerResources checks them and converted as its
// getMemoryResources/getCPUResources/getPidsLimit do.
import type { Resources } from '../../runtime/spec/config';
import type { ResourcesSpec } from './containerSpec';
import { ContainerConfigError } from './errors';

/** linuxMinMemory: below this a container cannot even start its runtime. */
const MIN_MEMORY = 6 * 1024 * 1024;
/** The CFS period Docker uses for --cpus, in microseconds (100 ms). */
export const CPU_PERIOD = 100_000;

function nanoCpus(cpus: number, hostCpus: number): number {
  const nano = Math.round(cpus * 1e9);
  if (Math.abs(nano - cpus * 1e9) > 1e-3) throw new ContainerConfigError('resources.cpus', `${cpus} is too precise (at most 9 decimal places)`);
  // The kernel's smallest quota is 1 ms per 100 ms period, which is what Docker's "0.01" lower bound means.
  if (nano < 1e7 || nano > hostCpus * 1e9) {
    throw new ContainerConfigError('resources.cpus', `range of CPUs is from 0.01 to ${hostCpus}.00, as there ${hostCpus === 1 ? 'is only 1 CPU' : `are only ${hostCpus} CPUs`} available`);
  }
  return nano;
}

function checkCpuList(list: string): void {
  for (const part of list.split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (to !== undefined && to < from!) throw new ContainerConfigError('resources.cpusetCpus', `"${part}" is not a range (${to} < ${from})`);
  }
}

/**
 * The OCI resources. Docker's defaults: with --memory and no --memory-swap, swap is as much again
 * (memory+swap = 2×memory); -1 is unlimited swap; equal to memory is no swap. No limits asked, none set.
 * The cpuset is checked for form only: whether those CPUs exist is the kernel's answer when the cgroup is
 * written (Docker checks it against its own cgroup's cpuset first).
 */
export function containerResources(spec: ResourcesSpec | undefined, hostCpus: number): Omit<Resources, 'devices'> {
  const result: Omit<Resources, 'devices'> = {};
  const { memory, memorySwap, cpus, cpuShares, pidsLimit, cpusetCpus } = spec ?? {};
  if (memory !== undefined) {
    if (memory < MIN_MEMORY) throw new ContainerConfigError('resources.memory', 'minimum memory limit allowed is 6MB');
    if (memorySwap !== undefined && memorySwap !== -1 && memorySwap !== 0 && memorySwap < memory) {
      throw new ContainerConfigError('resources.memorySwap', 'minimum memory swap limit should be larger than memory limit (memorySwap is memory plus swap)');
    }
    const swap = memorySwap === undefined || memorySwap === 0 ? memory * 2 : memorySwap;
    result.memory = { limit: memory, swap };
  } else if (memorySwap !== undefined && memorySwap > 0) {
    throw new ContainerConfigError('resources.memorySwap', 'you should always set the memory limit when using a memory swap limit');
  }
  if (cpus !== undefined || cpuShares !== undefined || cpusetCpus !== undefined) {
    const cpu: NonNullable<Resources['cpu']> = {};
    if (cpuShares !== undefined && cpuShares > 0) cpu.shares = cpuShares;
    if (cpus !== undefined) {
      cpu.period = CPU_PERIOD;
      cpu.quota = Math.floor((nanoCpus(cpus, hostCpus) * CPU_PERIOD) / 1e9);
    }
    if (cpusetCpus !== undefined) {
      checkCpuList(cpusetCpus);
      cpu.cpus = cpusetCpus;
    }
    if (Object.keys(cpu).length > 0) result.cpu = cpu;
  }
  // Docker takes 0 and negative values as "unlimited"; a new cgroup has no limit, so nothing is written.
  if (pidsLimit !== undefined && pidsLimit > 0) result.pids = { limit: pidsLimit };
  return result;
}

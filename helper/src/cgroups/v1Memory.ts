// linux.resources.memory on cgroup v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes (OCI's swap is
// memory plus swap, which is exactly memsw), soft limit, kernel and TCP memory, swappiness, the OOM killer.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Resources } from '../runtime/spec/config';
import { checkMemoryValue, unlessZero } from './convert';
import { CgroupError } from './errors';
import { parseLimit, parseNumber, readCgroupFile, requireFile } from './files';
import type { Write } from './writes';

const F = 'linux.resources.memory';

export function v1MemoryWrites(memory: NonNullable<Resources['memory']>, dir: string): Write[] {
  const file = (name: string) => join(dir, name);
  const limit = unlessZero(memory.limit);
  let swap = unlessZero(memory.swap);
  if (limit !== undefined) checkMemoryValue(limit, `${F}.limit`);
  if (swap !== undefined) checkMemoryValue(swap, `${F}.swap`);

  const memsw = file('memory.memsw.limit_in_bytes');
  const swapAccounted = existsSync(memsw);
  let swapField = `${F}.swap`;
  // runc: an unlimited memory limit with swap unset lifts the memory+swap limit too.
  if (limit === -1 && swap === undefined && swapAccounted) {
    swap = -1;
    swapField = `${F}.limit`;
  }
  if (swap !== undefined && !swapAccounted) {
    throw new CgroupError(`${F}.swap: ${memsw} does not exist: this kernel does not account swap (boot with swapaccount=1, or leave swap unset)`);
  }
  if (limit === -1 && swap !== undefined && swap !== -1) {
    throw new CgroupError(`${F}.swap: must be -1 or unset when memory.limit is -1 (unlimited memory cannot have a finite memory+swap limit)`);
  }
  if (limit !== undefined && limit > 0 && swap !== undefined && swap > 0 && swap < limit) {
    throw new CgroupError(`${F}.swap: ${swap} is less than memory.limit ${limit}; OCI swap is memory plus swap, so it must be at least the limit`);
  }
  const limitFile = file('memory.limit_in_bytes');
  const currentLimit = parseLimit(readCgroupFile(limitFile), limitFile) ?? Infinity;
  if (limit === undefined && swap !== undefined && swap > 0 && currentLimit > swap) {
    throw new CgroupError(
      `${F}.swap: ${swap} is below the cgroup's memory limit (${currentLimit === Infinity ? 'unlimited' : currentLimit}); set memory.limit as well`,
    );
  }
  if (memory.checkBeforeUpdate && limit !== undefined && limit > 0) {
    const usageFile = file('memory.usage_in_bytes');
    const usage = parseNumber(readCgroupFile(usageFile), usageFile);
    if (limit < usage) throw new CgroupError(`${F}.limit: ${limit} is below the current usage ${usage} (checkBeforeUpdate is set)`);
  }

  const writes: Write[] = [];
  const limitWrite: Write | undefined = limit === undefined ? undefined : { file: limitFile, value: String(limit), field: `${F}.limit` };
  const swapWrite: Write | undefined = swap === undefined ? undefined : { file: memsw, value: String(swap), field: swapField };
  // The kernel keeps memsw >= limit after every single write, so raising writes memsw first and lowering
  // writes the limit first (runc's setMemoryAndSwap).
  const raising = swap === -1 || (swap !== undefined && currentLimit < swap);
  const pair = raising ? [swapWrite, limitWrite] : [limitWrite, swapWrite];
  for (const write of pair) if (write) writes.push(write);

  const reservation = unlessZero(memory.reservation);
  if (reservation !== undefined) {
    checkMemoryValue(reservation, `${F}.reservation`);
    writes.push({ file: file('memory.soft_limit_in_bytes'), value: String(reservation), field: `${F}.reservation` });
  }
  const kernel = unlessZero(memory.kernel);
  if (kernel !== undefined) {
    checkMemoryValue(kernel, `${F}.kernel`);
    writes.push({
      file: requireFile(dir, 'memory.kmem.limit_in_bytes', `${F}.kernel`, 'this kernel has no kernel memory accounting'),
      value: String(kernel),
      field: `${F}.kernel`,
      // Current kernels keep the file but ignore what is written to it.
      verify: (readBack) =>
        kernel > 0 && parseLimit(readBack, 'memory.kmem.limit_in_bytes') === null
          ? 'still reads unlimited after the write: this kernel accepts but ignores kernel memory limits (they are deprecated); leave memory.kernel unset'
          : undefined,
    });
  }
  const kernelTCP = unlessZero(memory.kernelTCP);
  if (kernelTCP !== undefined) {
    checkMemoryValue(kernelTCP, `${F}.kernelTCP`);
    const tcpFile = requireFile(dir, 'memory.kmem.tcp.limit_in_bytes', `${F}.kernelTCP`, 'this kernel has no TCP memory accounting');
    writes.push({ file: tcpFile, value: String(kernelTCP), field: `${F}.kernelTCP` });
  }
  if (memory.swappiness !== undefined) {
    if (memory.swappiness > 100) throw new CgroupError(`${F}.swappiness: ${memory.swappiness} is outside 0..100`);
    writes.push({ file: file('memory.swappiness'), value: String(memory.swappiness), field: `${F}.swappiness` });
  }
  if (memory.disableOOMKiller !== undefined) {
    writes.push({ file: file('memory.oom_control'), value: memory.disableOOMKiller ? '1' : '0', field: `${F}.disableOOMKiller` });
  }
  if (memory.useHierarchy !== undefined) {
    // Current kernels are always hierarchical and refuse 0 with EINVAL, which the write error reports.
    writes.push({ file: file('memory.use_hierarchy'), value: memory.useHierarchy ? '1' : '0', field: `${F}.useHierarchy` });
  }
  return writes;
}

// Resource limits (prlimit64 on the calling process). Limits belong to the whole process and survive
// execve. Raising a hard limit needs CAP_SYS_RESOURCE, which root may lack (it does on some build hosts).
import { readFileSync } from 'node:fs';
import { SyscallError, check, koffi, libc } from './libc';

const RLIMIT_NAMES = [
  'RLIMIT_CPU',
  'RLIMIT_FSIZE',
  'RLIMIT_DATA',
  'RLIMIT_STACK',
  'RLIMIT_CORE',
  'RLIMIT_RSS',
  'RLIMIT_NPROC',
  'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK',
  'RLIMIT_AS',
  'RLIMIT_LOCKS',
  'RLIMIT_SIGPENDING',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
] as const;

export type RlimitName = (typeof RLIMIT_NAMES)[number];

/** The "no limit" value of struct rlimit64. */
export const RLIM_INFINITY = 2n ** 64n - 1n;

const EPERM = 1;

const prlimitRaw = libc.func('int prlimit64(int pid, int resource, const void *newLimit, void *oldLimit)') as (
  pid: number,
  resource: number,
  newLimit: Buffer | null,
  oldLimit: Buffer | null,
) => number;

/** The resource number of `RLIMIT_NOFILE` and the like. */
export function rlimitResource(name: RlimitName | string): number {
  const index = (RLIMIT_NAMES as readonly string[]).indexOf(name);
  if (index === -1) throw new Error(`unknown resource limit ${name}`);
  return index;
}

function limitValue(name: string, which: string, value: number | bigint): bigint {
  // A uint64 read from JSON arrives as a float: 2^64-1 (RLIM_INFINITY) rounds to 2^64.
  if (typeof value === 'number' && (value === Infinity || value === 2 ** 64)) return RLIM_INFINITY;
  if (typeof value === 'number' && !Number.isInteger(value)) throw new Error(`${name}: the ${which} limit ${value} is not an integer`);
  const big = BigInt(value);
  if (big < 0n || big > RLIM_INFINITY) throw new Error(`${name}: the ${which} limit ${value} is outside 0 to 2^64-1`);
  return big;
}

function readNrOpen(): bigint | undefined {
  try {
    return BigInt(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
  } catch {
    return undefined;
  }
}

const show = (value: bigint): string => (value === RLIM_INFINITY ? 'unlimited' : String(value));

/** The current soft and hard limit (RLIM_INFINITY for unlimited). */
export function getRlimit(name: RlimitName | string): { soft: bigint; hard: bigint } {
  const resource = rlimitResource(name);
  const old = Buffer.alloc(16);
  check('prlimit64', `0, ${name}, NULL, old`, prlimitRaw(0, resource, null, old));
  return { soft: old.readBigUInt64LE(0), hard: old.readBigUInt64LE(8) };
}

/**
 * Sets both limits of a resource for this process. A failure to raise the hard limit above the current one
 * without CAP_SYS_RESOURCE gets a message that says so, with both values.
 */
export function setRlimit(name: RlimitName | string, soft: number | bigint, hard: number | bigint): void {
  const resource = rlimitResource(name);
  const softValue = limitValue(name, 'soft', soft);
  const hardValue = limitValue(name, 'hard', hard);
  if (softValue > hardValue) throw new Error(`${name}: the soft limit ${show(softValue)} is above the hard limit ${show(hardValue)}`);
  const limit = Buffer.alloc(16);
  limit.writeBigUInt64LE(softValue, 0);
  limit.writeBigUInt64LE(hardValue, 8);
  if (prlimitRaw(0, resource, limit, null) === 0) return;
  const errno = koffi.errno();
  if (errno === EPERM && name === 'RLIMIT_NOFILE') {
    const nrOpen = readNrOpen();
    if (nrOpen !== undefined && hardValue > nrOpen) {
      throw new Error(`${name}: ${show(hardValue)} is above the kernel's maximum for open files (fs.nr_open = ${nrOpen})`);
    }
  }
  if (errno === EPERM) {
    const current = getRlimit(name);
    if (hardValue > current.hard) {
      throw new Error(
        `${name}: cannot raise the hard limit from ${show(current.hard)} to ${show(hardValue)}: raising a hard limit needs CAP_SYS_RESOURCE, which this process lacks`,
      );
    }
  }
  throw new SyscallError('prlimit64', `0, ${name}, {soft ${show(softValue)}, hard ${show(hardValue)}}, NULL`, errno);
}

// The arithmetic between OCI's v1-shaped resource values and the files that hold them, done as runc
// does so that a config means the same under Berth as under runc.
import { CgroupError } from './errors';

/** The kernel's range for cpu.shares; runc refuses values the kernel would clamp, and so does Berth. */
export const MIN_SHARES = 2;
export const MAX_SHARES = 262_144;

export function checkShares(shares: number, field: string): void {
  if (shares < MIN_SHARES || shares > MAX_SHARES) {
    throw new CgroupError(`${field}: ${shares} is outside the kernel's range ${MIN_SHARES}..${MAX_SHARES}`);
  }
}

/** cpu.shares (2..262144) → cpu.weight (1..10000), runc's ConvertCPUSharesToCgroupV2Value. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** OCI's blockIO weights are CFQ's range. */
export function checkBlkioWeight(weight: number, field: string): void {
  if (weight < 10 || weight > 1000) throw new CgroupError(`${field}: ${weight} is outside the range 10..1000`);
}

/** blkio weight (10..1000) → io.weight (1..10000), runc's ConvertBlkIOToIOWeightValue. */
export function blkioWeightToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** A memory value as v1 writes it: -1 stays -1 (unlimited). */
export function checkMemoryValue(value: number, field: string): void {
  if (value < -1) throw new CgroupError(`${field}: ${value} is invalid (-1 means unlimited)`);
}

/**
 * OCI's memory.swap is the limit of memory plus swap (v1's memsw); v2's memory.swap.max is swap alone.
 * runc's ConvertMemorySwapToCgroupV2Value: returns the memory.swap.max value, "max", or undefined for unset.
 * `limit` is the memory limit in force after this change (0 when none is set).
 */
export function v2SwapMax(swap: number, limit: number, field: string): string | undefined {
  // Unlimited memory with swap unset means both unlimited, as on v1.
  if (limit === -1 && swap === 0) return 'max';
  if (swap === 0) return undefined;
  if (swap === -1) return 'max';
  if (limit === -1) throw new CgroupError(`${field}: must be -1 or unset when memory.limit is -1 (unlimited memory cannot have a finite memory+swap limit)`);
  if (limit <= 0) throw new CgroupError(`${field}: swap needs memory.limit too (swap is memory plus swap, so v2's swap-only limit is swap - limit)`);
  if (swap < limit) throw new CgroupError(`${field}: ${swap} is less than memory.limit ${limit}; OCI swap is memory plus swap, so it must be at least the limit`);
  return String(swap - limit);
}

/** cpu.max "quota period", keeping the current half that the change does not set; a quota of -1 is "max". */
export function cpuMax(quota: number | undefined, period: number | undefined, current: string): string {
  const [currentQuota = 'max', currentPeriod = '100000'] = current.trim().split(/\s+/);
  const newQuota = quota === undefined ? currentQuota : quota < 0 ? 'max' : String(quota);
  const newPeriod = period === undefined ? currentPeriod : String(period);
  return `${newQuota} ${newPeriod}`;
}

/**
 * runc reads these OCI values into Go integers where 0 means "not set", and configs written for runc rely
 * on it (a memory limit of 0 is "no limit", not "no memory"). Berth reads them the same way.
 */
export function unlessZero(value: number | undefined): number | undefined {
  return value === 0 ? undefined : value;
}

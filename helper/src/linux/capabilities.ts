// Linux capabilities of the calling thread: the bounding set (prctl), effective/permitted/inheritable
// (capset) and ambient (prctl). All of these are per thread; the init stage changes them on its main thread
// just before execve, which keeps only that thread.
import { readFileSync } from 'node:fs';
import { check, libc } from './libc';
import { prctl } from './prctl';

/** Capability names in kernel order: the index is the capability's number. */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

const capabilityNumbers = new Map<string, number>(CAPABILITY_NAMES.map((name, number) => [name, number]));

const PR_CAPBSET_READ = 23;
const PR_CAPBSET_DROP = 24;
const PR_SET_KEEPCAPS = 8;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_RAISE = 2;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

const capgetRaw = libc.func('int capget(void *header, void *data)') as (header: Buffer, data: Buffer) => number;
const capsetRaw = libc.func('int capset(void *header, void *data)') as (header: Buffer, data: Buffer) => number;

/** The number of a capability named like `CAP_NET_ADMIN`. */
export function capabilityNumber(name: string): number {
  const number = capabilityNumbers.get(name);
  if (number === undefined) throw new Error(`unknown capability ${name}`);
  return number;
}

/** The name of capability `number`, or the number itself for one newer than this table. */
export function capabilityName(number: number): string {
  return CAPABILITY_NAMES[number] ?? String(number);
}

/** The highest capability the running kernel knows. */
export function lastCapability(): number {
  try {
    return Number.parseInt(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim(), 10);
  } catch {
    // No /proc yet (a fresh mount namespace): ask the kernel capability by capability.
    let last = 0;
    while (prctl(PR_CAPBSET_READ, last + 1) !== -1) last++;
    return last;
  }
}

export interface CapabilitySets {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

interface CapsetSets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
}

function capHeader(): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
  header.writeInt32LE(0, 4); // pid 0: the calling thread
  return header;
}

function maskNames(mask: bigint): string {
  const names: string[] = [];
  for (let cap = 0; cap < 64; cap++) if ((mask >> BigInt(cap)) & 1n) names.push(capabilityName(cap));
  return names.length > 0 ? names.join('|') : '0';
}

function capget(): CapsetSets {
  const data = Buffer.alloc(24);
  check('capget', '{_LINUX_CAPABILITY_VERSION_3, pid 0}', capgetRaw(capHeader(), data));
  // Two struct __user_cap_data_struct {effective, permitted, inheritable}: low 32 bits, then high 32 bits.
  const word = (offset: number) => BigInt(data.readUInt32LE(offset)) | (BigInt(data.readUInt32LE(offset + 12)) << 32n);
  return { effective: word(0), permitted: word(4), inheritable: word(8) };
}

function capset(sets: CapsetSets): void {
  const data = Buffer.alloc(24);
  const low = (mask: bigint) => Number(mask & 0xffff_ffffn);
  const high = (mask: bigint) => Number((mask >> 32n) & 0xffff_ffffn);
  [sets.effective, sets.permitted, sets.inheritable].forEach((mask, i) => {
    data.writeUInt32LE(low(mask), i * 4);
    data.writeUInt32LE(high(mask), 12 + i * 4);
  });
  const args = `{_LINUX_CAPABILITY_VERSION_3, pid 0}, {effective ${maskNames(sets.effective)}, permitted ${maskNames(sets.permitted)}, inheritable ${maskNames(sets.inheritable)}}`;
  check('capset', args, capsetRaw(capHeader(), data));
}

/**
 * Sets the calling thread's capabilities to exactly the given sets, as runc does for an OCI process: an
 * omitted set is empty (as in the runtime spec). Drops every bounding capability not listed, sets
 * effective/permitted/inheritable, then clears the ambient set and raises each listed ambient capability
 * (which the kernel allows only for capabilities both permitted and inheritable). Capabilities this table
 * knows but the running kernel does not are skipped and returned; names nobody knows throw.
 * Works before or after a change of user with keep-caps on: a cleared effective set is refilled from the
 * permitted one first so that CAP_SETPCAP can drop the bounding set.
 */
export function applyCapabilities(sets: CapabilitySets): { skipped: string[]; skippedAmbient: string[] } {
  const last = lastCapability();
  const skipped = new Set<string>();
  const skippedAmbient: string[] = [];
  const mask = (names: string[] | undefined): bigint => {
    let result = 0n;
    for (const name of names ?? []) {
      const number = capabilityNumber(name);
      if (number > last) skipped.add(name);
      else result |= 1n << BigInt(number);
    }
    return result;
  };
  const bounding = mask(sets.bounding);
  const wanted: CapsetSets = { effective: mask(sets.effective), permitted: mask(sets.permitted), inheritable: mask(sets.inheritable) };
  const ambient = mask(sets.ambient);

  const current = capget();
  if (current.effective !== current.permitted) capset({ ...current, effective: current.permitted });
  for (let cap = 0; cap <= last; cap++) {
    if ((bounding >> BigInt(cap)) & 1n) continue;
    if (prctl(PR_CAPBSET_READ, cap) !== 1) continue; // already gone: dropping again would need CAP_SETPCAP
    check('prctl', `PR_CAPBSET_DROP, ${capabilityName(cap)}`, prctl(PR_CAPBSET_DROP, cap));
  }
  capset(wanted);
  check('prctl', 'PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL', prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
  for (let cap = 0; cap <= last; cap++) {
    if (!((ambient >> BigInt(cap)) & 1n)) continue;
    // The kernel raises an ambient capability only if it is permitted and inheritable; runc warns and goes
    // on in that case, and so does this (the caller reports what was skipped).
    if (!((wanted.permitted >> BigInt(cap)) & 1n) || !((wanted.inheritable >> BigInt(cap)) & 1n)) {
      skippedAmbient.push(capabilityName(cap));
      continue;
    }
    check(
      'prctl',
      `PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, ${capabilityName(cap)}`,
      prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0),
    );
  }
  return { skipped: [...skipped], skippedAmbient };
}

/** PR_SET_KEEPCAPS: keep the permitted set across a change from uid 0 to another uid (this thread only). */
export function setKeepCaps(on: boolean): void {
  check('prctl', `PR_SET_KEEPCAPS, ${on ? 1 : 0}`, prctl(PR_SET_KEEPCAPS, on ? 1 : 0, 0, 0, 0));
}

export interface ProcessCapabilities {
  inheritable: string[];
  permitted: string[];
  effective: string[];
  bounding: string[];
  ambient: string[];
}

/** The capability sets of a process (its main thread) as /proc/PID/status shows them, as name lists. */
export function readCapabilities(pid: number | 'self' = 'self'): ProcessCapabilities {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (key: string): string[] => {
    const match = new RegExp(`^${key}:\\s*([0-9a-f]+)$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${key} line`);
    const value = BigInt(`0x${match[1]}`);
    const names: string[] = [];
    for (let cap = 0; cap < 64; cap++) if ((value >> BigInt(cap)) & 1n) names.push(capabilityName(cap));
    return names;
  };
  return {
    inheritable: field('CapInh'),
    permitted: field('CapPrm'),
    effective: field('CapEff'),
    bounding: field('CapBnd'),
    ambient: field('CapAmb'),
  };
}

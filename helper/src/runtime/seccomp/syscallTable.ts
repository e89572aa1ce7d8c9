// Syscall names to numbers for the two architectures Berth runs on. Profiles name syscalls, the kernel's
// seccomp_data carries numbers, and the numbers differ per architecture (aarch64 uses the generic table and
// has no open, stat, fork, ...), so every name is looked up for the architecture the filter is built for.
// The tables are generated from Linux 6.1 headers (see the data files); the syscalls added since (number
// 451 on) are listed below: since 5.1 every new syscall has one number on all architectures, so one list
// serves both. A profile naming a syscall the running kernel lacks still compiles (the kernel answers
// ENOSYS before any filter matters); a name unknown to every table is skipped.
import { SYSCALLS_AARCH64 } from './syscalls-aarch64';
import { SYSCALLS_X86_64 } from './syscalls-x86_64';

/** Linux 6.5 to 6.17, from the kernel's syscall.tbl (the same numbers on x86_64 and arm64). */
const SINCE_6_1: Readonly<Record<string, number>> = {
  cachestat: 451,
  fchmodat2: 452,
  map_shadow_stack: 453,
  futex_wake: 454,
  futex_wait: 455,
  futex_requeue: 456,
  statmount: 457,
  listmount: 458,
  lsm_get_self_attr: 459,
  lsm_set_self_attr: 460,
  lsm_list_modules: 461,
  mseal: 462,
  setxattrat: 463,
  getxattrat: 464,
  listxattrat: 465,
  removexattrat: 466,
  open_tree_attr: 467,
  file_getattr: 468,
  file_setattr: 469,
};

/** Node's name for the architecture (process.arch) of the processes the filter will run in. */
export type SeccompArch = 'x64' | 'arm64';

const TABLES: Record<SeccompArch, Readonly<Record<string, number>>> = {
  x64: Object.freeze({ ...SYSCALLS_X86_64, ...SINCE_6_1 }),
  arm64: Object.freeze({ ...SYSCALLS_AARCH64, ...SINCE_6_1 }),
};

/** The syscall's number on `arch`, or undefined when that architecture has no syscall of that name. */
export function syscallNumber(arch: SeccompArch, name: string): number | undefined {
  const table = TABLES[arch];
  // Own properties only: a profile naming "constructor" or "__proto__" must not resolve to anything.
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** Every syscall name known on `arch`, in number order. */
export function syscallNames(arch: SeccompArch): string[] {
  return Object.keys(TABLES[arch]);
}

// Syscall names to numbers for the two architectures Berth runs on. Profiles name syscalls, the kernel's
// seccomp_data carries numbers, and the numbers differ per architecture (aarch64 uses the generic table and
// has no open, stat, fork, ...), so every name is looked up for the architecture the filter is built for.
// The tables are generated from Linux 6.1 headers (see the data files): syscalls added later (cachestat,
// fchmodat2, mseal, ...) are unknown here and get skipped like any other unknown name.
import { SYSCALLS_AARCH64 } from './syscalls-aarch64';
import { SYSCALLS_X86_64 } from './syscalls-x86_64';

/** Node's name for the architecture (process.arch) of the processes the filter will run in. */
export type SeccompArch = 'x64' | 'arm64';

const TABLES: Record<SeccompArch, Readonly<Record<string, number>>> = {
  x64: SYSCALLS_X86_64,
  arm64: SYSCALLS_AARCH64,
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

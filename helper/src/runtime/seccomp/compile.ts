// Compiles an OCI `linux.seccomp` object to the classic BPF program seccomp(2) loads, without libseccomp.
//
// The program, in order:
//   1. seccomp_data.arch must be the native one (AUDIT_ARCH_X86_64 or AUDIT_ARCH_AARCH64). Syscalls made
//      through the other ABI the kernel offers (i386 int 0x80 on x86_64, 32-bit arm on aarch64) have other
//      numbers, and Berth only has the native tables, so rules never apply to them: they get the default
//      action when the profile lists that architecture and the default refuses (errno, kill, trap), and
//      SECCOMP_RET_KILL_PROCESS otherwise, so that a default ALLOW can never let them past a deny rule.
//      A 32-bit program therefore does not run under a Berth filter (with Docker's profile it gets ENOSYS).
//   2. On x86_64, numbers with the x32 bit (>= 0x40000000) get the same treatment for SCMP_ARCH_X32, except
//      -1 (0xffffffff), which a tracer uses to skip a syscall: it gets the default action, as in libseccomp.
//   3. A binary search over the syscall number. Numbers are split into ranges whose syscalls share one
//      outcome (a run of allowed syscalls is one range), and each leaf holds that outcome: a `ret`, or the
//      syscall's rules in profile order, each a chain of argument conditions ANDed together ending in the
//      rule's action, then the default action. Several rules for one syscall are thus ORed and the first
//      that matches wins; rules after an unconditional one are unreachable and dropped.
// Long jumps are repaired by the builder (bpf.ts); the result must fit the kernel's 4096 instructions.
//
// Where this differs from runc + libseccomp, on purpose:
//   - Conditions on the same argument in one rule are ANDed; runc turns them into separate ORed rules
//     because old libseccomp could not AND them.
//   - A rule whose action equals the default is kept (runc drops it), since order decides here.
//   - errnoRet on an action that takes none, SCMP_ACT_NOTIFY, listenerPath and unknown flags are refused.
//   - Names are resolved with tables from Linux 6.1 headers: a syscall added later (fchmodat2, cachestat,
//     mseal, ...) is skipped even when listed, so it gets the default action.
import { Seccomp } from '../spec/config';
import { actionValue, refuses, SECCOMP_RET_KILL_PROCESS } from './actions';
import { BPF_JMP_JEQ_K, BPF_JMP_JGE_K, BPF_MAXINSNS, encodeProgram, ProgramBuilder } from './bpf';
import { emitCondition, type Condition } from './conditions';
import { filterFlags } from './flags';
import { SeccompProfileError } from './profileError';
import { syscallNumber, type SeccompArch } from './syscallTable';
import { verifyProgram } from './verify';

export interface CompiledSeccomp {
  /** struct sock_filter[], 8 bytes per instruction, little-endian: what sock_fprog.filter points at. */
  program: Buffer;
  /** The flags argument for seccomp(SECCOMP_SET_MODE_FILTER, ...), from the profile's `flags`. */
  flags: number;
  /**
   * Names skipped because the architecture has no such syscall (Docker's profile names those of many) or
   * the tables, from Linux 6.1 headers, do not know it yet; unique, in profile order. Worth a log line.
   */
  skipped: string[];
}

// linux/audit.h: EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
export const AUDIT_ARCH_X86_64 = 0xc000_003e;
export const AUDIT_ARCH_I386 = 0x4000_0003;
export const AUDIT_ARCH_AARCH64 = 0xc000_00b7;
export const AUDIT_ARCH_ARM = 0x4000_0028;
export const X32_SYSCALL_BIT = 0x4000_0000;

const ARCHES: Record<SeccompArch, { audit: number; compat: { audit: number; name: string }; x32?: string }> = {
  x64: { audit: AUDIT_ARCH_X86_64, compat: { audit: AUDIT_ARCH_I386, name: 'SCMP_ARCH_X86' }, x32: 'SCMP_ARCH_X32' },
  arm64: { audit: AUDIT_ARCH_AARCH64, compat: { audit: AUDIT_ARCH_ARM, name: 'SCMP_ARCH_ARM' } },
};

// libseccomp's architecture names: a profile may list any of them (Docker's lists those of the host's
// family); only the ones this kernel can run matter, the others are accepted and ignored.
const KNOWN_ARCHITECTURES = new Set(
  [
    'X86', 'X86_64', 'X32', 'ARM', 'AARCH64', 'MIPS', 'MIPS64', 'MIPS64N32', 'MIPSEL', 'MIPSEL64', 'MIPSEL64N32',
    'PPC', 'PPC64', 'PPC64LE', 'S390', 'S390X', 'PARISC', 'PARISC64', 'RISCV64', 'LOONGARCH64', 'M68K', 'SH', 'SHEB',
  ].map((name) => `SCMP_ARCH_${name}`),
);

// offsetof(struct seccomp_data, nr / arch).
const DATA_NR = 0;
const DATA_ARCH = 4;

interface Rule {
  conditions: Condition[];
  action: number;
}

interface Range {
  start: number;
  end: number;
  /** What happens to a syscall in the range; empty means the default action. */
  rules: Rule[];
}

/**
 * Compiles `profile` (the OCI `linux.seccomp` object) for processes of `arch`. Throws SeccompProfileError
 * naming the field for anything invalid or unsupported; `field` is the profile's own path for those messages.
 */
export function compileSeccomp(profile: Seccomp, arch: SeccompArch, field = 'linux.seccomp'): CompiledSeccomp {
  if (!Object.hasOwn(ARCHES, arch)) throw new Error(`seccomp filters are compiled for x64 or arm64, not ${String(arch)}`);
  const target = ARCHES[arch];
  const parsed = Seccomp.safeParse(profile);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    throw new SeccompProfileError(`${field}${path}`, issue.message);
  }
  const p = parsed.data;

  if (p.listenerPath !== undefined) {
    throw new SeccompProfileError(`${field}.listenerPath`, 'not supported: Berth has no seccomp notify agent support');
  }
  if (p.listenerMetadata !== undefined) {
    throw new SeccompProfileError(`${field}.listenerMetadata`, 'not supported: it is for a seccomp notify agent (listenerPath), which Berth does not support');
  }
  const flags = filterFlags(p.flags, `${field}.flags`);
  const defaultAction = actionValue(p.defaultAction, p.defaultErrnoRet, `${field}.defaultAction`, `${field}.defaultErrnoRet`);
  (p.architectures ?? []).forEach((name, i) => {
    if (!KNOWN_ARCHITECTURES.has(name)) {
      throw new SeccompProfileError(`${field}.architectures[${i}]`, `unknown architecture ${JSON.stringify(name)} (names look like SCMP_ARCH_X86_64)`);
    }
  });
  const { bySyscall, skipped } = rulesBySyscall(p, arch, field);

  const b = new ProgramBuilder();
  const highest = emitAbiChecks(b, target, new Set(p.architectures ?? []), defaultAction);
  emitSearch(b, ranges(bySyscall, defaultAction, highest), defaultAction);

  const instructions = b.build();
  if (instructions.length > BPF_MAXINSNS) {
    throw new SeccompProfileError(field, `compiles to ${instructions.length} BPF instructions, more than the ${BPF_MAXINSNS} the kernel accepts`);
  }
  verifyProgram(instructions);
  return { program: encodeProgram(instructions), flags, skipped };
}

/** Each native syscall number's rules in profile order, and the names `arch` does not have. */
function rulesBySyscall(p: Seccomp, arch: SeccompArch, field: string): { bySyscall: Map<number, Rule[]>; skipped: string[] } {
  const skipped = new Set<string>();
  const bySyscall = new Map<number, Rule[]>();
  (p.syscalls ?? []).forEach((syscall, i) => {
    const at = `${field}.syscalls[${i}]`;
    const action = actionValue(syscall.action, syscall.errnoRet, `${at}.action`, `${at}.errnoRet`);
    const conditions = (syscall.args ?? []).map((arg, j): Condition => {
      if (arg.op !== 'SCMP_CMP_MASKED_EQ' && arg.valueTwo !== undefined && arg.valueTwo !== 0) {
        throw new SeccompProfileError(`${at}.args[${j}].valueTwo`, `${arg.valueTwo} is set, but only SCMP_CMP_MASKED_EQ uses valueTwo (${arg.op} compares with value)`);
      }
      return { index: arg.index, op: arg.op, value: BigInt(arg.value), valueTwo: BigInt(arg.valueTwo ?? 0) };
    });
    for (const name of syscall.names) {
      const nr = syscallNumber(arch, name);
      if (nr === undefined) {
        skipped.add(name);
        continue;
      }
      const rules = bySyscall.get(nr) ?? [];
      // After an unconditional rule, later rules for the syscall can never match.
      if (!rules.some((rule) => rule.conditions.length === 0)) rules.push({ conditions, action });
      bySyscall.set(nr, rules);
    }
  });
  return { bySyscall, skipped: [...skipped] };
}

/**
 * Steps 1 and 2 of the program (see the top of the file). Leaves the syscall number in the accumulator
 * for the native ABI and returns the highest number the search after it must cover.
 */
function emitAbiChecks(b: ProgramBuilder, target: (typeof ARCHES)[SeccompArch], architectures: Set<string>, defaultAction: number): number {
  const foreignAction = (listed: boolean): number => (listed && refuses(defaultAction) ? defaultAction : SECCOMP_RET_KILL_PROCESS);
  const native = b.label();
  const foreign = b.label();
  b.load(DATA_ARCH);
  b.jump(BPF_JMP_JEQ_K, target.audit, native, foreign);
  b.bind(foreign);
  const compatAction = foreignAction(architectures.has(target.compat.name));
  if (compatAction !== SECCOMP_RET_KILL_PROCESS) {
    const compat = b.label();
    const other = b.label();
    b.jump(BPF_JMP_JEQ_K, target.compat.audit, compat, other);
    b.bind(compat);
    b.ret(compatAction);
    b.bind(other);
  }
  b.ret(SECCOMP_RET_KILL_PROCESS);

  b.bind(native);
  b.load(DATA_NR);
  if (target.x32 === undefined) return 0xffff_ffff;
  const x32 = b.label();
  const notX32 = b.label();
  b.jump(BPF_JMP_JGE_K, X32_SYSCALL_BIT, x32, notX32);
  b.bind(x32);
  const x32Action = foreignAction(architectures.has(target.x32));
  if (x32Action !== defaultAction) {
    const skip = b.label();
    const other = b.label();
    b.jump(BPF_JMP_JEQ_K, 0xffff_ffff, skip, other);
    b.bind(skip);
    b.ret(defaultAction);
    b.bind(other);
    b.ret(x32Action);
  } else {
    b.ret(defaultAction);
  }
  b.bind(notX32);
  return X32_SYSCALL_BIT - 1;
}

/** Splits 0..highest into ranges of syscalls with the same outcome, merging neighbours that agree. */
function ranges(bySyscall: Map<number, Rule[]>, defaultAction: number, highest: number): Range[] {
  const out: Range[] = [];
  const push = (start: number, end: number, rules: Rule[]): void => {
    const last = out.at(-1);
    if (last && last.end === start - 1 && key(last.rules) === key(rules)) last.end = end;
    else out.push({ start, end, rules });
  };
  let next = 0;
  for (const [nr, rules] of [...bySyscall].sort((a, b) => a[0] - b[0])) {
    if (nr > highest) continue;
    if (nr > next) push(next, nr - 1, []);
    push(nr, nr, outcome(rules, defaultAction));
    next = nr + 1;
  }
  if (next <= highest) push(next, highest, []);
  return out;
}

/** The rules that can change the outcome: trailing rules that end in the default action are the same as none. */
function outcome(rules: Rule[], defaultAction: number): Rule[] {
  const kept = [...rules];
  while (kept.length > 0 && kept[kept.length - 1].action === defaultAction) kept.pop();
  return kept;
}

function key(rules: Rule[]): string {
  return JSON.stringify(rules, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The binary search over `list` (contiguous, ascending), with the number in the accumulator. */
function emitSearch(b: ProgramBuilder, list: Range[], defaultAction: number): void {
  if (list.length === 1) {
    emitOutcome(b, list[0].rules, defaultAction);
    return;
  }
  const middle = list.length >> 1;
  const upper = b.label();
  const lower = b.label();
  b.jump(BPF_JMP_JGE_K, list[middle].start, upper, lower);
  b.bind(lower);
  emitSearch(b, list.slice(0, middle), defaultAction);
  b.bind(upper);
  emitSearch(b, list.slice(middle), defaultAction);
}

function emitOutcome(b: ProgramBuilder, rules: Rule[], defaultAction: number): void {
  for (const rule of rules) {
    if (rule.conditions.length === 0) {
      b.ret(rule.action);
      return;
    }
    const nextRule = b.label();
    for (const condition of rule.conditions) emitCondition(b, condition, nextRule);
    b.ret(rule.action);
    b.bind(nextRule);
  }
  b.ret(defaultAction);
}

/** Filters compiled for this host, by profile: a daemon starting many containers with one profile
 * (Docker's default) compiles it once. Compiled programs are never changed by their users. */
const compiledForHost = new Map<string, CompiledSeccomp>();
const MAX_CACHED = 16;

/** compileSeccomp for this machine's architecture, remembered for the same profile. */
export function compileSeccompForHost(profile: Seccomp): CompiledSeccomp {
  const arch: SeccompArch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const key = `${arch}\n${JSON.stringify(profile)}`;
  const cached = compiledForHost.get(key);
  if (cached) return cached;
  const compiled = compileSeccomp(profile, arch);
  if (compiledForHost.size >= MAX_CACHED) compiledForHost.delete(compiledForHost.keys().next().value!);
  compiledForHost.set(key, compiled);
  return compiled;
}

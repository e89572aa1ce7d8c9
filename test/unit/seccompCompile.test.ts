// The compiled programs are checked by what they decide, not by their exact instructions: each is run in
// the simulator (the kernel's semantics for the instructions used) over syscalls, arguments and
// architectures, plus the structural limits the kernel enforces (arch check first, jumps in range, size).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Seccomp } from '../../helper/src/runtime/spec/config';
import {
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP,
  describeAction,
} from '../../helper/src/runtime/seccomp/actions';
import { BPF_JMP_JA, BPF_JMP_JEQ_K, BPF_LD_W_ABS, BPF_MAX_JUMP, decodeProgram } from '../../helper/src/runtime/seccomp/bpf';
import {
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_ARM,
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  compileSeccomp,
} from '../../helper/src/runtime/seccomp/compile';
import type { ComparisonOp } from '../../helper/src/runtime/seccomp/conditions';
import { simulate } from '../../helper/src/runtime/seccomp/simulate';
import { syscallNames, syscallNumber, type SeccompArch } from '../../helper/src/runtime/seccomp/syscallTable';
import { verifyProgram } from '../../helper/src/runtime/seccomp/verify';

const AUDIT: Record<SeccompArch, number> = { x64: AUDIT_ARCH_X86_64, arm64: AUDIT_ARCH_AARCH64 };
const errno = (n: number) => SECCOMP_RET_ERRNO | n;

/** What the program decides for a native syscall by name, as a readable string. */
function decide(program: Buffer, arch: SeccompArch, name: string, args: bigint[] = []): string {
  const nr = syscallNumber(arch, name);
  assert.notEqual(nr, undefined, `${name} on ${arch}`);
  return describeAction(simulate(program, { nr: nr!, arch: AUDIT[arch], args }).action);
}

/** The structure every program must have: arch loaded and compared first, jumps in range, ends in ret. */
function assertWellFormed(program: Buffer, arch: SeccompArch): void {
  const insns = decodeProgram(program);
  verifyProgram(insns);
  assert.deepEqual(insns[0], { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: 4 }, 'first: load seccomp_data.arch');
  assert.equal(insns[1].code, BPF_JMP_JEQ_K, 'second: compare the arch');
  assert.equal(insns[1].k, AUDIT[arch]);
  for (const [i, insn] of insns.entries()) {
    assert.ok(insn.jt <= BPF_MAX_JUMP && insn.jf <= BPF_MAX_JUMP, `instruction ${i}`);
    if (insn.code === BPF_JMP_JA) assert.ok(i + 1 + insn.k < insns.length, `ja at ${i} stays inside`);
  }
}

const small: Seccomp = {
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [
    { names: ['mkdir', 'mkdirat', 'no_such_syscall'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
  ],
};

test('a small profile: arch check first, 20-odd instructions, decisions per syscall', () => {
  for (const arch of ['x64', 'arm64'] as const) {
    const { program, skipped, flags } = compileSeccomp(small, arch);
    assertWellFormed(program, arch);
    assert.ok(program.length / 8 < 40, `${arch}: ${program.length / 8} instructions`);
    assert.equal(flags, 0);
    assert.equal(decide(program, arch, 'mkdirat'), 'SCMP_ACT_ERRNO(38)');
    assert.equal(decide(program, arch, 'read'), 'SCMP_ACT_ALLOW');
    assert.equal(decide(program, arch, 'socket', [2n, 1n, 0n]), 'SCMP_ACT_ERRNO(13)');
    assert.equal(decide(program, arch, 'socket', [1n, 1n, 0n]), 'SCMP_ACT_ALLOW');
    // arg0 == 2 is a 64-bit comparison: high bits set is another value.
    assert.equal(decide(program, arch, 'socket', [2n | (1n << 32n)]), 'SCMP_ACT_ALLOW');
    if (arch === 'x64') {
      assert.equal(decide(program, arch, 'mkdir'), 'SCMP_ACT_ERRNO(38)');
      assert.deepEqual(skipped, ['no_such_syscall']);
    } else {
      assert.deepEqual(skipped, ['mkdir', 'no_such_syscall']);
    }
  }
});

test('foreign architectures and the x32 ABI never reach the rules', () => {
  const x64 = compileSeccomp(small, 'x64').program;
  const mkdir = syscallNumber('x64', 'mkdir')!;
  // Not listed: killed (the default here is ALLOW, which must not let i386 numbers past the rules).
  assert.equal(simulate(x64, { nr: 39, arch: AUDIT_ARCH_I386 }).action, SECCOMP_RET_KILL_PROCESS);
  assert.equal(simulate(x64, { nr: mkdir | 0x4000_0000, arch: AUDIT_ARCH_X86_64 }).action, SECCOMP_RET_KILL_PROCESS);
  assert.equal(simulate(x64, { nr: 0x4000_0000, arch: AUDIT_ARCH_X86_64 }).action, SECCOMP_RET_KILL_PROCESS);
  // -1 is how a tracer skips a syscall: the default action, as in libseccomp.
  assert.equal(simulate(x64, { nr: -1, arch: AUDIT_ARCH_X86_64 }).action, SECCOMP_RET_ALLOW);
  assert.equal(simulate(compileSeccomp(small, 'arm64').program, { nr: 39, arch: AUDIT_ARCH_ARM }).action, SECCOMP_RET_KILL_PROCESS);

  // Listed, with a default that refuses: the default action. Listed with a default that allows: still killed.
  const listed: Seccomp = { ...small, defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'] };
  const x64Listed = compileSeccomp(listed, 'x64').program;
  assert.equal(simulate(x64Listed, { nr: 39, arch: AUDIT_ARCH_I386 }).action, errno(38));
  assert.equal(simulate(x64Listed, { nr: mkdir | 0x4000_0000, arch: AUDIT_ARCH_X86_64 }).action, errno(38));
  assert.equal(simulate(x64Listed, { nr: 39, arch: 0xc000_0028 /* some other arch */ }).action, SECCOMP_RET_KILL_PROCESS);
  assert.equal(simulate(compileSeccomp(listed, 'arm64').program, { nr: 39, arch: AUDIT_ARCH_ARM }).action, errno(38));
  const allowListed = compileSeccomp({ ...listed, defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: undefined }, 'x64').program;
  assert.equal(simulate(allowListed, { nr: 39, arch: AUDIT_ARCH_I386 }).action, SECCOMP_RET_KILL_PROCESS);
  // The arm64 filter on an x86_64 syscall (it cannot happen, but the check must hold).
  assert.equal(simulate(compileSeccomp(small, 'arm64').program, { nr: 34, arch: AUDIT_ARCH_X86_64 }).action, SECCOMP_RET_KILL_PROCESS);
});

test('every action maps to its SECCOMP_RET value, errnoRet defaulting to EPERM', () => {
  const cases: [Seccomp['defaultAction'], number | undefined, number][] = [
    ['SCMP_ACT_ALLOW', undefined, SECCOMP_RET_ALLOW],
    ['SCMP_ACT_ERRNO', undefined, errno(1)],
    ['SCMP_ACT_ERRNO', 0, errno(0)],
    ['SCMP_ACT_ERRNO', 4095, errno(4095)],
    ['SCMP_ACT_KILL', undefined, SECCOMP_RET_KILL_THREAD],
    ['SCMP_ACT_KILL_THREAD', undefined, SECCOMP_RET_KILL_THREAD],
    ['SCMP_ACT_KILL_PROCESS', undefined, SECCOMP_RET_KILL_PROCESS],
    ['SCMP_ACT_TRAP', undefined, SECCOMP_RET_TRAP],
    ['SCMP_ACT_TRACE', undefined, SECCOMP_RET_TRACE | 1],
    ['SCMP_ACT_TRACE', 0xffff, SECCOMP_RET_TRACE | 0xffff],
    ['SCMP_ACT_LOG', undefined, SECCOMP_RET_LOG],
  ];
  for (const [action, errnoRet, expected] of cases) {
    const asRule = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdirat'], action, errnoRet }] }, 'arm64');
    assert.equal(simulate(asRule.program, { nr: 34, arch: AUDIT_ARCH_AARCH64 }).action, expected >>> 0, `${action} ${errnoRet}`);
    const asDefault = compileSeccomp({ defaultAction: action, defaultErrnoRet: errnoRet }, 'arm64');
    assert.equal(simulate(asDefault.program, { nr: 34, arch: AUDIT_ARCH_AARCH64 }).action, expected >>> 0, `default ${action} ${errnoRet}`);
  }
});

test('rules for one syscall: ORed in profile order, first match wins; args within a rule are ANDed', () => {
  const profile: Seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    syscalls: [
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, args: [{ index: 0, value: 8, op: 'SCMP_CMP_LE' }] },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 6 },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW' }, // unreachable after the unconditional rule
      {
        names: ['socket'],
        action: 'SCMP_ACT_ALLOW',
        args: [
          { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
          { index: 2, value: 0, op: 'SCMP_CMP_EQ' },
        ],
      },
      // Two conditions on one argument are ANDed too (runc would OR them): 10 <= arg1 < 20.
      {
        names: ['socket'],
        action: 'SCMP_ACT_LOG',
        args: [
          { index: 1, value: 10, op: 'SCMP_CMP_GE' },
          { index: 1, value: 20, op: 'SCMP_CMP_LT' },
        ],
      },
    ],
  };
  const { program } = compileSeccomp(profile, 'x64');
  assertWellFormed(program, 'x64');
  assert.equal(decide(program, 'x64', 'personality', [0n]), 'SCMP_ACT_ALLOW');
  assert.equal(decide(program, 'x64', 'personality', [3n]), 'SCMP_ACT_ERRNO(5)');
  assert.equal(decide(program, 'x64', 'personality', [9n]), 'SCMP_ACT_ERRNO(6)');
  assert.equal(decide(program, 'x64', 'socket', [1n, 1n, 0n]), 'SCMP_ACT_ALLOW');
  assert.equal(decide(program, 'x64', 'socket', [1n, 1n, 6n]), 'SCMP_ACT_ERRNO(38)');
  assert.equal(decide(program, 'x64', 'socket', [2n, 15n, 6n]), 'SCMP_ACT_LOG');
  assert.equal(decide(program, 'x64', 'socket', [2n, 20n, 6n]), 'SCMP_ACT_ERRNO(38)');
  assert.equal(decide(program, 'x64', 'socket', [2n, 9n, 6n]), 'SCMP_ACT_ERRNO(38)');
  assert.equal(decide(program, 'x64', 'read'), 'SCMP_ACT_ERRNO(38)');
});

test('64-bit argument comparisons agree with BigInt arithmetic for every operator', () => {
  const edges = [0n, 1n, 2n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_fffen, 0xffff_ffffn, 1n << 32n, (1n << 32n) + 1n, 0x1_ffff_ffffn, 0x12_3456_789an, (1n << 53n) - 1n];
  const probes = [...new Set([...edges, ...edges.map((v) => v + 1n), ...edges.filter((v) => v > 0n).map((v) => v - 1n), 0xffff_ffff_ffff_ffffn, 0xffff_ffff_0000_0000n])];
  const ops: [ComparisonOp, (arg: bigint, value: bigint, valueTwo: bigint) => boolean][] = [
    ['SCMP_CMP_EQ', (a, v) => a === v],
    ['SCMP_CMP_NE', (a, v) => a !== v],
    ['SCMP_CMP_LT', (a, v) => a < v],
    ['SCMP_CMP_LE', (a, v) => a <= v],
    ['SCMP_CMP_GT', (a, v) => a > v],
    ['SCMP_CMP_GE', (a, v) => a >= v],
    // As libseccomp: the datum is masked too.
    ['SCMP_CMP_MASKED_EQ', (a, mask, datum) => (a & mask) === (datum & mask)],
  ];
  let checked = 0;
  for (const [op, expected] of ops) {
    for (const value of edges) {
      const datums = op === 'SCMP_CMP_MASKED_EQ' ? [0n, value, 0x8000_0001n, 1n << 32n] : [0n];
      for (const valueTwo of datums) {
        const profile: Seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 7, args: [{ index: 3, value: Number(value), valueTwo: Number(valueTwo), op }] }],
        };
        const { program } = compileSeccomp(profile, 'x64');
        for (const arg of probes) {
          const want = expected(arg, value, valueTwo) ? 'SCMP_ACT_ERRNO(7)' : 'SCMP_ACT_ALLOW';
          // The other arguments must not matter.
          assert.equal(decide(program, 'x64', 'ioctl', [5n, 0xffff_ffffn, 9n, arg, 1n, 2n]), want, `${op} value ${value} valueTwo ${valueTwo} arg ${arg}`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 2000);
});

test('programs larger than a jump reaches still have every jump in range and decide right', () => {
  // A different errno for every syscall: hundreds of leaves, so the search tree's jumps span far more than 255.
  for (const arch of ['x64', 'arm64'] as const) {
    const names = syscallNames(arch);
    const profile: Seccomp = {
      defaultAction: 'SCMP_ACT_KILL_PROCESS',
      syscalls: names.map((name, i) => ({
        names: [name],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: i + 1,
        // Some with conditions, so leaves have bodies of several instructions.
        ...(i % 3 === 0 ? { args: [{ index: i % 6, value: i, op: 'SCMP_CMP_EQ' as const }] } : {}),
      })),
    };
    const { program } = compileSeccomp(profile, arch);
    assertWellFormed(program, arch);
    assert.ok(program.length / 8 > 2 * 256, `${arch}: ${program.length / 8} instructions`);
    assert.ok(decodeProgram(program).some((insn) => insn.code === BPF_JMP_JA), 'long jumps were needed and made');
    names.forEach((name, i) => {
      const args = [0n, 0n, 0n, 0n, 0n, 0n];
      args[i % 6] = BigInt(i);
      assert.equal(decide(program, arch, name, args), `SCMP_ACT_ERRNO(${i + 1})`, name);
      if (i % 3 === 0) {
        args[i % 6] = BigInt(i) + 1n;
        assert.equal(decide(program, arch, name, args), 'SCMP_ACT_KILL_PROCESS', `${name} when its condition fails`);
      }
    });
    // Numbers between and beyond the known syscalls get the default.
    assert.equal(simulate(program, { nr: 1000, arch: AUDIT[arch] }).action, SECCOMP_RET_KILL_PROCESS);
  }
});

test('a profile past 4096 instructions is refused with the count', () => {
  // Distinct values, or neighbouring syscalls with the same rule would share one range.
  const args = (i: number) => [0, 1, 2, 3, 4, 5].map((index) => ({ index, value: 0x1_0000_0000 + 8 * i + index, op: 'SCMP_CMP_GE' as const }));
  const profile: Seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: syscallNames('x64').map((name, i) => ({ names: [name], action: 'SCMP_ACT_ERRNO', args: args(i) })),
  };
  assert.throws(() => compileSeccomp(profile, 'x64'), /^SeccompProfileError: linux\.seccomp: compiles to \d+ BPF instructions, more than the 4096 the kernel accepts$/);
});

test('flags become the seccomp(2) flag bits', () => {
  const { flags } = compileSeccomp(
    { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] },
    'x64',
  );
  assert.equal(flags, 1 | 2 | 4);
});

test('an empty profile is the arch check and the default action', () => {
  const { program } = compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 }, 'arm64');
  assertWellFormed(program, 'arm64');
  assert.equal(decide(program, 'arm64', 'read'), 'SCMP_ACT_ERRNO(38)');
  assert.equal(simulate(program, { nr: -1, arch: AUDIT_ARCH_AARCH64 }).action, errno(38));
});

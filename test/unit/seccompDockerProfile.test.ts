// Docker's default profile (as containers-common ships it for Podman) is the real-world load: hundreds
// of syscalls, names of many architectures, conditional rules. It must resolve and compile for both
// architectures within the kernel's limits and decide as the profile says.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { describeAction } from '../../helper/src/runtime/seccomp/actions';
import { BPF_JMP_JEQ_K, BPF_LD_W_ABS, BPF_MAX_JUMP, decodeProgram } from '../../helper/src/runtime/seccomp/bpf';
import { AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, compileSeccomp } from '../../helper/src/runtime/seccomp/compile';
import { seccompFromTemplate } from '../../helper/src/runtime/seccomp/dockerProfile';
import { simulate } from '../../helper/src/runtime/seccomp/simulate';
import { syscallNumber, type SeccompArch } from '../../helper/src/runtime/seccomp/syscallTable';
import { verifyProgram } from '../../helper/src/runtime/seccomp/verify';

const PROFILE = '/usr/share/containers/seccomp.json';
// Installed by scripts/install-deps.sh; a missing profile fails the tests rather than skipping them.
if (!existsSync(PROFILE)) throw new Error(`${PROFILE} is missing: run scripts/install-deps.sh (golang-github-containers-common)`);
const AUDIT: Record<SeccompArch, number> = { x64: AUDIT_ARCH_X86_64, arm64: AUDIT_ARCH_AARCH64 };
// Docker's default capability set.
const DOCKER_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

function compileDocker(arch: SeccompArch, capabilities = DOCKER_CAPS) {
  const template: unknown = JSON.parse(readFileSync(PROFILE, 'utf8'));
  return compileSeccomp(seccompFromTemplate(template, { arch, capabilities, kernel: '6.18.0' }), arch);
}

function decide(program: Buffer, arch: SeccompArch, name: string, args: bigint[] = []): string {
  const nr = syscallNumber(arch, name);
  assert.notEqual(nr, undefined, `${name} on ${arch}`);
  return describeAction(simulate(program, { nr: nr!, arch: AUDIT[arch], args }).action);
}

test('compiles for x86_64 and aarch64 within the limits, arch check first', (t) => {
  for (const arch of ['x64', 'arm64'] as const) {
    for (const capabilities of [DOCKER_CAPS, []]) {
      const { program, skipped, flags } = compileDocker(arch, capabilities);
      const insns = decodeProgram(program);
      verifyProgram(insns);
      assert.deepEqual(insns.slice(0, 2).map((i) => [i.code, i.k]), [[BPF_LD_W_ABS, 4], [BPF_JMP_JEQ_K, AUDIT[arch]]]);
      assert.ok(insns.every((i) => i.jt <= BPF_MAX_JUMP && i.jf <= BPF_MAX_JUMP));
      assert.ok(insns.length < 1000, `${arch}: ${insns.length} instructions`);
      assert.equal(flags, 0);
      // Names of other architectures (and syscalls newer than the tables) are skipped, not refused.
      assert.ok(skipped.includes(arch === 'x64' ? 'chown32' : 'open'), skipped.join(' '));
      t.diagnostic(`${arch}, ${capabilities.length} capabilities: ${insns.length} instructions, ${skipped.length} names skipped`);
    }
  }
});

test('decides as the profile says', () => {
  for (const arch of ['x64', 'arm64'] as const) {
    const { program } = compileDocker(arch);
    assert.equal(decide(program, arch, 'read'), 'SCMP_ACT_ALLOW');
    assert.equal(decide(program, arch, 'mkdirat'), 'SCMP_ACT_ALLOW');
    assert.equal(decide(program, arch, 'execve'), 'SCMP_ACT_ALLOW');
    // Not in any list: the default, ENOSYS.
    assert.equal(decide(program, arch, 'add_key'), 'SCMP_ACT_ERRNO(38)');
    assert.equal(decide(program, arch, 'request_key'), 'SCMP_ACT_ERRNO(38)');
    // Listed as EPERM.
    assert.equal(decide(program, arch, 'vmsplice'), 'SCMP_ACT_ERRNO(1)');
    assert.equal(decide(program, arch, 'kexec_load'), 'SCMP_ACT_ERRNO(1)');
    // Capability-dependent: CAP_SYS_ADMIN and CAP_SYS_MODULE are not in Docker's set.
    assert.equal(decide(program, arch, 'bpf'), 'SCMP_ACT_ERRNO(1)');
    assert.equal(decide(program, arch, 'init_module'), 'SCMP_ACT_ERRNO(1)');
    assert.equal(decide(program, arch, 'chroot'), 'SCMP_ACT_ALLOW');
    // personality: a list of allowed arguments.
    assert.equal(decide(program, arch, 'personality', [0n]), 'SCMP_ACT_ALLOW');
    assert.equal(decide(program, arch, 'personality', [0xffff_ffffn]), 'SCMP_ACT_ALLOW');
    assert.equal(decide(program, arch, 'personality', [0x0040_0000n]), 'SCMP_ACT_ERRNO(38)');
    // x86_64-only and arm-only rules land on their architecture.
    if (arch === 'x64') assert.equal(decide(program, arch, 'arch_prctl'), 'SCMP_ACT_ALLOW');
    // The profile lists the 32-bit ABIs and its default refuses, so they get the default.
    const compat = arch === 'x64' ? AUDIT_ARCH_I386 : AUDIT_ARCH_ARM;
    assert.equal(describeAction(simulate(program, { nr: 3, arch: compat }).action), 'SCMP_ACT_ERRNO(38)');
  }
});

test('without CAP_AUDIT_WRITE, audit netlink sockets get EINVAL and other sockets are allowed', () => {
  const { program } = compileDocker('x64', DOCKER_CAPS.filter((cap) => cap !== 'CAP_AUDIT_WRITE'));
  const AF_NETLINK = 16n;
  const NETLINK_AUDIT = 9n;
  assert.equal(decide(program, 'x64', 'socket', [AF_NETLINK, 3n, NETLINK_AUDIT]), 'SCMP_ACT_ERRNO(22)');
  assert.equal(decide(program, 'x64', 'socket', [AF_NETLINK, 3n, 0n]), 'SCMP_ACT_ALLOW');
  assert.equal(decide(program, 'x64', 'socket', [2n, 1n, 0n]), 'SCMP_ACT_ALLOW');
  const withAuditWrite = compileDocker('x64').program;
  assert.equal(decide(withAuditWrite, 'x64', 'socket', [AF_NETLINK, 3n, NETLINK_AUDIT]), 'SCMP_ACT_ALLOW');
});

test('template resolution: includes, excludes, archMap, args null, minKernel', () => {
  const template = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: null, comment: '', includes: {}, excludes: {} },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', args: [], includes: { arches: ['amd64', 'x32'] }, excludes: {} },
      { names: ['bpf'], action: 'SCMP_ACT_ALLOW', args: [], includes: { caps: ['CAP_SYS_ADMIN'] }, excludes: {} },
      { names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [], includes: {}, excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['io_uring_setup'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '7.0' } },
      { names: ['membarrier'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.3' } },
      { name: 'sync', action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
    ],
  };
  const x64 = seccompFromTemplate(template, { arch: 'x64', capabilities: [], kernel: '6.18.0-amd64' });
  assert.deepEqual(x64.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.equal(x64.defaultErrnoRet, 38);
  assert.deepEqual(
    x64.syscalls?.map((s) => [s.names.join(), s.action, s.errnoRet, s.args]),
    [
      ['read', 'SCMP_ACT_ALLOW', undefined, undefined],
      ['arch_prctl', 'SCMP_ACT_ALLOW', undefined, undefined],
      ['bpf', 'SCMP_ACT_ERRNO', 1, undefined],
      ['membarrier', 'SCMP_ACT_ALLOW', undefined, undefined],
    ],
  );
  const arm = seccompFromTemplate(template, { arch: 'arm64', capabilities: ['CAP_SYS_ADMIN'], kernel: '4.19.0' });
  assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.deepEqual(arm.syscalls?.map((s) => [s.names.join(), s.action]), [
    ['read', 'SCMP_ACT_ALLOW'],
    ['bpf', 'SCMP_ACT_ALLOW'],
    ['membarrier', 'SCMP_ACT_ALLOW'],
    ['sync', 'SCMP_ACT_ALLOW'],
  ]);
  assert.throws(() => seccompFromTemplate({ syscalls: [] }, { arch: 'x64', capabilities: [], kernel: '6.1' }), /^SeccompProfileError: seccomp profile\.defaultAction: /);
});

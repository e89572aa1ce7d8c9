// Every profile Berth cannot compile is refused with a message that names the field, as it sits in
// config.json, and says what is wrong with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSeccomp } from '../../helper/src/runtime/seccomp/compile';
import { SeccompProfileError } from '../../helper/src/runtime/seccomp/profileError';
import type { Seccomp } from '../../helper/src/runtime/spec/config';

const base = { defaultAction: 'SCMP_ACT_ALLOW' } as const;
const rule = (extra: object) => ({ names: ['mkdirat'], action: 'SCMP_ACT_ERRNO', ...extra });

function refused(profile: unknown, field: string, detail: RegExp): void {
  assert.throws(
    () => compileSeccomp(profile as Seccomp, 'x64'),
    (error: unknown) => {
      assert.ok(error instanceof SeccompProfileError, String(error));
      assert.equal(error.field, field);
      assert.match(error.detail, detail);
      assert.equal(error.message, `${field}: ${error.detail}`);
      return true;
    },
  );
}

test('schema errors name the field by its path in config.json', () => {
  const syscalls = [rule({}), rule({}), rule({}), rule({ args: [{ index: 0, value: 1, op: 'SCMP_CMP_LIKE' }] })];
  refused({ ...base, syscalls }, 'linux.seccomp.syscalls[3].args[0].op', /SCMP_CMP_EQ/);
  refused({}, 'linux.seccomp.defaultAction', /./);
  refused({ defaultAction: 'SCMP_ACT_MAYBE' }, 'linux.seccomp.defaultAction', /SCMP_ACT_ALLOW/);
  refused({ ...base, syscalls: [rule({ names: [] })] }, 'linux.seccomp.syscalls[0].names', /./);
  refused({ ...base, syscalls: [rule({ args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] })] }, 'linux.seccomp.syscalls[0].args[0].index', /5/);
  // Beyond 2^53 a JSON number is no longer the value written; such a rule would compare against another value.
  refused({ ...base, syscalls: [rule({ args: [{ index: 0, value: 2 ** 64, op: 'SCMP_CMP_EQ' }] })] }, 'linux.seccomp.syscalls[0].args[0].value', /./);
  refused({ ...base, syscalls: [rule({ errnoRet: -1 })] }, 'linux.seccomp.syscalls[0].errnoRet', /./);
});

test('actions Berth does not support, and errno values that do not fit', () => {
  refused({ ...base, syscalls: [rule({}), rule({ action: 'SCMP_ACT_NOTIFY' })] }, 'linux.seccomp.syscalls[1].action', /SCMP_ACT_NOTIFY is not supported/);
  refused({ defaultAction: 'SCMP_ACT_NOTIFY' }, 'linux.seccomp.defaultAction', /SCMP_ACT_NOTIFY is not supported/);
  refused({ ...base, syscalls: [rule({ errnoRet: 4096 })] }, 'linux.seccomp.syscalls[0].errnoRet', /4096 is not an errno/);
  refused({ ...base, syscalls: [rule({ action: 'SCMP_ACT_TRACE', errnoRet: 65536 })] }, 'linux.seccomp.syscalls[0].errnoRet', /16 bits/);
  // The runtime spec: a runtime must fail when errnoRet comes with an action that takes none.
  refused({ ...base, syscalls: [rule({ action: 'SCMP_ACT_ALLOW', errnoRet: 1 })] }, 'linux.seccomp.syscalls[0].errnoRet', /SCMP_ACT_ALLOW takes no errno/);
  refused({ defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 1 }, 'linux.seccomp.defaultErrnoRet', /SCMP_ACT_KILL takes no errno/);
});

test('argument conditions: valueTwo belongs to SCMP_CMP_MASKED_EQ only', () => {
  refused(
    { ...base, syscalls: [rule({ args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 1, valueTwo: 3, op: 'SCMP_CMP_GT' }] })] },
    'linux.seccomp.syscalls[0].args[1].valueTwo',
    /only SCMP_CMP_MASKED_EQ uses valueTwo/,
  );
  // valueTwo 0 is what Docker's profile writes for every operator: accepted.
  compileSeccomp({ ...base, syscalls: [{ names: ['mkdirat'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, valueTwo: 0, op: 'SCMP_CMP_EQ' }] }] }, 'x64');
});

test('notify listeners, unknown flags and architectures', () => {
  refused({ ...base, listenerPath: '/run/agent.sock' }, 'linux.seccomp.listenerPath', /not supported/);
  refused({ ...base, listenerMetadata: 'x' }, 'linux.seccomp.listenerMetadata', /not supported/);
  refused({ ...base, flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_FAST'] }, 'linux.seccomp.flags[1]', /unknown flag "SECCOMP_FILTER_FLAG_FAST" \(known: SECCOMP_FILTER_FLAG_TSYNC/);
  refused({ ...base, flags: ['SECCOMP_FILTER_FLAG_NEW_LISTENER'] }, 'linux.seccomp.flags[0]', /needs a seccomp notify listener/);
  refused({ ...base, flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] }, 'linux.seccomp.flags[0]', /needs a seccomp notify listener/);
  refused({ ...base, architectures: ['SCMP_ARCH_X86_64', 'x86_64'] }, 'linux.seccomp.architectures[1]', /unknown architecture "x86_64"/);
  // Architectures of other machines are fine: profiles list a whole family.
  compileSeccomp({ ...base, architectures: ['SCMP_ARCH_S390X', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_RISCV64'] }, 'x64');
});

test('the field prefix is the caller’s, and a wrong target architecture is refused', () => {
  assert.throws(() => compileSeccomp({ defaultAction: 'SCMP_ACT_NOTIFY' }, 'x64', 'process.seccomp'), /^SeccompProfileError: process\.seccomp\.defaultAction: /);
  assert.throws(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }, 'ia32' as never), /compiled for x64 or arm64, not ia32/);
});

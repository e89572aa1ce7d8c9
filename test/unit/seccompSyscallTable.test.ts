// The generated syscall tables against numbers known from elsewhere (the notes, glibc, libseccomp's
// scmp_sys_resolver), and the aarch64 quirks of the generic table that a naive header scrape gets wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syscallNames, syscallNumber } from '../../helper/src/runtime/seccomp/syscallTable';

test('x86_64 numbers', () => {
  assert.equal(syscallNumber('x64', 'read'), 0);
  assert.equal(syscallNumber('x64', 'open'), 2);
  assert.equal(syscallNumber('x64', 'mkdir'), 83);
  assert.equal(syscallNumber('x64', 'pivot_root'), 155);
  assert.equal(syscallNumber('x64', 'mkdirat'), 258);
  assert.equal(syscallNumber('x64', 'seccomp'), 317);
  assert.equal(syscallNumber('x64', 'openat2'), 437);
  assert.equal(syscallNumber('x64', 'set_mempolicy_home_node'), 450);
  // 362 from the 6.1 headers, 19 added since (cachestat 451 … file_setattr 469).
  assert.equal(syscallNumber('x64', 'fchmodat2'), 452);
  assert.equal(syscallNumber('x64', 'mseal'), 462);
  assert.equal(syscallNames('x64').length, 381);
});

test('aarch64 uses the generic table: 64-bit names for the __NR3264_ entries, no legacy calls', () => {
  assert.equal(syscallNumber('arm64', 'mkdirat'), 34);
  assert.equal(syscallNumber('arm64', 'pivot_root'), 41);
  assert.equal(syscallNumber('arm64', 'seccomp'), 277);
  assert.equal(syscallNumber('arm64', 'openat2'), 437);
  // __NR3264_* under __BITS_PER_LONG == 64
  assert.equal(syscallNumber('arm64', 'fcntl'), 25);
  assert.equal(syscallNumber('arm64', 'lseek'), 62);
  assert.equal(syscallNumber('arm64', 'newfstatat'), 79);
  assert.equal(syscallNumber('arm64', 'fstat'), 80);
  assert.equal(syscallNumber('arm64', 'mmap'), 222);
  assert.equal(syscallNumber('arm64', 'fadvise64'), 223);
  for (const name of ['fcntl64', 'fstat64', 'mmap2', 'llseek', 'fadvise64_64']) assert.equal(syscallNumber('arm64', name), undefined, name);
  // arm64 defines __ARCH_WANT_RENAMEAT, _SET_GET_RLIMIT, _SYS_CLONE3, _MEMFD_SECRET
  assert.equal(syscallNumber('arm64', 'renameat'), 38);
  assert.equal(syscallNumber('arm64', 'getrlimit'), 163);
  assert.equal(syscallNumber('arm64', 'clone3'), 435);
  assert.equal(syscallNumber('arm64', 'memfd_secret'), 447);
  // Calls aarch64 never had, and the 32-bit-only time64 ones.
  for (const name of ['open', 'stat', 'lstat', 'fork', 'mkdir', 'select', 'clock_gettime64', 'sync_file_range2']) {
    assert.equal(syscallNumber('arm64', name), undefined, name);
  }
  // Not syscalls, though the header defines __NR_ names for them.
  assert.equal(syscallNumber('arm64', 'syscalls'), undefined);
  assert.equal(syscallNumber('arm64', 'arch_specific_syscall'), undefined);
  assert.equal(syscallNumber('arm64', 'fchmodat2'), 452);
  assert.equal(syscallNames('arm64').length, 325);
});

test('only real syscall names resolve', () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '']) {
    assert.equal(syscallNumber('x64', name), undefined, name);
  }
});

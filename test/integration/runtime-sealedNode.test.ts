// The sealed executable the runtime starts its init and exec stages from (runtime/lifecycle/sealedNode.ts):
// both ways of making it run the program, and neither can be written, even once nobody runs the file.
// Each case seals a private copy of a small program, never a file of the host.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ALL_SEALS, getSeals } from '../../helper/src/linux/memfd';
import { MS_RDONLY } from '../../helper/src/linux/mount';
import { lockableFlags } from '../../helper/src/linux/statvfs';
import { sealedNode, sealExecutable } from '../../helper/src/runtime/lifecycle/sealedNode';

const scratch = mkdtempSync(join(tmpdir(), 'berth-sealed-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function privateBusybox(name: string): string {
  const path = join(scratch, name);
  copyFileSync('/bin/busybox', path);
  return path;
}

/** Opening the sealed file for writing through its /proc path, as a container would through /proc/PID/exe. */
function writeThrough(path: string): string {
  try {
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, 'BERTHPWN');
      return 'written';
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

test('the read-only mount runs the program and refuses every write with EROFS, the file unchanged', () => {
  const program = privateBusybox('ro');
  const before = readFileSync(program);
  const sealed = sealExecutable(program, 'read-only mount');
  try {
    assert.equal(sealed.method, 'read-only mount');
    assert.equal(spawnSync(sealed.path, ['sealed'], { encoding: 'utf8', argv0: 'echo' }).stdout, 'sealed\n');
    // A process that ran it and kept /proc/self/exe: nobody runs it now, so only the mount stands in the way.
    const exe = spawnSync(sealed.path, ['-c', 'readlink /proc/self/exe'], { encoding: 'utf8', argv0: 'sh' });
    assert.equal(exe.status, 0, exe.stderr);
    assert.equal(writeThrough(sealed.path), 'EROFS');
    assert.deepEqual(readFileSync(program), before);
  } finally {
    closeSync(sealed.fd);
  }
});

test('the sealed memfd copy runs the program, carries all four seals and cannot be written', () => {
  const program = privateBusybox('memfd');
  const sealed = sealExecutable(program, 'sealed memfd');
  try {
    assert.equal(sealed.method, 'sealed memfd');
    assert.equal(getSeals(sealed.fd) & ALL_SEALS, ALL_SEALS);
    assert.equal(spawnSync(sealed.path, ['copied'], { encoding: 'utf8', argv0: 'echo' }).stdout, 'copied\n');
    assert.equal(writeThrough(sealed.path), 'EPERM');
  } finally {
    closeSync(sealed.fd);
  }
});

test('sealedNode is made once per process and is this Node, read-only', () => {
  const first = sealedNode();
  assert.equal(sealedNode(), first);
  assert.equal(first.method, 'read-only mount');
  assert.equal(execFileSync(first.path, ['-p', '40 + 2'], { encoding: 'utf8' }), '42\n');
  // The host's node is never opened for writing here; the mount's flags show it read-only.
  assert.ok(lockableFlags(first.path) & MS_RDONLY);
});

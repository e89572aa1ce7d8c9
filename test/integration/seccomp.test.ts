// Compiled filters on the real kernel. A filter can never be removed, so each case runs in a child Node
// process: it loads every module first, sets no_new_privs, loads the filter on its main thread and then
// makes synchronous calls (which run on that thread), printing what happened as JSON lines.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');
const DOCKER_PROFILE = '/usr/share/containers/seccomp.json';

// What every child has before its filter goes on: the compiler and loader, koffi for raw syscalls, and
// helpers to report. `install` loads the filter; nothing may need loading after it.
const prelude = `
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const childProcess = require('node:child_process');
const net = require('node:net');
const { compileSeccomp } = require(${JSON.stringify(join(root, 'helper/src/runtime/seccomp/compile.ts'))});
const { seccompFromTemplate } = require(${JSON.stringify(join(root, 'helper/src/runtime/seccomp/dockerProfile.ts'))});
const { syscallNumber } = require(${JSON.stringify(join(root, 'helper/src/runtime/seccomp/syscallTable.ts'))});
const { loadSeccompFilter } = require(${JSON.stringify(join(root, 'helper/src/linux/seccomp.ts'))});
const { setNoNewPrivs } = require(${JSON.stringify(join(root, 'helper/src/linux/prctl.ts'))});
const koffi = require('koffi');
const libc = koffi.load('libc.so.6');
const syscall = libc.func('long syscall(long number, ...)');
const socket = libc.func('int socket(int domain, int type, int protocol)');
const close = libc.func('int close(int fd)');
const report = (value) => fs.writeSync(1, JSON.stringify(value) + '\\n');
const errnoOf = (result) => (result === -1 ? koffi.errno() : 0);
const nr = (name) => syscallNumber(process.arch, name);
const tmp = process.env.BERTH_SECCOMP_TMP;
const tryFs = (fn) => { try { fn(); return 'ok'; } catch (error) { return error.code; } };
function install(profile) {
  const compiled = compileSeccomp(profile, process.arch);
  setNoNewPrivs();
  loadSeccompFilter(compiled.program, compiled.flags);
  return compiled;
}
`;

interface ChildResult {
  lines: Record<string, unknown>[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runChild(body: string): ChildResult {
  // The parent owns the scratch directory: a child killed by its filter cannot clean up.
  const tmp = mkdtempSync(join(tmpdir(), 'berth-seccomp-'));
  let result;
  try {
    // No core file when a filter kills the child with SIGSYS.
    result = spawnSync('/bin/sh', ['-c', 'ulimit -c 0; exec "$0" --import tsx -e "$1"', process.execPath, prelude + body], {
      cwd: root,
      env: { ...process.env, BERTH_SECCOMP_TMP: tmp },
      encoding: 'utf8',
      timeout: 60_000,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (result.error) throw result.error;
  const lines = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, status: result.status, signal: result.signal, stderr: result.stderr };
}

function merged(result: ChildResult): Record<string, unknown> {
  assert.equal(result.status, 0, result.stderr);
  return Object.assign({}, ...result.lines);
}

test('a denied syscall fails with the profile’s errno while others work', () => {
  for (const errnoRet of [38, 1]) {
    const out = merged(
      runChild(`
        const compiled = install({
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: ${errnoRet} }],
        });
        report({ skipped: compiled.skipped });
        report({ mkdir: tryFs(() => fs.mkdirSync(path.join(tmp, 'd'))) });
        report({ readdir: tryFs(() => fs.readdirSync(tmp)) });
        report({ write: tryFs(() => fs.writeFileSync(path.join(tmp, 'f'), 'x')) });
      `),
    );
    assert.equal(out.mkdir, errnoRet === 38 ? 'ENOSYS' : 'EPERM');
    assert.equal(out.readdir, 'ok');
    assert.equal(out.write, 'ok');
    assert.deepEqual(out.skipped, process.arch === 'arm64' ? ['mkdir'] : []);
  }
});

test('argument conditions: AF_INET sockets refused, AF_UNIX allowed; 64-bit values compared whole', () => {
  const out = merged(
    runChild(`
      install({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
          { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
        ],
      });
      const inet = socket(2, 1, 0);
      report({ inet: errnoOf(inet) });
      const unix = socket(1, 1, 0);
      report({ unix: errnoOf(unix), unixFd: unix >= 0 });
      if (unix >= 0) close(unix);
      // personality(0xffffffff) only queries; the kernel takes an unsigned int, so 0x1_ffffffff queries too,
      // but the filter sees the whole 64-bit register and lets it through.
      report({ query: errnoOf(syscall(nr('personality'), 'unsigned long', 0xffffffff)) });
      report({ queryHigh: errnoOf(syscall(nr('personality'), 'unsigned long', 0x1ffffffff)) });
      // Node's own sockets are created on the main thread too.
      net.createServer().on('error', (error) => report({ listen: error.code })).listen(0, '127.0.0.1', () => {
        report({ listen: 'ok' });
        process.exit(0);
      });
    `),
  );
  assert.equal(out.inet, 13);
  assert.equal(out.unix, 0);
  assert.equal(out.unixFd, true);
  assert.equal(out.query, 13);
  assert.equal(out.queryHigh, 0);
  assert.equal(out.listen, 'EACCES');
});

test('SCMP_ACT_KILL_PROCESS kills the process with SIGSYS', () => {
  const result = runChild(`
    install({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] });
    report({ loaded: true });
    fs.mkdirSync(path.join(tmp, 'd'));
    report({ survived: true });
  `);
  assert.equal(result.signal, 'SIGSYS', `status ${result.status}: ${result.stderr}`);
  assert.deepEqual(result.lines, [{ loaded: true }]);
});

test('the filter binds the loading thread; SECCOMP_FILTER_FLAG_TSYNC extends it to the libuv pool', () => {
  for (const tsync of [false, true]) {
    const out = merged(
      runChild(`
        // Start the pool threads before the filter, as a long-running Node process has them.
        fs.readdir(tmp, () => {
          install({
            defaultAction: 'SCMP_ACT_ALLOW',
            flags: ${tsync ? "['SECCOMP_FILTER_FLAG_TSYNC']" : '[]'},
            syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
          });
          report({ sync: tryFs(() => fs.mkdirSync(path.join(tmp, 'a'))) });
          fs.mkdir(path.join(tmp, 'b'), (error) => report({ async: error ? error.code : 'ok' }));
        });
      `),
    );
    assert.equal(out.sync, 'EPERM');
    assert.equal(out.async, tsync ? 'EPERM' : 'ok', tsync ? 'with TSYNC' : 'without TSYNC');
  }
});

test('Docker’s default profile: programs still run, refused syscalls get its errno', () => {
  assert.ok(existsSync(DOCKER_PROFILE), `${DOCKER_PROFILE} is missing: run scripts/install-deps.sh`);
  const out = merged(
    runChild(`
      const caps = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
        'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
      const template = JSON.parse(fs.readFileSync(${JSON.stringify(DOCKER_PROFILE)}, 'utf8'));
      const profile = seccompFromTemplate(template, { arch: process.arch, capabilities: caps, kernel: os.release() });
      // Invalid arguments, so that without the filter these fail inside the kernel with another errno.
      const addKey = () => errnoOf(syscall(nr('add_key'), 'void *', null, 'void *', null, 'void *', null, 'unsigned long', 0, 'long', 0));
      const vmsplice = () => errnoOf(syscall(nr('vmsplice'), 'long', -1, 'void *', null, 'unsigned long', 0, 'unsigned long', 0));
      report({ addKeyBefore: addKey(), vmspliceBefore: vmsplice() });
      const compiled = install(profile);
      report({ instructions: compiled.program.length / 8 });
      report({ addKey: addKey(), vmsplice: vmsplice() });
      // The child inherits the filter through fork and execve.
      const child = childProcess.spawnSync('/bin/true');
      report({ trueStatus: child.status, trueError: child.error ? child.error.code : null });
      const sh = childProcess.spawnSync('/bin/sh', ['-c', 'mkdir "$0/d" && ls "$0"', tmp], { encoding: 'utf8' });
      report({ shStatus: sh.status, shOut: sh.stdout.trim(), shErr: sh.stderr });
      report({ readdir: tryFs(() => fs.readdirSync('/')) });
    `),
  );
  assert.equal(out.addKeyBefore, 14, 'add_key with a NULL type fails with EFAULT without a filter');
  assert.equal(out.vmspliceBefore, 9, 'vmsplice on fd -1 fails with EBADF without a filter');
  assert.equal(out.addKey, 38, 'add_key is not in the profile: ENOSYS, its default');
  assert.equal(out.vmsplice, 1, 'vmsplice is listed as EPERM');
  assert.equal(out.trueStatus, 0, String(out.trueError));
  assert.equal(out.shStatus, 0, String(out.shErr));
  assert.equal(out.shOut, 'd');
  assert.equal(out.readdir, 'ok');
});

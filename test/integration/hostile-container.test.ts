// The hostile-container suite: a container tries what an attacker would, and the host is checked after.
// Every case that could harm the host if its defence failed runs behind test/support/fence.ts (a
// throwaway mount namespace with copies bind-mounted over the real files) or uses a payload that changes
// nothing even when it goes through (opening for write without writing, calls with arguments the kernel
// rejects once past the permission check).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CAPABILITIES } from '../../helper/src/engine/config/dockerDefaults';
import { syscallNumber, type SeccompArch } from '../../helper/src/runtime/seccomp/syscallTable';
import { makeBusyboxBundle } from '../support/bundle';
import { BERTH } from '../support/daemonProcess';
import { IMAGE, startEngine, type EngineHarness } from '../support/engineHarness';
import { removeFenceCopies, runFenced } from '../support/fence';
import { runtimeHarness } from '../support/runtimeHarness';
import { waitFor } from '../support/waitFor';

const harness = runtimeHarness('hostile');
after(() => harness.cleanup());

/** Copies node's shared libraries (as `ldd` lists them) into `rootfs` at the same paths, so that the host's
 * node can run inside the container, as an attacker's image would provide them. */
function addNodeLibraries(rootfs: string): void {
  const listed = execFileSync('ldd', [process.execPath], { encoding: 'utf8' });
  for (const path of listed.match(/\/\S+/g) ?? []) {
    mkdirSync(join(rootfs, dirname(path)), { recursive: true });
    copyFileSync(realpathSync(path), join(rootfs, path));
  }
}

/**
 * Node with koffi inside a container, to make raw syscalls there as an attacker's binary would: the host's
 * node, its libraries' directory and the repository's node_modules bound read-only under /berth-probe,
 * run through the dynamic loader by path (the busybox image has no /lib). The probe never writes to them.
 */
const PROBE_ROOT = '/berth-probe';
function probeMounts(): Array<{ source: string; destination: string }> {
  const libraries = (execFileSync('ldd', [process.execPath], { encoding: 'utf8' }).match(/\/\S+/g) ?? []).map((path) => realpathSync(path));
  const libraryDirs = new Set(libraries.map((path) => dirname(path)));
  assert.equal(libraryDirs.size, 1, `node's libraries are not in one directory: ${[...libraryDirs].join(', ')}`);
  return [
    { source: realpathSync(process.execPath), destination: `${PROBE_ROOT}/node` },
    { source: [...libraryDirs][0]!, destination: `${PROBE_ROOT}/lib` },
    { source: join(__dirname, '..', '..', 'node_modules'), destination: `${PROBE_ROOT}/node_modules` },
  ];
}

/** argv for the container: `script` run by the probe's node; it prints one JSON object. */
function probeCommand(script: string): string[] {
  const loader = execFileSync('ldd', [process.execPath], { encoding: 'utf8' }).match(/\/\S*ld-linux\S*/)![0];
  const prelude = `
const koffi = require('${PROBE_ROOT}/node_modules/koffi');
const libc = koffi.load('${PROBE_ROOT}/lib/libc.so.6');
const syscall = libc.func('long syscall(long number, ...)');
const nr = JSON.parse(process.argv[1]);
const call = (name, ...args) => { const r = Number(syscall(nr[name], ...args)); return r === -1 ? -koffi.errno() : r; };
`;
  const numbers = Object.fromEntries(
    ['clone3', 'unshare', 'kexec_load', 'open_by_handle_at', 'bpf', 'ptrace', 'fchmodat2', 'cachestat', 'mseal'].map((name) => [
      name,
      syscallNumber(process.arch as SeccompArch, name),
    ]),
  );
  return [`${PROBE_ROOT}/lib/${loader.split('/').pop()}`, '--library-path', `${PROBE_ROOT}/lib`, `${PROBE_ROOT}/node`, '-e', prelude + script, JSON.stringify(numbers)];
}

test('CVE-2019-5736 class: a #!/proc/self/exe program cannot write into the Node binary the runtime runs', async () => {
  // The exec stage is node until its execve. /evil's interpreter is /proc/self/exe, so the kernel runs the
  // exec stage's own binary as the container's process: Node with /evil as its script. It hands an O_PATH
  // fd of that binary to a watcher and exits; once no process runs the file, the watcher's write would go
  // through, unless the file is reached through a read-only mount (EROFS) or is a sealed copy.
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['sleep', '600'];
    config.root!.readonly = false;
  });
  addNodeLibraries(bundle.rootfs);
  const evil = join(bundle.rootfs, 'evil');
  writeFileSync(
    evil,
    `#!/proc/self/exe
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const exe = fs.openSync('/proc/self/exe', fs.constants.O_PATH ?? 0o10000000);
const watcher = 'i=0; while [ $i -lt 1200 ]; do ' +
  'if printf BERTHPWN 2>/tmp/err 1<>/proc/self/fd/3; then echo wrote > /result; exit; fi; ' +
  'grep -q busy /tmp/err || { cat /tmp/err > /result; exit; }; i=$((i+1)); sleep 0.1; done; echo still busy > /result';
spawn('/bin/sh', ['-c', watcher], { stdio: ['ignore', 'ignore', 'ignore', exe], detached: true }).unref();
`,
  );
  chmodSync(evil, 0o755);
  const id = harness.nextId();
  const runtime = `${BERTH} runtime --root ${harness.root}`;
  // The runtime runs as the fenced copy of node (bound over the real one): the attack can reach only it.
  const result = await runFenced(
    `${runtime} run -d --bundle ${bundle.dir} ${id} </dev/null >/dev/null 2>&1 || exit 10
     ${runtime} exec ${id} /evil; echo "exec: $?"
     i=0; while [ ! -s ${bundle.rootfs}/result ] && [ $i -lt 1500 ]; do i=$((i+1)); sleep 0.1; done
     ${runtime} delete --force ${id}
     cat ${bundle.rootfs}/result`,
    { copies: [realpathSync(process.execPath)] },
  );
  try {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /exec: 0/, result.stderr);
    const copy = readFileSync(result.copies[0]!).subarray(0, 8);
    assert.notEqual(copy.toString('latin1'), 'BERTHPWN', 'the container wrote into the runtime\'s node binary');
    assert.deepEqual([...copy.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
    assert.match(result.stdout, /Read-only file system/, 'the watcher should have been refused with EROFS');
  } finally {
    removeFenceCopies(result.copies);
    bundle.remove();
  }
});

test('CVE-2025-31133 class: a volume on /dev whose null is a symlink cannot turn masked paths into writable binds', async () => {
  // The symlink names a sysctl of the container's own UTS namespace: harmless even where the mask follows
  // it, yet it shows whether /proc/keys became a writable bind of what the volume's /dev/null names.
  const volume = mkdtempSync(join(tmpdir(), 'berth-hostile-dev-'));
  symlinkSync('/proc/sys/kernel/domainname', join(volume, 'null'));
  try {
    const result = await harness.inContainer(
      'echo pwned > /proc/keys; echo "domainname=$(cat /proc/sys/kernel/domainname)"',
      (config) => {
        const dev = config.mounts!.findIndex((m) => m.destination === '/dev');
        config.mounts![dev] = { destination: '/dev', type: 'bind', source: volume, options: ['rbind'] };
        config.domainname = 'clean';
      },
    );
    assert.doesNotMatch(result.stdout, /domainname=pwned/, 'the write to the masked /proc/keys reached what /dev/null names');
    // Refused before the container's program ran, naming the cause.
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /linux\.maskedPaths: \/proc\/keys: \/dev\/null in the container is not the null device \(character 1:3\)/);
  } finally {
    rmSync(volume, { recursive: true, force: true });
  }
});

test('CVE-2025-52881 class: a sysctl is never written into a file mounted over /proc/sys', async () => {
  // A volume file bound over the sysctl's path: written by path, the value lands in the volume's file.
  const standIn = join(mkdtempSync(join(tmpdir(), 'berth-hostile-sysctl-')), 'ip_forward');
  writeFileSync(standIn, 'untouched\n');
  try {
    const result = await harness.inContainer('cat /proc/sys/net/ipv4/ip_forward', (config) => {
      config.mounts!.push({ destination: '/proc/sys/net/ipv4/ip_forward', type: 'bind', source: standIn, options: ['bind'] });
      config.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    });
    assert.equal(readFileSync(standIn, 'utf8'), 'untouched\n', 'the sysctl was written into the file mounted over it');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /linux\.sysctl: net\.ipv4\.ip_forward=1: openat2\(.*EXDEV/);
  } finally {
    rmSync(join(standIn, '..'), { recursive: true, force: true });
  }
});

test('ptrace of a process outside the container is refused, even where the container sees it (the host\'s pid namespace)', async () => {
  // The target is a sleep of this test's own: even an attach that went through would only stop it.
  const target = spawn('sleep', ['600'], { stdio: 'ignore' });
  try {
    const result = await harness.inContainer('', (config) => {
      config.process!.args = probeCommand(`
const fs = require('node:fs');
const target = Number(process.env.TARGET);
let environ;
try { fs.readFileSync('/proc/' + target + '/environ'); environ = 'read'; } catch (error) { environ = error.code; }
console.log(JSON.stringify({ attach: call('ptrace', 'long', 16, 'long', target, 'void *', null, 'void *', null), environ }));`);
      config.process!.env!.push(`TARGET=${target.pid}`);
      // Docker's capabilities (no CAP_SYS_PTRACE) in the host's pid namespace, as `docker run --pid host` has.
      for (const set of ['bounding', 'effective', 'permitted'] as const) config.process!.capabilities![set] = [...DEFAULT_CAPABILITIES];
      config.linux!.namespaces = config.linux!.namespaces!.filter((namespace) => namespace.type !== 'pid');
      for (const { source, destination } of probeMounts()) config.mounts!.push({ destination, type: 'bind', source, options: ['rbind', 'ro'] });
    });
    assert.equal(result.code, 0, result.stderr);
    // EPERM from the attach, EACCES from the ptrace access check behind /proc/PID/environ.
    assert.deepEqual(JSON.parse(result.stdout), { attach: -1, environ: 'EACCES' });
    assert.equal(readFileSync(`/proc/${target.pid}/status`, 'utf8').match(/^TracerPid:\s*(\d+)/m)?.[1], '0');
  } finally {
    target.kill('SIGKILL');
  }
});

describe('through the engine, with Docker\'s defaults (berth run)', () => {
  let engine: EngineHarness;
  before(async () => {
    engine = await startEngine();
  });
  after(async () => {
    await engine?.close();
  });
  const run = (args: string[], script: string) => engine.berth(['run', '--rm', ...args, IMAGE, 'sh', '-c', script]);

  test('containers may not create user namespaces (or any other) without CAP_SYS_ADMIN', async () => {
    // Inside a nested user namespace a container would hold every capability (nf_tables, mount, …).
    const refused = await run([], 'unshare -U -r id -u; echo "unshare: $?"; unshare -n true; echo "net: $?"');
    assert.match(refused.stdout, /unshare: [1-9]/, refused.stderr);
    assert.match(refused.stdout, /net: [1-9]/);
    assert.match(refused.stderr, /unshare: unshare\(0x10000000\): Operation not permitted/);
    // --cap-add SYS_ADMIN lifts it, as in Docker: the rule follows the capability.
    const allowed = await run(['--cap-add', 'SYS_ADMIN'], 'unshare -U -r id -u');
    assert.equal(allowed.stdout, '0\n', allowed.stderr);
  });

  test('seccomp on the real kernel: clone3 ENOSYS (libc falls back to clone), open_by_handle_at, bpf and kexec_load refused, newer syscalls reach the kernel', async () => {
    // The same raw calls with and without the default filter. Every argument is one the kernel rejects
    // once past the permission checks, so nothing changes even where a call goes through.
    const script = `
const fs = require('node:fs');
fs.writeFileSync('/tmp/f', 'x');
fs.chmodSync('/tmp/f', 0o644);
const fd = fs.openSync('/tmp/f', 'r');
const out = {
  clone3: call('clone3', 'void *', null, 'size_t', 0),
  unshareUser: call('unshare', 'long', 0x10000000),
  openByHandleAt: call('open_by_handle_at', 'int', -1, 'void *', null, 'int', 0),
  bpf: call('bpf', 'int', 0x7fffffff, 'void *', null, 'unsigned int', 0),
  kexecLoad: call('kexec_load', 'unsigned long', 0, 'unsigned long', 0, 'void *', null, 'unsigned long', 0xffffffff),
  fchmodat2: call('fchmodat2', 'int', -100, 'const char *', '/tmp/f', 'unsigned int', 0o600, 'unsigned int', 0),
  cachestat: call('cachestat', 'unsigned int', fd, 'void *', Buffer.alloc(16), 'void *', Buffer.alloc(40), 'unsigned int', 0),
  mseal: call('mseal', 'unsigned long', 0, 'size_t', 0, 'unsigned long', 0),
};
out.mode = (fs.statSync('/tmp/f').mode & 0o777).toString(8);
out.threads = fs.readdirSync('/proc/self/task').length;
console.log(JSON.stringify(out));`;
    const volumes = probeMounts().flatMap(({ source, destination }) => ['-v', `${source}:${destination}:ro`]);
    const probe = async (args: string[]) => {
      const result = await engine.berth(['run', '--rm', ...volumes, ...args, IMAGE, ...probeCommand(script)]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      return JSON.parse(result.stdout) as Record<string, number | string>;
    };
    const [filtered, sysAdmin, unconfined] = [await probe([]), await probe(['--cap-add', 'SYS_ADMIN']), await probe(['--security-opt', 'seccomp=unconfined'])];
    const EPERM = -1;
    const ENOSYS = -38;
    const EINVAL = -22;
    // Without a filter each call reaches the kernel and fails there, not with the filter's answers.
    assert.equal(unconfined.clone3, EINVAL, JSON.stringify(unconfined));
    assert.equal(unconfined.unshareUser, EINVAL, 'a multi-threaded process may not unshare its user namespace');
    assert.notEqual(unconfined.openByHandleAt, EPERM);
    // Docker's default: clone3 answered ENOSYS, so glibc's pthread_create fell back to clone and Node ran its threads.
    assert.equal(filtered.clone3, ENOSYS, JSON.stringify(filtered));
    assert.ok(Number(filtered.threads) > 1, `threads: ${filtered.threads}`);
    for (const name of ['unshareUser', 'openByHandleAt', 'bpf', 'kexecLoad']) assert.equal(filtered[name], EPERM, name);
    // Syscalls newer than the build headers' tables are allowed: the same answer as without a filter.
    for (const name of ['fchmodat2', 'cachestat', 'mseal']) {
      assert.equal(filtered[name], unconfined[name], name);
      assert.notEqual(filtered[name], EPERM, name);
    }
    if (filtered.fchmodat2 === 0) assert.equal(filtered.mode, '600');
    // CAP_SYS_ADMIN lifts the namespace rules (the calls reach the kernel); open_by_handle_at stays refused.
    assert.equal(sysAdmin.clone3, EINVAL, JSON.stringify(sysAdmin));
    assert.equal(sysAdmin.unshareUser, EINVAL);
    assert.equal(sysAdmin.bpf, EINVAL);
    assert.equal(sysAdmin.openByHandleAt, EPERM);
  });

  test('the classics: /proc/sys, /proc/sysrq-trigger and /sys are read-only, mount is refused, a host disk cannot be opened', async () => {
    // Each open for writing writes nothing, so even a failed defence would change nothing. (Kernels
    // without CONFIG_MAGIC_SYSRQ, as here, have no /proc/sysrq-trigger: then /proc/sys/vm/drop_caches.)
    const sysrq = existsSync('/proc/sysrq-trigger') ? '/proc/sysrq-trigger' : '/proc/sys/vm/drop_caches';
    const result = await run(
      [],
      `for f in /proc/sys/kernel/core_pattern ${sysrq} /sys/kernel/mm/transparent_hugepage/enabled; do (exec 3>>"$f") 2>&1 | tail -1; done; ` +
        'mount -t tmpfs tmpfs /mnt 2>&1; mknod /tmp/disk b 8 0 && head -c 1 /tmp/disk 2>&1 >/dev/null; ' +
        'ls /proc/self/fd | tr "\\n" " "',
    );
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 6, result.stdout + result.stderr);
    for (const line of lines.slice(0, 3)) assert.match(line, /Read-only file system/);
    assert.match(lines[3]!, /Operation not permitted|permission denied/, 'mount');
    assert.match(lines[4]!, /\/tmp\/disk: Operation not permitted/, 'the devices cgroup refuses the disk');
    // Only stdio (and ls's own directory fd) reach the container's process.
    assert.equal(lines[5]!.trim(), '0 1 2 3');
  });

  test('symlinks out of the root: berth cp resolves them inside the container, into it and out of it', async () => {
    // A harmless payload even if the defence failed: the container's symlinks name a scratch folder this
    // test made on the host, where an escaped copy would land (and be seen), never a real file.
    // Under /var/tmp: a path the busybox image's writable layer holds (cp writes there, as docker cp does).
    const scratch = mkdtempSync('/var/tmp/berth-hostile-cp-');
    writeFileSync(join(scratch, 'secret'), 'host\n');
    const setup = `mkdir -p ${scratch} && echo container > ${scratch}/secret && ln -s ${scratch} /escape && touch /ready && exec sleep 1000`;
    const id = (await engine.berth(['run', '-d', IMAGE, 'sh', '-c', setup])).stdout.trim();
    try {
      await waitFor('the container to make its symlinks', async () => (await engine.berth(['exec', id, 'test', '-e', '/ready'])).code === 0);
      // Out of it: /escape/secret is the container's file, not the host's.
      const out = join(scratch, 'copied-out');
      const copiedOut = await engine.berth(['cp', `${id}:/escape/secret`, out]);
      assert.equal(copiedOut.code, 0, copiedOut.stderr);
      assert.equal(readFileSync(out, 'utf8'), 'container\n');
      // Into it: the file lands in the container's folder of that name, and nothing on the host.
      const source = join(engine.dir, 'planted');
      writeFileSync(source, 'sent\n');
      const copiedIn = await engine.berth(['cp', source, `${id}:/escape`]);
      assert.equal(copiedIn.code, 0, copiedIn.stderr);
      assert.equal(existsSync(join(scratch, 'planted')), false, 'cp wrote through the symlink onto the host');
      assert.equal((await engine.berth(['exec', id, 'cat', `${scratch}/planted`])).stdout, 'sent\n');
    } finally {
      await engine.berth(['rm', '-f', id]);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('no fd of the runtime is reachable as a working directory (-w /proc/self/fd/N, CVE-2024-21626 class)', async () => {
    for (const fd of [3, 4, 5, 6, 7, 8]) {
      const result = await engine.berth(['run', '--rm', '-w', `/proc/self/fd/${fd}`, IMAGE, 'sh', '-c', 'pwd; ls ..']);
      assert.notEqual(result.code, 0, `-w /proc/self/fd/${fd} started in: ${result.stdout}`);
    }
  });
});

// The hostile-container suite: a container tries what an attacker would, and the host is checked after.
// Every case that could harm the host if its defence failed runs behind test/support/fence.ts (a
// throwaway mount namespace with copies bind-mounted over the real files) or uses a payload that changes
// nothing even when it goes through (opening for write without writing, calls with arguments the kernel
// rejects once past the permission check).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBusyboxBundle } from '../support/bundle';
import { BERTH } from '../support/daemonProcess';
import { IMAGE, startEngine, type EngineHarness } from '../support/engineHarness';
import { removeFenceCopies, runFenced } from '../support/fence';
import { runtimeHarness } from '../support/runtimeHarness';

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

  test('no fd of the runtime is reachable as a working directory (-w /proc/self/fd/N, CVE-2024-21626 class)', async () => {
    for (const fd of [3, 4, 5, 6, 7, 8]) {
      const result = await engine.berth(['run', '--rm', '-w', `/proc/self/fd/${fd}`, IMAGE, 'sh', '-c', 'pwd; ls ..']);
      assert.notEqual(result.code, 0, `-w /proc/self/fd/${fd} started in: ${result.stdout}`);
    }
  });
});

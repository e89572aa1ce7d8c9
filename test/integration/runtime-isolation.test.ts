// What a process inside a Berth container sees, checked from inside real containers on this machine:
// namespaces, mounts, masked paths, capabilities, fds, signal dispositions, seccomp and cgroup limits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { capabilityNumber } from '../../helper/src/linux/capabilities';
import { makeBusyboxBundle } from '../support/bundle';
import { runtimeHarness } from '../support/runtimeHarness';
import { runBerth } from '../support/daemonProcess';

const harness = runtimeHarness('iso');
const { root, inContainer } = harness;
after(() => harness.cleanup());

test('the process is PID 1 of its own PID namespace and sees only its own processes', async () => {
  const result = await inContainer('echo $$; ls /proc | grep -c "^[0-9]"');
  assert.equal(result.code, 0, result.stderr);
  const [pid, count] = result.stdout.trim().split('\n');
  assert.equal(pid, '1');
  assert.ok(Number(count) <= 3, `processes visible: ${count}`);
});

test('the hostname is the configured one', async () => {
  const result = await inContainer('hostname', (config) => (config.hostname = 'berth-test-host'));
  assert.equal(result.stdout, 'berth-test-host\n');
});

test('only the container\'s mounts are visible, with / the bundle\'s rootfs', async () => {
  const result = await inContainer('cat /proc/self/mountinfo');
  assert.equal(result.code, 0, result.stderr);
  const points = result.stdout.trim().split('\n').map((line) => line.split(' ')[4]);
  assert.equal(points[0], '/');
  for (const point of points) {
    assert.ok(/^\/(proc|dev|sys)?(\/|$)/.test(point!), `unexpected mount ${point}`);
  }
  assert.ok(!points.includes('/work'));
  assert.ok(points.includes('/proc') && points.includes('/dev/pts') && points.includes('/sys/fs/cgroup'));
});

test('masked paths are masked and read-only paths are read-only', async () => {
  // This kernel has no /proc/kcore; its friends from the default list that exist, plus a file and a
  // directory of the image, show that masking really hides content.
  const result = await inContainer(
    'cat /proc/keys /proc/timer_list /etc/secret | wc -c; find /sys/firmware /srv/private -mindepth 1 | wc -l; ' +
      'echo 1 > /proc/sys/kernel/ns_last_pid && echo writable || echo readonly; touch /proc/sys/x 2>/dev/null || echo readonly',
    (config) => {
      config.linux!.maskedPaths = [...config.linux!.maskedPaths!, '/etc/secret', '/srv/private'];
    },
    (rootfs) => {
      writeFileSync(join(rootfs, 'etc', 'secret'), 'host secret\n');
      mkdirSync(join(rootfs, 'srv', 'private'), { recursive: true });
      writeFileSync(join(rootfs, 'srv', 'private', 'key'), 'k');
    },
  );
  assert.equal(result.stdout, '0\n0\nreadonly\nreadonly\n', result.stderr);
});

test('capabilities are exactly those asked, in all five sets', async () => {
  const asked = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  const result = await inContainer('grep ^Cap /proc/self/status', (config) => {
    config.process!.capabilities = { bounding: asked, effective: asked, permitted: asked, inheritable: asked, ambient: ['CAP_KILL'] };
  });
  const mask = (names: string[]) => names.reduce((sum, name) => sum | (1n << BigInt(capabilityNumber(name))), 0n);
  const sets = Object.fromEntries(result.stdout.trim().split('\n').map((line) => line.split(':\t')));
  assert.equal(BigInt(`0x${sets.CapEff}`), mask(asked), result.stdout);
  assert.equal(BigInt(`0x${sets.CapPrm}`), mask(asked));
  assert.equal(BigInt(`0x${sets.CapBnd}`), mask(asked));
  assert.equal(BigInt(`0x${sets.CapInh}`), mask(asked));
  assert.equal(BigInt(`0x${sets.CapAmb}`), mask(['CAP_KILL']));
  assert.equal(result.stderr, '');
});

test('an ambient capability that is not inheritable is not raised, with a warning as runc gives', async () => {
  const result = await inContainer('grep ^CapAmb /proc/self/status', (config) => {
    config.process!.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] };
  });
  assert.equal(result.stdout, 'CapAmb:\t0000000000000000\n');
  assert.match(result.stderr, /warning: process\.capabilities\.ambient: not raised \(not also inheritable and permitted\): CAP_KILL/);
});

test('only fds 0, 1 and 2 are open in the container', async () => {
  // Read from the host: a shell listing its own fds would count the listing's (or a pipeline's).
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sleep', '300']));
  try {
    const { id, pid } = await harness.runDetached(bundle);
    assert.deepEqual(readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b), [0, 1, 2]);
    await harness.deleteDetached(id);
  } finally {
    bundle.remove();
  }
});

test('SIGPIPE has its default disposition: yes | head -1 ends at once', async () => {
  const result = await inContainer('yes | head -1');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'y\n');
  assert.doesNotMatch(result.stderr, /Broken pipe/);
});

test('the container\'s program starts with no signal ignored or blocked', async () => {
  // Node ignores SIGPIPE and SIGXFSZ, and an ignored disposition survives execve: the init resets them.
  const result = await inContainer('', (config) => (config.process!.args = ['grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status']));
  assert.equal(result.stdout, 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n', result.stderr);
});

test('a seccomp rule that denies a syscall makes it fail with the asked errno', async () => {
  const result = await inContainer('mkdir /tmp/a && echo made; touch /tmp/f && echo touched', (config) => {
    config.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
    };
    config.root.readonly = false;
  });
  assert.match(result.stderr, /mkdir: can't create directory '\/tmp\/a': Permission denied/);
  assert.equal(result.stdout, 'touched\n');
});

test('a 16 MiB memory limit kills a process that allocates 64 MiB', async () => {
  const result = await inContainer('dd if=/dev/zero of=/dev/null bs=64M count=1; echo survived $?', (config) => {
    config.linux!.resources = { ...config.linux!.resources, memory: { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 } };
  });
  // dd is killed by the OOM killer (SIGKILL, 137 in the shell); the shell itself survives to say so.
  assert.match(result.stdout, /^survived 137\n$/, result.stderr);
});

test('a pids limit of 32 stops a fork bomb', async () => {
  // The bomb runs in a subshell (a shell that cannot fork gives up); then the shell's own glob counts the
  // processes, since once the limit is hit ls or grep could not be forked either.
  const result = await inContainer(
    '(for i in $(seq 64); do sleep 30 & done) 2>/dev/null; set -- /proc/[0-9]*; echo $#; cat /sys/fs/cgroup/pids/pids.max; kill -9 -1',
    (config) => {
      config.linux!.resources = { ...config.linux!.resources, pids: { limit: 32 } };
    },
  );
  const [visible, max] = result.stdout.trim().split('\n');
  assert.equal(max, '32', result.stderr);
  assert.ok(Number(visible) <= 32 && Number(visible) >= 20, `processes in the container: ${visible}\n${result.stderr}`);
});

test('the runtime\'s own binary cannot be opened from inside the container (the CVE-2019-5736 class)', async () => {
  // While a container is created, its PID 1 is still Berth's init (node, a host binary). It marks itself
  // non-dumpable, so a root process without CAP_SYS_PTRACE (what the container's processes are) cannot
  // reach its /proc/PID/exe: probed here from the host's pid namespace, where the init's pid is known.
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['true']));
  const id = `cve-${process.pid}`;
  try {
    const created = await runBerth(['runtime', '--root', root, 'create', '--bundle', bundle.dir, id]);
    assert.equal(created.code, 0, created.stderr);
    const state = JSON.parse((await runBerth(['runtime', '--root', root, 'state', id])).stdout);
    // Berth's init: the sealed Node (run as /proc/<runtime pid>/fd/N, see sealedNode.ts) with init.js.
    const [argv0, script] = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').split('\0');
    assert.match(argv0, /^\/proc\/\d+\/fd\/\d+$/);
    assert.match(script, /\/init\.js$/);
    // A root process without CAP_SYS_PTRACE, as the container's processes are (the default set has none).
    const probe = (pid: string) =>
      spawnSync('setpriv', ['--bounding-set=-all', '--', 'sh', '-c', `readlink /proc/${pid}/exe || echo denied; cat /proc/${pid}/exe > /dev/null 2>&1 || echo denied`], { encoding: 'utf8' });
    assert.equal(probe('self').stdout.split('\n')[0], '/usr/bin/readlink', 'the probe itself can read a dumpable process');
    const probeResult = probe(String(state.pid));
    assert.equal(probeResult.stdout, 'denied\ndenied\n', probeResult.stderr);
  } finally {
    await runBerth(['runtime', '--root', root, 'delete', '--force', id]);
    bundle.remove();
  }
});

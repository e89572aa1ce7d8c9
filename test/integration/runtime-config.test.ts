// config.json settings, each checked where its effect is: inside a real container (what the process sees)
// or on the host (its disk, its mount table, its sysctls), and each refusal checked for the field it names.
// Mounts and the resolution of paths inside the root are in runtime-mounts.test.ts.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RuntimeConfig } from '../../helper/src/runtime/spec/config';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { runtimeHarness, type Result } from '../support/runtimeHarness';
import { BERTH } from '../support/daemonProcess';

const harness = runtimeHarness('cfg');
const { root, nextId, runBundle, inContainer, runDetached, deleteDetached, detached } = harness;
after(() => harness.cleanup());

function mountPoints(text: string): Array<[string, string]> {
  return text
    .trim()
    .split('\n')
    .map((line) => [line.split(' ')[4]!, line]);
}

const addCapabilities = (config: RuntimeConfig, names: string[]) => {
  const caps = config.process!.capabilities!;
  for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), ...names];
};

// 1. --no-pivot

test('--no-pivot: the container runs chrooted in its rootfs and sees the same mount table as with pivot_root', async () => {
  const script = 'cat /marker; ls /; test -e /work && echo host-visible || echo host-hidden; echo ---; cat /proc/self/mountinfo';
  const prepare = (rootfs: string) => writeFileSync(join(rootfs, 'marker'), 'in the rootfs\n');
  const chrooted = await inContainer(script, undefined, prepare, { args: ['--no-pivot'] });
  assert.equal(chrooted.code, 0, chrooted.stderr);
  const [seen, mountinfo] = chrooted.stdout.split('---\n');
  assert.equal(seen, 'in the rootfs\nbin\ndev\netc\nmarker\nproc\nroot\nsys\ntmp\nhost-hidden\n');
  const pivoted = await inContainer(script, undefined, prepare);
  assert.equal(pivoted.code, 0, pivoted.stderr);
  const pivotedMountinfo = pivoted.stdout.split('---\n')[1]!;

  // What is seen: in both modes / is the bundle's rootfs (a bind mount, root field ".../rootfs") and the
  // list of mount points, file systems and options is the same. The difference is underneath: with
  // pivot_root the host's old root was detached, while with --no-pivot the rootfs was moved on top of the
  // host's root, which stays in the namespace. The kernel lists only mounts reachable from the process's
  // root, so in both modes the parent of / is a mount that is not in the list (and the host's mounts,
  // /work among them, appear in neither).
  const summary = (text: string) => mountPoints(text).map(([point, line]) => `${point} ${line.split(' - ')[1]!.split(' ')[0]}`);
  assert.deepEqual(summary(mountinfo!), summary(pivotedMountinfo));
  for (const text of [mountinfo!, pivotedMountinfo]) {
    const rows = mountPoints(text);
    const [, rootLine] = rows[0]!;
    const [, parentId, , rootField, point] = rootLine.split(' ');
    assert.equal(point, '/');
    assert.match(rootField!, /\/berth-bundle-[^/]+\/rootfs$/);
    assert.ok(!rows.some(([, line]) => line.split(' ')[0] === parentId), 'the mount under / is not visible');
    assert.ok(!rows.some(([p]) => p.startsWith('/work')));
  }
});

// 2. root.readonly

test('root.readonly true: writing to / fails with "Read-only file system" and nothing reaches the rootfs', async () => {
  let leaked = true;
  const result = await inContainer('touch /x', (config) => (config.root.readonly = true), undefined, {
    inspect: (rootfs) => (leaked = existsSync(join(rootfs, 'x'))),
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /touch: \/x: Read-only file system/);
  assert.equal(leaked, false);
});

test('root.readonly false: a file written to / appears in the bundle\'s rootfs on the host', async () => {
  let onHost: string | undefined;
  const result = await inContainer('echo written inside > /x', (config) => (config.root.readonly = false), undefined, {
    inspect: (rootfs) => (onHost = readFileSync(join(rootfs, 'x'), 'utf8')),
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(onHost, 'written inside\n');
});

// 3. linux.rootfsPropagation

test('linux.rootfsPropagation sets the propagation of / (slave of the host, private, shared)', async () => {
  // The host's mounts here are all private, which would make slave and private look alike: the bundle's
  // directory is made a shared mount on the host first, so that "slave" shows as master:<its peer group>.
  const rootLine = async (propagation: NonNullable<RuntimeConfig['linux']>['rootfsPropagation']) => {
    const bundle = makeBusyboxBundle((config) => {
      config.process!.args = ['head', '-1', '/proc/self/mountinfo'];
      config.linux!.rootfsPropagation = propagation;
    });
    execFileSync('mount', ['--bind', bundle.dir, bundle.dir]);
    try {
      execFileSync('mount', ['--make-shared', bundle.dir]);
      const hostLine = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((line) => line.split(' ')[4] === bundle.dir)!;
      const hostGroup = /shared:(\d+)/.exec(hostLine)![1];
      const result = await runBundle(bundle);
      assert.equal(result.code, 0, result.stderr);
      const [, line] = mountPoints(result.stdout)[0]!;
      assert.match(line, / \/ /);
      return { tags: line.split(' - ')[0]!.split(' ').slice(6).join(' '), hostGroup };
    } finally {
      execFileSync('umount', [bundle.dir]);
      bundle.remove();
    }
  };
  const rslave = await rootLine('rslave');
  assert.equal(rslave.tags, `master:${rslave.hostGroup}`, 'rslave: receives the host\'s mounts, sends none');
  const priv = await rootLine('private');
  assert.equal(priv.tags, '', 'private: no propagation either way');
  // "shared" makes / a peer group of its own; it stays a slave of the host (Berth never lets a container's
  // mounts propagate back to the host; runc would put / in the host's peer group).
  const shared = await rootLine('shared');
  assert.match(shared.tags, new RegExp(`^shared:(\\d+) master:${shared.hostGroup}$`));
  assert.notEqual(/shared:(\d+)/.exec(shared.tags)![1], shared.hostGroup);
});

// 4. Joining namespaces by path

test('a container joins another one\'s network and uts namespaces by path', async () => {
  const a = makeBusyboxBundle((config) => {
    config.process!.args = ['sleep', '300'];
    config.hostname = 'berth-ns-owner';
  });
  let b: TestBundle | undefined;
  let running: { id: string; pid: number } | undefined;
  try {
    running = await runDetached(a);
    const pid = running.pid;
    b = makeBusyboxBundle((config) => {
      config.process!.args = ['sh', '-c', 'for ns in net uts ipc; do readlink /proc/self/ns/$ns; done; hostname'];
      delete config.hostname;
      config.linux!.namespaces = config.linux!.namespaces!.map((ns) =>
        ns.type === 'network' ? { type: 'network', path: `/proc/${pid}/ns/net` } : ns.type === 'uts' ? { type: 'uts', path: `/proc/${pid}/ns/uts` } : ns,
      );
    });
    const result = await runBundle(b);
    assert.equal(result.code, 0, result.stderr);
    const [net, uts, ipc, hostname] = result.stdout.trim().split('\n');
    assert.equal(net, readlinkSync(`/proc/${pid}/ns/net`));
    assert.equal(uts, readlinkSync(`/proc/${pid}/ns/uts`));
    assert.notEqual(net, readlinkSync('/proc/self/ns/net'), 'not the host\'s network namespace');
    assert.notEqual(ipc, readlinkSync(`/proc/${pid}/ns/ipc`), 'a namespace not joined is new');
    assert.equal(hostname, 'berth-ns-owner');
  } finally {
    if (running) await deleteDetached(running.id);
    a.remove();
    b?.remove();
  }
});

// 5. linux.devices

test('linux.devices: a char device and a FIFO exist with the asked type, numbers, mode and owner', async () => {
  // Run as the device's owner (the default capabilities have no CAP_DAC_OVERRIDE, so root could not open
  // a 0600 node it does not own); the devices cgroup allows what linux.devices lists.
  const result = await inContainer("stat -c '%F %t:%T %a %u:%g' /dev/berthtest /dev/berthfifo; echo data > /dev/berthtest && echo writable", (config) => {
    config.process!.user = { uid: 1000, gid: 1000 };
    config.linux!.devices = [
      { type: 'c', path: '/dev/berthtest', major: 1, minor: 3, fileMode: 0o600, uid: 1000, gid: 1000 },
      { type: 'p', path: '/dev/berthfifo', fileMode: 0o640, uid: 0, gid: 5 },
    ];
  });
  assert.equal(result.code, 0, result.stderr);
  // busybox stat prints major and minor in hex.
  assert.equal(result.stdout, 'character special file 1:3 600 1000:1000\nfifo 0:0 640 0:5\nwritable\n');
});

test('linux.devices: a path outside /dev is refused by validation, with the field named', async () => {
  const outside = await inContainer('true', (config) => (config.linux!.devices = [{ type: 'c', path: '/etc/berthtest', major: 1, minor: 3 }]));
  assert.equal(outside.code, 1);
  assert.match(outside.stderr, /linux\.devices\.0\.path: linux\.devices paths must be under \/dev\//);
  let created = true;
  const dotdot = await inContainer('true', (config) => (config.linux!.devices = [{ type: 'c', path: '/dev/../etc/berthtest', major: 1, minor: 3 }]), undefined, {
    inspect: (rootfs) => (created = existsSync(join(rootfs, 'etc', 'berthtest'))),
  });
  assert.equal(dotdot.code, 1);
  assert.match(dotdot.stderr, /linux\.devices\[0\]\.path: "\/dev\/\.\.\/etc\/berthtest" is not under \/dev\//);
  assert.equal(created, false);
});

// 6. Default devices, /dev symlinks, the devices cgroup

test('the default devices and /dev symlinks are there, and the devices cgroup denies an unlisted device', async () => {
  const result = await inContainer(
    "stat -c '%n %F %t:%T %a' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; " +
      'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done; ' +
      'echo x > /dev/null && echo null-written; head -c 4 /dev/zero | od -An -tx1; ' +
      "mknod /dev/sda b 8 0 && stat -c '%n %F %t:%T' /dev/sda; head -c1 /dev/sda",
    // mknod needs CAP_MKNOD, which the default set lacks; the devices cgroup is what must stop the read.
    (config) => addCapabilities(config, ['CAP_MKNOD']),
  );
  assert.equal(
    result.stdout,
    [
      '/dev/null character special file 1:3 666',
      '/dev/zero character special file 1:5 666',
      '/dev/full character special file 1:7 666',
      '/dev/random character special file 1:8 666',
      '/dev/urandom character special file 1:9 666',
      '/dev/tty character special file 5:0 666',
      'fd -> /proc/self/fd',
      'stdin -> /proc/self/fd/0',
      'stdout -> /proc/self/fd/1',
      'stderr -> /proc/self/fd/2',
      'ptmx -> pts/ptmx',
      'null-written',
      ' 00 00 00 00',
      '/dev/sda block special file 8:0',
      '',
    ].join('\n'),
    result.stderr,
  );
  assert.match(result.stderr, /head: \/dev\/sda: Operation not permitted/);
  assert.equal(result.code, 1);
});

// 7. linux.sysctl

test('linux.sysctl: net.ipv4.ip_forward=1 applies in the container\'s network namespace, not the host\'s', async () => {
  const hostBefore = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
  // The default spec makes /proc/sys read-only: the sysctl must be written before that.
  const result = await inContainer('cat /proc/sys/net/ipv4/ip_forward; echo 0 > /proc/sys/net/ipv4/ip_forward || echo still-read-only', (config) => {
    config.linux!.sysctl = { 'net.ipv4.ip_forward': hostBefore.trim() === '1' ? '0' : '1' };
  });
  assert.equal(result.stdout, `${hostBefore.trim() === '1' ? '0' : '1'}\nstill-read-only\n`, result.stderr);
  assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostBefore);
});

test('linux.sysctl: unknown, malformed and host-wide keys are refused, naming linux.sysctl', async () => {
  const unknown = await inContainer('true', (config) => (config.linux!.sysctl = { 'net.ipv4.berth_no_such_key': '1' }));
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /linux\.sysctl: net\.ipv4\.berth_no_such_key=1: no such sysctl on this kernel/);

  const malformed = await inContainer('true', (config) => (config.linux!.sysctl = { 'net.ipv4.../../../kernel/pid_max': '1' }));
  assert.equal(malformed.code, 1);
  assert.match(malformed.stderr, /linux\.sysctl: invalid key "net\.ipv4\.\.\.\/\.\.\/\.\.\/kernel\/pid_max"/);

  // Not namespaced: /proc/sys in a container is the kernel's, so this would change the host. The value
  // asked is the host's own, so that a runtime that wrongly wrote it would at least change nothing.
  const pidMax = readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim();
  const hostWide = await inContainer('true', (config) => (config.linux!.sysctl = { 'kernel.pid_max': pidMax }));
  assert.equal(hostWide.code, 1);
  assert.match(hostWide.stderr, /linux\.sysctl: "kernel\.pid_max" is not namespaced/);

  const forwarding = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  const noNetns = await inContainer('true', (config) => {
    config.linux!.namespaces = config.linux!.namespaces!.filter((ns) => ns.type !== 'network');
    config.linux!.sysctl = { 'net.ipv4.ip_forward': forwarding };
  });
  assert.equal(noNetns.code, 1);
  assert.match(noNetns.stderr, /linux\.sysctl: "net\.ipv4\.ip_forward" needs a network namespace of the container's own/);
  assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), forwarding);
});

// 8. process.rlimits

test('process.rlimits: a lowered RLIMIT_NOFILE is what the process gets', async () => {
  const result = await inContainer('ulimit -n; ulimit -Hn; grep "Max open files" /proc/self/limits', (config) => {
    config.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 256, hard: 512 }];
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^256\n512\nMax open files +256 +512 +files +\n$/);
});

test('process.rlimits: raising a hard limit without CAP_SYS_RESOURCE fails, naming RLIMIT_NOFILE', async (t) => {
  const capEff = BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
  if (capEff & (1n << 24n)) return t.skip('this host has CAP_SYS_RESOURCE: raising a hard limit would work');
  // berth (and so the init) starts with a hard limit of 4096, and the config asks for 8192.
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['true'];
    config.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 8192 }];
  });
  try {
    const result = await new Promise<Result>((resolve) => {
      const child = spawn('sh', ['-c', 'ulimit -Sn 1024 && ulimit -Hn 4096 && exec "$@"', 'sh', BERTH, 'runtime', '--root', root, 'run', '--bundle', bundle.dir, nextId()]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /RLIMIT_NOFILE: cannot raise the hard limit from 4096 to 8192: raising a hard limit needs CAP_SYS_RESOURCE/);
  } finally {
    bundle.remove();
  }
});

// 9. process.oomScoreAdj

test('process.oomScoreAdj 500 is the process\'s oom_score_adj', async () => {
  const result = await inContainer('cat /proc/self/oom_score_adj', (config) => (config.process!.oomScoreAdj = 500));
  assert.equal(result.stdout, '500\n', result.stderr);
});

// 10. process.user, umask and cwd

test('process.user: uid, gid, additional groups and umask; process.cwd is the working directory', async () => {
  const result = await inContainer(
    'id; grep -E "^(Uid|Gid|Groups):" /proc/self/status; pwd; touch /tmp/made && stat -c "%a %u:%g" /tmp/made',
    (config) => {
      config.process!.user = { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o077 };
      config.process!.cwd = '/tmp';
      config.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['mode=1777'] });
    },
  );
  assert.equal(
    result.stdout,
    'uid=1000 gid=1000 groups=10,20\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t10 20 \n/tmp\n600 1000:1000\n',
    result.stderr,
  );
});

test('process.cwd that does not exist in the rootfs is an error naming process.cwd', async () => {
  // runc creates a missing cwd; Berth refuses it, naming the field.
  const result = await inContainer('pwd', (config) => (config.process!.cwd = '/no/such/dir'));
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /cannot create container "[^"]+": process\.cwd: chdir\("\/no\/such\/dir"\): ENOENT/);
});

// 11. process.noNewPrivileges

test('process.noNewPrivileges true and false show in NoNewPrivs', async () => {
  const on = await inContainer('grep NoNewPrivs /proc/self/status', (config) => (config.process!.noNewPrivileges = true));
  assert.equal(on.stdout, 'NoNewPrivs:\t1\n', on.stderr);
  const off = await inContainer('grep NoNewPrivs /proc/self/status', (config) => (config.process!.noNewPrivileges = false));
  assert.equal(off.stdout, 'NoNewPrivs:\t0\n', off.stderr);
});

// 14. Refused namespace settings

test('hostname without a uts namespace is refused, and the host\'s hostname is unchanged', async () => {
  const hostname = readFileSync('/proc/sys/kernel/hostname', 'utf8');
  const result = await inContainer('hostname', (config) => {
    config.hostname = 'berth-must-not-leak';
    config.linux!.namespaces = config.linux!.namespaces!.filter((ns) => ns.type !== 'uts');
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /hostname: setting a hostname needs a uts namespace/);
  assert.equal(readFileSync('/proc/sys/kernel/hostname', 'utf8'), hostname);
});

test('time namespaces, and user namespaces without id mappings, are refused with a message naming the field', async () => {
  // User namespaces with mappings work: see runtime-userns.test.ts.
  const user = await inContainer('true', (config) => config.linux!.namespaces!.push({ type: 'user' }));
  assert.equal(user.code, 1);
  assert.match(user.stderr, /linux\.uidMappings: a user namespace needs id mappings/);
  const time = await inContainer('true', (config) => config.linux!.namespaces!.push({ type: 'time' }));
  assert.equal(time.code, 1);
  assert.match(time.stderr, /linux\.namespaces: time namespaces are not supported yet/);
});

test('a namespace type listed twice is refused', async () => {
  const result = await inContainer('true', (config) => config.linux!.namespaces!.push({ type: 'network', path: '/proc/self/ns/net' }));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /linux\.namespaces: "network" is listed twice/);
  assert.equal(readdirSync(root).length, detached.length, 'no container state is left behind');
});

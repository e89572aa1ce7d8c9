// Configs built by the engine, run by Berth's runtime in real containers on this machine: what a process
// inside sees must be what `docker run` gives it (capabilities, seccomp, network files, the user from
// the image's passwd, masked paths), and each option must show its effect inside.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildOciConfig } from '../../helper/src/engine/config/buildOciConfig';
import type { ContainerSpec, ImageConfig } from '../../helper/src/engine/config/containerSpec';
import { ensureWorkdir } from '../../helper/src/engine/config/filesInRoot';
import { hostDevices } from '../../helper/src/engine/config/hostFacts';
import { capabilityNumber } from '../../helper/src/linux/capabilities';
import { makeBusyboxBundle } from '../support/bundle';
import { runBerth } from '../support/daemonProcess';

const PROFILE = '/usr/share/containers/seccomp.json';
// Installed by scripts/install-deps.sh; Docker's profile is what these containers must run under.
try {
  readFileSync(PROFILE);
} catch {
  throw new Error(`${PROFILE} is missing: run scripts/install-deps.sh (golang-github-containers-common)`);
}

/** Docker's default capability set as /proc/PID/status shows it: the mask every `docker run` container has. */
const DOCKER_CAP_MASK = '00000000a80425fb';
const IMAGE: ImageConfig = { Cmd: ['sh'], Env: ['PATH=/bin'] };

const stateRoot = mkdtempSync(join(tmpdir(), 'berth-engine-config-root-'));
const hostDirs: string[] = [];
after(() => {
  rmSync(stateRoot, { recursive: true, force: true });
  for (const dir of hostDirs) rmSync(dir, { recursive: true, force: true });
});
let serial = 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  files: Record<string, string>;
}

/**
 * Builds the config for `spec` over a busybox root that also has a user "app" (uid 1000) in the groups
 * "app" and "staff", writes the network files and config.json, and runs it to completion.
 */
async function run(spec: Partial<ContainerSpec>, image: ImageConfig = IMAGE): Promise<Run> {
  const bundle = makeBusyboxBundle();
  const id = `engine-cfg-${process.pid}-${serial++}`;
  try {
    writeFileSync(join(bundle.rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:App:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    writeFileSync(join(bundle.rootfs, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nstaff:x:50:app\napp:x:1000:\nnobody:x:65534:\n');
    const containerDir = join(bundle.dir, 'container');
    mkdirSync(containerDir);
    const { config, files } = buildOciConfig({ id, spec: { image: 'busybox', ...spec }, image, rootfs: bundle.rootfs, containerDir });
    for (const [path, content] of Object.entries(files)) writeFileSync(path, content);
    ensureWorkdir(bundle.rootfs, config.process!.cwd);
    bundle.config = config;
    bundle.save();
    const result = await runBerth(['runtime', '--root', stateRoot, 'run', '--bundle', bundle.dir, id]);
    return { ...result, files };
  } finally {
    bundle.remove();
  }
}

const sh = (script: string, spec: Partial<ContainerSpec> = {}) => run({ ...spec, cmd: ['sh', '-c', script] });

function statusField(status: string, name: string): string | undefined {
  return status.split('\n').find((line) => line.startsWith(`${name}:`))?.split(':')[1]?.trim();
}

test('a default container has Docker\'s 14 capabilities, Docker\'s seccomp filter and no no_new_privs', async () => {
  const result = await sh('cat /proc/self/status');
  assert.equal(result.code, 0, result.stderr);
  const status = result.stdout;
  for (const set of ['CapPrm', 'CapEff', 'CapBnd']) assert.equal(statusField(status, set), DOCKER_CAP_MASK, set);
  assert.equal(statusField(status, 'CapInh'), '0000000000000000');
  assert.equal(statusField(status, 'CapAmb'), '0000000000000000');
  assert.equal(statusField(status, 'Seccomp'), '2');
  assert.equal(statusField(status, 'NoNewPrivs'), '0');
});

test('hostname, hosts and resolv.conf are the engine\'s files, bound in', async () => {
  const result = await sh('hostname; cat /etc/hostname; echo "$HOSTNAME"; cat /etc/hosts; echo ---; cat /etc/resolv.conf', { hostname: 'web' });
  assert.equal(result.code, 0, result.stderr);
  const [names, rest] = [result.stdout.split('\n').slice(0, 3), result.stdout.split('\n').slice(3).join('\n')];
  assert.deepEqual(names, ['web', 'web', 'web']);
  const [hosts, resolv] = rest.split('---\n');
  assert.match(hosts!, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  assert.match(hosts!, /\n127\.0\.1\.1\tweb\n$/);
  assert.equal(resolv, Object.entries(result.files).find(([path]) => path.endsWith('resolv.conf'))![1]);
  assert.match(resolv!, /^\s*nameserver\s+/m);
  assert.doesNotMatch(resolv!, /nameserver\s+(127\.|::1)/);
});

test('the default hostname is the id\'s first 12 characters', async () => {
  const result = await sh('hostname');
  assert.equal(result.stdout, `engine-cfg-${process.pid}`.slice(0, 12) + '\n');
});

test('a named user from the image\'s passwd, with its groups, home and no capabilities left', async () => {
  const result = await sh('id; echo "$HOME"; grep ^CapEff /proc/self/status', { user: 'app' });
  assert.equal(result.code, 0, result.stderr);
  // The kernel keeps supplementary groups sorted, so id lists 50 before 1000.
  assert.equal(result.stdout, 'uid=1000(app) gid=1000(app) groups=50(staff),1000(app)\n/home/app\nCapEff:\t0000000000000000\n');
  const group = await sh('id', { user: 'app:staff' });
  assert.equal(group.stdout, 'uid=1000(app) gid=50(staff) groups=50(staff)\n');
});

test('the command, environment and working directory follow Docker\'s rules', async () => {
  const image: ImageConfig = { Entrypoint: ['sh', '-c'], Cmd: ['echo from image'], Env: ['PATH=/bin', 'MODE=prod', 'LANG=C'], WorkingDir: '/srv/app' };
  const result = await run({ cmd: ['pwd; echo "$MODE $LANG $TERM"; env | grep -c ^PATH='], env: ['MODE=dev'] }, image);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '/srv/app\ndev C \n1\n');
});

test('the profile is resolved for the final capabilities: without CAP_SYS_ADMIN unshare and sethostname fail, with it both work', async () => {
  const denied = await sh('unshare -m true && echo unshared; hostname renamed 2>&1 || echo not renamed');
  assert.match(denied.stderr, /unshare.*Operation not permitted/);
  assert.match(denied.stdout, /not renamed/);
  // containers-common's profile (Podman's variant of Docker's) lets unshare through for everyone, so the
  // kernel's capability check is what refuses it above; sethostname, though, is one of the syscalls the
  // profile itself allows only with CAP_SYS_ADMIN, so it works here only because the profile was resolved
  // for the set with CAP_SYS_ADMIN added.
  const allowed = await sh('unshare -m true && echo unshared; hostname renamed && hostname', { capAdd: ['SYS_ADMIN'] });
  assert.equal(allowed.stdout, 'unshared\nrenamed\n', allowed.stderr);
});

test('seccomp=unconfined runs without a filter; no-new-privileges sets the flag', async () => {
  const unconfined = await sh('grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status', { securityOpt: ['seccomp=unconfined', 'no-new-privileges'] });
  assert.equal(unconfined.stdout, 'NoNewPrivs:\t1\nSeccomp:\t0\n', unconfined.stderr);
});

test('masked and read-only paths are in place', async () => {
  const result = await sh('cat /proc/keys /proc/timer_list | wc -c; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo writable || echo readonly; ls /sys/firmware | wc -l');
  assert.equal(result.stdout, '0\nreadonly\n0\n', result.stderr);
});

test('capDrop removes what it names and capAdd adds', async () => {
  const result = await sh('grep ^CapEff /proc/self/status', { capDrop: ['NET_RAW', 'mknod'], capAdd: ['NET_ADMIN'] });
  const mask = BigInt(`0x${DOCKER_CAP_MASK}`) & ~(1n << BigInt(capabilityNumber('CAP_NET_RAW'))) & ~(1n << BigInt(capabilityNumber('CAP_MKNOD')));
  const expected = mask | (1n << BigInt(capabilityNumber('CAP_NET_ADMIN')));
  assert.equal(result.stdout, `CapEff:\t${expected.toString(16).padStart(16, '0')}\n`, result.stderr);
});

test('privileged: every capability available, no filter, /sys writable and the host\'s devices', async () => {
  const device = hostDevices().find((d) => !['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'].includes(d.path));
  const result = await sh(`grep -E "^(CapEff|Seccomp):" /proc/self/status; grep " /sys sysfs " /proc/mounts | cut -d" " -f4 | cut -d, -f1; ls /proc/keys >/dev/null && echo unmasked${device ? `; test -${device.type} ${device.path} && echo device` : ''}`, { privileged: true });
  // Every capability the runtime has itself (this machine's root lacks one).
  const all = statusField(readFileSync('/proc/self/status', 'utf8'), 'CapBnd');
  assert.equal(result.stdout, `CapEff:\t${all}\nSeccomp:\t0\nrw\nunmasked\n${device ? 'device\n' : ''}`, result.stderr);
});

test('--read-only: the root and the network files are read-only, a tmpfs mount is writable', async () => {
  const result = await sh('touch /x 2>&1; (echo > /etc/hosts) 2>&1; touch /scratch/y && echo scratch ok', { readOnlyRootfs: true, mounts: [{ type: 'tmpfs', target: '/scratch' }] });
  assert.equal(result.stdout, "touch: /x: Read-only file system\nsh: can't create /etc/hosts: Read-only file system\nscratch ok\n", result.stderr);
});

test('bind mounts show the host directory, read-only when asked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-engine-bind-'));
  hostDirs.push(dir);
  writeFileSync(join(dir, 'greeting'), 'hello from the host\n');
  const result = await sh('cat /data/greeting; echo new > /data/new && echo wrote; (echo x > /ro/x) 2>&1', {
    mounts: [
      { type: 'bind', source: dir, target: '/data' },
      { type: 'bind', source: dir, target: '/ro', readOnly: true },
    ],
  });
  assert.equal(result.stdout, "hello from the host\nwrote\nsh: can't create /ro/x: Read-only file system\n", result.stderr);
  assert.equal(readFileSync(join(dir, 'new'), 'utf8'), 'new\n');
});

test('resource limits reach the container\'s cgroup', async () => {
  const read = (file: string) => `cat /sys/fs/cgroup/${file} 2>/dev/null || cat /sys/fs/cgroup/${file.split('.')[0]}/${file}`;
  const result = await sh(`${read('pids.max')}; ${read('memory.max')} 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes`, {
    resources: { pidsLimit: 42, memory: 64 * 1024 * 1024 },
  });
  assert.equal(result.stdout, `42\n${64 * 1024 * 1024}\n`, result.stderr);
});

test('ulimits and sysctls are applied inside', async () => {
  const result = await sh('ulimit -n; cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_unprivileged_port_start', {
    ulimits: [{ name: 'nofile', soft: 321, hard: 654 }],
    sysctls: { 'kernel.shmmni': '1234', 'net.ipv4.ip_unprivileged_port_start': '80' },
  });
  assert.equal(result.stdout, '321\n1234\n80\n', result.stderr);
});

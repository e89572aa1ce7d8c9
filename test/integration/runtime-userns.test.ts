// User namespaces: containers with linux.uidMappings/gidMappings, started through the Perl shim, with a
// busybox rootfs chowned to the mapped root (as rootless images are). Effects checked inside the
// container and on the host.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { capabilityNumber } from '../../helper/src/linux/capabilities';
import type { RuntimeConfig } from '../../helper/src/runtime/spec/config';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { runBerth } from '../support/daemonProcess';
import { bothRuntimes, sameWithBoth } from '../support/runtimeClients';

const HOST_ROOT = 100000;
const tmp = mkdtempSync(join(tmpdir(), 'berth-userns-'));
const root = join(tmp, 'root');
after(() => rmSync(tmp, { recursive: true, force: true }));
const runtime = (...args: string[]) => runBerth(['runtime', '--root', root, ...args]);
let serial = 0;

function userNamespaceBundle(script: string[], change?: (config: RuntimeConfig) => void): TestBundle {
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = script;
    config.root.readonly = false;
    config.linux!.namespaces!.push({ type: 'user' });
    config.linux!.uidMappings = [{ containerID: 0, hostID: HOST_ROOT, size: 65536 }];
    config.linux!.gidMappings = [{ containerID: 0, hostID: HOST_ROOT, size: 65536 }];
    change?.(config);
  });
  // The bundle directory is 0700 (mkdtemp): the mapped root must be able to reach the rootfs.
  chmodSync(bundle.dir, 0o711);
  execFileSync('chown', ['-R', '-h', `${HOST_ROOT}:${HOST_ROOT}`, bundle.rootfs]);
  return bundle;
}

async function runIn(script: string, change?: (config: RuntimeConfig) => void) {
  const bundle = userNamespaceBundle(['sh', '-c', script], change);
  try {
    const result = await runtime('run', '--bundle', bundle.dir, `userns-${process.pid}-${serial++}`);
    return { ...result, rootfs: bundle.rootfs };
  } finally {
    bundle.remove();
  }
}

test('inside, the process is root, PID 1, and sees the mapping; what it creates belongs to the mapped root on the host', async () => {
  const bundle = userNamespaceBundle(['sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; echo $$; touch /tmp/made; echo ok > /dev/null && echo devnull; ls /proc | grep -c "^[0-9]"']);
  try {
    const result = await runtime('run', '--bundle', bundle.dir, `userns-${process.pid}-${serial++}`);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines.slice(0, 6), ['0', '0', `0 ${HOST_ROOT} 65536`, `0 ${HOST_ROOT} 65536`, '1', 'devnull']);
    assert.ok(Number(lines[6]) <= 3, `processes visible: ${lines[6]}`);
    const made = statSync(join(bundle.rootfs, 'tmp', 'made'));
    assert.equal(made.uid, HOST_ROOT);
    assert.equal(made.gid, HOST_ROOT);
  } finally {
    bundle.remove();
  }
});

test('capabilities apply inside: exactly those asked, and they work on files of the namespace', async () => {
  const asked = ['CAP_CHOWN', 'CAP_KILL', 'CAP_DAC_OVERRIDE'];
  const result = await runIn('grep ^CapEff /proc/self/status; touch /tmp/f; chown 1000:1000 /tmp/f && stat -c %u /tmp/f', (config) => {
    config.process!.capabilities = { bounding: asked, effective: asked, permitted: asked };
  });
  assert.equal(result.code, 0, result.stderr);
  const [capLine, owner] = result.stdout.trim().split('\n');
  const mask = asked.reduce((sum, name) => sum | (1n << BigInt(capabilityNumber(name))), 0n);
  assert.equal(BigInt(`0x${capLine!.split(/\s+/)[1]}`), mask);
  assert.equal(owner, '1000');
});

test('a capability not given is missing inside: mknod is refused without CAP_MKNOD', async () => {
  const result = await runIn('mknod /tmp/n c 1 3 2>&1 && echo made || echo refused');
  assert.match(result.stdout, /refused/);
});

describe('a running container with a user namespace', () => {
  let bundle: TestBundle;
  let pid: number;
  const id = `userns-running-${process.pid}`;
  before(async () => {
    bundle = userNamespaceBundle(['sleep', '300'], (config) => (config.hostname = 'userns-host'));
    const created = await runtime('create', '--bundle', bundle.dir, id);
    assert.equal(created.code, 0, created.stderr);
    const started = await runtime('start', id);
    assert.equal(started.code, 0, started.stderr);
    pid = JSON.parse((await runtime('state', id)).stdout).pid;
  });
  after(async () => {
    await runtime('delete', '--force', id);
    bundle.remove();
  });

  test('the host sees the container\'s process as the mapped uid and gid, in its own user namespace', () => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    assert.match(status, new RegExp(`^Uid:\\s+${HOST_ROOT}\\s+${HOST_ROOT}\\s+${HOST_ROOT}\\s+${HOST_ROOT}$`, 'm'));
    assert.match(status, new RegExp(`^Gid:\\s+${HOST_ROOT}\\s+${HOST_ROOT}\\s+${HOST_ROOT}\\s+${HOST_ROOT}$`, 'm'));
    assert.match(status, /^NSpid:\s+\d+\s+1$/m);
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/user`), readlinkSync('/proc/self/ns/user'));
    assert.deepEqual(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'), ['sleep', '300', '']);
  });

  test('exec joins the same user namespace (and the others), as root of it', async () => {
    const result = await runtime('exec', id, 'sh', '-c', 'readlink /proc/self/ns/user; readlink /proc/self/ns/pid; id -u; hostname; cat /proc/self/uid_map');
    assert.equal(result.code, 0, result.stderr);
    const [user, pidNs, uid, hostname, map] = result.stdout.trim().split('\n');
    assert.equal(user, readlinkSync(`/proc/${pid}/ns/user`));
    assert.equal(pidNs, readlinkSync(`/proc/${pid}/ns/pid`));
    assert.equal(uid, '0');
    assert.equal(hostname, 'userns-host');
    assert.equal(map!.trim().split(/\s+/).join(' '), `0 ${HOST_ROOT} 65536`);
  });

  test('exec gives the exit code of the process', async () => {
    const result = await runtime('exec', id, 'sh', '-c', 'exit 7');
    assert.equal(result.code, 7, result.stderr);
  });

  test('kill and delete end and remove it', async () => {
    const killed = await runtime('kill', id, 'KILL');
    assert.equal(killed.code, 0, killed.stderr);
    for (let i = 0; i < 100 && JSON.parse((await runtime('state', id)).stdout).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(JSON.parse((await runtime('state', id)).stdout).status, 'stopped');
    const deleted = await runtime('delete', id);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.notEqual((await runtime('state', id)).code, 0);
  });
});

test('a user namespace without mappings is refused clearly', async () => {
  const result = await runIn('true', (config) => {
    delete config.linux!.uidMappings;
    delete config.linux!.gidMappings;
  });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /linux\.uidMappings: a user namespace needs id mappings/);
  assert.match(result.stderr, /linux\.gidMappings: a user namespace needs id mappings/);
});

test('mappings that leave the container\'s root unmapped, or mappings without a user namespace, are refused', async () => {
  const unmapped = await runIn('true', (config) => (config.linux!.uidMappings = [{ containerID: 1, hostID: HOST_ROOT, size: 10 }]));
  assert.notEqual(unmapped.code, 0);
  assert.match(unmapped.stderr, /linux\.uidMappings: the container's uid 0 \(root\) is not mapped/);
  const noNamespace = await runIn('true', (config) => (config.linux!.namespaces = config.linux!.namespaces!.filter((ns) => ns.type !== 'user')));
  assert.notEqual(noNamespace.code, 0);
  assert.match(noNamespace.stderr, /id mappings are given but linux.namespaces has no user namespace/);
});

test('a rootfs the mapped root cannot reach is refused with the directory named', async () => {
  const bundle = userNamespaceBundle(['true']);
  chmodSync(bundle.dir, 0o700);
  try {
    const result = await runtime('run', '--bundle', bundle.dir, `userns-${process.pid}-${serial++}`);
    assert.notEqual(result.code, 0);
    assert.ok(result.stderr.includes(`${bundle.dir} (mode 700`), result.stderr);
  } finally {
    bundle.remove();
  }
});

test('a user namespace joined by path: the container runs in it with its mappings, as with runc', async () => {
  // A user namespace mapped like the others here, held by a process of the test's own.
  const holder = spawn('unshare', ['--user', '--', 'cat'], { stdio: ['pipe', 'ignore', 'inherit'] });
  after(() => holder.kill('SIGKILL'));
  const ours = readlinkSync('/proc/self/ns/user');
  for (let i = 0; i < 1000 && readlinkSync(`/proc/${holder.pid}/ns/user`) === ours; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  writeFileSync(`/proc/${holder.pid}/uid_map`, `0 ${HOST_ROOT} 65536\n`);
  writeFileSync(`/proc/${holder.pid}/gid_map`, `0 ${HOST_ROOT} 65536\n`);
  const path = `/proc/${holder.pid}/ns/user`;
  // The mappings are given too, equal to the namespace's: runc 1.1 wants them (Berth checks them).
  const bundle = userNamespaceBundle(['sh', '-c', 'readlink /proc/self/ns/user; cat /proc/self/uid_map; id -u; touch /tmp/made'], (config) => {
    config.linux!.namespaces = config.linux!.namespaces!.map((ns) => (ns.type === 'user' ? { type: 'user', path } : ns));
  });
  const compare = bothRuntimes(tmp);
  try {
    const seen = await sameWithBoth(async (runtime) => {
      const result = await compare.drive(runtime, 'run', '--bundle', bundle.dir, compare.newId(runtime));
      assert.equal(result.code, 0, `${runtime}: ${result.stderr}`);
      return result.stdout.split('\n').map((line) => line.trim().split(/\s+/).join(' '));
    });
    assert.deepEqual(seen.slice(0, 3), [readlinkSync(path), `0 ${HOST_ROOT} 65536`, '0']);
    assert.equal(statSync(join(bundle.rootfs, 'tmp', 'made')).uid, HOST_ROOT);
    bundle.config.linux!.uidMappings = [{ containerID: 0, hostID: HOST_ROOT + 1, size: 65536 }];
    bundle.save();
    const mismatch = await compare.drive('berth', 'run', '--bundle', bundle.dir, compare.newId('berth'));
    assert.notEqual(mismatch.code, 0);
    assert.match(mismatch.stderr, new RegExp(`linux\\.uidMappings: differ from those of the user namespace ${path} \\(0->${HOST_ROOT} x65536\\)`));
  } finally {
    await compare.cleanup();
    bundle.remove();
  }
});

test('idmap: a host directory appears owned by the container\'s root, and what it writes is the host\'s root\'s', async () => {
  // runc 1.1 has no id-mapped mounts: Berth's effects are checked on their own.
  // Where the init, mapped, can reach it (the test's folder is 0700).
  const source = mkdtempSync(join(tmpdir(), 'berth-idmap-'));
  after(() => rmSync(source, { recursive: true, force: true }));
  chmodSync(source, 0o755);
  writeFileSync(join(source, 'file'), 'host\n', { mode: 0o644 });
  const script = 'stat -c "%u %g" /mapped/file /plain/file; echo from-container > /mapped/made && echo mapped-writable; echo x > /plain/x 2>/dev/null || echo plain-refused';
  const result = await runIn(script, (config) => {
    config.mounts!.push({ destination: '/mapped', type: 'bind', source, options: ['bind', 'idmap'] });
    config.mounts!.push({ destination: '/plain', type: 'bind', source, options: ['bind'] });
  });
  assert.equal(result.code, 0, result.stderr);
  // Plain, the host's root is no one in the namespace (the overflow id); id-mapped, it is the root.
  assert.deepEqual(result.stdout.trim().split('\n'), ['0 0', '65534 65534', 'mapped-writable', 'plain-refused']);
  const made = statSync(join(source, 'made'));
  assert.deepEqual([made.uid, made.gid], [0, 0]);
});

test('a mount\'s own uidMappings/gidMappings map its files without a user namespace; half a mapping is refused', async () => {
  const source = mkdtempSync(join(tmp, 'idmap-own-'));
  chmodSync(source, 0o755);
  writeFileSync(join(source, 'file'), 'host\n');
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['stat', '-c', '%u %g', '/data/file'];
    config.mounts!.push({ destination: '/data', type: 'bind', source, options: ['bind'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 2000, size: 1 }] });
  });
  try {
    const mapped = await runtime('run', '--bundle', bundle.dir, `userns-${process.pid}-${serial++}`);
    assert.equal(mapped.code, 0, mapped.stderr);
    assert.equal(mapped.stdout, '1000 2000\n');
    delete bundle.config.mounts!.at(-1)!.gidMappings;
    bundle.save();
    const half = await runtime('run', '--bundle', bundle.dir, `userns-${process.pid}-${serial++}`);
    assert.notEqual(half.code, 0);
    assert.match(half.stderr, /mounts\[\d+\]: give both uidMappings and gidMappings, or neither/);
  } finally {
    bundle.remove();
  }
});

// config.json's mounts, checked inside real containers and on the host's disk and mount table; and the
// security property behind them: every path the runtime creates or mounts on is resolved inside the
// container's root, so a symlink in an image (absolute or full of "..") can never lead to the host.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { runProgram } from '../support/processes';
import { bothRuntimes, sameWithBoth, type RuntimeName } from '../support/runtimeClients';
import { runtimeHarness } from '../support/runtimeHarness';

const harness = runtimeHarness('mnt');
const { inContainer, runDetached, deleteDetached } = harness;
const hostDirs: string[] = [];
after(async () => {
  await harness.cleanup();
  for (const dir of hostDirs) rmSync(dir, { recursive: true, force: true });
});

/** A directory on the host, removed at the end. `name` makes it /tmp/berth-escape-<pid>-<name>. */
function hostDir(name: string): string {
  const dir = join('/tmp', `berth-escape-${process.pid}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  hostDirs.push(dir);
  return dir;
}

/** The mount points of the host's own mount table. */
const hostMountPoints = () =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[4]!);

/** The line of a mountinfo text whose mount point is `point`. */
const mountLine = (mountinfo: string, point: string) => mountinfo.split('\n').find((line) => line.split(' ')[4] === point);

/** Waits until `path` exists: a hang guard, not a timing assertion (a test that hits it fails). */
async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 1000 && !existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(existsSync(path), `${path} did not appear`);
}

// 12. Mounts

test('a bind mount with rbind,ro shows the host directory read-only', async () => {
  const source = hostDir('rbind-ro');
  writeFileSync(join(source, 'file'), 'from the host\n');
  const result = await inContainer('cat /data/file; echo changed > /data/file; touch /data/new; grep " /data " /proc/self/mountinfo', (config) => {
    config.mounts!.push({ destination: '/data', type: 'bind', source, options: ['rbind', 'ro'] });
  });
  const [content, mountinfoLine] = result.stdout.split('\n');
  assert.equal(content, 'from the host');
  assert.match(mountinfoLine!, /^\d+ \d+ \S+ \S+ \/data ro[, ]/);
  assert.match(result.stderr, /can't create \/data\/file: Read-only file system/);
  assert.match(result.stderr, /touch: \/data\/new: Read-only file system/);
  assert.equal(readFileSync(join(source, 'file'), 'utf8'), 'from the host\n');
  assert.deepEqual(readdirSync(source), ['file']);
});

test('a bind mount with bind,rw lets the container write into the host directory', async () => {
  const source = hostDir('bind-rw');
  const result = await inContainer('echo from the container > /data/written; grep " /data " /proc/self/mountinfo', (config) => {
    config.mounts!.push({ destination: '/data', type: 'bind', source, options: ['bind', 'rw'] });
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^\d+ \d+ \S+ \S+ \/data rw[, ]/);
  assert.equal(readFileSync(join(source, 'written'), 'utf8'), 'from the container\n');
});

test('a bind mount of a file puts that file at the destination', async () => {
  const dir = hostDir('file-bind');
  const source = join(dir, 'settings.conf');
  writeFileSync(source, 'key=value\n');
  let createdOnRootfs = false;
  const result = await inContainer(
    'cat /etc/app/settings.conf; stat -c %F /etc/app/settings.conf; grep -c " /etc/app/settings.conf " /proc/self/mountinfo',
    (config) => config.mounts!.push({ destination: '/etc/app/settings.conf', type: 'bind', source, options: ['bind', 'ro'] }),
    undefined,
    { inspect: (rootfs) => (createdOnRootfs = existsSync(join(rootfs, 'etc', 'app', 'settings.conf'))) },
  );
  assert.equal(result.stdout, 'key=value\nregular file\n1\n', result.stderr);
  assert.ok(createdOnRootfs, 'the mount point (an empty file) was made in the rootfs');
});

test('a tmpfs with size=1m,mode=700 has that size and mode', async () => {
  const result = await inContainer('grep " /scratch " /proc/self/mountinfo; df -k /scratch | tail -1; stat -c %a /scratch', (config) => {
    config.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m,mode=700'] });
  });
  assert.equal(result.code, 0, result.stderr);
  const [line, df, mode] = result.stdout.trim().split('\n');
  assert.match(line!, / \/scratch rw,nosuid,relatime - tmpfs tmpfs rw,size=1024k,mode=700$/);
  assert.match(df!, /^tmpfs\s+1024\s+0\s+1024\s+0% \/scratch$/);
  assert.equal(mode, '700');
});

test('an unknown mount option is refused, naming mounts[i] and the option', async () => {
  const result = await inContainer('true', (config) => {
    config.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nosiud'] });
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot create container "[^"]+": mounts\[7\] \(\/scratch\): unknown mount option "nosiud"/);
});

test('a relative mount destination is refused', async () => {
  let created = true;
  const result = await inContainer('true', (config) => config.mounts!.push({ destination: 'scratch', type: 'tmpfs', source: 'tmpfs' }), undefined, {
    inspect: (rootfs) => (created = existsSync(join(rootfs, 'scratch'))),
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /mounts\[7\] \(scratch\): destination must be an absolute path/);
  assert.equal(created, false);
});

// 13. Paths resolved inside the root

test('SECURITY: a tmpfs mounted through absolute and relative symlinks to a host directory lands inside the root', async () => {
  const absolute = hostDir('abs');
  const relative = hostDir('rel');
  // The targets do not exist inside the rootfs: the runtime must create them there, not use the host's.
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['sh', '-c', 'echo inside > /evil/marker && echo inside > /rel/marker && exec sleep 300'];
    config.mounts!.push({ destination: '/evil', type: 'tmpfs', source: 'tmpfs' }, { destination: '/rel', type: 'tmpfs', source: 'tmpfs' });
  });
  symlinkSync(absolute, join(bundle.rootfs, 'evil'));
  symlinkSync(`../../../../../..${relative}`, join(bundle.rootfs, 'rel'));
  let running: { id: string; pid: number } | undefined;
  try {
    running = await runDetached(bundle);
    const containerRoot = `/proc/${running.pid}/root`;
    await waitFor(join(containerRoot, relative, 'marker'));
    // On the host: no mount on either directory, and nothing written into them.
    const points = hostMountPoints();
    assert.ok(!points.some((point) => point.startsWith(`/tmp/berth-escape-${process.pid}`)), points.join('\n'));
    assert.deepEqual(readdirSync(absolute), []);
    assert.deepEqual(readdirSync(relative), []);
    // In the container: both tmpfs at the symlinks' targets within its root, holding what was written.
    const inside = readFileSync(`/proc/${running.pid}/mountinfo`, 'utf8');
    assert.match(mountLine(inside, absolute) ?? '', / - tmpfs /, inside);
    assert.match(mountLine(inside, relative) ?? '', / - tmpfs /, inside);
    assert.equal(readFileSync(join(containerRoot, absolute, 'marker'), 'utf8'), 'inside\n');
    assert.equal(readFileSync(join(containerRoot, relative, 'marker'), 'utf8'), 'inside\n');
    // The mount points were made in the bundle's rootfs.
    assert.ok(existsSync(join(bundle.rootfs, absolute)) && existsSync(join(bundle.rootfs, relative)));
  } finally {
    if (running) await deleteDetached(running.id);
    bundle.remove();
  }
  assert.deepEqual(readdirSync(absolute), []);
  assert.deepEqual(readdirSync(relative), []);
});

test('SECURITY: bind mounts of a directory and of a file through symlinks land inside the root', async () => {
  const escape = hostDir('bind');
  const source = hostDir('bind-source');
  writeFileSync(join(source, 'content'), 'bound\n');
  const resolvSource = join(source, 'resolv.conf');
  writeFileSync(resolvSource, 'nameserver 192.0.2.1\n');
  const missingOnHost = `/run/berth-escape-${process.pid}`;
  let rootfsView: { dir: boolean; file: boolean } | undefined;
  const result = await inContainer(
    `cat /evil-bind/content ${escape}/content /etc/resolv.conf; grep -c " ${escape} " /proc/self/mountinfo; grep -c " ${missingOnHost}/resolv.conf " /proc/self/mountinfo`,
    (config) => {
      config.mounts!.push(
        { destination: '/evil-bind', type: 'bind', source, options: ['rbind', 'ro'] },
        // The common image case: /etc/resolv.conf a dangling symlink into /run.
        { destination: '/etc/resolv.conf', type: 'bind', source: resolvSource, options: ['bind', 'ro'] },
      );
    },
    (rootfs) => {
      symlinkSync(escape, join(rootfs, 'evil-bind'));
      symlinkSync(`../../../..${missingOnHost}/resolv.conf`, join(rootfs, 'etc', 'resolv.conf'));
    },
    {
      inspect: (rootfs) =>
        (rootfsView = { dir: existsSync(join(rootfs, escape)), file: existsSync(join(rootfs, missingOnHost, 'resolv.conf')) }),
    },
  );
  assert.equal(result.stdout, `bound\nbound\nnameserver 192.0.2.1\n1\n1\n`, result.stderr);
  assert.deepEqual(rootfsView, { dir: true, file: true });
  assert.deepEqual(readdirSync(escape), []);
  assert.equal(existsSync(missingOnHost), false, 'nothing was created on the host');
});

test('SECURITY: with /dev a symlink to a host directory, device nodes are made inside the root', async () => {
  // /dev is a fresh tmpfs in the default spec; without that mount the image's /dev is used, and here it
  // is a symlink to a host directory.
  const escape = hostDir('dev');
  let madeInRootfs: string[] = [];
  const result = await inContainer(
    `stat -c '%n %F %t:%T' /dev/null /dev/berthtest; readlink /dev; ls ${escape} | sort | tr '\\n' ' '`,
    (config) => {
      config.mounts = config.mounts!.filter((mount) => !mount.destination.startsWith('/dev'));
      config.linux!.devices = [{ type: 'c', path: '/dev/berthtest', major: 1, minor: 3, fileMode: 0o666 }];
    },
    (rootfs) => {
      rmSync(join(rootfs, 'dev'), { recursive: true });
      symlinkSync(escape, join(rootfs, 'dev'));
    },
    { inspect: (rootfs) => (madeInRootfs = readdirSync(join(rootfs, escape)).sort()) },
  );
  assert.equal(
    result.stdout,
    `/dev/null character special file 1:3\n/dev/berthtest character special file 1:3\n${escape}\n` +
      'berthtest fd full null ptmx random stderr stdin stdout tty urandom zero ',
    result.stderr,
  );
  assert.deepEqual(madeInRootfs, ['berthtest', 'fd', 'full', 'null', 'ptmx', 'random', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']);
  assert.deepEqual(readdirSync(escape), [], 'no device node was made on the host');
});

for (const mode of ['pivot_root', '--no-pivot'] as const) {
  test(`SECURITY: maskedPaths and readonlyPaths through symlinks to host directories stay inside the root (${mode})`, async () => {
    // These are applied after the root switch, so a symlink can only resolve inside the container's root.
    const masked = hostDir(`mask-${mode}`);
    const readonly = hostDir(`ro-${mode}`);
    writeFileSync(join(masked, 'host-file'), 'host\n');
    writeFileSync(join(readonly, 'host-file'), 'host\n');
    const result = await inContainer(
      `ls -A ${masked}; cat ${readonly}/image-file; touch ${readonly}/new 2>&1; touch /elsewhere && echo root-writable; ` +
        `grep -cE " (${masked}|${readonly}) " /proc/self/mountinfo`,
      (config) => {
        config.root.readonly = false;
        config.linux!.maskedPaths = ['/masked-link'];
        config.linux!.readonlyPaths = ['/ro-link'];
      },
      (rootfs) => {
        for (const dir of [masked, readonly]) mkdirSync(join(rootfs, dir), { recursive: true });
        writeFileSync(join(rootfs, masked, 'image-secret'), 'secret\n');
        writeFileSync(join(rootfs, readonly, 'image-file'), 'image\n');
        symlinkSync(masked, join(rootfs, 'masked-link'));
        symlinkSync(`../../..${readonly}`, join(rootfs, 'ro-link'));
      },
      { args: mode === '--no-pivot' ? ['--no-pivot'] : [] },
    );
    assert.equal(result.stdout, `image\ntouch: ${readonly}/new: Read-only file system\nroot-writable\n2\n`, result.stderr);
    assert.deepEqual(readdirSync(masked), ['host-file']);
    assert.deepEqual(readdirSync(readonly), ['host-file']);
    assert.ok(!hostMountPoints().some((point) => point === masked || point === readonly));
  });
}

// runc's own mount options, compared with runc on the same bundles. Host-side mounts the cases need
// (a submount, a shared source) are made in a private mount namespace that runs the runtime.

const compareDir = mkdtempSync(join(tmpdir(), 'berth-mntopts-'));
const compare = bothRuntimes(compareDir);
after(async () => {
  await compare.cleanup();
  rmSync(compareDir, { recursive: true, force: true });
});

/** `RUNTIME run` of `bundle` inside `unshare --mount`, after `setup` (sh) ran there. */
function runFenced(runtime: RuntimeName, setup: string, bundle: TestBundle) {
  return runProgram('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `set -e; ${setup}; exec "$@"`, 'sh', ...compare.argv(runtime), 'run', '--bundle', bundle.dir, compare.newId(runtime)]);
}

test('rro makes a bind mount and the mounts below it read-only, ro only the mount itself, as with runc', async () => {
  const source = hostDir('rro');
  mkdirSync(join(source, 'sub'));
  const script = 'for f in /r/top /r/sub/inner /p/top /p/sub/inner; do touch $f 2>/dev/null && echo "$f writable" || echo "$f read-only"; done';
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['sh', '-c', script];
    config.mounts!.push({ destination: '/r', type: 'bind', source, options: ['rbind', 'rro'] });
    config.mounts!.push({ destination: '/p', type: 'bind', source, options: ['rbind', 'ro'] });
  });
  try {
    const seen = await sameWithBoth(async (runtime) => {
      const result = await runFenced(runtime, `mount -t tmpfs sub ${join(source, 'sub')}`, bundle);
      assert.equal(result.code, 0, `${runtime}: ${result.stderr}`);
      return result.stdout;
    });
    assert.equal(seen, '/r/top read-only\n/r/sub/inner read-only\n/p/top read-only\n/p/sub/inner writable\n');
  } finally {
    bundle.remove();
  }
});

test('tmpcopyup: a tmpfs starts with the image\'s files, owners, modes and links, as with runc', async () => {
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['sh', '-c', 'ls -lnR /opt/data | awk \'{ print $1, $3, $4, $5, $9, $10, $11 }\'; grep " /opt/data " /proc/self/mountinfo | cut -d" " -f9; echo new > /opt/data/new'];
    config.mounts!.push({ destination: '/opt/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'tmpcopyup', 'mode=755'] });
  });
  const data = join(bundle.rootfs, 'opt', 'data');
  mkdirSync(join(data, 'dir', 'deeper'), { recursive: true });
  writeFileSync(join(data, 'file'), 'content\n', { mode: 0o640 });
  writeFileSync(join(data, 'dir', 'deeper', 'x'), 'x');
  symlinkSync('../file', join(data, 'dir', 'link'));
  execFileSync('chown', ['-h', '1000:2000', join(data, 'file'), join(data, 'dir', 'link')]);
  execFileSync('chmod', ['0750', join(data, 'dir')]);
  try {
    const seen = await sameWithBoth(async (runtime) => {
      const result = await compare.drive(runtime, 'run', '--bundle', bundle.dir, compare.newId(runtime));
      assert.equal(result.code, 0, `${runtime}: ${result.stderr}`);
      return result.stdout;
    });
    assert.match(seen, /^-rw-r----- 1000 2000 8 file/m);
    assert.match(seen, /^lrwxrwxrwx 1000 2000 7 link -> \.\.\/file$/m);
    assert.match(seen, /^tmpfs$/m);
    assert.deepEqual(readdirSync(data).sort(), ['dir', 'file'], 'the image is untouched');
  } finally {
    bundle.remove();
  }
});

test('rshared, rslave and rprivate give a bind mount that propagation, as with runc', async () => {
  const source = hostDir('propagation');
  // The propagation of each mount: shared (a shared:N field), a slave (master:N), both, or private.
  const script = 'for p in /s /l /v; do echo "$p $(awk -v p=$p \'$5 == p { k = ""; for (i = 7; $i != "-"; i++) { if ($i ~ /^shared:/) k = k "shared "; if ($i ~ /^master:/) k = k "slave " } print (k == "" ? "private" : k) }\' /proc/self/mountinfo)"; done';
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['sh', '-c', script];
    config.mounts!.push({ destination: '/s', type: 'bind', source, options: ['rbind', 'rshared'] });
    config.mounts!.push({ destination: '/l', type: 'bind', source, options: ['rbind', 'rslave'] });
    config.mounts!.push({ destination: '/v', type: 'bind', source, options: ['rbind', 'rprivate'] });
  });
  try {
    const seen = await sameWithBoth(async (runtime) => {
      const result = await runFenced(runtime, `mount --bind ${source} ${source}; mount --make-shared ${source}`, bundle);
      assert.equal(result.code, 0, `${runtime}: ${result.stderr}`);
      return result.stdout;
    });
    // rshared over the root's slave propagation (both runtimes make it so) leaves the mount both.
    assert.equal(seen, '/s shared slave \n/l slave \n/v private\n');
  } finally {
    bundle.remove();
  }
});

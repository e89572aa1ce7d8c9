// Debian's podman driving `berth runtime` in runc's place (--runtime, cgroupfs): each client operation of
// issue #21 done with runc and with Berth on the same image, and what podman and the container show
// compared, since a drop-in must give the same results. One podman set-up serves every test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { RUNTIMES, sameWithBoth, startPodman, type Podman, type RuntimeName } from '../support/runtimeClients';
import type { ProgramResult } from '../support/processes';

let podman: Podman;
before(async () => {
  podman = await startPodman();
});
after(async () => {
  await podman?.close();
});

/** `podman run`'s flags every container here gets: the test's cgroup parent. */
const runFlags = () => ['--cgroup-parent', podman.cgroupParent];

/** A podman call that must succeed; its stdout. */
async function ok(runtime: RuntimeName, ...args: string[]): Promise<string> {
  const result = await podman.run(runtime, ...args);
  assert.equal(result.code, 0, `podman ${args.join(' ')} with ${runtime}: ${result.stderr}`);
  return result.stdout;
}

/** Waits until the container's logs contain `text` (an event, with a generous bound). */
async function logsContain(runtime: RuntimeName, name: string, text: string): Promise<string> {
  let logs = '';
  for (let i = 0; i < 600 && !logs.includes(text); i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    logs = await ok(runtime, 'logs', name);
  }
  assert.ok(logs.includes(text), `the logs of ${name} (${runtime}) never showed ${JSON.stringify(text)}: ${logs}`);
  return logs;
}

const pick = (result: ProgramResult) => ({ code: result.code, stdout: result.stdout, stderr: result.stderr });

test('run, exec, kill, stop and logs give the same results as with runc', async () => {
  const seen = await sameWithBoth(async (runtime) => {
    const echo = pick(await podman.run(runtime, 'run', '--rm', ...runFlags(), podman.image, '/bin/echo', 'hello'));
    const exit3 = (await podman.run(runtime, 'run', '--rm', ...runFlags(), podman.image, '/bin/sh', '-c', 'exit 3')).code;
    const name = `life-${runtime}`;
    const script = 'trap "echo got-usr1" USR1; trap "echo got-term; exit 5" TERM; echo started; while true; do sleep 0.1; done';
    await ok(runtime, 'run', '-d', '--name', name, ...runFlags(), podman.image, '/bin/sh', '-c', script);
    await logsContain(runtime, name, 'started');
    const exec = pick(await podman.run(runtime, 'exec', name, '/bin/sh', '-c', 'echo in-exec; exit 4'));
    await ok(runtime, 'kill', '--signal', 'USR1', name);
    await logsContain(runtime, name, 'got-usr1');
    await ok(runtime, 'stop', '--time', '30', name);
    const state = (await ok(runtime, 'inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name)).trim();
    const logs = await ok(runtime, 'logs', name);
    await ok(runtime, 'rm', name);
    return { echo, exit3, exec, state, logs };
  });
  assert.deepEqual((seen as { echo: object }).echo, { code: 0, stdout: 'hello\n', stderr: '' });
  assert.equal((seen as { state: string }).state, 'exited 5', 'stop sent TERM, which the trap answered');
  assert.match((seen as { logs: string }).logs, /^started\ngot-usr1\ngot-term\n$/);
});

test('limits, --user and --cap-drop are what the container sees, as with runc', async () => {
  const script = [
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us',
    'id',
    'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status',
  ].join('; ');
  const seen = await sameWithBoth(async (runtime) => {
    const args = ['--memory', '32m', '--pids-limit', '50', '--cpus', '0.5', '--user', '1000:1000', '--cap-drop', 'all', '--cap-add', 'chown'];
    return pick(await podman.run(runtime, 'run', '--rm', ...runFlags(), ...args, podman.image, '/bin/sh', '-c', script));
  });
  assert.match((seen as { stdout: string }).stdout, /^33554432\n50\n50000\nuid=1000\(1000\) gid=1000\(1000\)/);
  assert.match((seen as { stdout: string }).stdout, /CapEff:\t0000000000000001\n/);
});

test('pause and unpause freeze and thaw the container, as with runc', async () => {
  await sameWithBoth(async (runtime) => {
    const name = `pause-${runtime}`;
    await ok(runtime, 'run', '-d', '--name', name, ...runFlags(), podman.image, '/bin/sleep', '1000');
    try {
      const pid = Number((await ok(runtime, 'inspect', '--format', '{{.State.Pid}}', name)).trim());
      await ok(runtime, 'pause', name);
      const paused = [(await ok(runtime, 'inspect', '--format', '{{.State.Status}}', name)).trim(), freezerState(pid)];
      await ok(runtime, 'unpause', name);
      const resumed = [(await ok(runtime, 'inspect', '--format', '{{.State.Status}}', name)).trim(), freezerState(pid)];
      assert.deepEqual([paused, resumed], [['paused', 'FROZEN'], ['running', 'THAWED']], runtime);
      return [paused, resumed];
    } finally {
      await podman.run(runtime, 'rm', '--force', '--time', '0', name);
    }
  });
});

/** The v1 freezer state of a process's cgroup, read on the host. */
function freezerState(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1] === 'freezer');
  assert.ok(line, `process ${pid} is in no freezer cgroup`);
  return readFileSync(`/sys/fs/cgroup/freezer${line.split(':')[2]}/freezer.state`, 'utf8').trim();
}

test('update --memory changes the limit of a running container, as with runc', async () => {
  await sameWithBoth(async (runtime) => {
    const name = `update-${runtime}`;
    await ok(runtime, 'run', '-d', '--name', name, ...runFlags(), podman.image, '/bin/sleep', '1000');
    try {
      const before = (await ok(runtime, 'exec', name, '/bin/cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes')).trim();
      await ok(runtime, 'update', '--memory', '128m', name);
      const after = (await ok(runtime, 'exec', name, '/bin/cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes')).trim();
      assert.equal(after, '134217728', runtime);
      return { unlimitedBefore: Number(before) > 2 ** 60, after };
    } finally {
      await podman.run(runtime, 'rm', '--force', '--time', '0', name);
    }
  });
});

test('--read-only and --tmpfs give the same mounts as with runc (tmpcopyup)', async () => {
  // The mounts --read-only and --tmpfs make (point, options, type; sorted: the order of mountinfo's lines
  // depends on how each runtime mounts), what the tmpfs over /etc holds, and what can be written.
  // The tmpfs over /etc starts with the image's files (tmpcopyup), owners and modes kept.
  const points = ['/', '/x', '/etc', '/tmp', '/var/tmp', '/run', '/dev/shm', '/etc/hosts', '/etc/hostname'].map((p) => `$5 == "${p}"`).join(' || ');
  const script = [
    `awk '${points} { print $5, $6, $(NF-2) }' /proc/self/mountinfo | sort`,
    'ls -ln /etc | awk \'NR > 1 { print $1, $3, $4, $9 }\'',
    'cat /etc/group',
    'touch /x/ok /tmp/ok /etc/ok && echo writable',
    'touch /nope',
  ].join('; ');
  const seen = await sameWithBoth(async (runtime) =>
    pick(await podman.run(runtime, 'run', '--rm', ...runFlags(), '--read-only', '--tmpfs', '/x', '--tmpfs', '/etc', podman.image, '/bin/sh', '-c', script)),
  );
  const { stdout, stderr } = seen as { stdout: string; stderr: string };
  assert.match(stdout, /^\/ ro,relatime overlay$/m);
  assert.match(stdout, /^\/x rw,nosuid,nodev,relatime tmpfs$/m);
  assert.match(stdout, /^-rw-r--r-- 0 0 passwd$/m);
  assert.match(stdout, /^root:x:0:\n/m);
  assert.match(stdout, /^writable$/m);
  assert.match(stderr, /touch: \/nope: Read-only file system/);
});

test('podman info names the runtime and its version in runc\'s format', async () => {
  for (const runtime of RUNTIMES) {
    const info = JSON.parse(await ok(runtime, 'info', '--format', '{{json .Host.OCIRuntime}}')) as { name: string; version: string };
    assert.match(info.name, runtime === 'berth' ? /berth-runtime$/ : /runc$/);
    // podman shows what `RUNTIME --version` prints: "NAME version X" and "key: value" lines.
    assert.match(info.version, runtime === 'berth' ? /^berth version \d+\.\d+\.\d+\nspec: 1\.\d+\.\d+\nnode: / : /^runc version /);
    const version = (await ok(runtime, 'info', '--format', '{{.Host.OCIRuntime.Version}}')).trim();
    assert.equal(version, info.version);
  }
});

test('a create the runtime refuses reaches the user with the runtime\'s reason and exit code', async () => {
  const seen = await sameWithBoth(async (runtime) => {
    const missing = await podman.run(runtime, 'run', '--rm', ...runFlags(), podman.image, '/no/such/program');
    assert.match(missing.stderr, /"\/no\/such\/program".*no such file or directory/, runtime);
    const notExecutable = await podman.run(runtime, 'run', '--rm', ...runFlags(), podman.image, '/etc/passwd');
    assert.match(notExecutable.stderr, /"\/etc\/passwd".*permission denied/, runtime);
    return [missing.code, notExecutable.code];
  });
  assert.deepEqual(seen, [127, 126]);
});

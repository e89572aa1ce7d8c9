// containerd (Debian's, with its runc v2 shim) driving `berth runtime` in runc's place, through ctr's
// --runc-binary (the BinaryName of the shim's options): each client operation of issue #21 done with
// runc and with Berth, and what ctr and the container show compared. One containerd serves every test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { sameWithBoth, startContainerd, type Containerd, type RuntimeName } from '../support/runtimeClients';

let containerd: Containerd;
before(async () => {
  containerd = await startContainerd();
});
after(async () => {
  await containerd?.close();
});

/** `ctr run` of the busybox root filesystem with this runtime. */
const run = (runtime: RuntimeName, flags: string[], id: string, ...command: string[]) =>
  containerd.ctr('run', ...flags, ...containerd.runtimeFlags(runtime), '--rootfs', containerd.rootfs, id, ...command);

/** A ctr call that must succeed; its stdout. */
async function ok(...args: string[]): Promise<string> {
  const result = await containerd.ctr(...args);
  assert.equal(result.code, 0, `ctr ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The STATUS column of `ctr task ls` for a task. */
async function taskStatus(id: string): Promise<string> {
  const line = (await ok('task', 'ls')).split('\n').find((l) => l.split(/\s+/)[0] === id);
  return line?.trim().split(/\s+/)[2] ?? 'gone';
}

/** Waits until a task reaches a status (an event, with a generous bound). */
async function untilStatus(id: string, status: string): Promise<void> {
  let now = '';
  for (let i = 0; i < 600 && now !== status; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    now = await taskStatus(id);
  }
  assert.equal(now, status, `task ${id}`);
}

async function removeTask(id: string): Promise<void> {
  await containerd.ctr('task', 'kill', '--signal', 'KILL', id);
  await containerd.ctr('task', 'rm', '--force', id);
  await containerd.ctr('container', 'rm', id);
}

test('ctr run, task exec and task kill give the same results as with runc', async () => {
  const seen = await sameWithBoth(async (runtime) => {
    const echo = await run(runtime, ['--rm'], `echo-${runtime}`, '/bin/echo', 'hello');
    const exit3 = await run(runtime, ['--rm'], `exit-${runtime}`, '/bin/sh', '-c', 'exit 3');
    const id = `life-${runtime}`;
    const script = 'trap "echo got-usr1 > /tmp/usr1" USR1; while true; do sleep 0.1; done';
    await ok('run', '-d', ...containerd.runtimeFlags(runtime), '--rootfs', containerd.rootfs, id, '/bin/sh', '-c', script);
    try {
      await untilStatus(id, 'RUNNING');
      const exec = await containerd.ctr('task', 'exec', '--exec-id', 'e1', id, '/bin/sh', '-c', 'echo in-exec; exit 4');
      await ok('task', 'kill', '--signal', 'USR1', id);
      let usr1 = '';
      for (let i = 0; i < 600 && usr1 === ''; i++) {
        usr1 = (await containerd.ctr('task', 'exec', '--exec-id', `e-${i}`, id, '/bin/cat', '/tmp/usr1')).stdout;
        if (usr1 === '') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await ok('task', 'kill', '--signal', 'KILL', id);
      await untilStatus(id, 'STOPPED');
      return {
        echo: [echo.code, echo.stdout],
        exit3: exit3.code,
        exec: [exec.code, exec.stdout],
        usr1,
      };
    } finally {
      await removeTask(id);
    }
  });
  assert.deepEqual(seen, { echo: [0, 'hello\n'], exit3: 3, exec: [4, 'in-exec\n'], usr1: 'got-usr1\n' });
});

test('ctr task pause and resume freeze and thaw the task, as with runc', async () => {
  await sameWithBoth(async (runtime) => {
    const id = `pause-${runtime}`;
    await ok('run', '-d', ...containerd.runtimeFlags(runtime), '--rootfs', containerd.rootfs, id, '/bin/sleep', '1000');
    try {
      await untilStatus(id, 'RUNNING');
      const pid = Number((await ok('task', 'ls')).split('\n').find((l) => l.startsWith(`${id} `))!.trim().split(/\s+/)[1]);
      await ok('task', 'pause', id);
      const paused = [await taskStatus(id), freezerState(pid)];
      await ok('task', 'resume', id);
      const resumed = [await taskStatus(id), freezerState(pid)];
      assert.deepEqual([paused, resumed], [['PAUSED', 'FROZEN'], ['RUNNING', 'THAWED']], runtime);
      return [paused, resumed];
    } finally {
      await removeTask(id);
    }
  });
});

/** The v1 freezer state of a process's cgroup, read on the host. */
function freezerState(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1] === 'freezer');
  assert.ok(line, `process ${pid} is in no freezer cgroup`);
  return readFileSync(`/sys/fs/cgroup/freezer${line.split(':')[2]}/freezer.state`, 'utf8').trim();
}

test('ctr task ps lists every process of the task, as with runc', async () => {
  await sameWithBoth(async (runtime) => {
    const id = `ps-${runtime}`;
    await ok('run', '-d', ...containerd.runtimeFlags(runtime), '--rootfs', containerd.rootfs, id, '/bin/sh', '-c', 'sleep 1000 & sleep 1000 & wait');
    try {
      await untilStatus(id, 'RUNNING');
      // The shell and its two sleeps, once both have been forked.
      let pids: number[] = [];
      for (let i = 0; i < 600 && pids.length < 3; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        pids = (await ok('task', 'ps', id)).split('\n').slice(1).filter(Boolean).map((line) => Number(line.trim().split(/\s+/)[0]));
      }
      const commands = pids.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).sort();
      assert.deepEqual(commands, ['/bin/sh', 'sleep', 'sleep'], runtime);
      return commands;
    } finally {
      await removeTask(id);
    }
  });
});

test('a create the runtime refuses shows the runtime\'s reason, read from its --log file', async () => {
  await sameWithBoth(async (runtime) => {
    const result = await run(runtime, ['--rm'], `refused-${runtime}`, '/no/such/program');
    // The shim reads the last error of the runtime's JSON log; without it the reason would be lost
    // ("unable to retrieve OCI runtime error").
    assert.match(result.stderr, /OCI runtime create failed: .*"\/no\/such\/program".*no such file or directory/, runtime);
    assert.doesNotMatch(result.stderr, /unable to retrieve OCI runtime error/, runtime);
    return result.code;
  });
});

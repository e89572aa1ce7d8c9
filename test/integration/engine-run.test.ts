// `berth run` and friends against a real daemon: each option's effect is checked inside the container,
// and each state change on disk and in the events stream, not only in the API's answer.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BerthEvent } from '../../helper/src/protocol';
import { IMAGE, mountsUnder, startEngine, type EngineHarness } from '../support/engineHarness';

let engine: EngineHarness;
before(async () => {
  engine = await startEngine();
});
after(async () => {
  await engine.close();
});

test('run --rm prints the output, exits 0 and leaves no container, mount or directory behind', async () => {
  const result = await engine.berth(['run', '--rm', IMAGE, 'echo', 'hi']);
  assert.equal(result.stdout, 'hi\n');
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await engine.berth(['ps', '-a', '-q'])).stdout, '');
  assert.deepEqual(mountsUnder(join(engine.daemon.rootDir, 'containers')), []);
});

test('the container exit code becomes the exit code of run', async () => {
  const result = await engine.berth(['run', '--name', 'exit3', IMAGE, 'sh', '-c', 'exit 3']);
  assert.equal(result.code, 3);
  const inspect = JSON.parse((await engine.berth(['inspect', 'exit3'])).stdout)[0];
  assert.equal(inspect.state.status, 'exited');
  assert.equal(inspect.state.exitCode, 3);
  assert.ok(Date.parse(inspect.state.finishedAt) >= Date.parse(inspect.state.startedAt));
  await engine.berth(['rm', 'exit3']);
});

test('-e, --env-file, -w, -u, -h and -l are visible inside the container', async () => {
  const envFile = join(engine.dir, 'env.list');
  writeFileSync(envFile, '# comment\nFROM_FILE=yes\n');
  const result = await engine.berth([
    'run', '--rm', '-e', 'GREETING=hello world', '--env-file', envFile, '-w', '/made/by/run', '-u', 'nobody', '-h', 'berth-host',
    IMAGE, 'sh', '-c', 'echo "$GREETING|$FROM_FILE|$(pwd)|$(id -u):$(id -g)|$(hostname)|$(cat /etc/hostname)"',
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'hello world|yes|/made/by/run|65534:65534|berth-host|berth-host\n');
});

test('-v binds a host directory both ways, and :ro makes it read-only', async () => {
  const shared = mkdtempSync(join(engine.dir, 'bind-'));
  writeFileSync(join(shared, 'from-host'), 'host says hi\n');
  const result = await engine.berth(['run', '--rm', '-v', `${shared}:/data`, IMAGE, 'sh', '-c', 'cat /data/from-host; echo container wrote > /data/from-container']);
  assert.equal(result.stdout, 'host says hi\n');
  assert.equal(readFileSync(join(shared, 'from-container'), 'utf8'), 'container wrote\n');
  const readOnly = await engine.berth(['run', '--rm', '-v', `${shared}:/data:ro`, IMAGE, 'sh', '-c', 'echo x > /data/nope']);
  assert.notEqual(readOnly.code, 0);
  assert.match(readOnly.stderr, /Read-only file system/);
  assert.equal(existsSync(join(shared, 'nope')), false);
});

test('named volumes are kept by the engine and outlive the containers that use them', async () => {
  const first = await engine.berth(['run', '--rm', '-v', 'cache:/cache', IMAGE, 'sh', '-c', 'echo kept > /cache/file']);
  assert.equal(first.code, 0, first.stderr);
  const second = await engine.berth(['run', '--rm', '-v', 'cache:/cache', IMAGE, 'cat', '/cache/file']);
  assert.equal(second.stdout, 'kept\n');
  assert.ok(existsSync(join(engine.daemon.rootDir, 'volumes', 'cache', '_data', 'file')));
});

test('--tmpfs and --read-only', async () => {
  const result = await engine.berth(['run', '--rm', '--read-only', '--tmpfs', '/scratch', IMAGE, 'sh', '-c', 'echo ok > /scratch/f && cat /scratch/f; grep " /scratch " /proc/mounts | cut -d" " -f3; touch /root/x']);
  assert.match(result.stdout, /^ok\ntmpfs\n$/);
  assert.match(result.stderr, /Read-only file system/);
  assert.notEqual(result.code, 0);
});

test('a command that does not exist exits 127 and one that cannot be executed 126', async () => {
  const missing = await engine.berth(['run', '--rm', IMAGE, 'no-such-program']);
  assert.equal(missing.code, 127, missing.stderr);
  assert.match(missing.stderr, /no-such-program.*not found/);
  const notExecutable = await engine.berth(['run', '--rm', IMAGE, '/etc/passwd']);
  assert.equal(notExecutable.code, 126, notExecutable.stderr);
});

test('the writable layer is the container\'s own: the image is untouched and a second container does not see the change', async () => {
  const id = (await engine.berth(['run', '-d', IMAGE, 'sh', '-c', 'echo changed > /etc/motd; rm /bin/vi; sleep 1000'])).stdout.trim();
  try {
    const other = await engine.berth(['run', '--rm', IMAGE, 'sh', '-c', 'cat /etc/motd 2>&1; ls /bin/vi']);
    assert.match(other.stdout, /No such file/);
    assert.match(other.stdout, /\/bin\/vi/);
    const inspect = JSON.parse((await engine.berth(['inspect', id])).stdout)[0];
    assert.equal(inspect.storageDriver, 'overlay');
    assert.ok(mountsUnder(inspect.rootfs).length === 1, 'the rootfs is an overlay mount');
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

test('events stream create, start, die (with the exit code) and destroy, and logs survive the exit', async () => {
  const events: BerthEvent[] = [];
  const stream = await engine.client.openStream('events.subscribe', { types: ['container'] });
  stream.listen({ items: (items) => void events.push(...(items as BerthEvent[])) });
  const run = await engine.berth(['run', '--name', 'evented', IMAGE, 'sh', '-c', 'echo out; echo err >&2; exit 4']);
  assert.equal(run.code, 4);
  const logs = await engine.berth(['logs', 'evented']);
  assert.equal(logs.stdout, 'out\n');
  assert.equal(logs.stderr, 'err\n');
  const tail = await engine.berth(['logs', '--tail', '1', '-t', 'evented']);
  assert.match(tail.stderr + tail.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z (out|err)\n$/);
  await engine.berth(['rm', 'evented']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await stream.cancel();
  const mine = events.filter((event) => event.attributes.name === 'evented');
  assert.deepEqual(mine.map((event) => event.action), ['create', 'start', 'die', 'destroy']);
  assert.equal(mine[2]!.attributes.exitCode, '4');
});

test('ps lists running containers first, -a adds stopped ones, and filters by name, status and label', async () => {
  const running = (await engine.berth(['run', '-d', '--name', 'ps-running', '-l', 'tier=web', IMAGE, 'sleep', '1000'])).stdout.trim();
  await engine.berth(['run', '--name', 'ps-stopped', '-l', 'tier=db', IMAGE, 'true']);
  try {
    const plain = await engine.berth(['ps', '--format', 'json']);
    assert.deepEqual(JSON.parse(plain.stdout).map((c: { name: string }) => c.name), ['ps-running']);
    const all = JSON.parse((await engine.berth(['ps', '-a', '--format', 'json'])).stdout) as Array<{ name: string; status: string }>;
    assert.equal(all[0]!.name, 'ps-running');
    assert.ok(all.some((c) => c.name === 'ps-stopped' && /^Exited \(0\)/.test(c.status)));
    assert.equal((await engine.berth(['ps', '-a', '-q', '--filter', 'label=tier=db'])).stdout.trim().length, 12);
    assert.equal((await engine.berth(['ps', '-a', '-q', '--filter', 'status=running'])).stdout.trim(), running.slice(0, 12));
    assert.equal((await engine.berth(['ps', '-a', '-q', '--filter', 'name=ps-st'])).stdout.trim().split('\n').length, 1);
    const table = (await engine.berth(['ps'])).stdout;
    assert.match(table, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n/);
    assert.match(table, /ps-running\n$/);
  } finally {
    await engine.berth(['rm', '-f', 'ps-running', 'ps-stopped']);
  }
});

test('rename, restart and wait', async () => {
  const id = (await engine.berth(['run', '-d', '--name', 'before', IMAGE, 'sh', '-c', 'echo started; sleep 1000'])).stdout.trim();
  try {
    assert.equal((await engine.berth(['rename', 'before', 'after'])).code, 0);
    assert.equal((await engine.berth(['inspect', 'before'])).code, 1);
    const pidBefore = JSON.parse((await engine.berth(['inspect', 'after'])).stdout)[0].state.pid;
    assert.equal((await engine.berth(['restart', '-t', '1', 'after'])).code, 0);
    const inspect = JSON.parse((await engine.berth(['inspect', 'after'])).stdout)[0];
    assert.equal(inspect.state.status, 'running');
    assert.notEqual(inspect.state.pid, pidBefore);
    assert.equal((await engine.berth(['logs', 'after'])).stdout, 'started\nstarted\n');
    const waited = engine.berth(['wait', 'after']);
    await engine.berth(['kill', '-s', 'KILL', 'after']);
    assert.equal((await waited).stdout, '137\n');
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

test('cp copies into and out of a container, keeping modes', async () => {
  const id = (await engine.berth(['run', '-d', IMAGE, 'sleep', '1000'])).stdout.trim();
  try {
    const source = join(engine.dir, 'cp-src');
    mkdirSync(join(source, 'sub'), { recursive: true });
    writeFileSync(join(source, 'sub', 'script'), '#!/bin/sh\necho ran\n');
    chmodSync(join(source, 'sub', 'script'), 0o751);
    assert.equal((await engine.berth(['cp', source, `${id}:/tmp`])).code, 0);
    assert.equal((await engine.berth(['exec', id, '/tmp/cp-src/sub/script'])).stdout, 'ran\n');
    assert.match((await engine.berth(['exec', id, 'stat', '-c', '%a', '/tmp/cp-src/sub/script'])).stdout, /^751\n$/);
    await engine.berth(['exec', id, 'sh', '-c', 'mkdir /out && echo inside > /out/made && chmod 640 /out/made']);
    const target = join(engine.dir, 'cp-out');
    assert.equal((await engine.berth(['cp', `${id}:/out`, target])).code, 0);
    assert.equal(readFileSync(join(target, 'made'), 'utf8'), 'inside\n');
    assert.equal(statSync(join(target, 'made')).mode & 0o777, 0o640);
  } finally {
    await engine.berth(['rm', '-f', id]);
    rmSync(join(engine.dir, 'cp-out'), { recursive: true, force: true });
  }
});

test('top and stats show the container\'s own processes and cgroup', async () => {
  const id = (await engine.berth(['run', '-d', '--memory', '64m', '--pids-limit', '50', IMAGE, 'sh', '-c', 'sleep 1000 & sleep 1000'])).stdout.trim();
  try {
    const top = await engine.berth(['top', id]);
    assert.equal(top.stdout.split('\n').filter((line) => / sleep 1000$/.test(line)).length, 2, top.stdout);
    const stats = JSON.parse((await engine.berth(['stats', '--no-stream', '--format', 'json', id])).stdout)[0];
    assert.equal(stats.memoryLimit, 64 * 1024 * 1024);
    // busybox sh execs its last command: two sleeps are the container's processes.
    assert.equal(stats.pids, 2);
    assert.ok(stats.memoryUsage > 0);
    const streamed = await engine.client.openStream('containers.stats', { container: id, stream: true });
    const sample = await new Promise<unknown[]>((resolve) => streamed.listen({ items: resolve }));
    await streamed.cancel();
    assert.equal((sample[0] as { id: string }).id, id);
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

test('logs -f delivers a quiet container\'s lines as they come, and ends when the container stops', async () => {
  const id = (await engine.berth(['run', '-d', IMAGE, 'sh', '-c', 'echo first; sleep 1; echo second; sleep 1000'])).stdout.trim();
  try {
    const stream = await engine.client.openStream('containers.logs', { container: id, follow: true });
    const lines: string[] = [];
    const seen = new Promise<void>((resolve) =>
      stream.listen({
        items: (items) => {
          for (const item of items as Array<{ data: string }>) lines.push(Buffer.from(item.data, 'base64').toString());
          if (lines.length === 2) resolve();
        },
      }),
    );
    await seen;
    assert.deepEqual(lines, ['first\n', 'second\n']);
    await engine.berth(['kill', id]);
    await stream.done;
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

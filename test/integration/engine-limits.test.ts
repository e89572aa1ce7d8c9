// Resource limits and signals through the engine: the kernel's verdict (OOM kill, fork refused, frozen
// processes) is what is checked, and the stop timeout's SIGKILL.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { BerthEvent } from '../../helper/src/protocol';
import { IMAGE, startEngine, type EngineHarness } from '../support/engineHarness';

let engine: EngineHarness;
before(async () => {
  engine = await startEngine();
});
after(async () => {
  await engine.close();
});

test('--memory 16m and a 64 MiB allocation: OOMKilled in inspect and an oom event', async () => {
  const events: BerthEvent[] = [];
  const stream = await engine.client.openStream('events.subscribe', { types: ['container'] });
  stream.listen({ items: (items) => void events.push(...(items as BerthEvent[])) });
  // dd's 64 MiB block is one buffer it fills: the allocation the limit refuses.
  const run = await engine.berth(['run', '--name', 'hungry', '--memory', '16m', '--memory-swap', '16m', IMAGE, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
  assert.equal(run.code, 137, run.stderr);
  const inspect = JSON.parse((await engine.berth(['inspect', 'hungry'])).stdout)[0];
  assert.equal(inspect.state.oomKilled, true);
  assert.equal(inspect.resources.memory, 16 * 1024 * 1024);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await stream.cancel();
  const actions = events.filter((event) => event.attributes.name === 'hungry').map((event) => event.action);
  assert.ok(actions.includes('oom'), `events: ${actions.join(', ')}`);
  assert.ok(actions.indexOf('oom') < actions.indexOf('die'));
  await engine.berth(['rm', 'hungry']);
});

test('--pids-limit contains a fork bomb', async () => {
  // Forks up to 200 sleepers, printing the count after each; the shell dies when a fork is refused.
  const run = await engine.berth(['run', '--rm', '--pids-limit', '30', IMAGE, 'sh', '-c', 'i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); echo $i; done']);
  const counts = run.stdout.trim().split('\n').map(Number);
  const started = counts.at(-1)!;
  assert.ok(started > 0 && started < 30, `started ${started}: ${run.stderr}`);
  assert.match(run.stderr, /can't fork/);
  assert.notEqual(run.code, 0);
});

test('stop of a container that ignores SIGTERM kills it once the timeout has passed', async () => {
  // PID 1 of a pid namespace ignores signals it has no handler for: sleep as PID 1 ignores SIGTERM.
  const id = (await engine.berth(['run', '-d', IMAGE, 'sleep', '1000'])).stdout.trim();
  const started = Date.now();
  await engine.client.call('containers.stop', { container: id, timeout: 2 }, { timeoutMs: 0 });
  const took = Date.now() - started;
  const inspect = await engine.client.call('containers.inspect', { container: id });
  assert.equal(inspect.state.status, 'exited');
  assert.equal(inspect.state.exitCode, 137);
  assert.equal(inspect.state.signal, 'SIGKILL');
  // The grace period was given (a lower bound, which load cannot break; how soon after it the kill
  // comes is for benchmarks, not tests).
  assert.ok(took >= 2000, `stop took ${took} ms`);
  await engine.berth(['rm', id]);
});

test('stop of a container that handles SIGTERM ends it gracefully, with its own exit code', async () => {
  const id = (await engine.berth(['run', '-d', IMAGE, 'sh', '-c', 'trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done'])).stdout.trim();
  await engine.client.call('containers.stop', { container: id, timeout: 20 }, { timeoutMs: 0 });
  const inspect = await engine.client.call('containers.inspect', { container: id });
  assert.equal(inspect.state.exitCode, 0);
  assert.equal((await engine.berth(['logs', id])).stdout, 'bye\n');
  await engine.berth(['rm', id]);
});

test('pause freezes every process of the container and unpause thaws them', async () => {
  const id = (await engine.berth(['run', '-d', IMAGE, 'sh', '-c', 'while true; do sleep 0.05; done'])).stdout.trim();
  try {
    assert.equal((await engine.berth(['pause', id])).code, 0);
    const inspect = await engine.client.call('containers.inspect', { container: id });
    assert.equal(inspect.state.status, 'paused');
    // A frozen task shows no progress: its CPU time and state stay put.
    const pid = inspect.state.pid;
    const ticks = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ').slice(13, 15).join(' ');
    const before = ticks();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(ticks(), before);
    const exec = await engine.berth(['exec', id, 'true']);
    assert.notEqual(exec.code, 0, 'exec into a paused container is refused');
    assert.equal((await engine.berth(['unpause', id])).code, 0);
    assert.equal((await engine.client.call('containers.inspect', { container: id })).state.status, 'running');
    assert.equal((await engine.berth(['exec', id, 'true'])).code, 0);
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

test('restart policy on-failure:2 restarts a failing container twice, then leaves it exited', async () => {
  const id = (await engine.berth(['run', '-d', '--restart', 'on-failure:2', IMAGE, 'sh', '-c', 'echo run; exit 1'])).stdout.trim();
  // Two restarts after backoffs of 0.1 s and 0.2 s: wait for the third die event.
  const deadline = Date.now() + 20_000;
  let inspect = await engine.client.call('containers.inspect', { container: id });
  while ((inspect.restartCount < 2 || inspect.state.status !== 'exited') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    inspect = await engine.client.call('containers.inspect', { container: id });
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  inspect = await engine.client.call('containers.inspect', { container: id });
  assert.equal(inspect.restartCount, 2);
  assert.equal(inspect.state.status, 'exited');
  assert.equal((await engine.berth(['logs', id])).stdout, 'run\nrun\nrun\n');
  await engine.berth(['rm', id]);
});

test('kill sends the signal asked for to the container\'s process', async () => {
  const id = (await engine.berth(['run', '-d', IMAGE, 'sh', '-c', 'trap "echo got USR1" USR1; while true; do sleep 0.1; done'])).stdout.trim();
  try {
    await engine.berth(['kill', '-s', 'USR1', id]);
    const deadline = Date.now() + 10_000;
    while (!(await engine.berth(['logs', id])).stdout.includes('got USR1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await engine.berth(['logs', id])).stdout, 'got USR1\n');
    assert.equal((await engine.client.call('containers.inspect', { container: id })).state.status, 'running');
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

test('--init: a minimal PID 1 that reaps orphans and passes SIGTERM on to the command', async () => {
  const run = await engine.berth(['run', '--rm', '--init', IMAGE, 'sh', '-c', '(sleep 0.1 &); sleep 0.5; ps -o pid,stat,comm']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^\s*1 S\s+init$/m);
  assert.doesNotMatch(run.stdout, / Z /, 'the orphaned sleep was reaped');
  // Without --init, sleep as PID 1 ignores SIGTERM (stop needs its SIGKILL); with it, SIGTERM ends sleep.
  const id = (await engine.berth(['run', '-d', '--init', IMAGE, 'sleep', '1000'])).stdout.trim();
  await engine.client.call('containers.stop', { container: id, timeout: 30 }, { timeoutMs: 0 });
  const inspect = await engine.client.call('containers.inspect', { container: id });
  assert.equal(inspect.state.exitCode, 143);
  await engine.berth(['rm', id]);
});

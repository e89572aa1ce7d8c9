// The daemon's own death must not touch the containers: SIGKILL it while three run, start it again, and
// they are still running, listed, logging, and the exit of one of them afterwards is learned correctly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exited } from '../support/daemonProcess';
import { IMAGE, startEngine, type EngineHarness } from '../support/engineHarness';

let engine: EngineHarness;
before(async () => {
  engine = await startEngine();
});
after(async () => {
  await engine.close();
});

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  // The limit only keeps a broken build from hanging the suite.
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('containers survive the daemon being SIGKILLed, and a new daemon takes them back', async () => {
  // Each ticks until /tmp/stop appears in its writable layer, then exits 7.
  const ticker = ['sh', '-c', 'i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); echo tick $i; sleep 0.2; done; exit 7'];
  const names = ['survivor-1', 'survivor-2', 'survivor-3'];
  for (const name of names) assert.equal((await engine.berth(['run', '-d', '--name', name, IMAGE, ...ticker])).code, 0);
  // And one that has already exited: its logs must outlive the daemon too.
  assert.equal((await engine.berth(['run', '--name', 'finished', IMAGE, 'sh', '-c', 'echo said before; exit 2'])).code, 2);
  const pidsBefore = await Promise.all(names.map(async (name) => (await engine.client.call('containers.inspect', { container: name })).state.pid));

  engine.daemon.child.kill('SIGKILL');
  await exited(engine.daemon.child);
  // Meanwhile the containers go on: their processes are alive and their logs grow without a daemon.
  for (const pid of pidsBefore) process.kill(pid, 0);
  await new Promise((resolve) => setTimeout(resolve, 600));

  await engine.restartDaemon();
  const listed = await engine.client.call('containers.list', {});
  assert.deepEqual(listed.map((c) => c.name).sort(), names, 'the running ones are listed (and only they, without all)');
  for (const [index, name] of names.entries()) {
    const inspect = await engine.client.call('containers.inspect', { container: name });
    assert.equal(inspect.state.status, 'running');
    assert.equal(inspect.state.pid, pidsBefore[index]);
  }
  // Logs continue: the count goes on past what was written before the restart.
  const count = async (name: string) => {
    const lines = (await engine.berth(['logs', name])).stdout.trim().split('\n');
    return Number(/tick (\d+)/.exec(lines.at(-1) ?? '')?.[1] ?? 0);
  };
  const before = await count('survivor-1');
  await until(async () => (await count('survivor-1')) > before + 2, 'survivor-1 to log more');
  const lines = (await engine.berth(['logs', 'survivor-1'])).stdout.trim().split('\n');
  assert.deepEqual(lines, lines.map((_, i) => `tick ${i + 1}`), 'no line lost or repeated across the restart');

  assert.equal((await engine.berth(['logs', 'finished'])).stdout, 'said before\n');
  assert.equal((await engine.client.call('containers.inspect', { container: 'finished' })).state.exitCode, 2);

  // One exits afterwards: its exit code reaches the new daemon (and wait).
  const waited = engine.client.call('containers.wait', { container: 'survivor-3' }, { timeoutMs: 0 });
  assert.equal((await engine.berth(['exec', 'survivor-3', 'touch', '/tmp/stop'])).code, 0);
  assert.equal((await waited).exitCode, 7);
  const inspect = await engine.client.call('containers.inspect', { container: 'survivor-3' });
  assert.equal(inspect.state.status, 'exited');
  assert.equal(inspect.state.exitCode, 7);
  const stillRunning = await engine.client.call('containers.list', {});
  assert.deepEqual(stillRunning.map((c) => c.name).sort(), ['survivor-1', 'survivor-2']);
});

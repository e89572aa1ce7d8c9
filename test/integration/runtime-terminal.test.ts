// A terminal container through --console-socket, as containerd or podman use runc: the receiver gets the
// pty master, types a command, reads its output, and resizes the window.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { makeBusyboxBundle } from '../support/bundle';
import { REPO, runBerth } from '../support/daemonProcess';

/** A console-socket receiver in its own process (test/support/consoleReceiver.ts) and what it reports. */
function startReceiver(socketPath: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/support/consoleReceiver.ts'), socketPath], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  const waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  const events: Array<{ type: string; payload?: string; data?: string }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line);
    events.push(event);
    if (event.type === 'output') output += event.data;
    for (const waiter of [...waiters]) {
      if (waiter.test()) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  return {
    events,
    output: () => output,
    until: (check: () => boolean) =>
      check() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test: check, resolve })),
    send: (command: object) => child.stdin!.write(`${JSON.stringify(command)}\n`),
    kill: () => child.kill(),
  };
}

test('the pty master arrives over the console socket; typing, output, resize and exec -t work', { timeout: 60_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-console-'));
  const root = join(tmp, 'root');
  const socketPath = join(tmp, 'console.sock');
  const bundle = makeBusyboxBundle((config) => {
    config.process!.terminal = true;
    config.process!.consoleSize = { height: 30, width: 100 };
    config.process!.args = ['sh'];
  });
  const receiver = startReceiver(socketPath);
  const execReceiver = startReceiver(join(tmp, 'exec.sock'));
  const runtime = (...args: string[]) => runBerth(['runtime', '--root', root, ...args]);
  try {
    await receiver.until(() => receiver.events.some((e) => e.type === 'listening'));
    const created = await runtime('create', '--bundle', bundle.dir, '--console-socket', socketPath, 'tty');
    assert.equal(created.code, 0, created.stderr);
    await receiver.until(() => receiver.events.some((e) => e.type === 'master'));
    assert.match(receiver.events.find((e) => e.type === 'master')!.payload!, /^\/dev\/pts\/\d+$/);
    assert.equal((await runtime('start', 'tty')).code, 0);

    receiver.send({ type: 'write', data: 'echo $((6*7)); tty; stty size\n' });
    await receiver.until(() => /\n42\r?\n\/dev\/pts\/0\r?\n30 100\r?\n/.test(receiver.output()));

    receiver.send({ type: 'resize', rows: 40, cols: 132 });
    receiver.send({ type: 'write', data: 'stty size\n' });
    await receiver.until(() => /\n40 132\r?\n/.test(receiver.output()));

    // exec -t: a second terminal into the same container, through its own console socket.
    await execReceiver.until(() => execReceiver.events.some((e) => e.type === 'listening'));
    const exec = runtime('exec', '-t', '--console-socket', join(tmp, 'exec.sock'), 'tty', 'sh');
    await execReceiver.until(() => execReceiver.events.some((e) => e.type === 'master'));
    execReceiver.send({ type: 'write', data: 'echo exec-$((1+1)); tty; exit 5\n' });
    await execReceiver.until(() => /\nexec-2\r?\n\/dev\/pts\/1\r?\n/.test(execReceiver.output()));
    assert.equal((await exec).code, 5);

    receiver.send({ type: 'write', data: 'exit 0\n' });
    await receiver.until(() => receiver.events.some((e) => e.type === 'closed'));
  } finally {
    receiver.kill();
    execReceiver.kill();
    await runtime('delete', '--force', 'tty');
    bundle.remove();
    rmSync(tmp, { recursive: true, force: true });
  }
});

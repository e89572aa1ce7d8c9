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

test('the pty master arrives over the console socket; typing, output and resize work', { timeout: 60_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-console-'));
  const root = join(tmp, 'root');
  const socketPath = join(tmp, 'console.sock');
  const bundle = makeBusyboxBundle((config) => {
    config.process!.terminal = true;
    config.process!.consoleSize = { height: 30, width: 100 };
    config.process!.args = ['sh'];
  });
  const receiver = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/support/consoleReceiver.ts'), socketPath], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  const waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  const events: Array<{ type: string; payload?: string; data?: string }> = [];
  createInterface({ input: receiver.stdout! }).on('line', (line) => {
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
  const until = (check: () => boolean) =>
    check() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test: check, resolve }));
  const send = (command: object) => receiver.stdin!.write(`${JSON.stringify(command)}\n`);
  const runtime = (...args: string[]) => runBerth(['runtime', '--root', root, ...args]);
  try {
    await until(() => events.some((e) => e.type === 'listening'));
    const created = await runtime('create', '--bundle', bundle.dir, '--console-socket', socketPath, 'tty');
    assert.equal(created.code, 0, created.stderr);
    await until(() => events.some((e) => e.type === 'master'));
    assert.match(events.find((e) => e.type === 'master')!.payload!, /^\/dev\/pts\/\d+$/);
    assert.equal((await runtime('start', 'tty')).code, 0);

    send({ type: 'write', data: 'echo $((6*7)); tty; stty size\n' });
    await until(() => /\n42\r?\n\/dev\/pts\/0\r?\n30 100\r?\n/.test(output));

    send({ type: 'resize', rows: 40, cols: 132 });
    send({ type: 'write', data: 'stty size\n' });
    await until(() => /\n40 132\r?\n/.test(output));

    send({ type: 'write', data: 'exit 0\n' });
    await until(() => events.some((e) => e.type === 'closed'));
  } finally {
    receiver.kill();
    await runtime('delete', '--force', 'tty');
    bundle.remove();
    rmSync(tmp, { recursive: true, force: true });
  }
});

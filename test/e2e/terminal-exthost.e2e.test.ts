// Berth's ContainerPseudoterminal in a real VS Code extension host (code-server's, shown in Chromium)
// against a real daemon and real busybox containers. @vscode/test-electron cannot download VS Code here,
// so the test-only extension test/exthost/harness.ts, bundled with the terminal code, runs the scenario
// inside the extension host and reports each step to a file; this test starts everything, samples the
// daemon's memory meanwhile, and checks the steps.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { STREAM_WINDOW_BYTES } from '../../helper/src/protocol';
import { buildHarnessVsix } from '../exthost/buildHarness';
import { startContainerFixture, type ContainerFixture } from '../exthost/containerFixture';
import { privateTempDir } from '../support/daemonProcess';
import { openWorkbench, type Workbench } from './workbench';

const YES_SECONDS = 10;
const MiB = 1024 * 1024;

interface Step {
  step: string;
  time: number;
  rss: number;
  [key: string]: unknown;
}

const tmp = privateTempDir('berth-e2e-exthost-');
let fixture: ContainerFixture | undefined;
let workbench: Workbench | undefined;
let harness: { remove(): void } | undefined;
const steps = new Map<string, Step>();
const daemonRss: Array<{ time: number; rss: number }> = [];

function rssOf(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined; // the daemon is being restarted
  }
}

before(async () => {
  fixture = await startContainerFixture('berth-e2e-exthost-');
  await fixture.run('busy');
  await fixture.run('stopping');
  await fixture.run('tty', { cmd: ['sh'], tty: true, openStdin: true });
  const built = await buildHarnessVsix();
  harness = built;
  const results = join(tmp.path, 'results.jsonl');
  writeFileSync(results, '');
  const folder = join(tmp.path, 'workspace');
  mkdirSync(folder);
  const restartedFlag = join(tmp.path, 'daemon-restarted');
  const sampler = setInterval(() => {
    const pid = fixture?.daemon.child.pid;
    const rss = pid === undefined ? undefined : rssOf(pid);
    if (rss !== undefined) daemonRss.push({ time: Date.now(), rss });
  }, 250);
  try {
    workbench = await openWorkbench({
      vsix: built.vsix,
      folder,
      settings: {
        'terminal.integrated.gpuAcceleration': 'off',
        'berthHarness.config': {
          results,
          socketPath: fixture.socketPath,
          container: 'busy',
          stopContainer: 'stopping',
          ttyContainer: 'tty',
          restartedFlag,
          yesSeconds: YES_SECONDS,
        },
      },
    });
    const deadline = Date.now() + 240_000;
    for (;;) {
      const lines = readFileSync(results, 'utf8').split('\n').filter(Boolean);
      for (const line of lines) {
        const step = JSON.parse(line) as Step;
        steps.set(step.step, step);
      }
      if (steps.has('lost-ready') && !existsSync(restartedFlag)) {
        // The harness has a terminal open and waits: take its connection away, then bring the daemon back.
        await fixture.restartDaemon();
        writeFileSync(restartedFlag, '');
      }
      if (steps.has('done') || steps.has('error')) break;
      if (Date.now() > deadline) throw new Error(`the harness did not finish; steps so far: ${[...steps.keys()].join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await workbench.screenshot('terminal-exthost-scenario-done');
  } finally {
    clearInterval(sampler);
  }
  const error = steps.get('error');
  if (error) console.error(`harness error: ${String(error.message)}\n--- code-server ---\n${workbench?.logs().slice(-3000)}`);
});

after(async () => {
  await workbench?.close();
  await fixture?.stop();
  harness?.remove();
  tmp.remove();
});

function step(name: string): Step {
  const found = steps.get(name);
  assert.ok(found, `the harness did not reach "${name}" (error: ${String(steps.get('error')?.message ?? 'none')})`);
  return found;
}

test('input reaches the shell and its output comes back', () => {
  assert.equal(step('echo').ok, true);
});

test('UTF-8 both ways: typed text reaches the container byte for byte, and its output is decoded', () => {
  const utf8 = step('utf8');
  assert.equal(utf8.typedHex, utf8.expectedHex);
});

test('resizing the panel changes the container tty\'s size (stty size)', () => {
  const resize = step('resize') as Step & { before: number[]; after: number[]; vscodeAfter: { rows: number; columns: number } };
  console.log(`stty size ${resize.before.join('x')} -> ${resize.after.join('x')}; VS Code says ${resize.vscodeAfter.rows}x${resize.vscodeAfter.columns}`);
  assert.notDeepEqual(resize.after, resize.before);
  assert.deepEqual(resize.after, [resize.vscodeAfter.rows, resize.vscodeAfter.columns]);
});

test('Ctrl-C interrupts sleep', () => {
  const ctrlc = step('ctrlc');
  // `sleep 30; echo slept`: had Ctrl-C not reached sleep, "slept" would be on screen when the prompt came back.
  console.log(`Ctrl-C to prompt: ${String(ctrlc.ms)} ms`);
  assert.equal(ctrlc.slept, false);
});

test(`\`yes\` for ${YES_SECONDS} s keeps the extension host's and the daemon's memory bounded, and Ctrl-C stops it at once`, () => {
  const start = step('yes-start');
  const end = step('yes-end') as Step & {
    samples: number[];
    yesBytes: number;
    maxQueued: number;
    stopMs: number;
    afterStop: number;
    requests: number;
    confirmations: number;
    confirmationGivenUp: boolean;
  };
  const hostGrowth = Math.max(...end.samples) - start.rss;
  const during = daemonRss.filter((sample) => sample.time >= start.time && sample.time <= end.time);
  const daemonBefore = daemonRss.filter((sample) => sample.time < start.time).at(-1)?.rss ?? during[0].rss;
  const daemonGrowth = Math.max(...during.map((sample) => sample.rss)) - daemonBefore;
  console.log(
    [
      `yes: ${(end.yesBytes / MiB).toFixed(1)} MiB through the terminal in ${YES_SECONDS} s`,
      `extension host RSS ${(start.rss / MiB).toFixed(0)} MiB before, at most ${(Math.max(...end.samples) / MiB).toFixed(0)} MiB during (+${(hostGrowth / MiB).toFixed(1)})`,
      `daemon RSS ${(daemonBefore / MiB).toFixed(0)} MiB before, at most ${(Math.max(...during.map((s) => s.rss)) / MiB).toFixed(0)} MiB during (+${(daemonGrowth / MiB).toFixed(1)})`,
      `most output queued in the pump at once: ${end.maxQueued} bytes; ${end.confirmations}/${end.requests} status requests answered by xterm`,
      `Ctrl-C to prompt ${end.stopMs} ms, with ${(end.afterStop / 1024).toFixed(0)} KiB of output already in flight shown after it`,
    ].join('\n'),
  );
  assert.ok(end.yesBytes > 256 * 1024, 'yes produced output through the terminal');
  assert.equal(end.confirmationGivenUp, false, 'xterm answered the status requests');
  assert.ok(hostGrowth < 64 * MiB, `extension host grew ${(hostGrowth / MiB).toFixed(1)} MiB`);
  // The second half must not keep growing: bounded, not merely slow.
  const half = Math.floor(end.samples.length / 2);
  const lateGrowth = Math.max(...end.samples.slice(half)) - Math.max(...end.samples.slice(0, half));
  assert.ok(lateGrowth < 32 * MiB, `extension host grew ${(lateGrowth / MiB).toFixed(1)} MiB in the second half`);
  // The same bound as the extension host's: the daemon's peak RSS over 10 s of yes was +7, +29 and +40 MiB
  // in three CI runs (garbage not yet collected), so 32 MiB failed a healthy run.
  assert.ok(daemonGrowth < 64 * MiB, `daemon grew ${(daemonGrowth / MiB).toFixed(1)} MiB`);
  assert.ok(end.maxQueued <= 64 * 1024);
  // Ctrl-C stops yes at once; what still shows is what was in flight when it was pressed: at most the
  // daemon's stream window, the terminal's confirmation window and a pty's buffer. How long that takes to
  // show depends on the renderer (here headless Chromium with xterm's DOM renderer on two shared cores).
  assert.ok(end.afterStop <= STREAM_WINDOW_BYTES + 128 * 1024 + 64 * 1024, `${end.afterStop} bytes followed Ctrl-C`);
});

test('two terminals into one container at once, each with its own shell', () => {
  assert.equal(step('two-terminals').firstHasSecond, false);
});

test('exit closes the terminal with the exit code, after saying so', () => {
  const exit = step('exit') as Step & { exitStatus: { code: number }; message: string };
  assert.equal(exit.exitStatus.code, 3);
  assert.match(exit.message, /\[sh exited with code 3\]/);
});

test('Attach Terminal: the container\'s own shell at the terminal\'s size; its exit stops the container, and the terminal says so', () => {
  const attach = step('attach') as Step & { size: number[]; vscode: { rows: number; columns: number }; exitStatus: { code: number }; message: string };
  assert.deepEqual(attach.size, [attach.vscode.rows, attach.vscode.columns]);
  assert.equal(attach.exitStatus.code, 5);
  assert.match(attach.message, /The container tty stopped \(exit code 5\)/);
});

test('the connection to the target is lost: the terminal says so, and Enter reattaches once the helper is back', () => {
  const reattach = step('reattach') as Step & { lostMessage: string; after: string };
  assert.match(reattach.lostMessage, /Lost the connection to Local: .*\r\n.*Press Enter to reattach/);
  assert.match(reattach.after, /Reconnecting to Local/);
  assert.match(reattach.after, /\nback-9\r\n/);
});

test('a container that stops under a terminal: the terminal says so and closes', () => {
  const stopped = step('container-stopped') as Step & { message: string; ms: number };
  console.log(`container killed -> terminal closed in ${stopped.ms} ms`);
  assert.match(stopped.message, /The container stopping stopped/);
  assert.ok(existsSync(tmp.path));
});

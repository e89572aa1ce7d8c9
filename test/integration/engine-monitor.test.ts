// Per-container monitors with real processes, as root: the command's output in LogWriter's format read
// back with readLogs, exit codes and signals in exit.json, the pid namespace and reaping, and the point
// of it all: a "daemon" process that starts a monitor and is SIGKILLed, while a "restarted daemon" (this
// test process) finds the monitor running, its log growing and finally its exit code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readLogs, type LogEntry } from '../../helper/src/engine/logs';
import { RecordEncoder } from '../../helper/src/engine/logs/recordEncoder';
import { readMonitorState, startMonitor, waitForExit } from '../../helper/src/engine/monitor';
import { readProcStat } from '../../helper/src/runtime/state/liveStatus';
import { processesWith } from '../support/processes';

const REPO = join(__dirname, '..', '..');
const temporary: string[] = [];
/** Processes to kill after the tests if they still run, with their start times: a pid reused since by
 * another process is left alone. */
const started: { pid: number; startTime: string }[] = [];
function track(...pids: number[]): void {
  for (const pid of pids) {
    const stat = readProcStat(pid);
    if (stat) started.push({ pid, startTime: stat.startTime });
  }
}
after(async () => {
  for (const { pid, startTime } of started) {
    if (readProcStat(pid)?.startTime !== startTime) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-monitor-'));
  temporary.push(dir);
  return join(dir, 'container');
}

/** A hang guard, not a timing threshold. */
function guard<T>(promise: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hang guard: ${what}`)), ms);
    }),
  ]);
}

async function until(check: () => boolean, what: string): Promise<void> {
  await guard(
    (async () => {
      while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
    })(),
    what,
  );
}

async function allLogs(dir: string): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const entry of readLogs(join(dir, 'logs'))) entries.push(entry);
  return entries;
}

function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
}

test('stdout and stderr land in the log in LogWriter format, the exit code in exit.json', async () => {
  const dir = await stateDir();
  const started = await startMonitor({ dir, argv: ['sh', '-c', 'echo one; echo two >&2; echo three; echo "$GREETING"; exit 3'], env: { PATH: '/usr/bin:/bin', GREETING: 'hi there' } });
  track(started.monitorPid);
  assert.equal(readFileSync(join(dir, 'monitor.pid'), 'utf8'), `${started.monitorPid}\n`);
  assert.equal(readFileSync(join(dir, 'container.pid'), 'utf8'), `${started.containerPid}\n`);
  const exit = await guard(waitForExit(dir), 'exit.json');
  assert.equal(exit.exitCode, 3);
  assert.equal(exit.signal, null);
  assert.ok(!Number.isNaN(new Date(exit.finishedAt).getTime()));
  const entries = await allLogs(dir);
  const stdout = entries.filter((entry) => entry.stream === 'stdout').map((entry) => entry.text);
  const stderr = entries.filter((entry) => entry.stream === 'stderr').map((entry) => entry.text);
  assert.deepEqual(stdout, ['one\n', 'three\n', 'hi there\n']);
  assert.deepEqual(stderr, ['two\n']);
  assert.ok(entries.every((entry) => !entry.partial));
  const state = readMonitorState(dir);
  assert.equal(state?.exit?.exitCode, 3);
});

test('records are byte for byte what LogWriter writes: escapes, invalid UTF-8, partial lines, long lines', async () => {
  const dir = await stateDir();
  // A tab, an escape, quotes and backslashes, multibyte text, bytes that are not UTF-8, a 40 000-byte
  // line, and a last line without a newline (flushed at the end as a partial record).
  const script = `printf 'a\\tb \\033[1m "q" \\\\ é€😀\\n'; printf '\\377\\376 x\\n'; head -c 40000 /dev/zero | tr '\\0' y; echo; printf 'no newline'`;
  await startMonitor({ dir, argv: ['sh', '-c', script] });
  await guard(waitForExit(dir), 'exit.json');
  const lines = readFileSync(join(dir, 'logs', 'container.log'), 'utf8').split('\n').filter(Boolean);
  const expected: Buffer[] = [];
  const encoder = new RecordEncoder('stdout');
  const output = Buffer.concat([
    Buffer.from('a\tb \x1b[1m "q" \\ é€😀\n'),
    Buffer.from([0xff, 0xfe, 0x20, 0x78, 0x0a]),
    Buffer.from(`${'y'.repeat(40_000)}\n`),
  ]);
  for (const line of lines) {
    const t = (JSON.parse(line) as { t: string }).t;
    assert.match(t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  // The same bytes through LogWriter's encoder, with the monitor's timestamps put in.
  expected.push(...encoder.encode(output, 'T'), ...encoder.encode(Buffer.from('no newline'), 'T'), ...encoder.flush('T'));
  const withoutTime = lines.map((line) => line.replace(/"t":"[^"]+"/, '"t":"T"'));
  assert.deepEqual(withoutTime, expected.map((record) => record.toString('utf8').trimEnd()));
});

test('rotation: container.log, .1, .2 within maxBytes, read back in order by readLogs', async () => {
  const dir = await stateDir();
  await startMonitor({ dir, argv: ['sh', '-c', 'seq 1 300'], logs: { maxBytes: 2000, maxFiles: 3 } });
  await guard(waitForExit(dir), 'exit.json');
  const names = readdirSync(join(dir, 'logs')).sort();
  assert.deepEqual(names, ['container.log', 'container.log.1', 'container.log.2']);
  for (const name of names) assert.ok(readFileSync(join(dir, 'logs', name)).length <= 2000, name);
  const numbers = (await allLogs(dir)).map((entry) => Number(entry.text));
  assert.equal(numbers.at(-1), 300);
  assert.deepEqual(numbers, Array.from({ length: numbers.length }, (_, i) => 301 - numbers.length + i));
});

test('a command killed by SIGKILL: signal "SIGKILL", no exit code; it holds only fds 0 1 2', async () => {
  const dir = await stateDir();
  // busybox-static: a dynamically linked sleep briefly holds fd 3 while its loader opens libc, right when
  // this reads its fds (seen once in CI); a static binary opens nothing of its own.
  const started = await startMonitor({ dir, argv: ['/bin/busybox', 'sleep', '1000'] });
  track(started.containerPid);
  // Nothing of ours or the monitor's reached the command: its fds, read from the host, are exactly 0 1 2.
  assert.deepEqual(readdirSync(`/proc/${started.containerPid}/fd`).sort(), ['0', '1', '2']);
  const state = readMonitorState(dir);
  assert.equal(state?.running, true);
  assert.equal(state?.containerRunning, true);
  assert.equal(state?.exit, undefined);
  process.kill(started.containerPid, 'SIGKILL');
  const exit = await guard(waitForExit(dir), 'exit.json');
  assert.deepEqual([exit.exitCode, exit.signal], [null, 'SIGKILL']);
});

test('signals sent to the monitor are forwarded to the command', async () => {
  const dir = await stateDir();
  const started = await startMonitor({ dir, argv: ['sh', '-c', 'trap "echo got TERM; exit 42" TERM; echo ready; while :; do sleep 0.05; done'] });
  track(started.containerPid);
  await until(() => existsSync(join(dir, 'logs', 'container.log')) && readFileSync(join(dir, 'logs', 'container.log'), 'utf8').includes('ready'), 'ready');
  process.kill(started.monitorPid, 'SIGTERM');
  const exit = await guard(waitForExit(dir), 'exit.json');
  assert.equal(exit.exitCode, 42);
  assert.ok((await allLogs(dir)).some((entry) => entry.text === 'got TERM\n'));
});

test('a command that cannot be exec\'d is refused, and recorded with code 127', async () => {
  const dir = await stateDir();
  await assert.rejects(startMonitor({ dir, argv: ['/nonexistent/program'] }), /exec \/nonexistent\/program/);
  const exit = await guard(waitForExit(dir), 'exit.json');
  assert.equal(exit.exitCode, 127);
});

test('newPidNamespace: the command is PID 1; what it leaves behind is killed and reaped', async () => {
  const dir = await stateDir();
  // A duration no other process (another run of these tests included) has on its command line.
  const marker = `987654.${process.pid}${Date.now() % 100000}`;
  const started = await startMonitor({ dir, newPidNamespace: true, argv: ['sh', '-c', `echo $$; sleep ${marker} & echo $!; exit 0`] });
  const exit = await guard(waitForExit(dir), 'exit.json');
  assert.equal(exit.exitCode, 0);
  const texts = (await allLogs(dir)).map((entry) => entry.text);
  assert.equal(texts[0], '1\n');
  assert.equal(texts[1], '2\n');
  await until(() => !existsSync(`/proc/${started.monitorPid}`), 'the monitor ends');
  assert.deepEqual(processesWith(marker), []);
});

test('the monitor is a subreaper: an orphaned grandchild is reaped while the command runs', async () => {
  const dir = await stateDir();
  const go = join(dir, 'go');
  const release = join(dir, 'release');
  const grandchild = join(dir, 'grandchild');
  // The subshell exits at once; its child writes its pid, orphaned (reparented to the monitor, the
  // nearest subreaper), waits to be released and exits.
  const wait = (file: string) => `while [ ! -e ${file} ]; do sleep 0.02; done`;
  const script = `(sh -c 'echo $$ > ${grandchild}.tmp; mv ${grandchild}.tmp ${grandchild}; ${wait(release)}' &); ${wait(go)}; exit 5`;
  const started = await startMonitor({ dir, argv: ['sh', '-c', script] });
  track(started.containerPid);
  await until(() => existsSync(grandchild), 'the grandchild writes its pid');
  const pid = Number(readFileSync(grandchild, 'utf8'));
  track(pid);
  const parent = () => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  // Not init's: the monitor's (the hang guard fails this test otherwise).
  await until(() => parent() === started.monitorPid, 'the orphan is reparented to the monitor');
  writeFileSync(release, '');
  // Gone from /proc altogether: not left a zombie under the monitor.
  await until(() => !existsSync(`/proc/${pid}`), 'the grandchild is reaped');
  assert.equal(readMonitorState(dir)?.containerRunning, true);
  writeFileSync(go, '');
  assert.equal((await guard(waitForExit(dir), 'exit.json')).exitCode, 5);
});

test('the daemon is SIGKILLed after starting a monitor: the container runs on, logs grow, the exit code is recorded', async (t) => {
  const dir = await stateDir();
  const daemonScript = join(dir, '..', 'daemon.ts');
  writeFileSync(
    daemonScript,
    `import { openSync } from 'node:fs';
import { startMonitor } from ${JSON.stringify(join(REPO, 'helper/src/engine/monitor/index.ts'))};
// Fds a daemon holds (a lock file, a log): none of them may reach the monitor or the container.
openSync(${JSON.stringify(daemonScript)}, 'r');
startMonitor({ dir: ${JSON.stringify(dir)}, argv: ['sh', '-c', 'for i in $(seq 50); do echo $i; sleep 0.05; done; exit 7'] })
  .then((started) => process.stdout.write(JSON.stringify(started) + '\\n'), (error) => { console.error(error); process.exit(1); });
setInterval(() => undefined, 1000);
`,
  );
  const daemon = spawn(process.execPath, ['--import', 'tsx', daemonScript], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  track(daemon.pid!);
  const line = await guard(
    new Promise<string>((resolve, reject) => {
      let text = '';
      daemon.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text);
      });
      daemon.once('exit', () => reject(new Error('the daemon exited without starting the monitor')));
    }),
    'the daemon starts the monitor',
  );
  const started = JSON.parse(line) as { monitorPid: number; containerPid: number };
  track(started.monitorPid, started.containerPid);
  daemon.kill('SIGKILL');
  await new Promise((resolve) => daemon.once('exit', resolve));

  // The restarted daemon finds the container again.
  const state = readMonitorState(dir);
  assert.ok(state);
  assert.equal(state.monitorPid, started.monitorPid);
  assert.equal(state.containerPid, started.containerPid);
  assert.equal(state.running, true);
  assert.equal(state.exit, undefined);
  // Nothing of the daemon's reached the monitor (the container's own fds are checked on a sleep above:
  // this shell opens a pipe of its own for each $(…)).
  const monitorFds = readdirSync(`/proc/${started.monitorPid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${started.monitorPid}/fd/${fd}`);
    } catch {
      return '';
    }
  });
  assert.ok(!monitorFds.some((target) => target.includes('daemon.ts')), `the monitor holds ${monitorFds.join(', ')}`);
  const rss = rssKiB(started.monitorPid);
  t.diagnostic(`monitor RSS ${rss} KiB`);
  console.log(`# monitor RSS: ${rss} KiB (pid ${started.monitorPid})`);
  assert.ok(rss > 0 && rss < 20 * 1024, `monitor RSS ${rss} KiB`);

  // The log file is made at the first output, which may not have come yet.
  const logFile = join(dir, 'logs', 'container.log');
  const sizeNow = existsSync(logFile) ? readFileSync(logFile).length : 0;
  const exit = await guard(waitForExit(dir), 'exit.json');
  assert.equal(exit.exitCode, 7);
  assert.ok(readFileSync(logFile).length > sizeNow, 'the log grew while the daemon was gone');
  const numbers = (await allLogs(dir)).map((entry) => Number(entry.text));
  assert.deepEqual(numbers, Array.from({ length: 50 }, (_, i) => i + 1));
  assert.equal(readMonitorState(dir)?.exit?.exitCode, 7);
  await until(() => !alive(started.monitorPid), 'the monitor ends');
  assert.equal(readMonitorState(dir)?.running, false);
});

test("the monitor does not hold the daemon's event loop: a script that only starts one exits by itself", async () => {
  const dir = await stateDir();
  const script = join(dir, '..', 'starter.ts');
  writeFileSync(
    script,
    `import { startMonitor } from ${JSON.stringify(join(REPO, 'helper/src/engine/monitor/index.ts'))};
void startMonitor({ dir: ${JSON.stringify(dir)}, argv: ['sleep', '1000'] }).then((started) => process.stdout.write(JSON.stringify(started) + '\\n'));
`,
  );
  const starter = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  starter.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await guard(new Promise((resolve) => starter.once('close', resolve)), 'the starter exits');
  assert.equal(code, 0);
  const started = JSON.parse(output) as { monitorPid: number; containerPid: number };
  track(started.monitorPid, started.containerPid);
  assert.equal(readMonitorState(dir)?.running, true);
  process.kill(started.containerPid, 'SIGTERM');
  assert.deepEqual((await guard(waitForExit(dir), 'exit.json')).signal, 'SIGTERM');
});

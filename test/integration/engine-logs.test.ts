// Container logs with real processes: a process's stdout and stderr pipes feed a LogWriter the way the
// engine will (pausing the pipe while the writer drains, so the process blocks instead of the daemon
// buffering), while a follower in another Node process (no LogWriter of its own: fs.watch) reads along
// through the rotations.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { LogWriter, readLogs, type LogEntry } from '../../helper/src/engine/logs';

const REPO = join(__dirname, '..', '..');
const LAST = 400_000;
const temporary: string[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
});

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Copies a pipe into the writer with backpressure; resolves when the pipe ends. */
function pipeInto(source: Readable, writer: LogWriter, stream: 'stdout' | 'stderr', onWrite: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    source.on('data', (chunk: Buffer) => {
      const more = writer.write(stream, chunk);
      onWrite();
      if (!more) {
        source.pause();
        void writer.drain().then(() => source.resume());
      }
    });
    source.once('end', resolve);
    source.once('error', reject);
  });
}

test("a process's output through a LogWriter, followed from another process across rotations", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-int-'));
  temporary.push(dir);
  const logDir = join(dir, 'container');
  // Large enough that stderr's lines, written while up to two 64 KiB reads of stdout still wait in the
  // paused pipe (about 1.2 MiB once encoded), are not rotated out; small enough for about 24 rotations.
  const maxBytes = 1024 * 1024;
  const writer = new LogWriter(logDir, { maxBytes, maxFiles: 3, highWaterMark: 128 * 1024 });

  // The follower: prints one JSON summary once it has seen the last number.
  const followerScript = join(dir, 'follower.ts');
  await writeFile(
    followerScript,
    `import { readLogs } from ${JSON.stringify(join(REPO, 'helper/src/engine/logs/index.ts'))};
(async () => {
  let previous = 0, count = 0, gaps = 0, ordered = true, line = '';
  process.stdout.write('started\\n');
  for await (const entry of readLogs(${JSON.stringify(logDir)}, { follow: true, stderr: false })) {
    // A pipe read can end inside a line: its pieces come as partial records, to be joined.
    line += entry.text;
    if (entry.partial) continue;
    const n = Number(line);
    line = '';
    if (n <= previous) ordered = false;
    if (n !== previous + 1) gaps++;
    previous = n;
    count++;
    if (n === ${LAST}) break;
  }
  process.stdout.write(JSON.stringify({ count, gaps, ordered, last: previous }) + '\\n');
})();
`,
  );
  const follower = spawn(process.execPath, ['--import', 'tsx', followerScript], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(follower);
  let followerOutput = '';
  follower.stdout!.on('data', (chunk) => (followerOutput += chunk));
  await new Promise<void>((resolve, reject) => {
    follower.stdout!.on('data', () => followerOutput.includes('started') && resolve());
    follower.once('exit', (code) => reject(new Error(`follower exited with ${code}: ${followerOutput}`)));
  });

  const producer = spawn('sh', ['-c', `seq 1 ${LAST}; echo 'to stderr' >&2; seq 1 5 >&2`], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(producer);
  let pendingPeak = 0;
  const measure = () => (pendingPeak = Math.max(pendingPeak, writer.pendingBytes));
  await Promise.all([
    pipeInto(producer.stdout!, writer, 'stdout', measure),
    pipeInto(producer.stderr!, writer, 'stderr', measure),
    exited(producer),
  ]);
  assert.equal(producer.exitCode, 0);
  await writer.close();

  const timeout = setTimeout(() => follower.kill('SIGKILL'), 60_000);
  assert.equal(await exited(follower), 0, followerOutput);
  clearTimeout(timeout);
  const summary = JSON.parse(followerOutput.slice(followerOutput.indexOf('{'))) as { count: number; gaps: number; ordered: boolean; last: number };
  t.diagnostic(`follower: ${summary.count} records, ${summary.gaps} gaps (fell more than the kept files behind), writer queue peak ${pendingPeak} bytes`);
  assert.equal(summary.ordered, true);
  assert.equal(summary.last, LAST);

  // Backpressure held: the queue never took more than the high-water mark plus one pipe read (64 KiB) of
  // each stream, encoded: about 62 bytes a record for these 7-byte lines, so under 600 KiB a read.
  assert.ok(pendingPeak <= 128 * 1024 + 2 * 600 * 1024, `queue peaked at ${pendingPeak}`);
  assert.ok((await readdir(logDir)).length <= 3);

  const entries: LogEntry[] = [];
  for await (const entry of readLogs(logDir, { stdout: false })) entries.push(entry);
  assert.deepEqual(
    entries.map((entry) => entry.text),
    ['to stderr\n', '1\n', '2\n', '3\n', '4\n', '5\n'],
  );
  const tail: string[] = [];
  for await (const entry of readLogs(logDir, { tail: 3, stderr: false })) tail.push(entry.text);
  assert.deepEqual(tail, [`${LAST - 2}\n`, `${LAST - 1}\n`, `${LAST}\n`]);
});

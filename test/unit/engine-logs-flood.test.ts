// A container that floods its output must not grow the daemon: 200 MiB through one LogWriter with small
// files, with a follower reading along, keep the process's memory and the log's disk use bounded. Sizes
// are checked, not times. Its own file, so that the memory measured is this test's alone.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LogWriter, readLogs } from '../../helper/src/engine/logs';

const MiB = 1024 * 1024;
let dir = '';
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

test('200 MiB of output through a LogWriter keeps memory and disk bounded', async (t) => {
  dir = await mkdtemp(join(tmpdir(), 'berth-logs-flood-'));
  const maxBytes = MiB;
  const maxFiles = 3;
  const highWaterMark = MiB;
  const writer = new LogWriter(dir, { maxBytes, maxFiles, highWaterMark });

  // 64 KiB chunks of 128-byte lines, as a pipe delivers them.
  const chunk = Buffer.from(`${'x'.repeat(120)} flood\n`.repeat(512));
  const chunks = (200 * MiB) / chunk.length;

  let followed = 0;
  let lastFollowed = '';
  const following = (async () => {
    for await (const entry of readLogs(dir, { follow: true })) {
      followed++;
      lastFollowed = entry.text;
    }
  })();

  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let pendingPeak = 0;
  for (let i = 0; i < chunks; i++) {
    const more = writer.write('stdout', chunk);
    pendingPeak = Math.max(pendingPeak, writer.pendingBytes);
    if (!more) await writer.drain();
    if (i % 64 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  writer.write('stdout', Buffer.from('the end\n'));
  await writer.close();
  await following;
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);

  // The queue never holds much more than the high-water mark plus the records of one chunk.
  const encodedChunk = 512 * Buffer.byteLength('{"t":"2026-01-01T00:00:00.000Z","s":"stdout","log":""}\n' + `${'x'.repeat(120)} flood\\n`);
  assert.ok(pendingPeak <= highWaterMark + encodedChunk, `queue peaked at ${pendingPeak} bytes`);
  // Generous: V8's heap and the thread pool's malloc arenas settle some tens of MiB above the start
  // whatever the volume; buffering the data would show as the 200 MiB written (about 280 MiB encoded).
  const grown = rssPeak - rssBefore;
  assert.ok(grown < 128 * MiB, `rss grew by ${(grown / MiB).toFixed(1)} MiB`);

  const names = await readdir(dir);
  assert.ok(names.length <= maxFiles, names.join(', '));
  let onDisk = 0;
  for (const name of names) onDisk += (await stat(join(dir, name))).size;
  assert.ok(onDisk <= maxFiles * maxBytes + 17 * 1024, `${onDisk} bytes on disk`);
  t.diagnostic(
    `rss +${(grown / MiB).toFixed(1)} MiB, queue peak ${(pendingPeak / 1024).toFixed(0)} KiB, ` +
      `${onDisk} bytes in ${names.length} files, follower saw ${followed} records`,
  );

  assert.equal(lastFollowed, 'the end\n');
  assert.ok(followed > 0);
  const tail = [];
  for await (const entry of readLogs(dir, { tail: 2 })) tail.push(entry.text);
  assert.deepEqual(tail, [`${'x'.repeat(120)} flood\n`, 'the end\n']);
});

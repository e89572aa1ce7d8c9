// Container logs on real files in temporary directories: the record format, rotation, tail, since and
// until, follow (through the in-process writer's events and through fs.watch), abort and binary output.
import assert from 'node:assert/strict';
import { appendFile, mkdir, open, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LogWriter, readLogs, type LogEntry, type ReadLogsOptions } from '../../helper/src/engine/logs';
import { tempDirsOfThisFile } from '../support/tempDirs';

const tempDirOf = tempDirsOfThisFile();
const tempDir = async (): Promise<string> => tempDirOf('berth-logs-');

async function collect(dir: string, options?: ReadLogsOptions): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const entry of readLogs(dir, options)) entries.push(entry);
  return entries;
}

const texts = (entries: LogEntry[]) => entries.map((entry) => entry.text);
const line = (i: number) => `line ${String(i).padStart(5, '0')}\n`;

async function rawRecords(dir: string, file = 'container.log'): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, file), 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The next entry, or a failure after `ms` (a follow that never wakes must fail the test, not hang it). */
async function nextWithin<T>(iterator: AsyncIterator<T>, ms = 5000): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no entry within ${ms} ms`)), ms)));
  try {
    return await Promise.race([iterator.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('LogWriter records', () => {
  test('one JSON line per line of output, in order, with the stream, the time and the newline kept', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    const time = new Date('2026-03-04T05:06:07.089Z');
    writer.write('stdout', Buffer.from('one\ntwo\n'), time);
    writer.write('stderr', Buffer.from('oops\n'), time);
    writer.write('stdout', Buffer.from('three\n'), time);
    await writer.close();
    assert.deepEqual(await rawRecords(dir), [
      { t: '2026-03-04T05:06:07.089Z', s: 'stdout', log: 'one\n' },
      { t: '2026-03-04T05:06:07.089Z', s: 'stdout', log: 'two\n' },
      { t: '2026-03-04T05:06:07.089Z', s: 'stderr', log: 'oops\n' },
      { t: '2026-03-04T05:06:07.089Z', s: 'stdout', log: 'three\n' },
    ]);
    const entries = await collect(dir);
    assert.deepEqual(texts(entries), ['one\n', 'two\n', 'oops\n', 'three\n']);
    assert.deepEqual(entries.map((entry) => entry.stream), ['stdout', 'stdout', 'stderr', 'stdout']);
    assert.deepEqual(entries[0]!.time, time);
  });

  test('stdout and stderr are read separately', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    for (let i = 0; i < 10; i++) writer.write(i % 3 === 0 ? 'stderr' : 'stdout', Buffer.from(`${i}\n`));
    await writer.close();
    assert.deepEqual(texts(await collect(dir, { stderr: false })), ['1\n', '2\n', '4\n', '5\n', '7\n', '8\n']);
    assert.deepEqual(texts(await collect(dir, { stdout: false })), ['0\n', '3\n', '6\n', '9\n']);
    await assert.rejects(collect(dir, { stdout: false, stderr: false }), /at least one of stdout and stderr/);
  });

  test('a line without its newline yet is a partial record, and the rest of it another', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    writer.write('stdout', Buffer.from('progress: 10%'));
    writer.write('stdout', Buffer.from(' 20% done\nnext'));
    await writer.close();
    assert.deepEqual(
      (await rawRecords(dir)).map(({ log, p }) => ({ log, p })),
      [
        { log: 'progress: 10%', p: true },
        { log: ' 20% done\n', p: undefined },
        { log: 'next', p: true },
      ],
    );
    const entries = await collect(dir);
    assert.deepEqual(entries.map((entry) => entry.partial), [true, false, true]);
    assert.equal(texts(entries).join(''), 'progress: 10% 20% done\nnext');
  });

  test('a line longer than 16 KiB is cut into partial records, never inside a character', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    const long = `${'é'.repeat(20_000)}€\n`; // 40,004 bytes: three records
    writer.write('stdout', Buffer.from(long));
    await writer.close();
    const records = await rawRecords(dir);
    assert.equal(records.length, 3);
    assert.deepEqual(records.map((record) => record.p), [true, true, undefined]);
    for (const record of records) assert.ok(Buffer.byteLength(record.log as string) <= 16 * 1024);
    assert.equal(texts(await collect(dir)).join(''), long);
  });

  test('a UTF-8 character split between two writes stays text', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    const bytes = Buffer.from('añb€c\n');
    for (let i = 0; i < bytes.length; i++) writer.write('stdout', bytes.subarray(i, i + 1));
    await writer.close();
    const records = await rawRecords(dir);
    assert.ok(records.every((record) => typeof record.log === 'string'), JSON.stringify(records));
    assert.equal(texts(await collect(dir)).join(''), 'añb€c\n');
  });

  test('bytes that are not UTF-8 are kept as base64 and come back exactly', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28, 0x0a, 0x80, 0x0a]);
    writer.write('stdout', binary);
    writer.write('stderr', Buffer.from([0xe2, 0x82])); // an incomplete character left at close
    await writer.close();
    const records = await rawRecords(dir);
    assert.deepEqual(records.map((record) => Object.keys(record).sort()), [['b64', 's', 't'], ['b64', 's', 't'], ['b64', 'p', 's', 't']]);
    const entries = await collect(dir);
    const stdout = Buffer.concat(entries.filter((entry) => entry.stream === 'stdout').map((entry) => entry.bytes ?? Buffer.from(entry.text)));
    assert.deepEqual(stdout, binary);
    assert.deepEqual(entries[2]!.bytes, Buffer.from([0xe2, 0x82]));
    assert.ok(entries[0]!.text.includes('\ufffd'));
  });

  test('timestamps puts the record time before the text, as docker logs -t', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    writer.write('stdout', Buffer.from('hi\n'), new Date('2026-01-02T03:04:05.678Z'));
    await writer.close();
    assert.deepEqual(texts(await collect(dir, { timestamps: true })), ['2026-01-02T03:04:05.678Z hi\n']);
  });
});

describe('LogWriter files', () => {
  test('rotation keeps at most maxFiles files of at most maxBytes, holding the newest records', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir, { maxBytes: 1000, maxFiles: 3 });
    for (let i = 0; i < 500; i++) writer.write('stdout', Buffer.from(line(i)));
    await writer.close();
    assert.deepEqual((await readdir(dir)).sort(), ['container.log', 'container.log.1', 'container.log.2']);
    for (const name of await readdir(dir)) assert.ok((await stat(join(dir, name))).size <= 1000, name);
    const read = texts(await collect(dir));
    assert.ok(read.length >= 30, `${read.length} records kept`);
    assert.equal(read.at(-1), line(499));
    const first = Number(read[0]!.slice(5, 10));
    assert.deepEqual(read, Array.from({ length: 500 - first }, (_, i) => line(first + i)));
    // The oldest file holds the oldest of the kept records.
    assert.equal((await rawRecords(dir, 'container.log.2'))[0]!.log, line(first));
  });

  test('maxFiles 1 keeps only the current file', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir, { maxBytes: 500, maxFiles: 1 });
    for (let i = 0; i < 100; i++) writer.write('stdout', Buffer.from(line(i)));
    await writer.close();
    assert.deepEqual(await readdir(dir), ['container.log']);
    assert.equal(texts(await collect(dir)).at(-1), line(99));
  });

  test('a record larger than maxBytes still gets written, alone in its file', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir, { maxBytes: 100, maxFiles: 2 });
    writer.write('stdout', Buffer.from('x'.repeat(300) + '\n'));
    writer.write('stdout', Buffer.from('small\n'));
    await writer.close();
    assert.deepEqual(texts(await collect(dir)), ['x'.repeat(300) + '\n', 'small\n']);
    assert.equal((await rawRecords(dir, 'container.log.1')).length, 1);
  });

  test('files beyond maxFiles left by an earlier writer are removed', async () => {
    const dir = await tempDir();
    for (const name of ['container.log.3', 'container.log.4']) await writeFile(join(dir, name), '');
    const writer = new LogWriter(dir, { maxFiles: 3 });
    writer.write('stdout', Buffer.from('x\n'));
    await writer.close();
    assert.deepEqual(await readdir(dir), ['container.log']);
  });

  test('a line torn by a crash is skipped, and the next writer starts a new line after it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'container.log'), '{"t":"2026-01-01T00:00:00.000Z","s":"stdout","log":"kept\\n"}\n{"t":"2026-01-01T00:00:00.000Z","s":"std');
    const writer = new LogWriter(dir);
    writer.write('stdout', Buffer.from('after restart\n'));
    await writer.close();
    assert.deepEqual(texts(await collect(dir)), ['kept\n', 'after restart\n']);
  });

  test('one writer per directory at a time', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    assert.throws(() => new LogWriter(dir), /already open/);
    await writer.close();
    assert.throws(() => writer.write('stdout', Buffer.from('late\n')), /closed/);
    await new LogWriter(dir).close();
  });

  test('write() returns false past the high-water mark and drain() resolves when the queue is empty', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir, { highWaterMark: 1024 });
    assert.equal(writer.write('stdout', Buffer.from('small\n')), true);
    assert.equal(writer.write('stdout', Buffer.from(`${'y'.repeat(99)}\n`.repeat(40))), false);
    assert.ok(writer.pendingBytes > 1024);
    await writer.drain();
    assert.equal(writer.pendingBytes, 0);
    assert.equal((await collect(dir)).length, 41);
    await writer.close();
  });

  test('a refusing disk is reported once, the records dropped, and the writer goes on', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'not-a-directory');
    await writeFile(dir, '');
    const errors: Error[] = [];
    const writer = new LogWriter(dir, { onError: (error) => errors.push(error) });
    writer.write('stdout', Buffer.from('lost\n'));
    await writer.drain();
    writer.write('stdout', Buffer.from('lost too\n'));
    await writer.drain();
    assert.equal(writer.pendingBytes, 0);
    assert.equal(errors.length, 1);
    assert.match((errors[0] as NodeJS.ErrnoException).code ?? '', /EEXIST|ENOTDIR/);
    await writer.close();
  });
});

describe('readLogs', () => {
  async function rotatedLog(count: number, maxBytes = 2000): Promise<string> {
    const dir = await tempDir();
    const writer = new LogWriter(dir, { maxBytes, maxFiles: 100 });
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < count; i++) writer.write(i % 2 ? 'stderr' : 'stdout', Buffer.from(line(i)), new Date(base + i * 1000));
    await writer.close();
    return dir;
  }
  const at = (second: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + second * 1000);

  test('reads across rotated files in order', async () => {
    const dir = await rotatedLog(300);
    assert.ok((await readdir(dir)).length > 5);
    assert.deepEqual(texts(await collect(dir)), Array.from({ length: 300 }, (_, i) => line(i)));
  });

  test('an empty or missing directory has no records', async () => {
    assert.deepEqual(await collect(await tempDir()), []);
    assert.deepEqual(await collect(join(await tempDir(), 'missing')), []);
  });

  test('tail counts records from the end, across files, of the streams asked for', async () => {
    const dir = await rotatedLog(300);
    assert.deepEqual(texts(await collect(dir, { tail: 75 })), Array.from({ length: 75 }, (_, i) => line(225 + i)));
    assert.deepEqual(texts(await collect(dir, { tail: 3, stdout: false })), [line(295), line(297), line(299)]);
    assert.deepEqual(await collect(dir, { tail: 0 }), []);
    assert.equal((await collect(dir, { tail: 1000 })).length, 300);
    assert.equal((await collect(dir, { tail: -1 })).length, 300);
  });

  test('since and until select by time, with tail counting within them', async () => {
    const dir = await rotatedLog(300);
    assert.deepEqual(texts(await collect(dir, { since: at(290) })), Array.from({ length: 10 }, (_, i) => line(290 + i)));
    assert.deepEqual(texts(await collect(dir, { until: at(2) })), [line(0), line(1), line(2)]);
    assert.deepEqual(texts(await collect(dir, { since: at(100), until: at(102) })), [line(100), line(101), line(102)]);
    assert.deepEqual(texts(await collect(dir, { until: at(150), tail: 2 })), [line(149), line(150)]);
    assert.deepEqual(texts(await collect(dir, { since: at(298), tail: 10 })), [line(298), line(299)]);
    assert.deepEqual(await collect(dir, { since: at(1000) }), []);
  });

  test('tail reads a large log from its end, not all of it', async () => {
    const dir = await tempDir();
    const record = (i: number) => `{"t":"2026-01-01T00:00:00.000Z","s":"stdout","log":"${'z'.repeat(80)} ${i}\\n"}\n`;
    await writeFile(join(dir, 'container.log'), Array.from({ length: 200_000 }, (_, i) => record(i)).join(''));
    const size = (await stat(join(dir, 'container.log'))).size;
    assert.ok(size > 20_000_000);
    const probe = await open(join(dir, 'container.log'));
    const prototype = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
    await probe.close();
    const originalRead = prototype.read;
    let bytesRead = 0;
    prototype.read = async function (this: unknown, ...args: unknown[]) {
      const result = await originalRead.apply(this, args);
      bytesRead += result.bytesRead;
      return result;
    };
    try {
      const entries = await collect(dir, { tail: 10 });
      assert.deepEqual(texts(entries), Array.from({ length: 10 }, (_, i) => `${'z'.repeat(80)} ${199_990 + i}\n`));
    } finally {
      prototype.read = originalRead;
    }
    assert.ok(bytesRead < 256 * 1024, `read ${bytesRead} of ${size} bytes`);
  });

  test('a line still being written is not returned until its newline arrives', async () => {
    const dir = await tempDir();
    const complete = '{"t":"2026-01-01T00:00:00.000Z","s":"stdout","log":"done\\n"}\n';
    const half = '{"t":"2026-01-01T00:00:01.000Z","s":"stdout","log":"hal';
    await writeFile(join(dir, 'container.log'), complete + half);
    assert.deepEqual(texts(await collect(dir)), ['done\n']);
    assert.deepEqual(texts(await collect(dir, { tail: 1 })), ['done\n']);
    const controller = new AbortController();
    const iterator = readLogs(dir, { follow: true, signal: controller.signal })[Symbol.asyncIterator]();
    assert.equal((await nextWithin(iterator)).value?.text, 'done\n');
    const pending = nextWithin(iterator);
    await appendFile(join(dir, 'container.log'), 'f\\n"}\n');
    assert.equal((await pending).value?.text, 'half\n');
    controller.abort();
    assert.equal((await nextWithin(iterator)).done, true);
  });
});

describe('readLogs follow', () => {
  test('receives records written after it started, across rotations, and ends when the writer closes', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir, { maxBytes: 200, maxFiles: 2 });
    writer.write('stdout', Buffer.from('before\n'));
    await writer.drain();
    const iterator = readLogs(dir, { follow: true })[Symbol.asyncIterator]();
    assert.equal((await nextWithin(iterator)).value?.text, 'before\n');
    for (let i = 0; i < 60; i++) {
      const next = nextWithin(iterator); // waiting before the write: the wake-up path
      writer.write(i % 2 ? 'stderr' : 'stdout', Buffer.from(line(i)));
      assert.equal((await next).value?.text, line(i));
    }
    writer.write('stdout', Buffer.from('last words\n'));
    const closing = writer.close();
    assert.equal((await nextWithin(iterator)).value?.text, 'last words\n');
    assert.equal((await nextWithin(iterator)).done, true);
    await closing;
  });

  test('a burst of writes with rotations reaches the follower in order, without repeats', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir, { maxBytes: 4096, maxFiles: 3 });
    const received: string[] = [];
    const reading = (async () => {
      for await (const entry of readLogs(dir, { follow: true })) received.push(entry.text);
    })();
    for (let i = 0; i < 5000; i++) if (!writer.write('stdout', Buffer.from(line(i)))) await writer.drain();
    await writer.close();
    await reading;
    const numbers = received.map((text) => Number(text.slice(5, 10)));
    for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i]! > numbers[i - 1]!, `${numbers[i - 1]} then ${numbers[i]}`);
    assert.equal(numbers.at(-1), 4999);
  });

  test('tail with follow gives the last records, then new ones', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    writer.write('stdout', Buffer.from('older\nold\n'));
    await writer.drain();
    // The start is fixed when the iteration begins, so the new record is written after the first entry.
    const iterator = readLogs(dir, { follow: true, tail: 1 })[Symbol.asyncIterator]();
    assert.equal((await nextWithin(iterator)).value?.text, 'old\n');
    const next = nextWithin(iterator);
    writer.write('stdout', Buffer.from('new\n'));
    assert.equal((await next).value?.text, 'new\n');
    await writer.close();
    assert.equal((await nextWithin(iterator)).done, true);
  });

  test('a follow started before the directory exists wakes on the first write', async () => {
    const dir = join(await tempDir(), 'later');
    const iterator = readLogs(dir, { follow: true })[Symbol.asyncIterator]();
    const next = nextWithin(iterator);
    const writer = new LogWriter(dir);
    writer.write('stdout', Buffer.from('first\n'));
    assert.equal((await next).value?.text, 'first\n');
    await writer.close();
    assert.equal((await nextWithin(iterator)).done, true);
  });

  test('abort ends a waiting follow at once, and breaking out of the loop ends it too', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    const controller = new AbortController();
    const iterator = readLogs(dir, { follow: true, signal: controller.signal })[Symbol.asyncIterator]();
    const next = nextWithin(iterator, 2000);
    setTimeout(() => controller.abort(), 50);
    assert.equal((await next).done, true);
    for await (const entry of readLogs(dir, { follow: true, signal: AbortSignal.abort() })) assert.fail(`got ${entry.text}`);
    writer.write('stdout', Buffer.from('a\nb\n'));
    await writer.drain();
    for await (const entry of readLogs(dir, { follow: true })) {
      assert.equal(entry.text, 'a\n');
      break;
    }
    await writer.close();
  });

  test('until ends a follow once its time has passed', async () => {
    const dir = await tempDir();
    const writer = new LogWriter(dir);
    const started = Date.now();
    const entries = await collect(dir, { follow: true, until: new Date(started + 300) });
    assert.deepEqual(entries, []);
    assert.ok(Date.now() - started >= 290);
    await writer.close();
  });

  test('follows a writer in another process through fs.watch, across a rotation', async () => {
    const dir = await tempDir();
    const record = (text: string) => `{"t":"${new Date().toISOString()}","s":"stdout","log":"${text}\\n"}\n`;
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'container.log'), record('one'));
    const controller = new AbortController();
    const iterator = readLogs(dir, { follow: true, signal: controller.signal })[Symbol.asyncIterator]();
    assert.equal((await nextWithin(iterator)).value?.text, 'one\n');
    let next = nextWithin(iterator);
    await appendFile(join(dir, 'container.log'), record('two'));
    assert.equal((await next).value?.text, 'two\n');
    // The other writer's last record before it rotates, the rotation, then a record in the new file.
    next = nextWithin(iterator);
    await appendFile(join(dir, 'container.log'), record('three'));
    await rename(join(dir, 'container.log'), join(dir, 'container.log.1'));
    await writeFile(join(dir, 'container.log'), record('four'));
    assert.equal((await next).value?.text, 'three\n');
    assert.equal((await nextWithin(iterator)).value?.text, 'four\n');
    controller.abort();
    assert.equal((await nextWithin(iterator)).done, true);
  });
});

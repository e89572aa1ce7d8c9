// The output pump: UTF-8 decoded across chunk boundaries, every push resolved only after its text was
// written (that is what delays the stream's acknowledgement), a burst passed at once and sustained
// output paced at the configured rate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIRM_REQUEST, EscapeTracker, OutputPump } from '../../extension/src/terminals/outputPump';

test('a character split across chunks arrives whole; invalid bytes become U+FFFD', async () => {
  const written: string[] = [];
  const pump = new OutputPump((text) => written.push(text));
  const euro = Buffer.from('€ ü 😀', 'utf8');
  for (let i = 0; i < euro.length; i++) await pump.push(euro.subarray(i, i + 1));
  await pump.push(Buffer.from([0xff, 0x41]));
  pump.finish();
  assert.equal(written.join(''), '€ ü 😀\uFFFDA');
});

test('an incomplete character at the end is flushed by finish()', async () => {
  const written: string[] = [];
  const pump = new OutputPump((text) => written.push(text));
  await pump.push(Buffer.from([0x61, 0xe2, 0x82]));
  assert.equal(written.join(''), 'a');
  pump.finish();
  assert.equal(written.join(''), 'a\uFFFD');
});

test('a push resolves only after its text was written', async () => {
  const written: string[] = [];
  let now = 0;
  const pump = new OutputPump((text) => written.push(text), { bytesPerSecond: 1000, burstBytes: 10, now: () => now });
  await pump.push(Buffer.from('0123456789'));
  assert.deepEqual(written, ['0123456789']);
  // The bucket is empty: the next push waits until the clock lets it through.
  let resolved = false;
  const next = pump.push(Buffer.from('abc')).then(() => (resolved = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(resolved, false);
  assert.deepEqual(written, ['0123456789']);
  now = 5; // 5 tokens back
  await next;
  assert.deepEqual(written, ['0123456789', 'abc']);
});

test('chunks pushed together are written as one batch', async () => {
  const written: string[] = [];
  let now = 0;
  const pump = new OutputPump((text) => written.push(text), { bytesPerSecond: 1000, burstBytes: 4, now: () => now });
  const first = pump.push(Buffer.from('1234')); // uses the whole burst
  const rest = [pump.push(Buffer.from('a')), pump.push(Buffer.from('b')), pump.push(Buffer.from('c'))];
  await first;
  now = 10; // 10 tokens: all three fit
  await Promise.all(rest);
  assert.deepEqual(written, ['1234', 'abc']);
  assert.equal(pump.stats.writes, 2);
});

test('sustained output is paced at the configured rate', async () => {
  const pump = new OutputPump(() => undefined, { bytesPerSecond: 1_000_000, burstBytes: 50_000, confirmWindowBytes: 0 });
  const chunk = Buffer.alloc(10_000, 0x79);
  const started = performance.now();
  for (let i = 0; i < 30; i++) await pump.push(chunk); // 300 kB: 50 kB burst, then 250 kB at 1 MB/s
  const elapsed = performance.now() - started;
  // Paced: at least the 250 kB past the burst at 1 MB/s (a lower bound, which load cannot break).
  assert.ok(elapsed >= 200, `300 kB took ${elapsed.toFixed(0)} ms, expected about 250`);
});

test('dispose releases waiting pushes and drops their text', async () => {
  const written: string[] = [];
  const now = 0;
  const pump = new OutputPump((text) => written.push(text), { bytesPerSecond: 1, burstBytes: 1, now: () => now });
  await pump.push(Buffer.from('x'));
  const waiting = pump.push(Buffer.from('dropped'));
  pump.dispose();
  await waiting;
  await pump.push(Buffer.from('after'));
  assert.deepEqual(written, ['x']);
  assert.equal(pump.queuedBytes, 0);
});

test('a throwing sink still releases the push (the stream must not stall)', async () => {
  const pump = new OutputPump(() => {
    throw new Error('terminal gone');
  });
  assert.equal(await pump.push(Buffer.from('x')).then(() => 'resolved'), 'resolved');
});

test('the terminal confirms what it has shown: at most the window is unconfirmed, and nothing more is written until it answers', async () => {
  const written: string[] = [];
  const pump = new OutputPump((text) => written.push(text), { confirmWindowBytes: 1000, confirmEveryBytes: 400, burstBytes: 1e9, bytesPerSecond: 1e9 });
  const pushes = Array.from({ length: 10 }, () => pump.push(Buffer.alloc(300, 0x61)));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const shown = written.join('');
  const requests = shown.split(CONFIRM_REQUEST).length - 1;
  assert.equal(shown.replaceAll(CONFIRM_REQUEST, '').length, 1200); // 4 chunks: the window was full after the 4th
  assert.equal(requests, 2);
  assert.ok(pump.unconfirmedBytes >= 1000);
  for (let i = 0; i < 20 && pump.queuedBytes > 0; i++) {
    pump.confirmed();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pushes);
  assert.equal(written.join('').replaceAll(CONFIRM_REQUEST, '').length, 3000);
});

test('a terminal that never answers: confirmation is given up after the timeout, and output goes on', async () => {
  const written: string[] = [];
  const pump = new OutputPump((text) => written.push(text), { confirmWindowBytes: 100, confirmEveryBytes: 50, confirmTimeoutMs: 50 });
  const started = performance.now();
  await Promise.all(Array.from({ length: 10 }, () => pump.push(Buffer.alloc(60, 0x62))));
  assert.ok(performance.now() - started >= 45);
  assert.equal(pump.stats.confirmationGivenUp, true);
  assert.equal(written.join('').replaceAll(CONFIRM_REQUEST, '').length, 600);
});

test('requests never go inside the program\'s escape sequences', async () => {
  const written: string[] = [];
  const pump = new OutputPump((text) => written.push(text), { confirmWindowBytes: 1e6, confirmEveryBytes: 1 });
  // A colour sequence and an OSC title split across chunks: no request may follow the open parts.
  for (const part of ['ab\x1b[3', '1mred\x1b[0m', '\x1b]0;tit', 'le\x07done', '\x1bP1$r', 'x\x1b\\ok']) await pump.push(Buffer.from(part));
  assert.deepEqual(
    written.map((text) => text.endsWith(CONFIRM_REQUEST)),
    [false, true, false, true, false, true],
  );
});

test('the escape tracker follows CSI, OSC, DCS and two-byte sequences', () => {
  const tracker = new EscapeTracker();
  const after = (text: string) => (tracker.scan(text), tracker.inGround);
  assert.equal(after('plain'), true);
  assert.equal(after('\x1b'), false);
  assert.equal(after('[?25'), false);
  assert.equal(after('l'), true);
  assert.equal(after('\x1b(B'), true);
  assert.equal(after('\x1b(')!, false);
  assert.equal(after('B\x1b]8;;http://x\x1b'), false);
  assert.equal(after('\\'), true);
});

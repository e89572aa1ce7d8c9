// Terminal input: sent in order, one write at a time, what arrives meanwhile merged into the next write,
// a large paste split into pieces that fit a frame, and nothing lost or reordered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputQueue } from '../../extension/src/terminals/inputQueue';

function recorder(delayMs = 1) {
  const writes: Buffer[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (bytes: Buffer) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    writes.push(Buffer.from(bytes));
    inFlight--;
  };
  return { writes, write, maxInFlight: () => maxInFlight };
}

test('keys typed while a write is in flight are merged into the next one, in order', async () => {
  const r = recorder(5);
  const queue = new InputQueue(r.write);
  for (const key of 'echo hi\r') queue.push(key);
  await queue.idle();
  assert.equal(Buffer.concat(r.writes).toString(), 'echo hi\r');
  assert.equal(r.writes.length, 2); // 'e', then the rest at once
  assert.equal(r.maxInFlight(), 1);
});

test('a large paste goes in chunks of at most chunkBytes, byte for byte', async () => {
  const r = recorder(0);
  const queue = new InputQueue(r.write, undefined, 1024);
  const paste = Array.from({ length: 2000 }, (_, i) => `line ${i} ünïcødé €\n`).join('');
  queue.push(paste);
  queue.push('\x03');
  await queue.idle();
  assert.ok(r.writes.every((chunk) => chunk.length <= 1024));
  assert.equal(Buffer.concat(r.writes).toString('utf8'), `${paste}\x03`);
  assert.ok(r.writes.length >= Buffer.byteLength(paste) / 1024);
});

test('a failed write drops the rest and reports once', async () => {
  const errors: Error[] = [];
  let calls = 0;
  const queue = new InputQueue(
    async () => {
      calls++;
      throw new Error('stream s3 is closed');
    },
    (error) => errors.push(error),
  );
  queue.push('a');
  queue.push('b');
  await queue.idle();
  queue.push('c');
  await queue.idle();
  assert.equal(calls, 1);
  assert.deepEqual(errors.map((e) => e.message), ['stream s3 is closed']);
});

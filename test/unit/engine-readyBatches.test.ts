// readyBatches: what a source has ready before the event loop turns is one batch (up to the limit); what
// comes after an I/O wait starts a new batch at once. No timer decides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readyBatches } from '../../helper/src/engine/sessions/readyBatches';

async function collect<T>(source: AsyncIterable<T[]>): Promise<T[][]> {
  const batches: T[][] = [];
  for await (const batch of source) batches.push(batch);
  return batches;
}

test('a backlog that is ready at once comes in batches of at most max', async () => {
  async function* backlog() {
    for (let i = 0; i < 10; i++) yield i;
  }
  assert.deepEqual(await collect(readyBatches(backlog(), 4)), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
});

test('what arrives alone is a batch at once: nothing waits for more', async () => {
  // The source's second item comes only after the consumer has received the first batch: a batcher that
  // waited for more would never deliver it.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* trickle() {
    yield 'a';
    yield 'b';
    await released;
    yield 'c';
  }
  const batches: string[][] = [];
  for await (const batch of readyBatches(trickle(), 100)) {
    batches.push(batch);
    release();
  }
  assert.deepEqual(batches, [['a', 'b'], ['c']]);
});

test('a consumer that stops early lets the source clean up', async () => {
  let cleaned!: () => void;
  const cleanedUp = new Promise<void>((resolve) => (cleaned = resolve));
  async function* endless() {
    try {
      for (let i = 0; ; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        yield i;
      }
    } finally {
      cleaned();
    }
  }
  for await (const batch of readyBatches(endless(), 10)) {
    assert.deepEqual(batch, [0]);
    break;
  }
  await cleanedUp; // hangs (and the runner fails the test) if the source is never closed
});

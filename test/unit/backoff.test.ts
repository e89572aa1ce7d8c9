// The one backoff and bounded-retry helper (protocol/backoff.ts) that the registry pulls, the engine's
// restart policy and the extension's reconnection use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, withRetries } from '../../helper/src/protocol/backoff';

test('the wait doubles from the first and stops at the most', () => {
  const policy = { firstMs: 100, maxMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 60].map((failures) => backoffDelay(policy, failures)), [100, 200, 400, 800, 1000, 1000, 1000]);
});

test('a retryable failure is tried again until it succeeds, waiting the backoff between attempts', async () => {
  const waits: Array<[number, number]> = [];
  let calls = 0;
  const result = await withRetries(
    async (attempt) => {
      calls++;
      if (attempt < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      return `done on ${attempt}`;
    },
    { attempts: 5, firstMs: 1, maxMs: 4, retryable: (error) => (error as { code?: string }).code === 'ECONNRESET', onRetry: (_e, next, ms) => void waits.push([next, ms]) },
  );
  assert.equal(result, 'done on 3');
  assert.equal(calls, 3);
  assert.deepEqual(waits, [[2, 1], [3, 2]]);
});

test('the attempts are bounded: the last failure is what is thrown', async () => {
  let calls = 0;
  await assert.rejects(
    withRetries(
      async (attempt) => {
        calls++;
        throw new Error(`failure ${attempt}`);
      },
      { attempts: 3, firstMs: 1, maxMs: 1, retryable: () => true },
    ),
    /^Error: failure 3$/,
  );
  assert.equal(calls, 3);
});

test('a failure that is not retryable, or an abort, ends it at once', async () => {
  let calls = 0;
  await assert.rejects(
    withRetries(
      async () => {
        calls++;
        throw new Error('404 not found');
      },
      { attempts: 5, firstMs: 1, maxMs: 1, retryable: () => false },
    ),
    /404/,
  );
  assert.equal(calls, 1);
  const abort = new AbortController();
  calls = 0;
  await assert.rejects(
    withRetries(
      async () => {
        calls++;
        abort.abort();
        throw new Error('reset');
      },
      { attempts: 5, firstMs: 60_000, maxMs: 60_000, retryable: () => true, signal: abort.signal },
    ),
    /reset/,
  );
  assert.equal(calls, 1);
});

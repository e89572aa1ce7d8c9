// Streams between the daemon's StreamHub and the shared ProtocolClient, wired back to back in memory
// through the real binary framing (test/support/streamPair.ts): flow control holds a producer at the
// window until the client has used the data (and a writing client at the daemon's window until the
// daemon has used its input), input reaches the daemon in order and before the end of input, early data
// is kept until the client listens, and cancel and a lost connection stop the producer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamClosedError } from '../../helper/src/api/streams';
import { ackFrame, dataFrame, parseFrame, STREAM_ACK_BYTES, STREAM_WINDOW_BYTES } from '../../helper/src/protocol';
import { streamPair } from '../support/streamPair';
import { waitFor } from '../support/waitFor';

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A pair with one open stream on each side. */
async function opened(controls: Parameters<ReturnType<typeof streamPair>['hub']['open']>[0] = {}) {
  const ids: string[] = [];
  const pair = streamPair((method) => (method === 'test.open' ? { stream: ids.shift() } : {}));
  const server = pair.hub.open(controls);
  ids.push(server.id);
  const stream = await pair.client.openStream('test.open' as never, {} as never);
  return { ...pair, server, stream };
}

/** Resolves when `condition` holds, checked after each turn of the event loop (bounded, not timed). */
test('frames: data and ack round-trip through the 6-byte header; malformed ones are named', () => {
  const data = parseFrame(dataFrame('s7', Buffer.from('héllo'), 2));
  assert.deepEqual(data, { kind: 'data', stream: 's7', fd: 2, payload: Buffer.from('héllo') });
  assert.deepEqual(parseFrame(ackFrame('s4294967295', 65_536)), { kind: 'ack', stream: 's4294967295', bytes: 65_536 });
  assert.match(parseFrame(Buffer.from([1, 0, 0])) as string, /shorter than the 6-byte header/);
  assert.match(parseFrame(Buffer.from([9, 0, 0, 0, 0, 1])) as string, /unknown kind 9/);
  assert.match(parseFrame(Buffer.from([1, 3, 0, 0, 0, 1, 65])) as string, /output 3 is not 0, 1 or 2/);
  assert.match(parseFrame(Buffer.from([2, 0, 0, 0, 0, 1, 0])) as string, /ack frame for s1 is 7 bytes/);
});

test('a producer is held at the window until the client has used what it got', async () => {
  const { server, stream, counts } = await opened();
  let produced = 0;
  const producer = (async () => {
    for (let i = 0; i < 64; i++) {
      await server.writeBytes(Buffer.alloc(64 * 1024, i));
      produced += 64 * 1024;
    }
    server.end({ done: true });
  })();
  // Nobody listens yet: the client keeps what came, and the producer stops at the window.
  await waitFor('a window produced', () => produced === STREAM_WINDOW_BYTES, { intervalMs: 0 });
  await tick();
  assert.equal(produced, STREAM_WINDOW_BYTES);
  let received = 0;
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  let intact = true;
  stream.listen({
    data: async (bytes) => {
      // Each 64 KiB write is one byte value: a payload that mixes two was cut or reordered.
      intact &&= bytes.every((byte) => byte === bytes[0]) && bytes[0] === Math.floor(received / (64 * 1024)) % 256;
      received += bytes.length;
      if (received === 2 * STREAM_WINDOW_BYTES) await gate;
    },
  });
  await waitFor('two windows received', () => received === 2 * STREAM_WINDOW_BYTES, { intervalMs: 0 });
  await tick();
  // The listener is holding at 2 windows: the producer can be at most one window ahead of it.
  assert.equal(received, 2 * STREAM_WINDOW_BYTES);
  assert.ok(produced <= 3 * STREAM_WINDOW_BYTES, `produced ${produced}`);
  release();
  gate = Promise.resolve();
  assert.deepEqual(await stream.done, { done: true });
  await producer;
  assert.equal(received, 64 * 64 * 1024);
  assert.ok(intact, 'every byte in order');
  // Acknowledged in steps of STREAM_ACK_BYTES, not per frame.
  assert.ok(counts.downAcked >= received - STREAM_ACK_BYTES && counts.downAcked <= received, `acked ${counts.downAcked} of ${received}`);
});

test('a terminal-sized echo costs no acknowledgement', async () => {
  const { server, stream, counts } = await opened({ window: 128 * 1024 });
  const echoes: string[] = [];
  stream.listen({ data: (bytes) => void echoes.push(bytes.toString()) });
  for (const key of 'hello') assert.equal(server.tryWriteBytes(Buffer.from(key)), true);
  await waitFor('five echoes', () => echoes.length === 5, { intervalMs: 0 });
  assert.equal(echoes.join(''), 'hello');
  assert.equal(counts.downAcked, 0);
  assert.equal(counts.frames, 5, 'one frame per echo, nothing else');
});

test('input reaches the daemon in order, held to its window, and the end of input comes after all of it', async () => {
  const chunks: Buffer[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let closedAfter = -1;
  const { stream, counts } = await opened({
    onWrite: async (bytes) => {
      chunks.push(bytes);
      // The daemon's consumer stalls after 2 windows: the client may not be more than a window ahead.
      if (chunks.reduce((sum, chunk) => sum + chunk.length, 0) >= 2 * STREAM_WINDOW_BYTES) await gate;
    },
    onCloseInput: () => (closedAfter = chunks.reduce((sum, chunk) => sum + chunk.length, 0)),
  });
  stream.listen({});
  const content = Buffer.alloc(5 * STREAM_WINDOW_BYTES);
  for (let i = 0; i < content.length; i += 4) content.writeUInt32BE(i, i);
  const written = stream.write(content).then(() => stream.closeInput());
  await waitFor('two windows sent', () => counts.up >= 2 * STREAM_WINDOW_BYTES, { intervalMs: 0 });
  await tick();
  assert.ok(counts.up <= 3 * STREAM_WINDOW_BYTES, `the client sent ${counts.up} bytes while the daemon held at 2 windows`);
  assert.equal(closedAfter, -1);
  release();
  await written;
  await waitFor('the end of input', () => closedAfter >= 0, { intervalMs: 0 });
  assert.equal(closedAfter, content.length, 'closeInput after every byte');
  assert.ok(Buffer.concat(chunks).equals(content), 'every byte, in order');
});

test('a failed onWrite ends the stream with its error, and later writes reject with it', async () => {
  const { stream } = await opened({
    onWrite: () => {
      throw new Error('no space left on device');
    },
  });
  stream.listen({});
  await stream.write(Buffer.from('first'));
  await assert.rejects(stream.done, /no space left on device/);
  await assert.rejects(stream.write(Buffer.alloc(10)), /no space left on device/);
});

test('input to a stream that takes none ends it, saying so', async () => {
  const { stream } = await opened();
  stream.listen({});
  await stream.write('typed');
  await assert.rejects(stream.done, /takes no input/);
});

test("cancel stops the producer and the client's done settles", async () => {
  const { hub, server, stream } = await opened();
  stream.listen({ data: () => new Promise<void>(() => undefined) }); // never done with anything
  const producer = (async () => {
    for (;;) await server.writeBytes(Buffer.alloc(256 * 1024));
  })();
  const stopped = assert.rejects(producer, StreamClosedError);
  await tick();
  await stream.cancel();
  assert.equal(await stream.done, undefined, 'done settles at cancel');
  await stopped;
  assert.equal(server.signal.aborted, true);
  assert.equal(hub.size, 0);
});

test('a lost connection fails every open stream and pending call on the client, and closes them on the daemon', async () => {
  const { hub, client, server, stream } = await opened();
  stream.listen({});
  client.closed('the connection dropped');
  await assert.rejects(stream.done, /the connection dropped/);
  await assert.rejects(stream.write('late'), /the connection dropped/);
  hub.closeAll();
  assert.equal(server.closed, true);
  await assert.rejects(server.pushItems([1]), StreamClosedError);
});

test('bytes, items and the end arrive in order, even when sent before the client has the stream', async () => {
  const ids: string[] = [];
  const { hub, client } = streamPair((method) => (method === 'test.open' ? { stream: ids.shift() } : {}));
  const server = hub.open();
  ids.push(server.id);
  await server.writeBytes(Buffer.from('a'));
  await server.pushItems([1, 2]);
  await server.writeBytes(Buffer.from('b'), 2);
  await server.pushItems([3]);
  server.end('fin');
  await tick();
  const stream = await client.openStream('test.open' as never, {} as never);
  const got: unknown[] = [];
  stream.listen({ items: (items) => void got.push(...items), data: (bytes, fd) => void got.push(`${bytes}${fd ?? ''}`) });
  assert.equal(await stream.done, 'fin');
  assert.deepEqual(got, ['a', 1, 2, 'b2', 3]);
});

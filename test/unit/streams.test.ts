// Streams between the daemon's StreamHub and the shared ProtocolClient, wired back to back in memory:
// flow control holds a producer at the window until the client has used the data, early data is kept
// until the client listens, and cancel and a lost connection stop the producer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamHub, StreamClosedError } from '../../helper/src/api/streams';
import { ProtocolClient, STREAM_WINDOW_BYTES } from '../../helper/src/protocol';

/** A hub and a client joined by in-memory message passing; acks go straight to the hub. */
function pair() {
  const sent: string[] = [];
  // The hub's sends reach the client made just below.
  const link: { client?: ProtocolClient } = {};
  const hub = new StreamHub((text) => {
    sent.push(text);
    link.client!.receive(text);
  });
  const client = new ProtocolClient({
    send: (text) => {
      const message = JSON.parse(text) as { id: number; method: string; params: { stream: string; bytes?: number } };
      if (message.method === 'stream.ack') hub.get(message.params.stream).acknowledge(message.params.bytes!);
      if (message.method === 'stream.cancel') hub.get(message.params.stream).close();
      if (message.method === 'test.open') {
        queueMicrotask(() => client.receive(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { stream: opened.shift() } })));
      } else {
        queueMicrotask(() => client.receive(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} })));
      }
    },
    close: () => undefined,
  });
  link.client = client;
  const opened: string[] = [];
  return { hub, client, sent, opened };
}

test('a producer is held at the window until the client has used what it got', async () => {
  const { hub, client, opened } = pair();
  const server = hub.open();
  opened.push(server.id);
  const stream = await client.openStream('test.open' as never, {} as never);
  let produced = 0;
  const producer = (async () => {
    for (let i = 0; i < 64; i++) {
      await server.writeBytes(Buffer.alloc(64 * 1024, i));
      produced += 64 * 1024;
    }
    server.end({ done: true });
  })();
  // Nobody listens yet: the client keeps what came, and the producer stops at the window.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(produced, STREAM_WINDOW_BYTES);
  let received = 0;
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  stream.listen({
    data: async (bytes) => {
      received += bytes.length;
      if (received === 2 * STREAM_WINDOW_BYTES) await gate;
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  // The listener is holding at 2 windows: the producer can be at most one window ahead of it.
  assert.equal(received, 2 * STREAM_WINDOW_BYTES);
  assert.ok(produced <= 3 * STREAM_WINDOW_BYTES, `produced ${produced}`);
  release();
  gate = Promise.resolve();
  assert.deepEqual(await stream.done, { done: true });
  await producer;
  assert.equal(received, 64 * 64 * 1024);
});

test('cancel stops the producer and the client\'s done settles', async () => {
  const { hub, client, opened } = pair();
  const server = hub.open();
  opened.push(server.id);
  const stream = await client.openStream('test.open' as never, {} as never);
  stream.listen({ data: () => new Promise<void>(() => undefined) }); // never done with anything
  const producer = (async () => {
    for (;;) await server.writeBytes(Buffer.alloc(256 * 1024));
  })();
  const stopped = assert.rejects(producer, StreamClosedError);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await stream.cancel();
  assert.equal(await stream.done, undefined, 'done settles at cancel');
  await stopped;
  assert.equal(server.signal.aborted, true);
  assert.equal(hub.size, 0);
});

test('a lost connection fails every open stream and pending call on the client, and closes them on the daemon', async () => {
  const { hub, client, opened } = pair();
  const server = hub.open();
  opened.push(server.id);
  const stream = await client.openStream('test.open' as never, {} as never);
  stream.listen({});
  client.closed('the connection dropped');
  await assert.rejects(stream.done, /the connection dropped/);
  hub.closeAll();
  assert.equal(server.closed, true);
  await assert.rejects(server.pushItems([1]), StreamClosedError);
});

test('items and the end arrive in order, even when sent before the client listens', async () => {
  const { hub, client, opened } = pair();
  const server = hub.open();
  opened.push(server.id);
  await server.pushItems([1, 2]);
  await server.pushItems([3]);
  server.end('fin');
  const stream = await client.openStream('test.open' as never, {} as never);
  const got: unknown[] = [];
  stream.listen({ items: (items) => void got.push(...items) });
  assert.equal(await stream.done, 'fin');
  assert.deepEqual(got, [1, 2, 3]);
});

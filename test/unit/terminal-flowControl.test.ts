// End-to-end flow control with the real pieces: the daemon's ServerStream, the protocol's ProtocolClient
// and ClientStream, and the terminal's OutputPump, joined by an in-memory transport. A producer writing
// as fast as it is let (`yes`) must be held to the daemon's window, the pump must hold at most one chunk,
// and what reaches the terminal must be exactly what was produced, at the pump's pace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamHub } from '../../helper/src/api/streams';
import { ProtocolClient, STREAM_CHUNK_BYTES, STREAM_WINDOW_BYTES } from '../../helper/src/protocol';
import { OutputPump } from '../../extension/src/terminals/outputPump';

test('`yes` into a paced terminal: the daemon stays within its window and nothing is lost', async () => {
  let sent = 0;
  let acked = 0;
  let maxUnacked = 0;
  // Frames travel asynchronously both ways, as on a socket.
  const hub = new StreamHub((text) => {
    const message = JSON.parse(text) as { method: string; params: { data?: string } };
    if (message.method === 'stream.data' && message.params.data) {
      sent += Buffer.from(message.params.data, 'base64').length;
      maxUnacked = Math.max(maxUnacked, sent - acked);
    }
    setImmediate(() => client.receive(text));
  });
  const server = hub.open({});
  const client: ProtocolClient = new ProtocolClient({
    send(text) {
      const request = JSON.parse(text) as { id: number; method: string; params: { stream: string; bytes: number } };
      setImmediate(() => {
        let result: unknown = {};
        if (request.method === 'containers.exec') result = { stream: server.id };
        if (request.method === 'stream.ack') {
          acked += request.params.bytes;
          // An acknowledgement that crosses the stream's end finds it gone, as in the daemon.
          if (!server.closed) server.acknowledge(request.params.bytes);
        }
        client.receive(JSON.stringify({ jsonrpc: '2.0', id: request.id, result }));
      });
    },
    close() {},
  });

  const stream = await client.openStream('containers.exec', { container: 'web', cmd: ['yes'], tty: true });
  let received = 0;
  let ys = 0;
  const pump = new OutputPump(
    (text) => {
      received += text.length;
      ys += text.split('y').length - 1;
    },
    { bytesPerSecond: 4 * 1024 * 1024, burstBytes: 256 * 1024 },
  );
  stream.listen({ data: (bytes) => pump.push(bytes) });

  // The producer: pty-sized reads of "y\n", as fast as the window lets it, for 1.5 s.
  const line = Buffer.from('y\n'.repeat(2048));
  let produced = 0;
  const deadline = performance.now() + 1500;
  while (performance.now() < deadline) {
    await server.writeBytes(line);
    produced += line.length;
  }
  server.end({ exitCode: 130 });
  assert.deepEqual(await stream.done, { exitCode: 130 });
  pump.finish();

  assert.equal(received, produced, 'every byte reached the terminal');
  assert.equal(ys, produced / 2);
  assert.ok(maxUnacked <= STREAM_WINDOW_BYTES + STREAM_CHUNK_BYTES, `unacknowledged bytes peaked at ${maxUnacked}`);
  assert.ok(pump.stats.maxQueuedBytes <= STREAM_CHUNK_BYTES, `the pump held ${pump.stats.maxQueuedBytes} bytes at once`);
  // Paced: about 4 MiB/s plus the burst, so at most ~6.3 MiB in 1.5 s (and the producer was held back).
  assert.ok(produced < 8 * 1024 * 1024, `produced ${produced} bytes in 1.5 s despite the pace`);
  assert.ok(produced > 1024 * 1024, `only ${produced} bytes in 1.5 s`);
});

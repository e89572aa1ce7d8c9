// End-to-end flow control with the real pieces: the daemon's ServerStream, the protocol's ProtocolClient
// and ClientStream, and the terminal's OutputPump, joined by an in-memory transport through the real
// framing (test/support/streamPair.ts). A producer writing as fast as it is let (`yes`) must be held to
// the daemon's window, the pump must hold at most one chunk, and what reaches the terminal must be
// exactly what was produced, at the pump's pace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STREAM_CHUNK_BYTES, STREAM_WINDOW_BYTES } from '../../helper/src/protocol';
import { CONFIRM_REQUEST, OutputPump } from '../../extension/src/terminals/outputPump';
import { streamPair } from '../support/streamPair';

test('`yes` into a slow terminal: the daemon stays within its window, the terminal within its own, nothing is lost', async (t) => {
  const ids: string[] = [];
  const { hub, client, counts } = streamPair((method) => (method === 'containers.exec' ? { stream: ids.shift() } : {}));
  const server = hub.open({});
  ids.push(server.id);
  let maxUnacked = 0;
  const stream = await client.openStream('containers.exec', { container: 'web', cmd: ['yes'], tty: true });
  let received = 0;
  let ys = 0;
  let maxUnconfirmed = 0;
  // The terminal: parses at about 2 MB/s, and answers each status request once it got there.
  let terminalBusyUntil = performance.now();
  const pump: OutputPump = new OutputPump(
    (text) => {
      const requests = text.split(CONFIRM_REQUEST).length - 1;
      const output = text.replaceAll(CONFIRM_REQUEST, '');
      received += output.length;
      ys += output.split('y').length - 1;
      maxUnconfirmed = Math.max(maxUnconfirmed, pump.unconfirmedBytes);
      terminalBusyUntil = Math.max(terminalBusyUntil, performance.now()) + output.length / 2000;
      for (let i = 0; i < requests; i++) setTimeout(() => pump.confirmed(), terminalBusyUntil - performance.now());
    },
    { bytesPerSecond: 4 * 1024 * 1024, burstBytes: 256 * 1024, confirmWindowBytes: 128 * 1024 },
  );
  stream.listen({ data: (bytes) => pump.push(bytes) });

  // The producer: pty-sized reads of "y\n", as fast as the window lets it, for 1.5 s.
  const line = Buffer.from('y\n'.repeat(2048));
  let produced = 0;
  const deadline = performance.now() + 1500;
  while (performance.now() < deadline) {
    await server.writeBytes(line);
    produced += line.length;
    maxUnacked = Math.max(maxUnacked, counts.down - counts.downAcked);
  }
  server.end({ exitCode: 130 });
  assert.deepEqual(await stream.done, { exitCode: 130 });
  pump.finish();

  assert.equal(received, produced, 'every byte reached the terminal');
  assert.equal(ys, produced / 2);
  assert.ok(maxUnacked <= STREAM_WINDOW_BYTES + STREAM_CHUNK_BYTES, `unacknowledged bytes peaked at ${maxUnacked}`);
  assert.ok(pump.stats.maxQueuedBytes <= STREAM_CHUNK_BYTES, `the pump held ${pump.stats.maxQueuedBytes} bytes at once`);
  // Held to the terminal's 2 MB/s (plus what the windows hold): the producer was paused, not buffered.
  assert.ok(maxUnconfirmed <= 128 * 1024 + STREAM_CHUNK_BYTES, `the terminal had ${maxUnconfirmed} bytes unconfirmed`);
  assert.ok(produced < 3_000_000 + STREAM_WINDOW_BYTES + 256 * 1024, `produced ${produced} bytes in 1.5 s despite the terminal's pace`);
  assert.ok(produced > 1_000_000, `only ${produced} bytes in 1.5 s`);
  t.diagnostic(`produced ${(produced / 1e6).toFixed(2)} MB in 1.5 s; unacknowledged at most ${maxUnacked} B; unconfirmed at most ${maxUnconfirmed} B; pump queue at most ${pump.stats.maxQueuedBytes} B`);
});

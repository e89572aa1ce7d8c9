// Bad input sent over the real socket to a real daemon: each gets a JSON-RPC error with a clear message,
// and the same connection (and the daemon) goes on answering. And clients of another protocol revision:
// refused by name, on both sides.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { connectToDaemon } from '../../helper/src/cli/daemonClient';
import { API_PATH, ErrorCode, MAX_REQUEST_BYTES, OFFERED_SUBPROTOCOLS, PROTOCOL_VERSION, SUBPROTOCOL } from '../../helper/src/protocol';
import { privateTempDir, startDaemon, type DaemonProcess } from '../support/daemonProcess';

const tmp = privateTempDir();
let daemon: DaemonProcess;
let ws: WebSocket;
const replies: unknown[] = [];
const waiting: Array<(reply: unknown) => void> = [];

before(async () => {
  daemon = await startDaemon(join(tmp.path, 'run', 'berth.sock'), join(tmp.path, 'root'));
  ws = await openSocket();
  ws.on('message', (data) => {
    const reply = JSON.parse(data.toString());
    const waiter = waiting.shift();
    if (waiter) waiter(reply);
    else replies.push(reply);
  });
});
after(async () => {
  ws.close();
  await daemon.stop();
  tmp.remove();
});

function openSocket(protocols: string[] = OFFERED_SUBPROTOCOLS): Promise<WebSocket> {
  const socket = new WebSocket(`ws+unix://${daemon.socketPath}:${API_PATH}`, protocols);
  return new Promise((resolve, reject) => socket.once('open', () => resolve(socket)).once('error', reject));
}

function exchange(frame: string | Buffer, options: { binary?: boolean } = {}): Promise<any> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    ws.send(frame, { binary: options.binary ?? false });
  });
}

async function assertStillServing(): Promise<void> {
  const reply = await exchange(JSON.stringify({ jsonrpc: '2.0', id: 'alive', method: 'system.version' }));
  assert.equal(reply.id, 'alive');
  assert.equal(reply.result.pid, daemon.child.pid);
}

test('not JSON: a parse error', async () => {
  const reply = await exchange('system.version please');
  assert.equal(reply.error.code, ErrorCode.ParseError);
  assert.match(reply.error.message, /^request is not valid JSON: /);
  await assertStillServing();
});

test('unknown method: method not found, naming it', async () => {
  const reply = await exchange(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'container.teleport' }));
  assert.deepEqual(reply.error, { code: ErrorCode.MethodNotFound, message: 'unknown method "container.teleport"' });
  assert.equal(reply.id, 1);
  await assertStillServing();
});

test('wrong parameter types: invalid params, saying which and why', async () => {
  const scalar = await exchange(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'system.version', params: 'verbose' }));
  assert.equal(scalar.error.code, ErrorCode.InvalidParams);
  assert.equal(scalar.error.message, 'system.version: params must be an object of named parameters, not a string');
  const unknown = await exchange(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'system.version', params: { verbose: true } }));
  assert.equal(unknown.error.code, ErrorCode.InvalidParams);
  assert.match(unknown.error.message, /^system\.version: params: Unrecognized key: "verbose"$/);
  await assertStillServing();
});

test('an oversized frame: a JSON-RPC error with the limit, and the connection stays open', async () => {
  const frame = JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'system.version', params: { pad: 'x'.repeat(MAX_REQUEST_BYTES) } });
  const reply = await exchange(frame);
  assert.equal(reply.error.code, ErrorCode.RequestTooLarge);
  assert.equal(reply.error.message, `request is ${frame.length} bytes; the API accepts at most ${MAX_REQUEST_BYTES} bytes in one frame`);
  await assertStillServing();
});

test('a binary frame that is no stream frame: refused with the reason', async () => {
  const short = await exchange(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal(short.error.code, ErrorCode.InvalidRequest);
  assert.equal(short.error.message, 'a binary frame of 3 bytes is shorter than the 6-byte header');
  const unknown = await exchange(Buffer.from([7, 0, 0, 0, 0, 1]), { binary: true });
  assert.equal(unknown.error.message, 'binary frame of unknown kind 7 (1 data, 2 ack)');
  await assertStillServing();
});

/** One request on a fresh socket offering `protocols`; the subprotocol the daemon chose and its answer. */
async function askAs(protocols: string[], method: string): Promise<{ protocol: string; reply: any }> {
  const socket = await openSocket(protocols);
  const reply = await new Promise<any>((resolve) => {
    socket.once('message', (data) => resolve(JSON.parse(data.toString())));
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 'r', method, params: {} }));
  });
  const protocol = socket.protocol;
  socket.close();
  return { protocol, reply };
}

test('a client of another protocol revision may ask system.version, and every other call is refused naming both revisions', async () => {
  // This revision's client: its subprotocol chosen.
  assert.equal((await askAs(OFFERED_SUBPROTOCOLS, 'containers.list')).protocol, SUBPROTOCOL);
  // A client from before versioning offers nothing; a newer one offers its own revision and the neutral name.
  for (const [protocols, revision] of [[[], 1], [['berth.rpc', `berth.rpc.v${PROTOCOL_VERSION + 1}`], PROTOCOL_VERSION + 1]] as const) {
    const version = await askAs([...protocols], 'system.version');
    assert.equal(version.reply.result.protocolVersion, PROTOCOL_VERSION);
    const refused = await askAs([...protocols], 'containers.list');
    assert.equal(refused.protocol, protocols.length ? 'berth.rpc' : '');
    assert.equal(refused.reply.error.code, ErrorCode.ProtocolMismatch);
    assert.match(
      refused.reply.error.message,
      new RegExp(`^protocol mismatch: the helper is berth \\S+ speaking protocol ${PROTOCOL_VERSION}, and the client speaks protocol ${revision}: update `),
    );
  }
  await assertStillServing();
});

test("this revision's client refuses a helper that chose the neutral subprotocol, naming both revisions", async () => {
  // A stand-in for a helper of another revision: a WebSocket server that chooses the neutral name and
  // answers system.version as a protocol-1 helper would.
  const { WebSocketServer } = await import('ws');
  const { createServer } = await import('node:http');
  const http = createServer();
  const wss = new WebSocketServer({ server: http, handleProtocols: () => 'berth.rpc' });
  wss.on('connection', (socket) =>
    socket.on('message', (data) => {
      const request = JSON.parse(data.toString());
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { helperVersion: '0.0.1', protocolVersion: 1 } }));
    }),
  );
  const socketPath = join(tmp.path, 'old-helper.sock');
  await new Promise<void>((resolve) => http.listen(socketPath, resolve));
  try {
    await assert.rejects(
      connectToDaemon(socketPath),
      new RegExp(`the Berth daemon at .*old-helper.sock: protocol mismatch: the helper is berth 0.0.1 speaking protocol 1, and this berth command speaks protocol ${PROTOCOL_VERSION}: update the helper`),
    );
  } finally {
    wss.close();
    http.close();
  }
});

test('a frame past the hard limit closes only that connection (1009); the daemon serves new ones', async () => {
  const greedy = await openSocket();
  const closed = new Promise<[number, string]>((resolve) => greedy.once('close', (code, reason) => resolve([code, reason.toString()])));
  greedy.on('error', () => {});
  greedy.send('x'.repeat(MAX_REQUEST_BYTES * 4 + 1));
  const [code] = await closed;
  assert.equal(code, 1009);
  await assertStillServing();
  const fresh = await openSocket();
  const reply = await new Promise<any>((resolve) => {
    fresh.once('message', (data) => resolve(JSON.parse(data.toString())));
    fresh.send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'system.version' }));
  });
  assert.equal(reply.result.pid, daemon.child.pid);
  fresh.close();
});

test('no reply was left unclaimed', () => {
  assert.deepEqual(replies, []);
});

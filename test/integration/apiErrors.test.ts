// Bad input sent over the real socket to a real daemon: each gets a JSON-RPC error with a clear message,
// and the same connection (and the daemon) goes on answering.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { API_PATH, ErrorCode, MAX_REQUEST_BYTES } from '../../helper/src/protocol';
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

function openSocket(): Promise<WebSocket> {
  const socket = new WebSocket(`ws+unix://${daemon.socketPath}:${API_PATH}`);
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

test('a binary frame: refused with the reason', async () => {
  const reply = await exchange(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal(reply.error.code, ErrorCode.InvalidRequest);
  assert.match(reply.error.message, /binary frames are not accepted/);
  await assertStillServing();
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

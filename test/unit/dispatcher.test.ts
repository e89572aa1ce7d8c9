// The dispatcher is where every frame a client sends is judged. Each kind of bad input must come back as
// the right JSON-RPC error with a message that says what was wrong, and never stop the dispatcher.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as z from 'zod';
import { Dispatcher } from '../../helper/src/api/dispatcher';
import { StreamHub } from '../../helper/src/api/streams';
import { silentLogger } from '../../helper/src/logging/logger';
import { ErrorCode, MAX_REQUEST_BYTES, RpcError, type RpcFailure, type RpcSuccess } from '../../helper/src/protocol';

const testMethods = {
  'test.repeat': {
    params: z.object({ text: z.string(), times: z.number().int().min(1) }).strict(),
    result: z.string(),
  },
  'test.conflict': { params: z.object({}).strict(), result: z.null() },
  'test.crash': { params: z.object({}).strict(), result: z.null() },
};

const calls: string[] = [];
const dispatcher = new Dispatcher(
  testMethods,
  {
    'test.repeat': ({ text, times }) => {
      calls.push(text);
      return text.repeat(times);
    },
    'test.conflict': () => {
      throw new RpcError(ErrorCode.Conflict, 'container "web" is already running');
    },
    'test.crash': async () => {
      throw new TypeError('boom');
    },
  },
  silentLogger,
);

const context = { connectionId: 1, streams: new StreamHub({ text: () => undefined, binary: () => undefined }) };
async function send(frame: string | object): Promise<unknown> {
  const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
  const reply = await dispatcher.handleFrame(Buffer.from(text), context);
  return reply === undefined ? undefined : JSON.parse(reply);
}
async function sendError(frame: string | object): Promise<RpcFailure['error'] & { id: unknown }> {
  const reply = (await send(frame)) as RpcFailure;
  assert.ok(reply && 'error' in reply, `expected an error, got ${JSON.stringify(reply)}`);
  return { ...reply.error, id: reply.id };
}

test('a valid call returns its result under the request id', async () => {
  const reply = (await send({ jsonrpc: '2.0', id: 7, method: 'test.repeat', params: { text: 'ab', times: 3 } })) as RpcSuccess;
  assert.deepEqual(reply, { jsonrpc: '2.0', id: 7, result: 'ababab' });
});

test('text that is not JSON is a parse error naming the problem', async () => {
  const error = await sendError('{"jsonrpc": "2.0", "id": 1,');
  assert.equal(error.code, ErrorCode.ParseError);
  assert.match(error.message, /not valid JSON/);
  assert.equal(error.id, null);
});

test('JSON that is not a request is an invalid request', async () => {
  for (const [frame, why] of [
    ['42', /expected an object, got a number/],
    [{ id: 1, method: 'test.repeat' }, /"jsonrpc" must be "2.0"/],
    [{ jsonrpc: '2.0', id: 1 }, /"method" must be a non-empty string/],
    [{ jsonrpc: '2.0', id: { x: 1 }, method: 'test.repeat' }, /"id" must be a string or a number/],
    ['[]', /batch request is empty/],
  ] as const) {
    const error = await sendError(frame);
    assert.equal(error.code, ErrorCode.InvalidRequest, JSON.stringify(frame));
    assert.match(error.message, why);
  }
});

test('an unknown method is "method not found" and names the method', async () => {
  const error = await sendError({ jsonrpc: '2.0', id: 'a', method: 'container.explode' });
  assert.equal(error.code, ErrorCode.MethodNotFound);
  assert.equal(error.message, 'unknown method "container.explode"');
  assert.equal(error.id, 'a');
});

test('wrong parameter types are invalid params naming each field, and the handler is not called', async () => {
  calls.length = 0;
  const error = await sendError({ jsonrpc: '2.0', id: 2, method: 'test.repeat', params: { text: 5, times: 0.5 } });
  assert.equal(error.code, ErrorCode.InvalidParams);
  assert.match(error.message, /^test\.repeat: /);
  assert.match(error.message, /params\.text: .*expected string/);
  assert.match(error.message, /params\.times: .*expected int/);
  const issues = (error.data as { issues: { path: string }[] }).issues.map((i) => i.path);
  assert.deepEqual(issues, ['params.text', 'params.times']);
  assert.deepEqual(calls, []);
});

test('params given by position, or as a scalar, are refused with the reason', async () => {
  const byPosition = await sendError({ jsonrpc: '2.0', id: 3, method: 'test.repeat', params: ['a', 2] });
  assert.equal(byPosition.code, ErrorCode.InvalidParams);
  assert.match(byPosition.message, /params must be an object of named parameters, not an array/);
  const scalar = await sendError({ jsonrpc: '2.0', id: 4, method: 'test.repeat', params: 'a' });
  assert.match(scalar.message, /not a string/);
});

test('unknown parameters are refused rather than ignored', async () => {
  const error = await sendError({ jsonrpc: '2.0', id: 5, method: 'test.repeat', params: { text: 'a', times: 1, force: true } });
  assert.equal(error.code, ErrorCode.InvalidParams);
  assert.match(error.message, /Unrecognized key: "force"/);
});

test('an oversized frame is refused before parsing, with the limit in the message', async () => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'test.repeat', params: { text: 'x'.repeat(MAX_REQUEST_BYTES), times: 1 } });
  const error = await sendError(big);
  assert.equal(error.code, ErrorCode.RequestTooLarge);
  assert.match(error.message, new RegExp(`request is ${Buffer.byteLength(big)} bytes; the API accepts at most ${MAX_REQUEST_BYTES}`));
});

test("a handler's RpcError reaches the client as it is; any other exception is an internal error", async () => {
  const conflict = await sendError({ jsonrpc: '2.0', id: 8, method: 'test.conflict' });
  assert.deepEqual([conflict.code, conflict.message], [ErrorCode.Conflict, 'container "web" is already running']);
  const crash = await sendError({ jsonrpc: '2.0', id: 9, method: 'test.crash' });
  assert.deepEqual([crash.code, crash.message], [ErrorCode.InternalError, 'test.crash failed: boom']);
});

test('notifications (no id) get no reply, even when they fail', async () => {
  assert.equal(await send({ jsonrpc: '2.0', method: 'test.repeat', params: { text: 'n', times: 1 } }), undefined);
  assert.equal(await send({ jsonrpc: '2.0', method: 'test.crash' }), undefined);
});

test('a batch gets one reply per request, in order, failures included', async () => {
  const reply = (await send([
    { jsonrpc: '2.0', id: 1, method: 'test.repeat', params: { text: 'a', times: 2 } },
    { jsonrpc: '2.0', method: 'test.repeat', params: { text: 'quiet', times: 1 } },
    { jsonrpc: '2.0', id: 2, method: 'nope' },
    7,
  ])) as Array<RpcSuccess | RpcFailure>;
  assert.equal(reply.length, 3);
  assert.deepEqual(reply[0], { jsonrpc: '2.0', id: 1, result: 'aa' });
  assert.equal((reply[1] as RpcFailure).error.code, ErrorCode.MethodNotFound);
  assert.equal((reply[2] as RpcFailure).error.code, ErrorCode.InvalidRequest);
});

test('the dispatcher keeps answering after every kind of bad input', async () => {
  const reply = (await send({ jsonrpc: '2.0', id: 99, method: 'test.repeat', params: { text: 'ok', times: 1 } })) as RpcSuccess;
  assert.equal(reply.result, 'ok');
});

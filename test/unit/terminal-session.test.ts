// A terminal's session with a process, against a fake stream: output and input, resizes, and every way
// it ends (exit code, container stopped, connection lost and reattached, refused) with what it says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_DISCONNECTED, ErrorCode, RpcError } from '../../helper/src/protocol';
import {
  TerminalSession,
  type ContainerChange,
  type SessionSource,
  type TerminalSize,
  type TerminalStream,
} from '../../extension/src/terminals/terminalSession';

class FakeStream implements TerminalStream {
  readonly done: Promise<unknown>;
  end!: (result: unknown) => void;
  error!: (error: Error) => void;
  data?: (bytes: Buffer) => void | Promise<void>;
  readonly writes: string[] = [];
  readonly resizes: TerminalSize[] = [];
  cancelled = false;
  constructor() {
    this.done = new Promise((resolve, reject) => {
      this.end = resolve;
      this.error = reject;
    });
    this.done.catch(() => undefined);
  }
  listen(listener: { data?(bytes: Buffer): void | Promise<void> }) {
    this.data = listener.data;
    return this;
  }
  async write(data: Buffer) {
    this.writes.push(data.toString());
    return {};
  }
  async resize(rows: number, cols: number) {
    this.resizes.push({ rows, cols });
    return {};
  }
  async cancel() {
    this.cancelled = true;
    return {};
  }
}

function harness(overrides: Partial<SessionSource> = {}) {
  const streams: FakeStream[] = [];
  const opened: Array<TerminalSize | undefined> = [];
  let watcher: ((change: ContainerChange) => void) | undefined;
  let unwatched = 0;
  let reconnects = 0;
  const output: string[] = [];
  const closes: Array<number | undefined> = [];
  const source: SessionSource = {
    processLabel: 'sh',
    containerLabel: 'web',
    targetLabel: 'Local',
    interactive: true,
    open: async (size) => {
      opened.push(size);
      const stream = new FakeStream();
      streams.push(stream);
      return stream;
    },
    watchContainer: async (listener) => {
      watcher = listener;
      return () => void unwatched++;
    },
    reconnect: async () => void reconnects++,
    ...overrides,
  };
  const session = new TerminalSession(source, { write: (text) => output.push(text), close: (code) => closes.push(code) }, { stopGraceMs: 50 });
  return {
    session,
    streams,
    opened,
    output: () => output.join(''),
    closes,
    change: (change: ContainerChange) => watcher!(change),
    unwatched: () => unwatched,
    reconnects: () => reconnects,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test('opens at the terminal size; output, input and resizes flow', async () => {
  const h = harness();
  await h.session.start({ rows: 24, cols: 80 });
  assert.deepEqual(h.opened, [{ rows: 24, cols: 80 }]);
  await h.streams[0].data!(Buffer.from('$ '));
  assert.equal(h.output(), '$ ');
  h.session.input('echo $((6*7))\r');
  h.session.input('\x03');
  await tick();
  assert.equal(h.streams[0].writes.join(''), 'echo $((6*7))\r\x03');
  h.session.resize({ rows: 40, cols: 100 });
  assert.deepEqual(h.streams[0].resizes.at(-1), { rows: 40, cols: 100 });
});

test('the process exits: the terminal says so with the code and closes with it', async () => {
  const h = harness();
  await h.session.start({ rows: 24, cols: 80 });
  h.streams[0].end({ exitCode: 3 });
  await tick();
  assert.match(h.output(), /\[sh exited with code 3\]/);
  assert.deepEqual(h.closes, [3]);
  assert.equal(h.unwatched(), 1);
  assert.equal(h.session.state, 'closed');
});

test('the connection is lost: the terminal says so, and Enter reattaches on a new stream', async () => {
  const h = harness();
  await h.session.start({ rows: 24, cols: 80 });
  h.streams[0].error(new RpcError(CLIENT_DISCONNECTED, 'connection closed (1006)'));
  await tick();
  assert.match(h.output(), /Lost the connection to Local: connection closed \(1006\)/);
  assert.match(h.output(), /Press Enter to reattach/);
  assert.equal(h.session.state, 'lost');
  assert.deepEqual(h.closes, []);
  h.session.input('\r');
  await tick();
  assert.equal(h.reconnects(), 1);
  assert.equal(h.streams.length, 2);
  assert.equal(h.session.state, 'running');
  await h.streams[1].data!(Buffer.from('back'));
  assert.match(h.output(), /back$/);
});

test('the connection is lost: any other key closes the terminal', async () => {
  const h = harness();
  await h.session.start();
  h.streams[0].error(new RpcError(CLIENT_DISCONNECTED, 'gone'));
  await tick();
  h.session.input('q');
  assert.deepEqual(h.closes, [undefined]);
});

test('a failed reattach says why and waits for another Enter', async () => {
  let fail = true;
  const h = harness({
    reconnect: async () => {
      if (fail) throw new Error('no helper answers on /run/berth/berth.sock');
    },
  });
  await h.session.start();
  h.streams[0].error(new RpcError(CLIENT_DISCONNECTED, 'gone'));
  await tick();
  h.session.input('\r');
  await tick();
  assert.match(h.output(), /Could not reattach: no helper answers/);
  assert.equal(h.session.state, 'lost');
  fail = false;
  h.session.input('\r');
  await tick();
  assert.equal(h.session.state, 'running');
});

test('the container stops: the terminal says so with the container\'s exit code', async () => {
  const h = harness();
  await h.session.start();
  h.change({ kind: 'stopped', exitCode: 137 });
  h.streams[0].end({ exitCode: 137 });
  await tick();
  assert.match(h.output(), /The container web stopped \(exit code 137\)/);
  assert.deepEqual(h.closes, [137]);
});

test('the process ends just before the die event: the terminal asks, and says the container stopped', async () => {
  const h = harness({ checkContainer: async () => ({ kind: 'stopped', exitCode: 137 }) });
  await h.session.start();
  h.streams[0].end({ exitCode: 137 });
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.match(h.output(), /The container web stopped \(exit code 137\)/);
  assert.deepEqual(h.closes, [137]);
});

test('the process is killed and the die event follows: the terminal waits for it', async () => {
  const h = harness();
  await h.session.start();
  h.streams[0].end({ exitCode: 137 });
  await tick();
  h.change({ kind: 'stopped', exitCode: 137 });
  await tick();
  assert.match(h.output(), /The container web stopped \(exit code 137\)/);
  assert.deepEqual(h.closes, [137]);
});

test('the container stops and the stream hangs: the terminal stops waiting after the grace time', async () => {
  const h = harness();
  await h.session.start();
  h.change({ kind: 'stopped', exitCode: 0 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.match(h.output(), /The container web stopped \(exit code 0\)/);
  assert.deepEqual(h.closes, [undefined]);
  assert.equal(h.streams[0].cancelled, true);
});

test('the helper refuses the exec: the terminal says why, and a key closes it', async () => {
  const h = harness({
    open: async () => {
      throw new RpcError(ErrorCode.Conflict, 'container web is not running');
    },
  });
  await h.session.start();
  assert.match(h.output(), /Could not start sh: container web is not running/);
  assert.deepEqual(h.closes, []);
  h.session.input('x');
  assert.deepEqual(h.closes, [undefined]);
});

test('closing the terminal cancels the stream and stops watching, without a message', async () => {
  const h = harness();
  await h.session.start();
  h.session.dispose();
  assert.equal(h.streams[0].cancelled, true);
  assert.equal(h.unwatched(), 1);
  h.streams[0].end({ exitCode: 0 });
  await tick();
  assert.equal(h.output(), '');
  assert.deepEqual(h.closes, []);
});

test('a read-only attach does not send input', async () => {
  const h = harness({ interactive: false });
  await h.session.start();
  h.session.input('ls\r');
  await tick();
  assert.deepEqual(h.streams[0].writes, []);
});

test('a resize while the stream opens is applied once it is open', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const stream = new FakeStream();
  const h = harness({
    open: async () => {
      await gate;
      return stream;
    },
  });
  const started = h.session.start({ rows: 10, cols: 10 });
  h.session.resize({ rows: 30, cols: 120 });
  release();
  await started;
  assert.deepEqual(stream.resizes, [{ rows: 30, cols: 120 }]);
});

test("the terminal's answers to the pump's status requests never reach the process, nor close a lost terminal", async () => {
  const written: string[] = [];
  const stream = new FakeStream();
  const session = new TerminalSession(
    {
      processLabel: 'sh',
      containerLabel: 'web',
      targetLabel: 'Local',
      interactive: true,
      open: async () => stream,
    },
    { write: (text) => written.push(text), close: () => assert.fail('closed') },
    { output: { confirmEveryBytes: 1, confirmWindowBytes: 1_000_000 } },
  );
  await session.start();
  await stream.data!(Buffer.from('one'));
  await stream.data!(Buffer.from('two'));
  assert.equal(written.join('').split('\x1b[5n').length - 1, 2);
  session.input('\x1b[0nls\r\x1b[0n');
  await tick();
  assert.deepEqual(stream.writes, ['ls\r']);
  assert.equal(session.output!.stats.confirmations, 2);
  await stream.data!(Buffer.from('three'));
  stream.error(new RpcError(CLIENT_DISCONNECTED, 'gone'));
  await tick();
  session.input('\x1b[0n'); // the answer to the last request arrives after the loss
  assert.equal(session.state, 'lost');
});

test('keys typed while the process is starting reach it once it runs', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const stream = new FakeStream();
  const h = harness({
    open: async () => {
      await gate;
      return stream;
    },
  });
  const started = h.session.start({ rows: 10, cols: 10 });
  h.session.input('ls');
  h.session.input('\r');
  release();
  await started;
  await tick();
  assert.deepEqual(stream.writes, ['ls\r']);
});

test('a target without container events still gets a working terminal', async () => {
  const h = harness({
    watchContainer: async () => {
      throw new RpcError(ErrorCode.MethodNotFound, 'events.subscribe is not served');
    },
  });
  await h.session.start();
  assert.equal(h.session.state, 'running');
  await h.streams[0].data!(Buffer.from('$ '));
  assert.equal(h.output(), '$ ');
});

// Bad input is refused with a message that says what was wrong, and changes nothing; and exec gives a
// working terminal through the API's streams.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCode, RpcError } from '../../helper/src/protocol';
import { collect, IMAGE, mountsUnder, startEngine, type EngineHarness } from '../support/engineHarness';

let engine: EngineHarness;
before(async () => {
  engine = await startEngine();
});
after(async () => {
  await engine.close();
});

/** Nothing changed: the same containers listed, the same directories, no new mount. */
async function unchanged(act: () => Promise<void>): Promise<void> {
  const snapshot = async () => ({
    listed: (await engine.client.call('containers.list', { all: true })).map((c) => c.id).sort(),
    dirs: readdirSync(join(engine.daemon.rootDir, 'containers')).sort(),
    mounts: mountsUnder(engine.daemon.rootDir).sort(),
  });
  const before = await snapshot();
  await act();
  assert.deepEqual(await snapshot(), before);
}

test('an unknown image is refused as not found (125), and nothing is created', async () => {
  await unchanged(async () => {
    const result = await engine.berth(['run', 'no-such-image:1.0', 'true']);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /no-such-image:1.0/);
    await assert.rejects(engine.client.call('containers.create', { spec: { image: 'no-such-image:1.0' } }), (error: RpcError) => error.code === ErrorCode.NotFound);
  });
});

test('a duplicate name is refused as a conflict naming the container that has it', async () => {
  const id = (await engine.berth(['create', '--name', 'taken', IMAGE, 'true'])).stdout.trim();
  try {
    await unchanged(async () => {
      const result = await engine.berth(['create', '--name', 'taken', IMAGE, 'true']);
      assert.equal(result.code, 125);
      assert.match(result.stderr, new RegExp(`"/taken" is already in use by container ${id}`));
      await assert.rejects(engine.client.call('containers.create', { spec: { image: IMAGE }, name: 'taken' }), (error: RpcError) => error.code === ErrorCode.Conflict);
    });
  } finally {
    await engine.berth(['rm', id]);
  }
});

test('invalid memory values are refused by the CLI and by the API', async () => {
  await unchanged(async () => {
    const cli = await engine.berth(['run', '--memory', '16x', IMAGE, 'true']);
    assert.equal(cli.code, 125);
    assert.match(cli.stderr, /invalid value "16x" for --memory/);
    await assert.rejects(
      engine.client.call('containers.create', { spec: { image: IMAGE, resources: { memory: -5 } } }),
      (error: RpcError) => error.code === ErrorCode.InvalidParams && /resources\.memory/.test(error.message),
    );
  });
});

test('a bind mount of a missing path is refused naming the path', async () => {
  await unchanged(async () => {
    const result = await engine.berth(['run', '-v', '/no/such/dir:/data', IMAGE, 'true']);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /bind source path does not exist: \/no\/such\/dir/);
  });
});

test('removing a running container without force is refused, and it keeps running', async () => {
  const id = (await engine.berth(['run', '-d', IMAGE, 'sleep', '1000'])).stdout.trim();
  try {
    await unchanged(async () => {
      const result = await engine.berth(['rm', id]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /it is running; stop it first, or remove it with force/);
    });
    assert.equal((await engine.client.call('containers.inspect', { container: id })).state.status, 'running');
  } finally {
    assert.equal((await engine.berth(['rm', '-f', id])).code, 0);
  }
});

test('malformed API calls are refused with the field named', async () => {
  await unchanged(async () => {
    await assert.rejects(engine.client.callRaw('containers.create', { spec: { image: IMAGE, cmd: 'not-an-array' } }), /params\.spec\.cmd/);
    await assert.rejects(engine.client.callRaw('containers.create', { spec: { image: IMAGE, bogus: 1 } }), /bogus/);
    await assert.rejects(engine.client.callRaw('containers.stop', { container: '' }), /params\.container/);
    await assert.rejects(engine.client.callRaw('containers.kill', { container: 'nope' }), (error: RpcError) => error.code === ErrorCode.NotFound);
    await assert.rejects(engine.client.callRaw('containers.create', { spec: { image: IMAGE }, name: 'bad name!' }), /names look like/);
    await assert.rejects(
      engine.client.callRaw('containers.create', { spec: { image: IMAGE, cmd: ['true'] }, stopSignal: 'SIGNOPE' }),
      (error: RpcError) => error.code === ErrorCode.InvalidParams && /stopSignal/.test(error.message),
    );
  });
});

test('exec -t gives a working shell: input, output, resize, Ctrl-C and the exit code', async () => {
  const id = (await engine.berth(['run', '-d', IMAGE, 'sleep', '1000'])).stdout.trim();
  try {
    const stream = await engine.client.openStream('containers.exec', { container: id, cmd: ['sh'], tty: true, stdin: true, rows: 24, cols: 80 });
    const output = collect(stream);
    await stream.write('echo $((6*7))\n');
    await output.until(/\r?\n42\r?\n/);
    await stream.write('stty size\n');
    await output.until(/24 80/);
    await stream.resize(40, 120);
    await stream.write('stty size\n');
    await output.until(/40 120/);
    await stream.write('sleep 100\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stream.write('\x03');
    await stream.write('echo after-interrupt\n');
    await output.until(/\nafter-interrupt/);
    await stream.write('exit 9\n');
    assert.deepEqual(await stream.done, { exitCode: 9 });
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

test('exec with -u, -e and -w runs as asked; its exit code comes back', async () => {
  const id = (await engine.berth(['run', '-d', IMAGE, 'sleep', '1000'])).stdout.trim();
  try {
    const result = await engine.berth(['exec', '-u', 'nobody', '-e', 'X=1', '-w', '/tmp', id, 'sh', '-c', 'echo "$(id -u) $X $(pwd)"; exit 4']);
    assert.equal(result.stdout, '65534 1 /tmp\n');
    assert.equal(result.code, 4);
    const missing = await engine.berth(['exec', id, 'no-such-command']);
    assert.equal(missing.code, 127);
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

test('run -i: what the client writes is the container\'s stdin, and its end ends the stdin', async () => {
  const { id } = await engine.client.call('containers.create', { spec: { image: IMAGE, cmd: ['sh', '-c', 'cat; echo stdin-ended'], openStdin: true, stdinOnce: true } });
  try {
    const stream = await engine.client.openStream('containers.attach', { container: id, stdin: true, logs: true });
    const output = collect(stream);
    await engine.client.call('containers.start', { container: id });
    await stream.write('hello\n');
    await output.until(/hello\n/);
    await stream.closeInput();
    assert.deepEqual(await stream.done, { exitCode: 0, signal: null, oomKilled: false });
    assert.equal(output.text(), 'hello\nstdin-ended\n');
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

test('run -it: the container\'s own terminal takes input, is resized, and its exit code comes back', async () => {
  const { id } = await engine.client.call('containers.create', { spec: { image: IMAGE, cmd: ['sh'], tty: true, openStdin: true } });
  try {
    const stream = await engine.client.openStream('containers.attach', { container: id, stdin: true, logs: true });
    const output = collect(stream);
    await engine.client.call('containers.start', { container: id });
    await stream.write('echo $((6*7))\n');
    await output.until(/\r\n42\r\n/);
    await stream.resize(33, 99);
    await stream.write('stty size; echo $TERM\n');
    await output.until(/33 99\r\nxterm/);
    await stream.write('exit 3\n');
    assert.equal(((await stream.done) as { exitCode: number }).exitCode, 3);
    assert.equal((await engine.client.call('containers.inspect', { container: id })).config.tty, true);
  } finally {
    await engine.berth(['rm', '-f', id]);
  }
});

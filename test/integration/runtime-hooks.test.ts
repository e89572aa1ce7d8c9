// OCI lifecycle hooks, run by a real container's lifecycle: each kind at its moment, in its namespace,
// with the state on stdin; a failing or hanging hook stops the create and leaves nothing behind.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeBusyboxBundle } from '../support/bundle';
import { runBerth } from '../support/daemonProcess';

const tmp = mkdtempSync(join(tmpdir(), 'berth-hooks-'));
const root = join(tmp, 'root');
after(() => rmSync(tmp, { recursive: true, force: true }));
const runtime = (...args: string[]) => runBerth(['runtime', '--root', root, ...args]);

/** A host script that records its stdin and its network namespace into OUT/NAME. */
function recorder(name: string): string {
  const path = join(tmp, `${name}.sh`);
  writeFileSync(path, `#!/bin/sh\ncat > ${tmp}/${name}.state\nreadlink /proc/self/ns/net > ${tmp}/${name}.netns\necho "$1" > ${tmp}/${name}.arg\n`);
  chmodSync(path, 0o755);
  return path;
}

test('each hook runs at its moment, in its namespace, with the state on stdin', async () => {
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['sleep', '300'];
    config.root.readonly = false;
    config.hooks = {
      createRuntime: [{ path: recorder('createRuntime'), args: ['createRuntime', 'first-arg'] }],
      createContainer: [{ path: recorder('createContainer'), args: ['createContainer', 'x'] }],
      startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'cat > /tmp/startContainer.state; hostname > /tmp/startContainer.hostname'] }],
      poststart: [{ path: recorder('poststart') }],
      poststop: [{ path: recorder('poststop'), env: ['ONLY=this'] }],
    };
    config.hostname = 'hooked';
  });
  try {
    const created = await runtime('create', '--bundle', bundle.dir, 'hooked');
    assert.equal(created.code, 0, created.stderr);
    const pid = JSON.parse((await runtime('state', 'hooked')).stdout).pid as number;
    const createRuntime = JSON.parse(readFileSync(join(tmp, 'createRuntime.state'), 'utf8'));
    assert.deepEqual([createRuntime.id, createRuntime.status, createRuntime.pid], ['hooked', 'creating', pid]);
    assert.equal(readFileSync(join(tmp, 'createRuntime.arg'), 'utf8'), 'first-arg\n');
    const hostNet = readlinkSync('/proc/self/ns/net');
    const containerNet = readlinkSync(`/proc/${pid}/ns/net`);
    assert.notEqual(containerNet, hostNet);
    assert.equal(readFileSync(join(tmp, 'createRuntime.netns'), 'utf8').trim(), hostNet, 'createRuntime runs in the runtime namespace');
    assert.equal(readFileSync(join(tmp, 'createContainer.netns'), 'utf8').trim(), containerNet, 'createContainer runs in the container namespace');
    assert.equal(existsSync(join(bundle.rootfs, 'tmp', 'startContainer.state')), false, 'startContainer waits for start');

    assert.equal((await runtime('start', 'hooked')).code, 0);
    assert.equal(readFileSync(join(bundle.rootfs, 'tmp', 'startContainer.hostname'), 'utf8'), 'hooked\n', 'startContainer runs inside, after the root switch');
    assert.equal(JSON.parse(readFileSync(join(tmp, 'poststart.state'), 'utf8')).status, 'running');

    assert.equal((await runtime('delete', '--force', 'hooked')).code, 0);
    const poststop = JSON.parse(readFileSync(join(tmp, 'poststop.state'), 'utf8'));
    assert.deepEqual([poststop.id, poststop.status], ['hooked', 'stopped']);
  } finally {
    await runtime('delete', '--force', 'hooked');
    bundle.remove();
  }
});

test('a failing createRuntime hook stops the create with its message and leaves nothing', async () => {
  const failing = join(tmp, 'fail.sh');
  writeFileSync(failing, '#!/bin/sh\necho "no network for you" >&2\nexit 4\n');
  chmodSync(failing, 0o755);
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['sleep', '300'];
    config.hooks = { createRuntime: [{ path: failing }] };
  });
  try {
    const created = await runtime('create', '--bundle', bundle.dir, 'failing');
    assert.equal(created.code, 1);
    assert.match(created.stderr, /hooks\.createRuntime\[0\] \(.*fail\.sh\) exited with code 4: no network for you/);
    assert.equal(existsSync(join(root, 'failing')), false);
    assert.equal(existsSync('/sys/fs/cgroup/pids/berth/failing'), false);
  } finally {
    bundle.remove();
  }
});

test('a hook past its timeout is killed and the create fails saying so', async () => {
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['sleep', '300'];
    config.hooks = { createContainer: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] };
  });
  try {
    const created = await runtime('create', '--bundle', bundle.dir, 'slow');
    assert.equal(created.code, 1);
    assert.match(created.stderr, /hooks\.createContainer\[0\] \(\/bin\/sleep\) timed out after 1 s/);
    assert.equal(existsSync(join(root, 'slow')), false);
  } finally {
    bundle.remove();
  }
});

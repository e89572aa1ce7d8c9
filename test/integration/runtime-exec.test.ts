// exec into a running container, LISTEN_FDS, and the OOM mark in the state: the parts of the runtime's
// command line that tools use after create.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { BERTH, runBerth } from '../support/daemonProcess';

const tmp = mkdtempSync(join(tmpdir(), 'berth-exec-'));
const root = join(tmp, 'root');
after(() => rmSync(tmp, { recursive: true, force: true }));
const runtime = (...args: string[]) => runBerth(['runtime', '--root', root, ...args]);
const stateOf = async (id: string) => JSON.parse((await runtime('state', id)).stdout);

describe('exec into a running container', () => {
  let bundle: TestBundle;
  let pid: number;
  before(async () => {
    bundle = makeBusyboxBundle((config) => {
      config.process!.args = ['sleep', '300'];
      config.process!.env = ['PATH=/bin', 'FROM_CONFIG=yes'];
      config.hostname = 'exec-target';
      config.root.readonly = false;
    });
    const started = await runtime('run', '-d', '--bundle', bundle.dir, 'target');
    assert.equal(started.code, 0, started.stderr);
    pid = (await stateOf('target')).pid;
  });
  after(async () => {
    await runtime('delete', '--force', 'target');
    bundle.remove();
  });

  test('the new process shares the container\'s namespaces and cgroup', async () => {
    const result = await runtime('exec', 'target', 'sh', '-c', 'hostname; cat /proc/1/cmdline | tr "\\0" " "; echo; for ns in net mnt pid; do readlink /proc/self/ns/$ns; done; grep :pids: /proc/self/cgroup');
    assert.equal(result.code, 0, result.stderr);
    const [hostname, pid1, net, mnt, pidNs, cgroup] = result.stdout.trim().split('\n');
    assert.equal(hostname, 'exec-target');
    assert.equal(pid1, 'sleep 300 ');
    assert.equal(net, readlinkSync(`/proc/${pid}/ns/net`));
    assert.equal(mnt, readlinkSync(`/proc/${pid}/ns/mnt`));
    assert.equal(pidNs, readlinkSync(`/proc/${pid}/ns/pid`));
    const hostView = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((line) => line.includes(':pids:'))!;
    assert.ok(hostView.endsWith('/berth/target'), hostView);
    // Inside, the cgroup namespace shows the container's own cgroup as the root.
    assert.equal(cgroup, readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((line) => line.includes(':pids:'))!.replace(/:[^:]*$/, ':/'));
  });

  test('env, cwd and user apply; the exit code comes back', async () => {
    const result = await runtime('exec', '--cwd', '/tmp', '-e', 'EXTRA=1', '--user', '1000:1000', 'target', 'sh', '-c', 'pwd; id -u; id -g; echo $FROM_CONFIG $EXTRA; exit 7');
    assert.equal(result.code, 7, result.stderr);
    assert.equal(result.stdout, '/tmp\n1000\n1000\nyes 1\n');
  });

  test('the exec\'d process has only fds 0, 1 and 2', async () => {
    const pidFile = join(tmp, 'exec.pid');
    const result = await runtime('exec', '-d', '--pid-file', pidFile, 'target', 'sleep', '300');
    assert.equal(result.code, 0, result.stderr);
    const execPid = Number(readFileSync(pidFile, 'utf8'));
    try {
      assert.deepEqual(fdsOf(execPid), [0, 1, 2]);
      assert.equal(readFileSync(`/proc/${execPid}/cmdline`, 'utf8'), 'sleep\u0000300\u0000');
    } finally {
      process.kill(execPid, 'SIGKILL');
    }
  });

  test('--process FILE gives the whole process', async () => {
    const file = join(tmp, 'process.json');
    writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'echo $ONLY; pwd'], env: ['ONLY=from-file', 'PATH=/bin'], cwd: '/etc', user: { uid: 0, gid: 0 } }));
    const result = await runtime('exec', '--process', file, 'target');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'from-file\n/etc\n');
    writeFileSync(file, JSON.stringify({ args: [], cwd: 'etc' }));
    const bad = await runtime('exec', '--process', file, 'target');
    assert.equal(bad.code, 255, 'runc\'s code for an exec that could not start');
    assert.match(bad.stderr, /--process .*process\.json: /);
  });

  test('a missing program is reported, and exec into a container that is not running is refused', async () => {
    const missing = await runtime('exec', 'target', 'no-such-program');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /"no-such-program": executable file not found in \$PATH/);
    const unknown = await runtime('exec', 'nope', 'true');
    assert.equal(unknown.code, 255);
    assert.match(unknown.stderr, /container "nope" does not exist/);
  });
});

/**
 * A process's open fds, read from the host: listing /proc/PID/fd from outside adds no fd to the process
 * (a shell listing its own would count the listing's, or a pipeline's).
 */
function fdsOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
}

/** `run -d` through a shell that first runs `shellPrefix` (opening fds, setting LISTEN_*); returns the container's pid. */
async function runDetachedWithFds(bundle: TestBundle, id: string, shellPrefix: string, runArgs: string[] = []): Promise<number> {
  const child = spawn('sh', ['-c', `${shellPrefix} exec ${BERTH} runtime --root ${root} run -d ${runArgs.join(' ')} --bundle ${bundle.dir} ${id}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, stderr);
  return (await stateOf(id)).pid as number;
}

test('LISTEN_FDS: socket-activation fds reach the container with LISTEN_FDS and LISTEN_PID=1', async () => {
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sleep', '300']));
  const payload = join(tmp, 'activation');
  writeFileSync(payload, 'from fd 3\n');
  try {
    // The shell opens fd 3 and execs berth with LISTEN_PID set to its own pid, which berth then has.
    const pid = await runDetachedWithFds(bundle, 'activated', `exec 3<${payload}; LISTEN_PID=$$ LISTEN_FDS=1`);
    assert.deepEqual(fdsOf(pid), [0, 1, 2, 3]);
    assert.equal(readlinkSync(`/proc/${pid}/fd/3`), payload);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes('LISTEN_FDS=1') && environ.includes('LISTEN_PID=1'), environ.join(' '));
  } finally {
    await runtime('delete', '--force', 'activated');
    bundle.remove();
  }
});

test('--preserve-fds hands on fds without announcing them', async () => {
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sleep', '300']));
  try {
    const pid = await runDetachedWithFds(bundle, 'preserved', 'exec 3</dev/null 4</dev/null;', ['--preserve-fds', '2']);
    assert.deepEqual(fdsOf(pid), [0, 1, 2, 3, 4]);
    assert.ok(!readFileSync(`/proc/${pid}/environ`, 'utf8').includes('LISTEN_FDS'));
  } finally {
    await runtime('delete', '--force', 'preserved');
    bundle.remove();
  }
});

test('a container whose process is OOM-killed is stopped, and its state says oomKilled', async () => {
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'];
    config.linux!.resources = { ...config.linux!.resources, memory: { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 } };
  });
  try {
    assert.equal((await runtime('run', '-d', '--bundle', bundle.dir, 'oom')).code, 0);
    let state = await stateOf('oom');
    for (let i = 0; i < 400 && state.status !== 'stopped'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      state = await stateOf('oom');
    }
    assert.equal(state.status, 'stopped');
    assert.equal(state.oomKilled, true);
  } finally {
    await runtime('delete', '--force', 'oom');
    bundle.remove();
  }

  const fine = makeBusyboxBundle((config) => (config.process!.args = ['true']));
  try {
    assert.equal((await runtime('run', '-d', '--bundle', fine.dir, 'no-oom')).code, 0);
    let state = await stateOf('no-oom');
    for (let i = 0; i < 400 && state.status !== 'stopped'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      state = await stateOf('no-oom');
    }
    assert.equal(state.oomKilled, false);
  } finally {
    await runtime('delete', '--force', 'no-oom');
    fine.remove();
  }
});

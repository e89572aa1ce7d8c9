// exec into a running container, LISTEN_FDS, and the OOM mark in the state: the parts of the runtime's
// command line that tools use after create.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
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

  test('env, cwd and user apply; the exit code comes back; only fds 0-2 are open', async () => {
    const result = await runtime('exec', '--cwd', '/tmp', '-e', 'EXTRA=1', '--user', '1000:1000', 'target', 'sh', '-c', 'pwd; id -u; id -g; echo $FROM_CONFIG $EXTRA; ls /proc/$$/fd > /dev/shm/fds; tr "\\n" " " < /dev/shm/fds; exit 7');
    assert.equal(result.code, 7, result.stderr);
    assert.equal(result.stdout, '/tmp\n1000\n1000\nyes 1\n0 1 2 ');
  });

  test('--process FILE gives the whole process', async () => {
    const file = join(tmp, 'process.json');
    writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'echo $ONLY; pwd'], env: ['ONLY=from-file', 'PATH=/bin'], cwd: '/etc', user: { uid: 0, gid: 0 } }));
    const result = await runtime('exec', '--process', file, 'target');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'from-file\n/etc\n');
    writeFileSync(file, JSON.stringify({ args: [], cwd: 'etc' }));
    const bad = await runtime('exec', '--process', file, 'target');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--process .*process\.json: /);
  });

  test('a missing program is reported, and exec into a container that is not running is refused', async () => {
    const missing = await runtime('exec', 'target', 'no-such-program');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /"no-such-program": executable file not found in \$PATH/);
    const unknown = await runtime('exec', 'nope', 'true');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /container "nope" does not exist/);
  });
});

test('LISTEN_FDS: socket-activation fds reach the container with LISTEN_FDS and LISTEN_PID=1', async () => {
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sh', '-c', 'echo $LISTEN_FDS $LISTEN_PID; cat <&3; ls /proc/$$/fd > /dev/shm/fds; tr "\\n" " " < /dev/shm/fds']));
  const payload = join(tmp, 'activation');
  writeFileSync(payload, 'from fd 3\n');
  try {
    // The shell opens fd 3 and execs berth with LISTEN_PID set to its own pid, which berth then has.
    const child = spawn('sh', ['-c', `exec 3<${payload}; LISTEN_PID=$$ LISTEN_FDS=1 exec ${BERTH} runtime --root ${root} run --bundle ${bundle.dir} activated`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '1 1\nfrom fd 3\n0 1 2 3 ');
  } finally {
    bundle.remove();
  }
});

test('--preserve-fds hands on fds without announcing them', async () => {
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sh', '-c', 'echo "[$LISTEN_FDS]"; ls /proc/$$/fd > /dev/shm/fds; tr "\\n" " " < /dev/shm/fds']));
  try {
    const child = spawn('sh', ['-c', `exec 3</dev/null 4</dev/null; exec ${BERTH} runtime --root ${root} run --preserve-fds 2 --bundle ${bundle.dir} preserved`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(stdout, '[]\n0 1 2 3 4 ');
  } finally {
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

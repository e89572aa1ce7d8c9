// `berth runtime` driven the way tools drive runc, on a busybox bundle made by `berth runtime spec`:
// each lifecycle transition and each error case, checked through the CLI and on disk.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeBusyboxBundle } from '../support/bundle';
import { runBerth } from '../support/daemonProcess';

const root = mkdtempSync(join(tmpdir(), 'berth-runtime-root-'));
after(() => rmSync(root, { recursive: true, force: true }));
const runtime = (...args: string[]) => runBerth(['runtime', '--root', root, ...args]);
const stateOf = async (id: string) => {
  const result = await runtime('state', id);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as { id: string; status: string; pid: number; bundle: string };
};

test('spec writes runc\'s default config.json, and refuses to overwrite one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-spec-'));
  try {
    const first = await runtime('spec', '--bundle', dir);
    assert.equal(first.code, 0, first.stderr);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.root.path, 'rootfs');
    assert.deepEqual(config.process.args, ['sh']);
    assert.deepEqual(config.linux.namespaces.map((ns: { type: string }) => ns.type).sort(), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
    const second = await runtime('spec', '--bundle', dir);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /config\.json already exists/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run in the foreground passes stdio through and exits with the container\'s code', async () => {
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sh', '-c', 'echo out; echo err >&2; exit 3']));
  try {
    const result = await runtime('run', '--bundle', bundle.dir, 'fg');
    assert.equal(result.stdout, 'out\n');
    assert.equal(result.stderr, 'err\n');
    assert.equal(result.code, 3);
    assert.equal(existsSync(join(root, 'fg')), false, 'run deletes the container after it exits');
  } finally {
    bundle.remove();
  }
});

test('create, start, state, kill and delete move through created, running and stopped', async () => {
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sleep', '300']));
  const pidFile = join(bundle.dir, 'pid');
  try {
    const created = await runtime('create', '--bundle', bundle.dir, '--pid-file', pidFile, 'life');
    assert.equal(created.code, 0, created.stderr);
    const afterCreate = await stateOf('life');
    assert.equal(afterCreate.status, 'created');
    assert.equal(afterCreate.bundle, bundle.dir);
    assert.equal(readFileSync(pidFile, 'utf8'), String(afterCreate.pid));
    // The init waits: it has not exec'd sleep yet.
    assert.notEqual(readFileSync(`/proc/${afterCreate.pid}/cmdline`, 'utf8').split('\0')[0], 'sleep');

    const started = await runtime('start', 'life');
    assert.equal(started.code, 0, started.stderr);
    assert.equal((await stateOf('life')).status, 'running');
    assert.equal(readFileSync(`/proc/${afterCreate.pid}/cmdline`, 'utf8'), 'sleep\u0000300\u0000');

    const again = await runtime('start', 'life');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /cannot start container "life": it is running, not created/);

    const deleteRunning = await runtime('delete', 'life');
    assert.equal(deleteRunning.code, 1);
    assert.match(deleteRunning.stderr, /cannot delete container "life": it is running/);

    // sleep is PID 1 of its namespace with no handler: TERM is ignored, KILL is not.
    assert.equal((await runtime('kill', 'life', 'KILL')).code, 0);
    let status = 'running';
    for (let i = 0; i < 200 && status !== 'stopped'; i++) {
      status = (await stateOf('life')).status;
      if (status !== 'stopped') await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(status, 'stopped');
    const killStopped = await runtime('kill', 'life', 'TERM');
    assert.equal(killStopped.code, 1);
    assert.match(killStopped.stderr, /it is stopped/);

    assert.equal((await runtime('delete', 'life')).code, 0);
    assert.equal(existsSync(join(root, 'life')), false);
    const gone = await runtime('state', 'life');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /container "life" does not exist/);
  } finally {
    await runtime('delete', '--force', 'life');
    bundle.remove();
  }
});

test('delete --force kills a running container and leaves nothing behind', async () => {
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sh', '-c', 'sleep 300 & sleep 300']));
  try {
    assert.equal((await runtime('run', '-d', '--bundle', bundle.dir, 'forced')).code, 0);
    const { pid } = await stateOf('forced');
    const cgroupLine = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.includes(':pids:'))!;
    const pidsDir = join('/sys/fs/cgroup/pids', cgroupLine.split(':')[2]!);
    assert.ok(existsSync(pidsDir), pidsDir);
    const deleted = await runtime('delete', '--force', 'forced');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(existsSync(join(root, 'forced')), false);
    assert.equal(existsSync(pidsDir), false, 'the cgroup is removed');
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    assert.ok(stat === '' || / Z /.test(stat), `the init is gone (or an unreaped zombie): ${stat}`);
  } finally {
    bundle.remove();
  }
});

test('list shows containers with their status', async () => {
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sleep', '300']));
  try {
    assert.equal((await runtime('create', '--bundle', bundle.dir, 'listed')).code, 0);
    const table = await runtime('list');
    assert.match(table.stdout, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n/);
    assert.match(table.stdout, new RegExp(`\\nlisted\\s+\\d+\\s+created\\s+${bundle.dir}`));
    const json = JSON.parse((await runtime('list', '--format', 'json')).stdout);
    assert.deepEqual(json.map((c: { id: string }) => c.id), ['listed']);
    assert.equal((await runtime('list', '-q')).stdout, 'listed\n');
    // A created container can be deleted without --force (its init is killed), as with runc.
    assert.equal((await runtime('delete', 'listed')).code, 0);
  } finally {
    bundle.remove();
  }
});

test('error cases: unknown id, duplicate id, bad config.json, bad flags, unknown command', async () => {
  const unknown = await runtime('start', 'nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /container "nope" does not exist/);

  const badId = await runtime('state', '../etc');
  assert.equal(badId.code, 1);
  assert.match(badId.stderr, /invalid container id/);

  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sleep', '300']));
  try {
    assert.equal((await runtime('create', '--bundle', bundle.dir, 'dup')).code, 0);
    const dup = await runtime('create', '--bundle', bundle.dir, 'dup');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /container "dup" already exists/);
    await runtime('delete', '--force', 'dup');

    writeFileSync(join(bundle.dir, 'config.json'), JSON.stringify({ ociVersion: '1.2.0', root: { path: 'rootfs' }, process: { args: [], cwd: 'relative', user: { uid: 'root' } } }));
    const bad = await runtime('create', '--bundle', bundle.dir, 'bad');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /is not a valid OCI runtime configuration/);
    assert.match(bad.stderr, /process\.args: process\.args must name the program to run/);
    assert.match(bad.stderr, /process\.cwd: process\.cwd must be an absolute path/);
    assert.match(bad.stderr, /process\.user\.uid: /);
    assert.equal(existsSync(join(root, 'bad')), false, 'a failed create leaves nothing');

    writeFileSync(join(bundle.dir, 'config.json'), '{ not json');
    const notJson = await runtime('create', '--bundle', bundle.dir, 'bad');
    assert.match(notJson.stderr, /config\.json is not valid JSON/);
  } finally {
    bundle.remove();
  }

  const badFlag = await runtime('create', '--bundel', '/tmp', 'x');
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /Unknown option '--bundel'/);
  const badCommand = await runtime('teleport', 'x');
  assert.equal(badCommand.code, 2);
  assert.match(badCommand.stderr, /unknown runtime command "teleport"/);
});

test('the lifecycle behaves as runc\'s does on the same bundle', async () => {
  // The same steps through both runtimes, each with its own root; what each step returns (exit status
  // and the state's status) must be the same.
  const bundle = makeBusyboxBundle((config) => (config.process!.args = ['sleep', '300']));
  const runcRoot = mkdtempSync(join(tmpdir(), 'runc-root-'));
  const drivers = {
    berth: (...args: string[]) => runtime(...args),
    runc: (...args: string[]) => runCommand('runc', ['--root', runcRoot, ...args]),
  };
  const observe = async (drive: (...args: string[]) => Promise<{ code: number | null; stdout: string }>) => {
    const status = async () => {
      const result = await drive('state', 'same');
      return result.code === 0 ? (JSON.parse(result.stdout) as { status: string }).status : `state exit ${result.code === 0 ? 0 : 'nonzero'}`;
    };
    const exit = (result: { code: number | null }) => (result.code === 0 ? 'ok' : 'error');
    const steps: string[] = [];
    steps.push(`create ${exit(await drive('create', '--bundle', bundle.dir, 'same'))} ${await status()}`);
    steps.push(`start ${exit(await drive('start', 'same'))} ${await status()}`);
    steps.push(`start again ${exit(await drive('start', 'same'))}`);
    steps.push(`delete running ${exit(await drive('delete', 'same'))} ${await status()}`);
    steps.push(`kill TERM ${exit(await drive('kill', 'same', 'TERM'))}`);
    steps.push(`kill 9 ${exit(await drive('kill', 'same', '9'))}`);
    let final = await status();
    for (let i = 0; i < 200 && final !== 'stopped'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      final = await status();
    }
    steps.push(`after kill ${final}`);
    steps.push(`kill stopped ${exit(await drive('kill', 'same', 'KILL'))}`);
    steps.push(`delete ${exit(await drive('delete', 'same'))} ${await status()}`);
    steps.push(`delete unknown ${exit(await drive('delete', 'same'))}`);
    return steps;
  };
  try {
    const berth = await observe(drivers.berth);
    const runc = await observe(drivers.runc);
    assert.deepEqual(berth, runc);
    assert.deepEqual(berth.slice(0, 2), ['create ok created', 'start ok running']);
  } finally {
    await drivers.runc('delete', '--force', 'same');
    await drivers.berth('delete', '--force', 'same');
    rmSync(runcRoot, { recursive: true, force: true });
    bundle.remove();
  }
});

function runCommand(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

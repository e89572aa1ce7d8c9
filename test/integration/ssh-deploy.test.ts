// Deployment and the tunnel against a real sshd on 127.0.0.1 ("the target" is this machine), logged in
// as root: the helper is uploaded into the user's staging folder and installed, checked, into a
// root-owned install folder on first connect and not on the second; a staged upload that differs from
// the build is refused; the daemon is started over SSH with its own socket, root and log in temporary
// directories (never /run/berth), answers system.version through the direct-streamlocal tunnel, is
// reused by a second connection, and a dropped connection is noticed, fails calls with "target
// unreachable" naming which side closed, and is reconnected. Root's home inside sshd's mount namespace
// is the test's own folder, so the staging folder never lands in the machine's /root.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RemoteHelperConnection, type RemoteHelperState } from '../../extension/src/remoteHelper/remoteHelperConnection';
import { installHelper } from '../../extension/src/remoteHelper/install';
import { preflight } from '../../extension/src/remoteHelper/preflight';
import { RootAccess } from '../../extension/src/remoteHelper/rootAccess';
import { helperBuild, stageHelper } from '../../extension/src/remoteHelper/upload';
import { CredentialMemory } from '../../extension/src/ssh/authentication';
import { connectSsh } from '../../extension/src/ssh/connection';
import { REPO } from '../support/daemonProcess';
import { ScriptedPrompter, memoryLog, startSshServer, stopProcessesUsing, type TestSshServer } from '../support/sshServer';

let server: TestSshServer;
let work: string;
let bundleDir: string;
/** What /root is inside sshd's namespace: the staging folder (~/.cache/berth/upload) lands here. */
let rootHome: string;
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const daemonPids = new Set<number>();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-ssh-deploy-'));
  // A snapshot of the built helper, so that a rebuild by someone else mid-test does not change the build.
  bundleDir = join(work, 'bundle');
  assert.ok(existsSync(join(REPO, 'dist/helper/berth.js')), 'run npm run build first');
  cpSync(join(REPO, 'dist/helper'), bundleDir, { recursive: true });
  rootHome = join(work, 'root-home');
  mkdirSync(rootHome, { mode: 0o700 });
  server = await startSshServer({ binds: [[rootHome, '/root']] });
});

after(async () => {
  for (const pid of daemonPids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  await server?.remove();
  const strays = stopProcessesUsing(work);
  if (strays.length) console.log(`# stopped stray processes ${strays.join(' ')}`);
  rmSync(work, { recursive: true, force: true });
});

function place(name: string) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { socketPath: join(dir, 'run', 'berth.sock'), rootDir: join(dir, 'state'), logFile: join(dir, 'log', 'daemon.log') };
}

function remote(name: string, options: { installDir: string; place: ReturnType<typeof place>; log?: ReturnType<typeof memoryLog>; version?: string }) {
  return new RemoteHelperConnection(
    {
      label: `test-${name}`,
      target: { host: '127.0.0.1', port: server.port, user: 'root', identityFiles: [server.clientKey] },
      jumps: [],
      rootMethod: 'auto',
      place: options.place,
      installDir: options.installDir,
    },
    {
      bundle: { dir: bundleDir, version: options.version ?? version },
      prompter: new ScriptedPrompter({ acceptHostKey: true }),
      log: options.log ?? memoryLog(),
      knownHostsPath: join(work, 'known_hosts'),
      agent: false,
      keepaliveIntervalMs: 500,
      keepaliveCountMax: 3,
      callTimeoutMs: 5_000,
      backoffMs: { first: 200, max: 1_000 },
    },
  );
}

function waitForState(helper: RemoteHelperConnection, kind: RemoteHelperState['kind'], timeoutMs: number): Promise<RemoteHelperState> {
  if (helper.state.kind === kind) return Promise.resolve(helper.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      helper.off('state', onState);
      reject(new Error(`state ${kind} not reached within ${timeoutMs} ms (now ${JSON.stringify(helper.state.kind)})`));
    }, timeoutMs);
    const onState = (state: RemoteHelperState) => {
      if (state.kind !== kind) return;
      clearTimeout(timer);
      helper.off('state', onState);
      resolve(state);
    };
    helper.on('state', onState);
  });
}

function connected(helper: RemoteHelperConnection) {
  const state = helper.state;
  assert.equal(state.kind, 'connected', state.kind === 'unreachable' ? state.reason : state.kind);
  return state as Extract<RemoteHelperState, { kind: 'connected' }>;
}

describe('ssh deployment and tunnel', () => {
  const installDir = () => join(work, 'install');
  const staging = () => join(rootHome, '.cache/berth/upload');
  let daemonPlace: ReturnType<typeof place>;

  test('first connect stages the helper, installs it checked into a root-owned folder, starts the daemon; system.version answers through the tunnel', async () => {
    mkdirSync(installDir(), { recursive: true });
    // A leftover of an install interrupted an hour ago is never used and is cleaned away.
    mkdirSync(join(installDir(), '.install-abc123'));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(installDir(), '.install-abc123'), anHourAgo, anHourAgo);
    daemonPlace = place('daemon');
    const log = memoryLog();
    const helper = remote('first', { installDir: installDir(), place: daemonPlace, log });
    try {
      await helper.connect();
      const state = connected(helper);
      daemonPids.add(state.info.pid);
      assert.equal(state.uploaded, true);
      assert.equal(state.started, true);
      assert.equal(state.access, 'socket', 'root reaches the socket directly');
      assert.equal(state.info.helperVersion, version);
      assert.equal(state.info.root, true);
      assert.match(state.info.engineId, /^[0-9a-f]{32}$/);
      const info = await helper.call('system.version', {});
      assert.equal(info.pid, state.info.pid);

      const builds = readdirSync(installDir());
      assert.equal(builds.length, 1, `only the build is left in the install folder: ${builds.join(' ')}`);
      const build = join(installDir(), builds[0]!);
      assert.match(builds[0]!, /^helper-\d+\.\d+\.\d+\+[0-9a-f]{16}$/);
      assert.equal(readFileSync(join(build, 'VERSION'), 'utf8').trim(), builds[0]!.slice('helper-'.length));
      assert.equal(statSync(join(build, 'bin/berth')).mode & 0o777, 0o755);
      assert.ok(existsSync(join(build, `node_modules/@koromix/koffi-linux-${process.arch}/package.json`)));
      const other = process.arch === 'x64' ? 'arm64' : 'x64';
      assert.ok(!existsSync(join(build, `node_modules/@koromix/koffi-linux-${other}`)), 'only the target architecture is uploaded');
      assert.deepEqual(readdirSync(staging()), [], 'the staged upload is gone once installed');
      // The daemon runs the installed copy.
      assert.ok(readFileSync(`/proc/${state.info.pid}/cmdline`, 'utf8').split('\0').includes(join(build, 'berth.js')));
      assert.ok(existsSync(daemonPlace.socketPath), 'the daemon serves the test socket');
      assert.match(readFileSync(daemonPlace.logFile, 'utf8'), /serving/);
      const text = log.lines.join('\n');
      assert.match(text, /uploaded \d+ files/);
      assert.match(text, /installed helper .* as root \(checked \d+ files' SHA-256\)/);
      assert.match(text, /started helper/);
    } finally {
      helper.dispose();
    }
  });

  test('a second connection finds the same build installed and reuses the running daemon', async () => {
    const log = memoryLog();
    const helper = remote('second', { installDir: installDir(), place: daemonPlace, log });
    try {
      await helper.connect();
      const state = connected(helper);
      assert.equal(state.uploaded, false);
      assert.equal(state.started, false);
      assert.ok(daemonPids.has(state.info.pid), 'the same daemon answers');
      assert.doesNotMatch(log.lines.join('\n'), /uploaded/);
    } finally {
      helper.dispose();
    }
  });

  test('a staged upload changed after it was uploaded is refused by the install, and nothing is installed', async () => {
    // Between the upload and the install, any process of the SSH user can change the staged files: here
    // berth.js. The install checks root's own copy against the sums Berth sent, so the change is caught.
    const tamperedInstall = join(work, 'install-tampered');
    const build = helperBuild({ dir: bundleDir, version }, process.arch as 'x64');
    const connection = await connectSsh({
      target: { host: '127.0.0.1', port: server.port, user: 'root', identityFiles: [server.clientKey] },
      prompter: new ScriptedPrompter({ acceptHostKey: true }),
      log: memoryLog(),
      knownHostsPath: join(work, 'known_hosts'),
      agent: false,
    });
    const root = new RootAccess(connection, { facts: await preflight(connection, 'tamper'), rootMethod: 'auto', prompter: new ScriptedPrompter(), log: memoryLog(), memory: new CredentialMemory() });
    try {
      const staged = await stageHelper(connection, build, staging(), memoryLog());
      writeFileSync(join(staged, 'berth.js'), 'require("child_process").execSync("touch /tmp/owned-by-user")\n');
      await assert.rejects(installHelper(connection, root, build, staged, tamperedInstall, memoryLog()), /installing the helper failed on root@127\.0\.0\.1:\d+: the upload's content differs from the build's \(SHA-256\)/);
      assert.deepEqual(readdirSync(tamperedInstall), [], 'nothing is installed, no temporary copy is left');
      // A link in the upload (to a file the user controls, say) is refused as well.
      writeFileSync(join(staged, 'berth.js'), readFileSync(join(bundleDir, 'berth.js')));
      symlinkSync('/etc/hostname', join(staged, 'extra'));
      await assert.rejects(installHelper(connection, root, build, staged, tamperedInstall, memoryLog()), /the upload holds links or special files: \.\/extra/);
      assert.deepEqual(readdirSync(tamperedInstall), []);
      // The untouched upload installs.
      rmSync(join(staged, 'extra'));
      const installed = await installHelper(connection, root, build, staged, tamperedInstall, memoryLog());
      assert.equal(statSync(join(installed, 'berth.js')).uid, 0);
      assert.ok(!existsSync(staged), 'the staged copy is removed once installed');
    } finally {
      connection.close();
    }
  });

  test('a running daemon of another version is stopped and replaced by the deployed one', async () => {
    // The extension claims a different version than the running daemon reports: it must be replaced.
    const log = memoryLog();
    const helper = remote('upgrade', { installDir: join(work, 'install-next'), place: daemonPlace, version: `${version}-next`, log });
    const oldPid = [...daemonPids][0]!;
    try {
      await helper.connect();
      const state = connected(helper);
      daemonPids.add(state.info.pid);
      assert.equal(state.started, true);
      assert.notEqual(state.info.pid, oldPid);
      assert.throws(() => process.kill(oldPid, 0), /ESRCH/, 'the old daemon is gone');
      assert.match(log.lines.join('\n'), /answers, but this extension carries .*-next: restarting it/);
    } finally {
      helper.dispose();
    }
  });

  test('a daemon that dies is noticed through the tunnel, and reconnecting starts a new one', async () => {
    const helper = remote('daemon-death', { installDir: installDir(), place: daemonPlace });
    try {
      await helper.connect();
      const oldPid = connected(helper).info.pid;
      process.kill(oldPid, 'SIGTERM');
      const lost = await waitForState(helper, 'unreachable', 15_000);
      // The SSH connection is fine: the message says it was the helper that closed.
      assert.match((lost as { reason: string }).reason, /connection lost: the helper on root@127\.0\.0\.1:\d+ closed the connection/);
      await assert.rejects(helper.call('system.version', {}), /target unreachable: test-daemon-death/);
      await waitForState(helper, 'connected', 20_000);
      const state = connected(helper);
      daemonPids.add(state.info.pid);
      assert.notEqual(state.info.pid, oldPid);
      assert.equal(state.started, true);
    } finally {
      helper.dispose();
    }
  });

  test('disconnecting in the middle of connecting ends disconnected, not stuck connecting', async () => {
    const helper = remote('abort', { installDir: installDir(), place: daemonPlace });
    try {
      const connecting = helper.connect();
      await waitForState(helper, 'connecting', 1_000);
      await new Promise<void>((resolve) => helper.on('state', (state) => state.kind === 'connecting' && state.step === 'checking the target' && resolve()));
      helper.disconnect();
      await connecting;
      assert.equal(helper.state.kind, 'disconnected');
      await assert.rejects(helper.call('system.version', {}), /target unreachable: test-abort: not connected/);
    } finally {
      helper.dispose();
    }
  });

  test('two windows connecting at once to a fresh target end up with one helper and one daemon', async () => {
    const dir = join(work, 'install-race');
    const racePlace = place('race');
    const first = remote('race-1', { installDir: dir, place: racePlace });
    const second = remote('race-2', { installDir: dir, place: racePlace });
    try {
      await Promise.all([first.connect(), second.connect()]);
      const a = connected(first);
      const b = connected(second);
      daemonPids.add(a.info.pid);
      daemonPids.add(b.info.pid);
      assert.equal(a.info.pid, b.info.pid, "one daemon serves both");
      assert.equal([a.started, b.started].filter(Boolean).length, 1, 'one of them started it, the other waited');
      assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith('.')), [], 'no temporary upload is left');
      assert.equal(readdirSync(dir).filter((name) => name.startsWith('helper-')).length, 1);
    } finally {
      first.dispose();
      second.dispose();
    }
  });

  test('killing the SSH server is noticed at once, calls fail with "target unreachable", and it reconnects', async () => {
    const helper = remote('drop', { installDir: installDir(), place: daemonPlace });
    try {
      await helper.connect();
      const before = connected(helper).info.pid;
      await server.kill();
      const lost = await waitForState(helper, 'unreachable', 60_000);
      // The SSH server went away, not the helper: the message says so.
      assert.match((lost as { reason: string }).reason, /connection lost: the SSH connection closed/);
      await assert.rejects(helper.call('system.version', {}), /target unreachable: test-drop/);
      await server.restart();
      await waitForState(helper, 'connected', 15_000);
      const info = await helper.call('system.version', {});
      assert.equal(info.pid, before, 'the daemon outlived the SSH server and is reused');
    } finally {
      helper.dispose();
    }
  });

  test('a silent drop (frozen server) is noticed by keep-alives within seconds', async () => {
    const helper = remote('frozen', { installDir: installDir(), place: daemonPlace });
    try {
      await helper.connect();
      connected(helper);
      server.freeze();
      try {
        // Keep-alives every 500 ms, 3 unanswered: noticed without any call being made (TCP alone would
        // wait for minutes; the bound is generous).
        const state = await waitForState(helper, 'unreachable', 60_000);
        assert.match((state as { reason: string }).reason, /no answer to SSH keep-alives/);
        await assert.rejects(helper.call('system.version', {}), /target unreachable/);
      } finally {
        server.thaw();
      }
      await waitForState(helper, 'connected', 15_000);
    } finally {
      helper.dispose();
    }
  });
});

// Deployment and the tunnel against a real sshd on 127.0.0.1 ("the target" is this machine): the helper is
// uploaded into a temporary install directory on first connect and not on the second, the daemon is
// started over SSH with its own socket, root and log in temporary directories (never /run/berth), answers
// system.version through the direct-streamlocal tunnel, is reused by a second connection, and a dropped
// connection is noticed within seconds, fails calls with "target unreachable" and is reconnected.
import assert from 'node:assert/strict';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RemoteHelperConnection, type RemoteHelperState } from '../../extension/src/remoteHelper/remoteHelperConnection';
import { REPO } from '../support/daemonProcess';
import { ScriptedPrompter, memoryLog, startSshServer, stopProcessesUsing, type TestSshServer } from '../support/sshServer';

let server: TestSshServer;
let work: string;
let bundleDir: string;
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const daemonPids = new Set<number>();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-ssh-deploy-'));
  // A snapshot of the built helper, so that a rebuild by someone else mid-test does not change the build.
  bundleDir = join(work, 'bundle');
  assert.ok(existsSync(join(REPO, 'dist/helper/berth.js')), 'run npm run build first');
  cpSync(join(REPO, 'dist/helper'), bundleDir, { recursive: true });
  server = await startSshServer();
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
  const home = () => join(work, 'home');
  const installDir = () => join(home(), '.berth');
  let daemonPlace: ReturnType<typeof place>;

  test('first connect uploads the helper atomically and starts the daemon; system.version answers through the tunnel', async () => {
    mkdirSync(installDir(), { recursive: true });
    // A leftover of an interrupted upload is never used and is cleaned away.
    const leftover = join(installDir(), '.helper-0.0.0+dead.tmp-12345678');
    mkdirSync(leftover);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(leftover, anHourAgo, anHourAgo);
    daemonPlace = place('daemon');
    const log = memoryLog();
    const helper = remote('first', { installDir: installDir(), place: daemonPlace, log });
    try {
      await helper.connect();
      const state = connected(helper);
      daemonPids.add(state.info.pid);
      assert.equal(state.uploaded, true);
      assert.equal(state.started, true);
      assert.equal(state.info.helperVersion, version);
      assert.equal(state.info.root, true);
      const info = await helper.call('system.version', {});
      assert.equal(info.pid, state.info.pid);

      const link = join(installDir(), 'helper');
      assert.ok(lstatSync(link).isSymbolicLink());
      const target = readlinkSync(link);
      assert.match(target, /^helper-\d+\.\d+\.\d+\+[0-9a-f]{16}$/);
      assert.equal(readFileSync(join(link, 'VERSION'), 'utf8').trim(), target.slice('helper-'.length));
      assert.equal(statSync(join(link, 'bin/berth')).mode & 0o777, 0o755);
      assert.ok(existsSync(join(link, `node_modules/@koromix/koffi-linux-${process.arch}/package.json`)));
      const other = process.arch === 'x64' ? 'arm64' : 'x64';
      assert.ok(!existsSync(join(link, `node_modules/@koromix/koffi-linux-${other}`)), 'only the target architecture is uploaded');
      assert.ok(!existsSync(join(installDir(), '.helper-0.0.0+dead.tmp-12345678')));
      assert.ok(existsSync(daemonPlace.socketPath), 'the daemon serves the test socket');
      assert.match(readFileSync(daemonPlace.logFile, 'utf8'), /serving/);
      const text = log.lines.join('\n');
      assert.match(text, /uploaded \d+ files/);
      assert.match(text, /started helper/);
    } finally {
      helper.dispose();
    }
  });

  test('a second connection finds the same build and reuses the running daemon', async () => {
    const helper = remote('second', { installDir: installDir(), place: daemonPlace });
    try {
      await helper.connect();
      const state = connected(helper);
      assert.equal(state.uploaded, false);
      assert.equal(state.started, false);
      assert.ok(daemonPids.has(state.info.pid), 'the same daemon answers');
    } finally {
      helper.dispose();
    }
  });

  test('a helper whose link points at an incomplete directory is uploaded again', async () => {
    const dir = join(work, 'home2', '.berth');
    mkdirSync(join(dir, 'helper-broken'), { recursive: true });
    const { symlinkSync } = await import('node:fs');
    symlinkSync('helper-broken', join(dir, 'helper'));
    const helper = remote('relink', { installDir: dir, place: daemonPlace });
    try {
      await helper.connect();
      const state = connected(helper);
      assert.equal(state.uploaded, true);
      assert.equal(state.started, false, 'the daemon is the same version, so it is reused');
      assert.match(readlinkSync(join(dir, 'helper')), /^helper-\d/);
    } finally {
      helper.dispose();
    }
  });

  test('a running daemon of another version is stopped and replaced by the deployed one', async () => {
    // The extension claims a different version than the running daemon reports: it must be replaced.
    const log = memoryLog();
    const helper = remote('upgrade', { installDir: join(work, 'home3', '.berth'), place: daemonPlace, version: `${version}-next`, log });
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
      await waitForState(helper, 'unreachable', 5_000);
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
    const dir = join(work, 'home-race', '.berth');
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
      const killedAt = Date.now();
      await server.kill();
      await waitForState(helper, 'unreachable', 5_000);
      const noticedMs = Date.now() - killedAt;
      console.log(`# drop (sshd killed) noticed after ${noticedMs} ms`);
      // It fails at once: a call that waited for the connection to come back would wait for ever, as the
      // server is restarted only after it.
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
      const frozenAt = Date.now();
      server.freeze();
      try {
        // Only keep-alives can notice a frozen peer (TCP would wait for minutes); the bound is generous.
        const state = await waitForState(helper, 'unreachable', 60_000);
        const noticedMs = Date.now() - frozenAt;
        console.log(`# silent drop noticed after ${noticedMs} ms (keep-alive 500 ms x 3)`);
        assert.match((state as { reason: string }).reason, /keep-alive|lost/);
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

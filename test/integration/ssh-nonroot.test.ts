// Non-root SSH users, who exist only in the test sshd's own view of /etc/passwd, /etc/shadow, /etc/group
// and /etc/sudoers (a private mount namespace; the machine's files are not changed): password
// authentication through the prompter; without sudo, clear errors; with the machine's real sudo asking
// for a password, the whole way: the password asked once, the helper installed where only root can
// change it, the API through sudo and berth dial-stdio, and stop and uninstall leaving nothing behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectSsh } from '../../extension/src/ssh/connection';
import { RemoteHelperConnection, type RemoteHelperState } from '../../extension/src/remoteHelper/remoteHelperConnection';
import { helperBuild } from '../../extension/src/remoteHelper/upload';
import { CredentialMemory } from '../../extension/src/ssh/authentication';
import { oneAtATime, type SecretRequest, type SshPrompter } from '../../extension/src/ssh/prompts';
import { busyboxRootfs } from '../support/bundle';
import { mountsUnder } from '../support/engineHarness';
import { REPO, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { ScriptedPrompter, memoryLog, startSshServer, type TestSshServer, type TestUser } from '../support/sshServer';

const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
let server: TestSshServer;
let work: string;
let user: TestUser;
let daemon: DaemonProcess | undefined;

function freeUid(): number {
  const used = new Set(readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => Number(line.split(':')[2])));
  let uid = 4242;
  while (used.has(uid)) uid++;
  return uid;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-ssh-nonroot-'));
  chmodSync(work, 0o755);
  const uid = freeUid();
  const home = join(work, 'home');
  mkdirSync(home);
  chownSync(home, uid, uid);
  user = { name: 'berthtest', uid, home, password: 'open sesame' };
  // This server's machine has no sudo: where the host has one, /dev/null stands in for it inside sshd's
  // mount namespace (not executable, so `command -v sudo` finds nothing).
  const noSudo = ['/usr/bin/sudo', '/bin/sudo'].filter((path) => existsSync(path)).map((path) => ['/dev/null', path] as const);
  server = await startSshServer({ users: [user], extraConfig: ['PasswordAuthentication yes'], binds: noSudo });
  cpSync(join(REPO, 'dist/helper'), join(work, 'bundle'), { recursive: true });
});

after(async () => {
  await daemon?.stop();
  await server?.remove();
  rmSync(work, { recursive: true, force: true });
});

describe('ssh as a non-root user', () => {
  test('password authentication asks through the prompter, again after a wrong password, and never logs it', async () => {
    const prompter = new ScriptedPrompter({ secrets: ['wrong', 'open sesame'], acceptHostKey: true });
    const log = memoryLog();
    const connection = await connectSsh({
      target: { host: '127.0.0.1', port: server.port, user: user.name, identityFiles: [], identitiesOnly: true },
      prompter,
      log,
      agent: false,
      knownHostsPath: join(work, 'known_hosts'),
    });
    try {
      assert.equal((await connection.run('id -u')).trim(), String(user.uid));
    } finally {
      connection.close();
    }
    assert.deepEqual(prompter.secretRequests.map((r) => [r.kind, r.retry]), [['password', false], ['password', true]]);
    assert.ok(!log.lines.join('\n').includes('open sesame'));
  });

  test('a password the user lets Berth keep goes to the secret store and is used next time without asking', async () => {
    const stored = new Map<string, string>();
    const store = {
      get: async (key: string) => stored.get(key),
      store: async (key: string, value: string) => void stored.set(key, value),
      delete: async (key: string) => void stored.delete(key),
    };
    const connect = (prompter: ScriptedPrompter, log = memoryLog()) =>
      connectSsh({
        target: { host: '127.0.0.1', port: server.port, user: user.name, identityFiles: [], identitiesOnly: true },
        prompter,
        log,
        agent: false,
        knownHostsPath: join(work, 'known_hosts'),
        secrets: { store, keyPrefix: 'berth.ssh/t1/', remember: true },
      });
    const first = new ScriptedPrompter({ secrets: ['open sesame'], acceptHostKey: true });
    (await connect(first)).close();
    assert.equal(first.secretRequests.length, 1);
    assert.deepEqual([...stored.keys()], [`berth.ssh/t1/password:${user.name}@127.0.0.1:${server.port}`]);
    const second = new ScriptedPrompter({ acceptHostKey: true });
    const log = memoryLog();
    (await connect(second, log)).close();
    assert.equal(second.secretRequests.length, 0, 'the stored password is used');
    assert.ok(!log.lines.join('\n').includes('open sesame'));
  });

  test('keyboard-interactive (PAM) prompts are answered through the prompter', async () => {
    const pamServer = await startSshServer({
      users: [user],
      extraConfig: ['UsePAM yes', 'KbdInteractiveAuthentication yes', 'PasswordAuthentication no'],
    });
    try {
      const prompter = new ScriptedPrompter({ secrets: ['open sesame'], acceptHostKey: true });
      const connection = await connectSsh({
        target: { host: '127.0.0.1', port: pamServer.port, user: user.name, identityFiles: [], identitiesOnly: true },
        prompter,
        log: memoryLog(),
        agent: false,
        knownHostsPath: join(work, 'known_hosts'),
      });
      connection.close();
      assert.equal(prompter.secretRequests.length, 1);
      assert.equal(prompter.secretRequests[0]!.kind, 'keyboard-interactive');
      assert.match(prompter.secretRequests[0]!.prompt, /password/i);
      assert.ok(!prompter.secretRequests[0]!.echo);
    } finally {
      await pamServer.remove();
    }
  });

  test('without sudo and without a running helper, the error says the helper must run as root, and nothing is installed', async () => {
    const place = join(work, 'nodaemon');
    mkdirSync(place, { mode: 0o755 });
    const installDir = join(work, 'install-nosudo');
    const helper = remoteAs({ socketPath: join(place, 'run/berth.sock'), rootDir: join(place, 'state'), logFile: join(place, 'log') }, installDir);
    try {
      await helper.connect();
      assert.equal(helper.state.kind, 'unreachable');
      assert.match((helper.state as { reason: string }).reason, /berthtest on .* is not root and sudo is not installed there: the helper must run as root/);
      assert.ok(!existsSync(installDir), 'nothing is installed as root');
      // The upload waits in the user's own staging folder, theirs: never run as root from there.
      const [staged] = readdirSync(join(user.home, '.cache/berth/upload'));
      assert.equal(statSync(join(user.home, '.cache/berth/upload', staged!, 'berth.js')).uid, user.uid);
    } finally {
      helper.dispose();
    }
  });

  test("a socket the user may not use, and no sudo: a clear permission error that says the group equals root", async () => {
    const place = join(work, 'daemon');
    mkdirSync(place, { mode: 0o755 });
    const socketPath = join(place, 'run', 'berth.sock');
    daemon = await startDaemon(socketPath, join(place, 'state'));
    // Installed already (as root would have), so that the socket is the only question.
    const installDir = join(work, 'install-permission');
    const helper = remoteAs({ socketPath, rootDir: join(place, 'state'), logFile: join(place, 'log') }, installDir);
    try {
      await installAsRoot(installDir);
      await helper.connect();
      const state = helper.state;
      assert.equal(state.kind, 'unreachable');
      const reason = (state as { reason: string }).reason;
      assert.match(reason, /permission denied: berthtest on .* cannot use the helper's socket .*berth\.sock \(srw-rw---- 1 root berth /);
      assert.match(reason, /sudo is not installed there, through which Berth would reach it/);
      assert.match(reason, /add you to the group berth \(sudo usermod -aG berth berthtest\): its members control the helper, which runs as root, so that equals root/);
      assert.equal((state as { retryInMs?: number }).retryInMs, undefined, 'a permission problem is not retried');
      assert.equal((state as { failure?: string }).failure, 'permission');
    } finally {
      helper.dispose();
    }
  });
});

describe('a sudo user whose sudo asks for a password (the real sudo; no berth group)', () => {
  const sudoer: TestUser = { name: 'berthsudo', uid: 0, home: '', password: 'sudo sesame', sudo: 'password' };
  let sudoServer: TestSshServer;
  let place: { socketPath: string; rootDir: string; logFile: string };
  let installDir: string;
  let prompter: ScriptedPrompter;
  let helper: RemoteHelperConnection | undefined;
  let log: ReturnType<typeof memoryLog>;

  before(async () => {
    const uid = freeUid() + 1;
    const home = join(work, 'sudo-home');
    mkdirSync(home);
    chownSync(home, uid, uid);
    Object.assign(sudoer, { uid, home });
    sudoServer = await startSshServer({ users: [sudoer] });
    const dir = join(work, 'sudo-daemon');
    mkdirSync(dir, { mode: 0o755 });
    place = { socketPath: join(dir, 'run/berth.sock'), rootDir: join(dir, 'state'), logFile: join(dir, 'log/daemon.log') };
    installDir = join(work, 'install-sudo');
  });

  after(async () => {
    helper?.dispose();
    await sudoServer?.remove();
  });

  const connectAsSudoer = (answers: Array<string | undefined>) => {
    prompter = new ScriptedPrompter({ secrets: answers, acceptHostKey: true });
    log = memoryLog();
    helper?.dispose();
    helper = new RemoteHelperConnection(
      {
        label: 'sudoer',
        target: { host: '127.0.0.1', port: sudoServer.port, user: sudoer.name, identityFiles: [sudoServer.clientKey] },
        jumps: [],
        rootMethod: 'auto',
        place,
        installDir,
      },
      { bundle: { dir: join(work, 'bundle'), version }, prompter, log, knownHostsPath: join(work, 'known_hosts-sudo'), agent: false, memory },
    );
    return helper;
  };
  const memory = new CredentialMemory();

  test('the password is asked once (again after a wrong one), and the API runs through sudo and berth dial-stdio', async () => {
    const remote = connectAsSudoer(['wrong', 'sudo sesame']);
    await remote.connect();
    const state = remote.state;
    assert.equal(state.kind, 'connected', state.kind === 'unreachable' ? `${state.reason}\n${log.lines.join('\n')}` : state.kind);
    const connected = state as Extract<RemoteHelperState, { kind: 'connected' }>;
    assert.equal(connected.access, 'bridge', 'not in the berth group: through sudo');
    assert.equal(connected.info.root, true, 'the daemon runs as root');
    // Installing, starting the daemon and opening the bridge all took sudo: one right answer served all.
    assert.deepEqual(prompter.secretRequests.map((r) => [r.kind, r.retry]), [['sudo', false], ['sudo', true]]);
    assert.match(prompter.secretRequests[0]!.prompt, /never on disk/);
    assert.ok(!log.lines.join('\n').includes('sudo sesame'), 'the sudo password is never logged');
    assert.deepEqual(await remote.call('containers.list', { all: true }), []);
    // The bridge is a root process of the installed build, started by sudo for this connection.
    const bridges = processesWith(join(installDir, '')).filter((pid) => cmdline(pid).includes('dial-stdio'));
    assert.ok(bridges.length >= 1, 'a dial-stdio bridge runs');
    for (const pid of bridges) assert.equal(statSync(`/proc/${pid}`).uid, 0);
  });

  test('the files the root daemon runs are root\'s and not writable by the user', () => {
    const pid = (helper!.state as { info: { pid: number } }).info.pid;
    const script = cmdline(pid).find((arg) => arg.endsWith('/berth.js'))!;
    assert.ok(script.startsWith(`${installDir}/helper-`), `the daemon runs ${script}`);
    const build = dirname(script);
    for (const path of [installDir, ...walk(build)]) {
      const stat = statSync(path);
      assert.equal(stat.uid, 0, `${path} belongs to root`);
      assert.equal(stat.mode & 0o022, 0, `${path} is writable by root alone (mode ${(stat.mode & 0o777).toString(8)})`);
    }
    // And the user really cannot change them (checked as the user, through the same SSH server).
    const probe = execFileSync('ssh', [...sshArgs(sudoServer), `${sudoer.name}@127.0.0.1`, `touch ${script} 2>&1; sh -c 'echo x >> ${build}/init.js' 2>&1; mkdir ${build}/x 2>&1; true`], { encoding: 'utf8' });
    assert.equal(probe.split('\n').filter((line) => /Permission denied/.test(line)).length, 3, probe);
  });

  test('reconnecting asks nothing: the password stays in memory for this login only', async () => {
    const remote = connectAsSudoer([]);
    await remote.connect();
    assert.equal(remote.state.kind, 'connected', (remote.state as { reason?: string }).reason);
    assert.equal(prompter.secretRequests.length, 0);
    assert.equal(memory.sudoPasswords.size, 1);
    assert.deepEqual([...memory.sudoPasswords.keys()], [`${sudoer.name}@127.0.0.1:${sudoServer.port}`]);
  });

  test('two targets needing passwords after a reload both connect: one prompt at a time, each answered', async () => {
    // A second way to the same machine (another port, so another target whose sudo password is its own).
    const other = await startSshServer({ users: [sudoer] });
    const targets: RemoteHelperConnection[] = [];
    try {
      // VS Code's input box, as the extension sees it: opening one cancels the one open (that cancelled
      // a target's prompt after a reload). The user answers each prompt a moment after it opens.
      const open: SecretRequest[] = [];
      let cancelOpen: (() => void) | undefined;
      const asked: string[] = [];
      const inputBox: SshPrompter = {
        secret: (request) =>
          new Promise((resolve) => {
            cancelOpen?.();
            open.push(request);
            asked.push(`${request.kind} ${request.target}`);
            const done = (answer: string | undefined) => {
              open.splice(open.indexOf(request), 1);
              if (cancelOpen === cancel) cancelOpen = undefined;
              resolve(answer);
            };
            const cancel = () => done(undefined);
            cancelOpen = cancel;
            setTimeout(() => done('sudo sesame'), 200);
          }),
        confirmHostKey: async () => true,
      };
      const prompter = oneAtATime(inputBox);
      // After a reload: a new window, nothing in memory, both targets connecting at once.
      const memory = new CredentialMemory();
      const logs = [memoryLog(), memoryLog()];
      for (const [i, server] of [sudoServer, other].entries()) {
        targets.push(
          new RemoteHelperConnection(
            { label: `sudoer-${i}`, target: { host: '127.0.0.1', port: server.port, user: sudoer.name, identityFiles: [server.clientKey] }, jumps: [], rootMethod: 'auto', place, installDir },
            { bundle: { dir: join(work, 'bundle'), version }, prompter, log: logs[i]!, knownHostsPath: join(work, 'known_hosts-reload'), agent: false, memory },
          ),
        );
      }
      await Promise.all(targets.map((target) => target.connect()));
      for (const [i, target] of targets.entries()) {
        assert.equal(target.state.kind, 'connected', target.state.kind === 'unreachable' ? `${target.state.reason}\n${logs[i]!.lines.join('\n')}` : target.state.kind);
      }
      // One sudo password per target (their ports differ, so neither reuses the other's), none cancelled.
      assert.deepEqual(asked.sort(), [`sudo ${sudoer.name}@127.0.0.1:${sudoServer.port}`, `sudo ${sudoer.name}@127.0.0.1:${other.port}`].sort());
      // Both reach the one daemon running there: the same engine.
      const [first, second] = targets.map((target) => (target.state as Extract<RemoteHelperState, { kind: 'connected' }>).info);
      assert.equal(first!.engineId, second!.engineId);
      assert.equal(first!.pid, second!.pid);
    } finally {
      for (const target of targets) target.dispose();
      await other.remove();
    }
  });

  test('stop and uninstall: the containers stop, no Berth process runs as root, no Berth file is left', async () => {
    const remote = helper!;
    const client = (remote.state as { client: import('../../extension/src/client/rpcClient').RpcClient }).client;
    const imported = await client.openStream('images.import', { path: busyboxRootfs(join(work, 'sudo-rootfs')), reference: 'busybox:test' });
    imported.listen({});
    await imported.done;
    const created = await client.call('containers.create', { spec: { image: 'busybox:test', cmd: ['sleep', '600'] }, name: 'sleeper' });
    await client.call('containers.start', { container: created.id });
    const containerPid = (await client.call('containers.inspect', { container: created.id })).state.pid;
    assert.ok(containerPid > 0);
    assert.deepEqual(await remote.runningContainers(), ['sleeper']);
    const daemonPid = (remote.state as { info: { pid: number } }).info.pid;

    await remote.stopHelper({ uninstall: true });
    assert.equal(remote.state.kind, 'disconnected');
    for (const pid of [daemonPid, containerPid]) assert.ok(!alive(pid), `process ${pid} is gone`);
    assert.deepEqual(processesWith(installDir), [], 'nothing runs from the install folder');
    assert.deepEqual(processesWith(place.rootDir), [], 'nothing runs from the root folder');
    for (const path of [installDir, place.rootDir, place.logFile, place.socketPath, dirname(place.socketPath), join(sudoer.home, '.cache/berth')]) {
      assert.ok(!existsSync(path), `${path} is removed`);
    }
    assert.deepEqual(mountsUnder(place.rootDir), []);
  });
});

describe('ssh as a member of the berth group', () => {
  test('reaches a helper root started, through the tunnel', async () => {
    const member: TestUser = { ...user, name: 'berthmember', groups: ['berth'] };
    const memberServer = await startSshServer({ users: [member] });
    const place = join(work, 'member');
    mkdirSync(place, { mode: 0o755 });
    const socketPath = join(place, 'run', 'berth.sock');
    const memberDaemon = await startDaemon(socketPath, join(place, 'state'));
    const helper = new RemoteHelperConnection(
      {
        label: 'member',
        target: { host: '127.0.0.1', port: memberServer.port, user: member.name, identityFiles: [memberServer.clientKey] },
        jumps: [],
        rootMethod: 'auto',
        place: { socketPath, rootDir: join(place, 'state'), logFile: join(place, 'log') },
        installDir: join(work, 'install-member'),
      },
      { bundle: { dir: join(work, 'bundle'), version }, prompter: new ScriptedPrompter({ acceptHostKey: true }), log: memoryLog(), knownHostsPath: join(work, 'known_hosts-member'), agent: false },
    );
    try {
      await helper.connect();
      const state = helper.state;
      assert.equal(state.kind, 'connected', state.kind === 'unreachable' ? state.reason : state.kind);
      assert.equal((state as { started: boolean }).started, false);
      assert.equal((await helper.call('system.version', {})).pid, memberDaemon.child.pid);
    } finally {
      helper.dispose();
      await memberDaemon.stop();
      await memberServer.remove();
    }
  });
});

function remoteAs(place: { socketPath: string; rootDir: string; logFile: string }, installDir: string): RemoteHelperConnection {
  return new RemoteHelperConnection(
    {
      label: 'nonroot',
      target: { host: '127.0.0.1', port: server.port, user: user.name, identityFiles: [server.clientKey] },
      jumps: [],
      rootMethod: 'auto',
      place,
      installDir,
    },
    {
      bundle: { dir: join(work, 'bundle'), version },
      prompter: new ScriptedPrompter({ acceptHostKey: true }),
      log: memoryLog(),
      knownHostsPath: join(work, 'known_hosts'),
      agent: false,
    },
  );
}

/** Installs the bundle's build into `installDir` as root would (the tests' stand-in for an earlier connection). */
async function installAsRoot(installDir: string): Promise<void> {
  const build = helperBuild({ dir: join(work, 'bundle'), version }, process.arch as 'x64');
  const dest = join(installDir, build.dirName);
  mkdirSync(installDir, { recursive: true, mode: 0o755 });
  cpSync(join(work, 'bundle'), dest, { recursive: true });
  writeFileSync(join(dest, 'VERSION'), `${build.id}\n`);
}

function sshArgs(sshServer: TestSshServer): string[] {
  return ['-T', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-i', sshServer.clientKey, '-p', String(sshServer.port)];
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Processes whose command line names a path under `dir`. */
function processesWith(dir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid && cmdline(pid).some((arg) => arg.startsWith(dir)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function walk(dir: string): string[] {
  return [dir, ...readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]))];
}

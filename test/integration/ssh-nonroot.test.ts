// A non-root SSH user, who exists only in the test sshd's own view of /etc/passwd and /etc/shadow (a
// private mount namespace; the machine's files are not changed): password authentication through the
// prompter, and a clear permission error, not a hang, when the helper's socket is root's.
import assert from 'node:assert/strict';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectSsh } from '../../extension/src/ssh/connection';
import { RemoteHelperConnection } from '../../extension/src/remoteHelper/remoteHelperConnection';
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

  test('without sudo and without a running helper, the error says the helper must run as root', async () => {
    const place = join(work, 'nodaemon');
    mkdirSync(place, { mode: 0o755 });
    const helper = remoteAs({ socketPath: join(place, 'run/berth.sock'), rootDir: join(place, 'state'), logFile: join(place, 'log') });
    try {
      await helper.connect();
      assert.equal(helper.state.kind, 'unreachable');
      assert.match((helper.state as { reason: string }).reason, /berthtest on .* is not root and sudo is not installed there: the helper must run as root/);
      // The helper was still deployed into the user's home, owned by them.
      assert.equal(statSync(join(user.home, '.berth/helper/berth.js')).uid, user.uid);
    } finally {
      helper.dispose();
    }
  });

  test('sudo with a password: asked once per try through the prompter, given on stdin, never logged', async () => {
    // A stand-in for sudo, on PATH inside the server's mount namespace only (sudo is not installed here):
    // -n needs a password; -S checks the one on stdin, then runs the script as root by logging in as
    // root to the same test sshd with a key the user may read, so the daemon really runs as root. The
    // user is in the berth group, which the daemon's socket admits.
    const sudoer: TestUser = { ...user, groups: ['berth'] };
    const bin = join(work, 'fake-sudo-bin');
    mkdirSync(bin, { mode: 0o755 });
    const sudoServer = await startSshServer({ users: [sudoer], binds: [[bin, '/usr/local/bin']] });
    const rootKey = join(bin, 'root-key');
    cpSync(sudoServer.clientKey, rootKey);
    chownSync(rootKey, user.uid, user.uid);
    writeFileSync(
      join(bin, 'sudo'),
      [
        '#!/bin/sh',
        'if [ "$1" = -n ]; then echo "sudo: a password is required" >&2; exit 1; fi',
        'if [ "$1" = -S ]; then shift; [ "$1" = -p ] && shift 2',
        '  read -r pw; [ "$pw" = "open sesame" ] || { echo "Sorry, try again." >&2; exit 1; }',
        '  [ "$1 $2" = "sh -c" ] || exit 3',
        `  printf '%s\\n' "$3" | ssh -T -o LogLevel=ERROR -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i ${rootKey} -p ${sudoServer.port} root@127.0.0.1 sh; exit $?`,
        'fi',
        'exit 2',
      ].join('\n') + '\n',
      { mode: 0o755 },
    );
    const place = join(work, 'sudo-daemon');
    mkdirSync(place, { mode: 0o755 });
    const prompter = new ScriptedPrompter({ secrets: ['wrong', 'open sesame'], acceptHostKey: true });
    const log = memoryLog();
    const helper = new RemoteHelperConnection(
      {
        label: 'sudo',
        target: { host: '127.0.0.1', port: sudoServer.port, user: sudoer.name, identityFiles: [sudoServer.clientKey] },
        jumps: [],
        rootMethod: 'auto',
        place: { socketPath: join(place, 'run/berth.sock'), rootDir: join(place, 'state'), logFile: join(place, 'daemon.log') },
        installDir: '~/.berth',
      },
      { bundle: { dir: join(work, 'bundle'), version }, prompter, log, knownHostsPath: join(work, 'known_hosts-sudo'), agent: false },
    );
    let pid: number | undefined;
    try {
      await helper.connect();
      const state = helper.state;
      assert.equal(state.kind, 'connected', state.kind === 'unreachable' ? `${state.reason}\n${log.lines.join('\n')}` : state.kind);
      pid = (state as { info: { pid: number } }).info.pid;
      assert.deepEqual(prompter.secretRequests.map((r) => [r.kind, r.retry]), [['sudo', false], ['sudo', true]]);
      assert.match(prompter.secretRequests[0]!.prompt, /not stored/);
      assert.equal((state as { info: { root: boolean } }).info.root, true, 'the daemon runs as root');
      assert.match(log.lines.join('\n'), /sudo -n is not enough/);
      assert.ok(!log.lines.join('\n').includes('open sesame'), 'the sudo password is never logged');
    } finally {
      helper.dispose();
      if (pid) process.kill(pid, 'SIGTERM');
      await sudoServer.remove();
    }
  });

  test("a socket the user may not use gives a clear permission error, quickly", async () => {
    const place = join(work, 'daemon');
    mkdirSync(place, { mode: 0o755 });
    const socketPath = join(place, 'run', 'berth.sock');
    daemon = await startDaemon(socketPath, join(place, 'state'));
    const helper = remoteAs({ socketPath, rootDir: join(place, 'state'), logFile: join(place, 'log') });
    try {
      await helper.connect();
      const state = helper.state;
      assert.equal(state.kind, 'unreachable');
      const reason = (state as { reason: string }).reason;
      assert.match(reason, /permission denied: berthtest on .* cannot use the helper's socket .*berth\.sock \(srw-rw---- 1 root berth /);
      assert.match(reason, /add berthtest to it on the target \(sudo usermod -aG berth berthtest\)/);
      assert.equal((state as { retryInMs?: number }).retryInMs, undefined, 'a permission problem is not retried');
      assert.ok(existsSync(socketPath));
    } finally {
      helper.dispose();
    }
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
        installDir: '~/.berth',
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

function remoteAs(place: { socketPath: string; rootDir: string; logFile: string }): RemoteHelperConnection {
  return new RemoteHelperConnection(
    {
      label: 'nonroot',
      target: { host: '127.0.0.1', port: server.port, user: user.name, identityFiles: [server.clientKey] },
      jumps: [],
      rootMethod: 'auto',
      place,
      installDir: '~/.berth',
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

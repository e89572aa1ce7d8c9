// The SSH connection against a real sshd on 127.0.0.1: keys, the agent, passphrases, host-key checks
// against a temporary known_hosts (unknown asks and appends, changed is refused, hashed entries match),
// a jump host, and the streamlocal channel.
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectSsh, type SshConnectOptions } from '../../extension/src/ssh/connection';
import { HostKeyError } from '../../extension/src/ssh/errors';
import { forwardLocalPort } from '../../extension/src/ssh/portForward';
import { fingerprint } from '../../extension/src/ssh/knownHosts';
import { ScriptedPrompter, freePort, makeKey, memoryLog, publicKeyBlob, startSshServer, type TestSshServer } from '../support/sshServer';

let server: TestSshServer;
let work: string;

before(async () => {
  server = await startSshServer();
  work = mkdtempSync(join(tmpdir(), 'berth-ssh-client-'));
});

after(async () => {
  await server?.remove();
  rmSync(work, { recursive: true, force: true });
});

function knownHostsWith(name: string, lines: string[]): string {
  const path = join(work, `known_hosts-${name}`);
  writeFileSync(path, lines.length ? `${lines.join('\n')}\n` : '');
  return path;
}

function options(overrides: Partial<SshConnectOptions> & { knownHostsPath: string }): SshConnectOptions {
  return {
    target: { host: '127.0.0.1', port: server.port, user: 'root', identityFiles: [server.clientKey] },
    prompter: new ScriptedPrompter(),
    log: memoryLog(),
    agent: false,
    ...overrides,
  };
}

const hostLine = () => `[127.0.0.1]:${server.port} ssh-ed25519 ${server.hostKey.toString('base64')}`;

describe('ssh connection', () => {
  test('connects with a key file to a known host and runs a command', async () => {
    const connection = await connectSsh(options({ knownHostsPath: knownHostsWith('plain', [hostLine()]) }));
    try {
      assert.equal((await connection.run('id -u')).trim(), '0');
    } finally {
      connection.close();
    }
  });

  test('an unknown host key is shown as OpenSSH prints it, and an accepted one is appended', async () => {
    const path = knownHostsWith('unknown', ['# a comment', 'other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==']);
    const prompter = new ScriptedPrompter({ acceptHostKey: true });
    const connection = await connectSsh(options({ knownHostsPath: path, prompter }));
    connection.close();
    assert.equal(prompter.hostKeyRequests.length, 1);
    const request = prompter.hostKeyRequests[0]!;
    const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(server.dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1];
    assert.equal(request.fingerprint, expected);
    assert.equal(request.host, `[127.0.0.1]:${server.port}`);
    assert.equal(request.keyType, 'ssh-ed25519');
    const text = readFileSync(path, 'utf8');
    assert.ok(text.startsWith('# a comment\nother.example'), 'the existing lines stay');
    assert.ok(text.endsWith(`${hostLine()}\n`), text);
    // ssh-keygen finds the line we wrote.
    assert.match(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${server.port}`, '-f', path], { encoding: 'utf8' }), /ssh-ed25519/);

    // The second time nobody is asked.
    const again = new ScriptedPrompter();
    (await connectSsh(options({ knownHostsPath: path, prompter: again }))).close();
    assert.equal(again.hostKeyRequests.length, 0);
  });

  test('a refused unknown host key fails the connection and writes nothing', async () => {
    const path = knownHostsWith('refused', []);
    await assert.rejects(connectSsh(options({ knownHostsPath: path, prompter: new ScriptedPrompter({ acceptHostKey: false }) })), /not accepted/);
    assert.equal(readFileSync(path, 'utf8'), '');
  });

  test('a changed host key is refused, naming both fingerprints and ssh-keygen -R', async () => {
    const other = publicKeyBlob(`${makeKey(join(work, 'other_host'))}.pub`);
    const path = knownHostsWith('changed', [`[127.0.0.1]:${server.port} ssh-ed25519 ${other.toString('base64')}`]);
    const prompter = new ScriptedPrompter({ acceptHostKey: true });
    await assert.rejects(connectSsh(options({ knownHostsPath: path, prompter })), (error: Error) => {
      assert.ok(error instanceof HostKeyError, String(error));
      assert.ok(error.message.includes(fingerprint(other)), error.message);
      assert.ok(error.message.includes(fingerprint(server.hostKey)), error.message);
      assert.match(error.message, /ssh-keygen -R '\[127\.0\.0\.1\]:\d+'/);
      return true;
    });
    assert.equal(prompter.hostKeyRequests.length, 0, 'a changed key is never offered for acceptance');
  });

  test('a hashed known_hosts entry matches', async () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update(`[127.0.0.1]:${server.port}`).digest('base64');
    const path = knownHostsWith('hashed', [`|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${server.hostKey.toString('base64')}`]);
    const prompter = new ScriptedPrompter();
    (await connectSsh(options({ knownHostsPath: path, prompter }))).close();
    assert.equal(prompter.hostKeyRequests.length, 0);
  });

  test('an entry hashed by ssh-keygen -H matches', async () => {
    const path = knownHostsWith('keygen-hashed', [hostLine()]);
    execFileSync('ssh-keygen', ['-H', '-f', path], { stdio: 'ignore' });
    assert.match(readFileSync(path, 'utf8'), /^\|1\|/);
    const prompter = new ScriptedPrompter();
    (await connectSsh(options({ knownHostsPath: path, prompter }))).close();
    assert.equal(prompter.hostKeyRequests.length, 0);
  });

  test('an encrypted key asks for its passphrase, again after a wrong one', async () => {
    const key = makeKey(join(work, 'encrypted'), { passphrase: 'correct horse' });
    const restarted = await startSshServer({ authorizedKeys: [readFileSync(`${key}.pub`, 'utf8').trim()] });
    try {
      const prompter = new ScriptedPrompter({ secrets: ['wrong', 'correct horse'] });
      const log = memoryLog();
      const connection = await connectSsh({
        target: { host: '127.0.0.1', port: restarted.port, user: 'root', identityFiles: [key] },
        prompter: Object.assign(prompter, { confirmHostKey: async () => true }),
        log,
        agent: false,
        knownHostsPath: join(work, 'known_hosts-encrypted'),
      });
      connection.close();
      assert.deepEqual(prompter.secretRequests.map((r) => [r.kind, r.prompt, r.retry]), [['passphrase', key, false], ['passphrase', key, true]]);
      assert.ok(!log.lines.join('\n').includes('correct horse'), 'the passphrase is never logged');
    } finally {
      await restarted.remove();
    }
  });

  test('the SSH agent authenticates', async () => {
    const agentSocket = join(work, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100; i++) {
        try {
          execFileSync('ssh-add', [server.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: 'ignore' });
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      const log = memoryLog();
      const connection = await connectSsh({
        ...options({ knownHostsPath: knownHostsWith('agent', [hostLine()]), log }),
        target: { host: '127.0.0.1', port: server.port, user: 'root', identityFiles: [] },
        agent: agentSocket,
      });
      connection.close();
      assert.ok(log.lines.some((line) => /logged in .*\(agent\)/.test(line)), log.lines.join('\n'));
    } finally {
      agent.kill();
    }
  });

  test('a jump host (ProxyJump) chains a second connection through forwardOut', async () => {
    const log = memoryLog();
    const connection = await connectSsh({
      ...options({ knownHostsPath: knownHostsWith('jump', [hostLine()]), log }),
      jumps: [{ host: '127.0.0.1', port: server.port, user: 'root', identityFiles: [server.clientKey] }],
    });
    try {
      assert.equal((await connection.run('echo through')).trim(), 'through');
      assert.ok(log.lines.some((line) => line.includes('through root@127.0.0.1')), log.lines.join('\n'));
      assert.match(server.output(), /direct-tcpip|Connection from 127\.0\.0\.1/);
    } finally {
      connection.close();
    }
  });

  test('a server that accepts TCP but never speaks SSH fails with a timeout, not a hang', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      // The error names the connection's own timeout: a hang would end only at the test's.
      await assert.rejects(
        connectSsh({ ...options({ knownHostsPath: knownHostsWith('silent', []) }), target: { host: '127.0.0.1', port, user: 'root', identityFiles: [] }, timeoutMs: 1_000 }),
        /did not complete the SSH connection within 1000 ms/,
      );
    } finally {
      sockets.forEach((socket) => socket.destroy());
      silent.close();
    }
  });

  test('a closed port fails at once with a clear error', async () => {
    const port = await freePort();
    await assert.rejects(
      connectSsh({ ...options({ knownHostsPath: knownHostsWith('closed', []) }), target: { host: '127.0.0.1', port, user: 'root', identityFiles: [] } }),
      new RegExp(`cannot reach 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`),
    );
  });

  test('a forward to a missing socket fails with a clear error, not a hang', async () => {
    const connection = await connectSsh(options({ knownHostsPath: knownHostsWith('missing', [hostLine()]) }));
    try {
      await assert.rejects(connection.openStreamLocal(join(work, 'nothing.sock')), /cannot open .*nothing\.sock/);
    } finally {
      connection.close();
    }
  });

  test('a published port of the target is reached through a local forward over the connection (Open in Browser)', async () => {
    // The "published port" is a loopback server on the target (this machine): 1 MiB each way, half-close kept.
    const payload = randomBytes(1024 * 1024);
    const upstream = createServer({ allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('end', () => socket.end(Buffer.concat([Buffer.from('echo:'), Buffer.concat(chunks)])));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as { port: number }).port;
    const connection = await connectSsh(options({ knownHostsPath: knownHostsWith('forward', [hostLine()]) }));
    const errors: string[] = [];
    const forward = await forwardLocalPort(() => connection.openTcp('127.0.0.1', port), (message) => errors.push(message));
    try {
      assert.notEqual(forward.port, port);
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: forward.port, allowHalfOpen: true }, () => socket.end(payload));
        const chunks: Buffer[] = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('end', () => resolve(Buffer.concat(chunks)));
        socket.on('error', reject);
      });
      assert.ok(reply.equals(Buffer.concat([Buffer.from('echo:'), payload])), `got ${reply.length} bytes`);
      // A port nothing listens on: the local connection is closed and the reason logged.
      const closedPort = await freePort();
      const refused = await forwardLocalPort(() => connection.openTcp('127.0.0.1', closedPort), (message) => errors.push(message));
      await new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: refused.port });
        socket.on('close', () => resolve());
        socket.on('error', () => undefined);
      });
      refused.close();
      assert.match(errors.join('\n'), new RegExp(`cannot reach 127\\.0\\.0\\.1:${closedPort}`));
    } finally {
      forward.close();
      connection.close();
      upstream.close();
    }
  });
});

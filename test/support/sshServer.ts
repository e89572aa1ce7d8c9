// A real OpenSSH server for the SSH tests: its own sshd on 127.0.0.1 and a free port, with a throwaway
// host key and a client key in a temporary directory, run in the foreground (-D -e) in its own process
// group so that stopping it also ends the per-connection processes. Nothing outside the directory is
// touched except /run/sshd, the privilege-separation directory sshd insists on (the package's own).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './waitFor';

export const SSHD = '/usr/sbin/sshd';

export interface TestSshServer {
  readonly port: number;
  readonly dir: string;
  /** The client key authorized for every user (no passphrase). */
  readonly clientKey: string;
  /** The host key blob (SSH wire format), as a client sees it. */
  readonly hostKey: Buffer;
  output(): string;
  /** Kills sshd and every connection it serves (SIGKILL to its process group). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same keys. */
  restart(): Promise<void>;
  /** Freezes sshd and its connections (SIGSTOP): a silent drop, noticed only by keep-alives. */
  freeze(): void;
  thaw(): void;
  /** Kills it and removes its directory. */
  remove(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** A key pair made by ssh-keygen; returns the private key's path (the public one is PATH.pub). */
export function makeKey(path: string, options: { type?: string; passphrase?: string } = {}): string {
  execFileSync('ssh-keygen', ['-q', '-t', options.type ?? 'ed25519', '-N', options.passphrase ?? '', '-C', 'berth-test', '-f', path]);
  return path;
}

/** The wire-format blob of a public key file (`type base64 comment`). */
export function publicKeyBlob(pubPath: string): Buffer {
  return Buffer.from(readFileSync(pubPath, 'utf8').trim().split(/\s+/)[1]!, 'base64');
}

/** A user that exists only inside the test sshd's view of /etc/passwd and /etc/shadow. */
export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly home: string;
  /** Enables password login for this user (the server must allow PasswordAuthentication). */
  readonly password?: string;
  /** Existing groups the user is a member of (in the server's copy of /etc/group). */
  readonly groups?: readonly string[];
  /** May become root with the machine's real sudo: asking for their password, or not (NOPASSWD). */
  readonly sudo?: 'password' | 'nopasswd';
}

export async function startSshServer(
  options: {
    extraConfig?: string[];
    authorizedKeys?: string[];
    users?: readonly TestUser[];
    /** Directories bound over others inside the server's mount namespace only: [source, target]. */
    binds?: ReadonlyArray<readonly [string, string]>;
  } = {},
): Promise<TestSshServer> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-sshd-'));
  const port = await freePort();
  const hostKeyPath = makeKey(join(dir, 'host_ed25519'));
  const clientKey = makeKey(join(dir, 'client_ed25519'));
  const authorized = [readFileSync(`${clientKey}.pub`, 'utf8').trim(), ...(options.authorizedKeys ?? [])];
  // sshd reads authorized_keys as the user logging in: test users must be able to read it.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'authorized_keys'), `${authorized.join('\n')}\n`, { mode: 0o644 });
  // sshd takes the first value of a keyword: the test's own settings go first.
  const config = [
    ...(options.extraConfig ?? []),
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKeyPath}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AllowStreamLocalForwarding yes',
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    // A daemon the extension starts through this server runs in the host's network namespace: its
    // containers default to --network none, so that no test makes a bridge or NAT rule on the host.
    'SetEnv BERTH_DEFAULT_NETWORK=none',
  ];
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, `${config.join('\n')}\n`);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  // Root's login shell here is bash, whose ~/.bashrc on this machine runs `pyenv rehash`, which can hang on
  // a stale lock. sshd runs every command through that shell, so it runs in a private mount namespace where
  // /etc/passwd is a copy giving root /bin/sh: the machine's files are not changed.
  // Test users are added to those copies only (and to a copy of /etc/shadow for their passwords).
  const users = options.users ?? [];
  let passwd = readFileSync('/etc/passwd', 'utf8').replace(/^(root:[^:]*:0:0:[^:]*:[^:]*):[^\n]*$/m, '$1:/bin/sh');
  let shadow = readFileSync('/etc/shadow', 'utf8');
  for (const user of users) {
    passwd += `${user.name}:x:${user.uid}:${user.uid}:berth test:${user.home}:/bin/sh\n`;
    const hash = user.password ? execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: user.password, encoding: 'utf8' }).trim() : '*';
    shadow += `${user.name}:${hash}:19000:0:99999:7:::\n`;
  }
  const group = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((line) => {
      const [name, , , members] = line.split(':');
      const joining = users.filter((user) => name && user.groups?.includes(name)).map((user) => user.name);
      if (!joining.length) return line;
      return `${line.slice(0, line.length - (members?.length ?? 0))}${[...(members ? members.split(',') : []), ...joining].join(',')}`;
    })
    .join('\n');
  const groupPath = join(dir, 'group');
  writeFileSync(groupPath, group, { mode: 0o644 });
  const passwdPath = join(dir, 'passwd');
  writeFileSync(passwdPath, passwd, { mode: 0o644 });
  const shadowPath = join(dir, 'shadow');
  writeFileSync(shadowPath, shadow, { mode: 0o600 });
  // sudo, for users that may use it: the server's own sudoers (bound over /etc/sudoers in its namespace)
  // and timestamp folder, so that the machine's sudo rules and records are neither used nor changed.
  const sudoers = users.filter((user) => user.sudo);
  const binds = [...(options.binds ?? [])];
  if (sudoers.length) {
    mkdirSync(join(dir, 'sudo-ts'), { mode: 0o700 });
    const rules = [
      'Defaults env_reset',
      'Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"',
      `Defaults timestampdir=${join(dir, 'sudo-ts')}`,
      'Defaults !lecture',
      'root ALL=(ALL:ALL) ALL',
      ...sudoers.map((user) => `${user.name} ALL=(ALL:ALL) ${user.sudo === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL`),
    ];
    writeFileSync(join(dir, 'sudoers'), `${rules.join('\n')}\n`, { mode: 0o440 });
    binds.push([join(dir, 'sudoers'), '/etc/sudoers']);
  }

  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    const mounts = binds.map(([source, target]) => `mount --bind '${source}' '${target}' && `).join('');
    const script = `mount --bind "$1" /etc/passwd && mount --bind "$3" /etc/shadow && mount --bind "$4" /etc/group && ${mounts}exec ${SSHD} -D -e -f "$2"`;
    const started = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', passwdPath, configPath, shadowPath, groupPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    started.stdout!.on('data', (chunk) => (output += chunk));
    started.stderr!.on('data', (chunk) => (output += chunk));
    child = started;
    await waitForSshBanner(port, started, () => output);
  };
  // sshd's per-connection processes call setsid, so they leave its process group: signal the tree.
  const signalTree = (signal: NodeJS.Signals) => {
    if (!child?.pid) return;
    for (const pid of [child.pid, ...descendants(child.pid)]) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  };
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    signalTree('SIGCONT');
    signalTree('SIGKILL');
    child = undefined;
    await exited;
  };
  await start();
  return {
    port,
    dir,
    clientKey,
    hostKey: publicKeyBlob(`${hostKeyPath}.pub`),
    output: () => output,
    kill,
    restart: start,
    freeze: () => signalTree('SIGSTOP'),
    thaw: () => signalTree('SIGCONT'),
    async remove() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every process below `root` now (by /proc's parent links). A daemon started over SSH with setsid and
 * reparented away is not among them. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Exited meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const pid of children.get(queue.shift()!) ?? []) {
      found.push(pid);
      queue.push(pid);
    }
  }
  return found;
}

/** Ready once a TCP connection gets the SSH identification line; `child` exiting first is a failure. */
export async function waitForSshBanner(port: number, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `sshd to answer on port ${port}`,
    () => {
      if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}:\n${output()}`);
      return new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('data', (data) => {
          socket.destroy();
          resolve(data.toString().startsWith('SSH-2.0'));
        });
        socket.once('error', () => resolve(false));
      });
    },
    { timeoutMs, intervalMs: 50 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}:\n${output()}`);
  });
}

/** Prompt answers scripted by a test, with a record of what was asked. */
export class ScriptedPrompter {
  readonly secretRequests: import('../../extension/src/ssh/prompts').SecretRequest[] = [];
  readonly hostKeyRequests: import('../../extension/src/ssh/prompts').HostKeyRequest[] = [];
  constructor(
    private readonly answers: { secrets?: Array<string | undefined>; acceptHostKey?: boolean } = {},
  ) {}

  async secret(request: import('../../extension/src/ssh/prompts').SecretRequest): Promise<string | undefined> {
    this.secretRequests.push(request);
    return this.answers.secrets?.shift();
  }

  async confirmHostKey(request: import('../../extension/src/ssh/prompts').HostKeyRequest): Promise<boolean> {
    this.hostKeyRequests.push(request);
    return this.answers.acceptHostKey ?? false;
  }
}

/** A log the tests can read back. */
export function memoryLog(): { lines: string[]; info(m: string): void; warn(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

/**
 * SIGTERMs every process whose command line names `dir`, a test's own temporary directory: daemons the
 * test started over SSH that it could not otherwise reach (a race's loser, say). Nothing else matches.
 */
export function stopProcessesUsing(dir: string): number[] {
  const stopped: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((arg) => arg.startsWith(`${dir}/`))) {
        process.kill(Number(name), 'SIGTERM');
        stopped.push(Number(name));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return stopped;
}

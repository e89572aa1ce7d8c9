// One SSH connection to a target, possibly through jump hosts, with ssh2: host keys checked against
// known_hosts, authentication by agent, key files (passphrases asked), keyboard-interactive and password
// (asked through the prompter), TCP_NODELAY, keep-alives so that a drop is noticed within seconds, and a
// timeout on every operation. Free of VS Code so that the tests drive it against a real sshd.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type * as Ssh2 from 'ssh2';
import type { AuthenticationType, Client, ClientChannel, ParsedKey, SFTPWrapper } from 'ssh2';

/**
 * ssh2 is about 40% of the extension's bundle: it is loaded at the first SSH connection, not when the
 * extension activates (esbuild keeps a require inside a function lazy).
 */
let ssh2: typeof Ssh2 | undefined;
function loadSsh2(): typeof Ssh2 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (ssh2 ??= require('ssh2') as typeof Ssh2);
}
import { CancelledError, HostKeyError, TargetUnreachableError, TimeoutError, messageOf, withTimeout } from './errors';
import {
  appendKnownHost,
  changedKeyMessage,
  fingerprint,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  readKnownHosts,
  verifyHostKey,
} from './knownHosts';
import type { SecretStore, SshPrompter, StepLog } from './prompts';

/** One machine to log in to: the target itself or a jump host on the way. */
export interface SshEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Key files to offer, in order. Empty: the agent, then OpenSSH's default key files. */
  readonly identityFiles: readonly string[];
  /** Offer only `identityFiles` from the agent and disk (OpenSSH's IdentitiesOnly). */
  readonly identitiesOnly?: boolean;
  /** This host's agent (IdentityAgent): a socket, or false for none; undefined: the connection's. */
  readonly agent?: string | false;
}

export interface SshConnectOptions {
  readonly target: SshEndpoint;
  /** Jump hosts in order (ProxyJump); the target is reached through the last one. */
  readonly jumps?: readonly SshEndpoint[];
  readonly prompter: SshPrompter;
  readonly log: StepLog;
  readonly knownHostsPath?: string;
  /** The agent's socket; default SSH_AUTH_SOCK. False: no agent. */
  readonly agent?: string | false;
  /** TCP_NODELAY on the first hop's socket (default true: without it each call waits ~40 ms for Nagle). */
  readonly noDelay?: boolean;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /** Network time allowed per hop for TCP connect, handshake and authentication, prompts excluded. */
  readonly timeoutMs?: number;
  /** Secrets the user let Berth keep, and where: tried before asking, saved after a success. */
  readonly secrets?: { readonly store: SecretStore; readonly keyPrefix: string; readonly remember: boolean };
  /** Decrypted keys and passwords kept in memory by the caller across reconnects (never written anywhere). */
  readonly memory?: CredentialMemory;
}

/** In-memory credentials for reconnecting without asking again; dropped with the target. */
export class CredentialMemory {
  readonly keys = new Map<string, ParsedKey>();
  readonly passwords = new Map<string, string>();
  clear(): void {
    this.keys.clear();
    this.passwords.clear();
  }
}

export interface ExecResult {
  readonly code: number | null;
  readonly signal?: string;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly stdin?: string;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_KEY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

export function defaultKnownHostsPath(): string {
  return join(homedir(), '.ssh', 'known_hosts');
}

export function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** SSH_AUTH_SOCK; on Windows, OpenSSH's agent pipe when that is unset (ssh2 speaks to both). */
export function defaultAgent(): string | undefined {
  return process.env.SSH_AUTH_SOCK || (process.platform === 'win32' ? '\\\\.\\pipe\\openssh-ssh-agent' : undefined);
}

export function endpointLabel(endpoint: SshEndpoint): string {
  return `${endpoint.user}@${endpoint.port === 22 ? endpoint.host : `${endpoint.host}:${endpoint.port}`}`;
}

/** A live SSH connection. Emits `close` once, with the reason, when any hop drops. */
export class SshConnection extends EventEmitter<{ close: [reason: string] }> {
  private closedReason: string | undefined;

  constructor(
    readonly client: Client,
    private readonly hops: readonly Client[],
    readonly label: string,
    private readonly lastError: () => string | undefined,
  ) {
    super();
    for (const hop of [...hops, client]) {
      hop.on('close', () => this.onClosed(this.lastError() ?? 'the SSH connection closed'));
    }
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  get closeReason(): string | undefined {
    return this.closedReason;
  }

  /** Runs a command through the user's shell on the target; never rejects for a non-zero exit. */
  exec(command: string, { stdin, timeoutMs = DEFAULT_TIMEOUT_MS }: ExecOptions = {}): Promise<ExecResult> {
    this.assertOpen(`run ${command.split(' ')[0]}`);
    let channel: ClientChannel | undefined;
    const running = new Promise<ExecResult>((resolve, reject) => {
      const onClose = (reason: string) => reject(new TargetUnreachableError(this.label, reason));
      this.once('close', onClose);
      this.client.exec(command, (error, stream) => {
        if (error) {
          this.off('close', onClose);
          reject(new Error(`cannot run a command on ${this.label}: ${error.message}`));
          return;
        }
        channel = stream;
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        let signal: string | undefined;
        stream.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        stream.on('exit', (exitCode: number | null, exitSignal?: string) => {
          code = exitCode;
          signal = exitSignal ?? undefined;
        });
        stream.on('close', () => {
          this.off('close', onClose);
          resolve({ code, signal, stdout, stderr });
        });
        stream.end(stdin ?? undefined);
      });
    });
    return withTimeout(running, timeoutMs, `${command.split(' ')[0]} on ${this.label}`, () => channel?.close());
  }

  /** Runs a command and returns its stdout, or throws with its stderr when it fails. */
  async run(command: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(command, options);
    if (result.code !== 0) {
      const detail = (result.stderr || result.stdout).trim() || `exit ${result.code ?? result.signal}`;
      throw new Error(`${command.split(' ')[0]} failed on ${this.label}: ${detail}`);
    }
    return result.stdout;
  }

  sftp(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<SFTPWrapper> {
    this.assertOpen('open SFTP');
    return withTimeout(
      new Promise<SFTPWrapper>((resolve, reject) =>
        this.client.sftp((error, sftp) => (error ? reject(new Error(`SFTP on ${this.label}: ${error.message}`)) : resolve(sftp))),
      ),
      timeoutMs,
      `opening SFTP on ${this.label}`,
    );
  }

  /**
   * Makes sshd treat the connection as interactive: sshd turns TCP_NODELAY on for its side only once a
   * session has a pty (ssh_packet_set_interactive), never for a forwarded socket alone, and without it
   * each small reply through the tunnel waits ~44 ms (Nagle). An idle session with a pty is the switch;
   * it ends with the connection. Done once per connection; a refusal (no pty allowed) only costs latency.
   */
  makeInteractive(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    this.interactive ??= withTimeout(
      new Promise<void>((resolve) =>
        this.client.exec('sleep 2147483647', { pty: true }, (error, channel) => {
          if (!error) channel.on('data', () => undefined).stderr.on('data', () => undefined);
          resolve();
        }),
      ),
      timeoutMs,
      `opening an idle pty session on ${this.label}`,
    ).catch(() => undefined);
    return this.interactive;
  }

  private interactive: Promise<void> | undefined;

  /** A channel to a Unix socket on the target (direct-streamlocal@openssh.com). */
  openStreamLocal(socketPath: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientChannel> {
    this.assertOpen(`reach ${socketPath}`);
    return withTimeout(
      new Promise<ClientChannel>((resolve, reject) =>
        this.client.openssh_forwardOutStreamLocal(socketPath, (error, channel) =>
          error ? reject(new Error(`cannot open ${socketPath} on ${this.label}: ${error.message}`)) : resolve(channel),
        ),
      ),
      timeoutMs,
      `opening ${socketPath} on ${this.label}`,
    );
  }

  close(): void {
    this.onClosed('closed by Berth');
    this.client.end();
    for (const hop of this.hops) hop.end();
  }

  private assertOpen(what: string): void {
    if (this.closedReason !== undefined) throw new TargetUnreachableError(this.label, `cannot ${what}: ${this.closedReason}`);
  }

  private onClosed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    // A dropped hop takes the rest with it.
    this.client.end();
    for (const hop of this.hops) hop.end();
    this.emit('close', reason);
  }
}

/** Connects to the target, through its jump hosts if any. */
export async function connectSsh(options: SshConnectOptions): Promise<SshConnection> {
  const endpoints = [...(options.jumps ?? []), options.target];
  const clients: Client[] = [];
  let lastError: string | undefined;
  try {
    let sock: Duplex | undefined;
    for (const [index, endpoint] of endpoints.entries()) {
      if (index > 0) {
        const previous = clients[index - 1]!;
        options.log.info(`ssh: opening a tunnel to ${endpoint.host}:${endpoint.port} through ${endpointLabel(endpoints[index - 1]!)}`);
        sock = await withTimeout(
          new Promise<ClientChannel>((resolve, reject) =>
            previous.forwardOut('127.0.0.1', 0, endpoint.host, endpoint.port, (error, channel) =>
              error ? reject(new Error(`the jump host could not reach ${endpoint.host}:${endpoint.port}: ${error.message}`)) : resolve(channel),
            ),
          ),
          options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          `the tunnel to ${endpoint.host}:${endpoint.port}`,
        );
      }
      const client = await connectHop(endpoint, sock, options, (message) => (lastError = message));
      clients.push(client);
    }
  } catch (error) {
    for (const client of clients) client.end();
    throw error;
  }
  const target = clients.pop()!;
  return new SshConnection(target, clients, endpointLabel(options.target), () => lastError);
}

/** Pauses the network deadline while the user answers a prompt. */
class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private remaining: number;
  private startedAt = 0;
  private paused = 0;

  constructor(ms: number, private readonly expire: () => void) {
    this.remaining = ms;
    this.start();
  }

  private start(): void {
    this.startedAt = Date.now();
    this.timer = setTimeout(this.expire, this.remaining);
  }

  async during<T>(work: Promise<T>): Promise<T> {
    if (this.paused++ === 0) {
      clearTimeout(this.timer);
      this.remaining -= Date.now() - this.startedAt;
    }
    try {
      return await work;
    } finally {
      if (--this.paused === 0 && this.timer !== undefined) this.start();
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function connectHop(
  endpoint: SshEndpoint,
  tunnel: Duplex | undefined,
  options: SshConnectOptions,
  onError: (message: string) => void,
): Promise<Client> {
  const label = endpointLabel(endpoint);
  const knownHostsPath = options.knownHostsPath ?? defaultKnownHostsPath();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { log, prompter } = options;
  const client = new (loadSsh2().Client)();
  let failure: Error | undefined;
  let settled = false;
  let loggedIn = false;

  return new Promise<Client>((resolve, reject) => {
    const fail = (error: Error) => {
      failure ??= error;
      if (settled) return;
      settled = true;
      deadline.stop();
      client.end();
      socket?.destroy();
      reject(failure);
    };
    const deadline = new Deadline(timeoutMs, () =>
      fail(new TimeoutError(`${label} did not complete the SSH connection within ${timeoutMs} ms`)),
    );

    let socket: Socket | undefined;
    if (!tunnel) {
      log.info(`ssh: connecting to ${endpoint.host}:${endpoint.port}`);
      socket = netConnect({ host: endpoint.host, port: endpoint.port });
      socket.setNoDelay(options.noDelay ?? true);
      socket.setKeepAlive(true, 10_000);
      socket.once('error', (error) => fail(new Error(`cannot reach ${endpoint.host}:${endpoint.port}: ${error.message}`)));
    }

    const entries = readKnownHosts(knownHostsPath);
    const known = knownKeyTypes(entries, endpoint.host, endpoint.port).flatMap((type) =>
      type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type],
    );
    const serverHostKey = [...new Set([...known.filter((type) => HOST_KEY_ALGORITHMS.includes(type)), ...HOST_KEY_ALGORITHMS])];

    const hostVerifier = (key: Buffer, verify: (valid: boolean) => void) => {
      const name = knownHostsName(endpoint.host, endpoint.port);
      const verdict = verifyHostKey(readKnownHosts(knownHostsPath), endpoint.host, endpoint.port, key);
      switch (verdict.kind) {
        case 'known':
          log.info(`ssh: host key of ${name} is ${keyTypeOf(key)} ${fingerprint(key)}, known (${knownHostsPath}:${verdict.line})`);
          verify(true);
          return;
        case 'changed':
          failure ??= new HostKeyError(changedKeyMessage(endpoint.host, endpoint.port, knownHostsPath, verdict, key));
          log.error(`ssh: ${failure.message}`);
          verify(false);
          return;
        case 'revoked':
          failure ??= new HostKeyError(
            `The host key ${fingerprint(key)} of ${name} is marked @revoked in ${knownHostsPath}:${verdict.line}; Berth refuses to connect.`,
          );
          log.error(`ssh: ${failure.message}`);
          verify(false);
          return;
        case 'unknown':
          log.info(`ssh: host key of ${name} is ${keyTypeOf(key)} ${fingerprint(key)}, not in ${knownHostsPath}: asking`);
          void deadline
            .during(
              prompter.confirmHostKey({
                host: name,
                keyType: keyTypeOf(key),
                fingerprint: fingerprint(key),
                otherTypes: verdict.otherTypes,
                knownHostsPath,
              }),
            )
            .then(
              (accepted) => {
                if (!accepted) {
                  failure ??= new CancelledError(`the host key of ${name} (${fingerprint(key)}) was not accepted`);
                  log.warn(`ssh: ${failure.message}`);
                  verify(false);
                  return;
                }
                appendKnownHost(knownHostsPath, knownHostsLine(endpoint.host, endpoint.port, key));
                log.info(`ssh: added ${name} ${keyTypeOf(key)} ${fingerprint(key)} to ${knownHostsPath}`);
                verify(true);
              },
              (error: unknown) => {
                failure ??= error instanceof Error ? error : new Error(String(error));
                verify(false);
              },
            );
          return;
      }
    };

    const auth = new Authenticator(endpoint, options, label, (work) => deadline.during(work));
    client.on('error', (error: Error & { level?: string }) => {
      const message = describeSshError(error, endpoint);
      onError(message);
      if (!settled) fail(failure ?? auth.failure ?? new Error(message));
      else if (loggedIn) log.warn(`ssh: ${label}: ${message}`);
    });
    client.on('close', () => {
      if (!settled) fail(failure ?? auth.failure ?? new Error(`${label} closed the connection during login`));
    });
    client.on('ready', () => {
      settled = true;
      loggedIn = true;
      deadline.stop();
      log.info(`ssh: logged in to ${label} (${auth.succeededWith ?? 'unknown method'})`);
      void auth.rememberSecrets();
      resolve(client);
    });

    try {
      client.connect({
        sock: socket ?? tunnel,
        username: endpoint.user,
        readyTimeout: 0,
        // A drop is noticed after 3 unanswered keep-alives, 3 s apart (9-12 s): seconds, yet patient enough
        // for a reply queued behind a large transfer on a slow link.
        keepaliveInterval: options.keepaliveIntervalMs ?? 3_000,
        keepaliveCountMax: options.keepaliveCountMax ?? 3,
        algorithms: { serverHostKey: serverHostKey as never },
        hostVerifier: hostVerifier as never,
        authHandler: ((methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (auth: unknown) => void) => {
          auth.next(methodsLeft).then(next, (error: unknown) => {
            fail(error instanceof Error ? error : new Error(String(error)));
            next(false);
          });
        }) as never,
      });
    } catch (error) {
      fail(new Error(`cannot start SSH to ${label}: ${messageOf(error)}`));
    }
  });
}

function describeSshError(error: Error & { level?: string }, endpoint: SshEndpoint): string {
  if (error.message === 'Keepalive timeout') return 'no answer to SSH keep-alives: the connection is lost';
  if (error.level === 'client-authentication') {
    return `authentication as ${endpoint.user} on ${endpoint.host}:${endpoint.port} failed: no offered method was accepted`;
  }
  return error.message;
}

type AuthStep = { type: string; username: string; [key: string]: unknown } | false;

/**
 * Decides the next authentication attempt, OpenSSH's order: agent, key files, keyboard-interactive,
 * password (up to 3 tries each of the asked ones).
 */
class Authenticator {
  failure: Error | undefined;
  succeededWith: string | undefined;
  private readonly plan: Array<() => Promise<AuthStep | undefined>>;
  private pendingSecret: { key: string; value: string } | undefined;

  constructor(
    private readonly endpoint: SshEndpoint,
    private readonly options: SshConnectOptions,
    private readonly label: string,
    private readonly prompting: <T>(work: Promise<T>) => Promise<T>,
  ) {
    this.plan = [];
    let methodsLeft: AuthenticationType[] | null = null;
    const allowed = (method: AuthenticationType) => methodsLeft === null || methodsLeft.includes(method);
    this.updateMethods = (methods) => (methodsLeft = methods);
    const chosen = endpoint.agent !== undefined ? endpoint.agent : options.agent;
    const agent = chosen === false ? undefined : (chosen ?? defaultAgent());
    if (agent && !endpoint.identitiesOnly) {
      this.plan.push(async () => (allowed('publickey') ? this.step('agent', { agent }) : undefined));
    }
    const keyFiles = endpoint.identityFiles.length
      ? endpoint.identityFiles
      : DEFAULT_KEY_FILES.map((name) => join(homedir(), '.ssh', name)).filter((path) => existsSync(path));
    for (const path of keyFiles) {
      this.plan.push(async () => (allowed('publickey') ? this.keyStep(path) : undefined));
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      this.plan.push(async () => (allowed('keyboard-interactive') ? this.keyboardStep(attempt) : undefined));
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      this.plan.push(async () => (allowed('password') ? this.passwordStep(attempt) : undefined));
    }
  }

  private readonly updateMethods: (methods: AuthenticationType[] | null) => void;
  private current: string | undefined;

  async next(methodsLeft: AuthenticationType[] | null): Promise<AuthStep> {
    this.updateMethods(methodsLeft);
    if (this.failure instanceof CancelledError) throw this.failure;
    if (this.current !== undefined) this.options.log.info(`ssh: ${this.label}: ${this.current} was not accepted`);
    this.current = undefined;
    this.pendingSecret = undefined;
    while (this.plan.length) {
      const step = await this.plan.shift()!();
      if (step) {
        this.current = step.type === 'publickey' ? `key ${String(step.describe)}` : String(step.type);
        this.succeededWith = this.current;
        this.options.log.info(`ssh: ${this.label}: trying ${this.current}`);
        return step;
      }
    }
    this.failure ??= new Error(
      `authentication as ${this.endpoint.user} on ${this.endpoint.host}:${this.endpoint.port} failed: ` +
        'no key from the agent or the key files, and no password, was accepted',
    );
    return false;
  }

  /** After a successful login, saves the secret that got us in if the user lets Berth keep secrets. */
  async rememberSecrets(): Promise<void> {
    const secrets = this.options.secrets;
    if (!secrets?.remember || !this.pendingSecret) return;
    await secrets.store.store(`${secrets.keyPrefix}${this.pendingSecret.key}`, this.pendingSecret.value);
  }

  private step(type: string, extra: Record<string, unknown>): AuthStep {
    return { type, username: this.endpoint.user, ...extra };
  }

  private async keyStep(path: string): Promise<AuthStep | undefined> {
    const memory = this.options.memory;
    const remembered = memory?.keys.get(path);
    if (remembered) return this.step('publickey', { key: remembered, describe: path });
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (error) {
      this.options.log.warn(`ssh: cannot read the key file ${path}: ${messageOf(error)}`);
      return undefined;
    }
    let parsed = parseKeyFile(data, undefined);
    if (!(parsed instanceof Error)) {
      memory?.keys.set(path, parsed);
      return this.step('publickey', { key: parsed, describe: path });
    }
    if (!/passphrase|encrypted/i.test(parsed.message)) {
      this.options.log.warn(`ssh: cannot use the key file ${path}: ${parsed.message}`);
      return undefined;
    }
    const secretKey = `passphrase:${path}`;
    const stored = await this.storedSecret(secretKey);
    if (stored !== undefined) {
      parsed = parseKeyFile(data, stored);
      if (!(parsed instanceof Error)) {
        memory?.keys.set(path, parsed);
        return this.step('publickey', { key: parsed, describe: path });
      }
      await this.forgetSecret(secretKey);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const passphrase = await this.ask({ kind: 'passphrase', prompt: path, retry: attempt > 0 });
      parsed = parseKeyFile(data, passphrase);
      if (!(parsed instanceof Error)) {
        memory?.keys.set(path, parsed);
        this.pendingSecret = { key: secretKey, value: passphrase };
        return this.step('publickey', { key: parsed, describe: path });
      }
      this.options.log.warn(`ssh: wrong passphrase for ${path}`);
    }
    this.options.log.warn(`ssh: giving up on ${path} after 3 wrong passphrases`);
    return undefined;
  }

  private async keyboardStep(attempt: number): Promise<AuthStep | undefined> {
    const secretKey = this.passwordKey;
    const known = attempt === 0 ? (this.options.memory?.passwords.get(this.label) ?? (await this.storedSecret(secretKey))) : undefined;
    const prompt = (_name: string, _instructions: string, _lang: string, prompts: Array<{ prompt: string; echo?: boolean }>, finish: (answers: string[]) => void) => {
      void (async () => {
        const answers: string[] = [];
        for (const item of prompts) {
          // A single hidden prompt is the password: answer it from memory when we have one.
          if (known !== undefined && prompts.length === 1 && !item.echo) {
            answers.push(known);
            continue;
          }
          try {
            const answer = await this.ask({ kind: 'keyboard-interactive', prompt: item.prompt.trim(), echo: item.echo, retry: attempt > 0 });
            answers.push(answer);
            if (prompts.length === 1 && !item.echo) this.notePassword(answer);
          } catch (error) {
            this.failure ??= error instanceof Error ? error : new Error(String(error));
            finish([]);
            return;
          }
        }
        finish(answers);
      })();
    };
    return this.step('keyboard-interactive', { prompt });
  }

  private async passwordStep(attempt: number): Promise<AuthStep | undefined> {
    if (attempt === 0) {
      const known = this.options.memory?.passwords.get(this.label) ?? (await this.storedSecret(this.passwordKey));
      if (known !== undefined) return this.step('password', { password: known });
    }
    const password = await this.ask({ kind: 'password', prompt: `Password for ${this.label}`, retry: attempt > 0 });
    this.notePassword(password);
    return this.step('password', { password });
  }

  /** Each hop (a jump host, the target) has its own password. */
  private get passwordKey(): string {
    return `password:${this.label}`;
  }

  private notePassword(password: string): void {
    this.options.memory?.passwords.set(this.label, password);
    this.pendingSecret = { key: this.passwordKey, value: password };
  }

  private async ask(request: { kind: 'passphrase' | 'password' | 'keyboard-interactive'; prompt: string; echo?: boolean; retry?: boolean }): Promise<string> {
    const answer = await this.prompting(this.options.prompter.secret({ ...request, target: this.label }));
    if (answer === undefined) {
      this.failure = new CancelledError(`${request.kind === 'passphrase' ? 'the passphrase' : 'the password'} for ${this.label} was not given`);
      throw this.failure;
    }
    return answer;
  }

  private async storedSecret(key: string): Promise<string | undefined> {
    const secrets = this.options.secrets;
    return secrets ? secrets.store.get(`${secrets.keyPrefix}${key}`) : undefined;
  }

  private async forgetSecret(key: string): Promise<void> {
    const secrets = this.options.secrets;
    if (secrets) await secrets.store.delete(`${secrets.keyPrefix}${key}`);
  }
}

function parseKeyFile(data: Buffer, passphrase: string | undefined): ParsedKey | Error {
  const parsed = loadSsh2().utils.parseKey(data, passphrase);
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
  if (!key.isPrivateKey()) return new Error('not a private key');
  return key;
}

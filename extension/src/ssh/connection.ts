// One SSH connection to a target, possibly through jump hosts (jumpHosts.ts), logged in hop by hop
// (login.ts: host keys, authentication, TCP_NODELAY, keep-alives, deadlines): commands, SFTP and channels
// to Unix sockets on the target, and a `close` event with the reason when any hop drops. Free of VS Code
// so that the tests drive it against a real sshd.
import { EventEmitter } from 'node:events';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { endpointLabel, type SshEndpoint } from './endpoint';
import { TargetUnreachableError, withTimeout } from './errors';
import { loginThroughJumps } from './jumpHosts';
import { DEFAULT_TIMEOUT_MS, type LoginOptions } from './login';

export interface SshConnectOptions extends LoginOptions {
  readonly target: SshEndpoint;
  /** Jump hosts in order (ProxyJump); the target is reached through the last one. */
  readonly jumps?: readonly SshEndpoint[];
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
      // Berth's own close() sets its reason first; any other close came from the far side or the network.
      hop.on('close', () => this.onClosed(this.lastError() ?? 'the SSH server (or the network) closed the connection'));
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

  /**
   * Starts a command and hands over its channel (stdin, stdout, and `.stderr`) as it runs: for commands
   * that carry a stream, such as the dial-stdio bridge, or that ask a question on stderr (sudo).
   */
  openExec(command: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientChannel> {
    this.assertOpen(`run ${command.split(' ')[0]}`);
    return withTimeout(
      new Promise<ClientChannel>((resolve, reject) =>
        this.client.exec(command, (error, channel) => (error ? reject(new Error(`cannot run a command on ${this.label}: ${error.message}`)) : resolve(channel))),
      ),
      timeoutMs,
      `starting ${command.split(' ')[0]} on ${this.label}`,
    );
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

  /** A channel to host:port as the target reaches it (direct-tcpip): a published port's browser path. */
  openTcp(host: string, port: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientChannel> {
    this.assertOpen(`reach ${host}:${port}`);
    return withTimeout(
      new Promise<ClientChannel>((resolve, reject) =>
        this.client.forwardOut('127.0.0.1', 0, host, port, (error, channel) =>
          error ? reject(new Error(`cannot reach ${host}:${port} on ${this.label}: ${error.message}`)) : resolve(channel),
        ),
      ),
      timeoutMs,
      `opening ${host}:${port} on ${this.label}`,
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
  let lastError: string | undefined;
  const clients = await loginThroughJumps([...(options.jumps ?? []), options.target], options, (message) => (lastError = message));
  const target = clients.pop()!;
  return new SshConnection(target, clients, endpointLabel(options.target), () => lastError);
}

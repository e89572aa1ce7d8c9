// Logging in to one hop: the TCP connection (or the tunnel through the previous hop), the handshake with
// the host key check, and authentication, all within a network deadline that pauses while the user
// answers a prompt. TCP_NODELAY and keep-alives are set here, for the life of the connection.
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AuthenticationType, Client } from 'ssh2';
import { Authenticator, type AuthOptions } from './authentication';
import { defaultKnownHostsPath, endpointLabel, type SshEndpoint } from './endpoint';
import { TimeoutError, messageOf } from './errors';
import { hostKeyVerifier, preferredHostKeyAlgorithms } from './hostKeyCheck';
import { loadSsh2 } from './ssh2Module';

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface LoginOptions extends AuthOptions {
  readonly knownHostsPath?: string;
  /** TCP_NODELAY on the first hop's socket (default true: without it each call waits ~40 ms for Nagle). */
  readonly noDelay?: boolean;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /** Network time allowed per hop for TCP connect, handshake and authentication, prompts excluded. */
  readonly timeoutMs?: number;
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

/**
 * Logs in to `endpoint`, directly or over `tunnel` (a channel through the previous hop). `onError` hears
 * every error ssh2 reports on the client, also after login (the connection's close reason).
 */
export function loginHop(endpoint: SshEndpoint, tunnel: Duplex | undefined, options: LoginOptions, onError: (message: string) => void): Promise<Client> {
  const label = endpointLabel(endpoint);
  const knownHostsPath = options.knownHostsPath ?? defaultKnownHostsPath();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { log } = options;
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
    const deadline = new Deadline(timeoutMs, () => fail(new TimeoutError(`${label} did not complete the SSH connection within ${timeoutMs} ms`)));

    let socket: Socket | undefined;
    if (!tunnel) {
      log.info(`ssh: connecting to ${endpoint.host}:${endpoint.port}`);
      socket = netConnect({ host: endpoint.host, port: endpoint.port });
      socket.setNoDelay(options.noDelay ?? true);
      socket.setKeepAlive(true, 10_000);
      socket.once('error', (error) => fail(new Error(`cannot reach ${endpoint.host}:${endpoint.port}: ${error.message}`)));
    }

    const prompting = <T>(work: Promise<T>) => deadline.during(work);
    const hostVerifier = hostKeyVerifier({ endpoint, knownHostsPath, prompter: options.prompter, log, prompting, refused: (error) => (failure ??= error) });
    const auth = new Authenticator(endpoint, options, label, prompting);
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
        algorithms: { serverHostKey: preferredHostKeyAlgorithms(knownHostsPath, endpoint) as never },
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

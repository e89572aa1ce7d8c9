// The whole way to a remote helper, and keeping it: SSH connection, target check, deployment, daemon,
// tunnel, then `system.version`; when the connection drops, calls fail at once with "target unreachable"
// and reconnection is tried with backoff. Node's EventEmitter, no VS Code: RemoteTarget wraps it for the
// UI and the tests drive it directly.
import { EventEmitter } from 'node:events';
import type { MethodName, MethodParams, MethodResult, SystemVersionResult } from '../../../helper/src/protocol';
import { backoffDelay } from '../../../helper/src/protocol/backoff';
import type { RpcClient } from '../client/rpcClient';
import { CredentialMemory } from '../ssh/authentication';
import { connectSsh, type SshConnection } from '../ssh/connection';
import type { SshEndpoint } from '../ssh/endpoint';
import { CancelledError, HostKeyError, TargetCheckError, TargetUnreachableError, messageOf, withTimeout } from '../ssh/errors';
import type { SecretStore, SshPrompter, StepLog } from '../ssh/prompts';
import type { RootMethod } from './asRoot';
import { ensureDaemon, type DaemonPlace, SocketPermissionError } from './daemonControl';
import { checkTarget, probeTarget } from './targetProbe';
import { deployHelper, type HelperBundle } from './upload';

export interface RemoteHelperSpec {
  /** What the user calls this target, for messages. */
  readonly label: string;
  readonly target: SshEndpoint;
  readonly jumps: readonly SshEndpoint[];
  readonly rootMethod: RootMethod;
  readonly place: DaemonPlace;
  /** Where helper builds go on the target; `~` is the SSH user's home. */
  readonly installDir: string;
}

export interface RemoteHelperDeps {
  readonly bundle: HelperBundle;
  readonly prompter: SshPrompter;
  readonly log: StepLog;
  readonly knownHostsPath?: string;
  readonly agent?: string | false;
  readonly secrets?: { readonly store: SecretStore; readonly keyPrefix: string; readonly remember: boolean };
  readonly noDelay?: boolean;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /** Per API call, unless the call gives its own. */
  readonly callTimeoutMs?: number;
  /** Reconnection delays, doubling from the first to the last (default 1 s … 30 s). */
  readonly backoffMs?: { readonly first: number; readonly max: number };
}

export type RemoteHelperState =
  | { readonly kind: 'disconnected' }
  | { readonly kind: 'connecting'; readonly step: string }
  | { readonly kind: 'connected'; readonly client: RpcClient; readonly info: SystemVersionResult; readonly uploaded: boolean; readonly started: boolean }
  | { readonly kind: 'unreachable'; readonly reason: string; readonly retryInMs?: number };

/** Errors that another attempt will not fix by itself: no automatic retry after these. */
function isPermanent(error: unknown): boolean {
  return (
    error instanceof HostKeyError ||
    error instanceof CancelledError ||
    error instanceof TargetCheckError ||
    error instanceof SocketPermissionError ||
    /authentication .* failed/.test(messageOf(error))
  );
}

export class RemoteHelperConnection extends EventEmitter<{ state: [state: RemoteHelperState] }> {
  private current: RemoteHelperState = { kind: 'disconnected' };
  private connection: SshConnection | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Failed attempts since the last success: how long the next wait is (backoffDelay). */
  private failures = 0;
  private wanted = false;
  private readonly memory = new CredentialMemory();

  constructor(
    readonly spec: RemoteHelperSpec,
    private readonly deps: RemoteHelperDeps,
  ) {
    super();
  }

  get state(): RemoteHelperState {
    return this.current;
  }

  /** A channel to host:port on the target through the current connection (published ports). */
  openTcp(host: string, port: number): ReturnType<SshConnection['openTcp']> {
    if (this.current.kind !== 'connected' || !this.connection) throw new TargetUnreachableError(this.spec.label, `not connected (${this.current.kind})`);
    return this.connection.openTcp(host, port);
  }

  /** Connects (deploying and starting the helper as needed). Never throws: a failure is a state. */
  connect(): Promise<void> {
    this.wanted = true;
    this.failures = 0;
    return this.attempt(true);
  }

  disconnect(): void {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.teardown();
    this.setState({ kind: 'disconnected' });
  }

  dispose(): void {
    this.disconnect();
    this.memory.clear();
    this.removeAllListeners();
  }

  /** Calls the helper; fails at once with TargetUnreachableError when the target is not connected. */
  async call<M extends MethodName>(method: M, params: MethodParams<M>, timeoutMs = this.deps.callTimeoutMs ?? 30_000): Promise<MethodResult<M>> {
    const state = this.current;
    if (state.kind !== 'connected') {
      const why = state.kind === 'unreachable' ? state.reason : state.kind === 'connecting' ? `still connecting (${state.step})` : 'not connected';
      throw new TargetUnreachableError(this.spec.label, why);
    }
    try {
      return await withTimeout(state.client.call(method, params), timeoutMs, `${method} on ${this.spec.label}`);
    } catch (error) {
      if (!state.client.isOpen || !this.connection?.isOpen) throw new TargetUnreachableError(this.spec.label, messageOf(error));
      throw error;
    }
  }

  private attempt(interactive: boolean): Promise<void> {
    this.connecting ??= this.run(interactive).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async run(interactive: boolean): Promise<void> {
    clearTimeout(this.retryTimer);
    this.teardown();
    const { spec, deps } = this;
    const log = deps.log;
    const step = (text: string) => {
      // Disconnected meanwhile: stop here rather than show a step of an attempt nobody wants.
      if (!this.wanted) throw new CancelledError('disconnected');
      log.info(`${spec.label}: ${text}`);
      this.setState({ kind: 'connecting', step: text });
    };
    // Reconnecting in the background never pops up a prompt: credentials are remembered in memory.
    const prompter: SshPrompter = interactive ? deps.prompter : { secret: async () => undefined, confirmHostKey: async () => false };
    let connection: SshConnection | undefined;
    try {
      step('connecting over SSH');
      connection = await connectSsh({
        target: spec.target,
        jumps: spec.jumps,
        prompter,
        log,
        knownHostsPath: deps.knownHostsPath,
        agent: deps.agent,
        noDelay: deps.noDelay,
        keepaliveIntervalMs: deps.keepaliveIntervalMs,
        keepaliveCountMax: deps.keepaliveCountMax,
        secrets: deps.secrets,
        memory: this.memory,
      });
      if (!this.wanted) throw new CancelledError('disconnected');
      this.connection = connection;
      step('checking the target');
      const facts = await probeTarget(connection);
      const arch = checkTarget(facts, spec.label);
      log.info(`${spec.label}: ${facts.os} ${facts.machine}, Node.js ${facts.nodeVersion} (${facts.nodePath}), user ${facts.user} (uid ${facts.uid})`);
      const installDir = spec.installDir.replace(/^~(?=$|\/)/, facts.home);
      step('deploying the helper');
      const deployed = await deployHelper(connection, deps.bundle, arch, installDir, log);
      step('starting the helper');
      const daemon = await ensureDaemon(connection, {
        place: spec.place,
        helperDir: deployed.helperDir,
        version: deps.bundle.version,
        facts,
        rootMethod: spec.rootMethod,
        prompter,
        log,
      });
      if (!this.wanted || this.connection !== connection) {
        daemon.client.close();
        throw new CancelledError('disconnected');
      }
      const lost = (reason: string) => this.onLost(connection!, reason);
      connection.once('close', lost);
      daemon.client.once('close', (reason) => lost(`the tunnel to the helper closed (${reason})`));
      this.failures = 0;
      log.info(`${spec.label}: connected to helper ${daemon.info.helperVersion} (pid ${daemon.info.pid}, kernel ${daemon.info.kernel})`);
      this.setState({ kind: 'connected', client: daemon.client, info: daemon.info, uploaded: deployed.uploaded, started: daemon.started });
    } catch (error) {
      connection?.close();
      if (this.connection === connection) this.connection = undefined;
      if (!this.wanted) {
        this.setState({ kind: 'disconnected' });
        return;
      }
      const reason = messageOf(error);
      log.error(`${spec.label}: ${reason}`);
      if (!interactive && !isPermanent(error)) this.scheduleRetry(reason);
      else this.setState({ kind: 'unreachable', reason });
    }
  }

  private onLost(connection: SshConnection, reason: string): void {
    if (this.connection !== connection) return;
    this.deps.log.warn(`${this.spec.label}: connection lost: ${reason}`);
    this.teardown();
    if (this.wanted) this.scheduleRetry(`connection lost: ${reason}`);
  }

  private scheduleRetry(reason: string): void {
    const delay = backoffDelay({ firstMs: this.deps.backoffMs?.first ?? 1_000, maxMs: this.deps.backoffMs?.max ?? 30_000 }, ++this.failures);
    this.deps.log.info(`${this.spec.label}: reconnecting in ${Math.round(delay / 100) / 10} s`);
    this.setState({ kind: 'unreachable', reason, retryInMs: delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.attempt(false), delay);
  }

  private teardown(): void {
    // Forget the connection first, so that the close events below are not taken for a drop.
    const connection = this.connection;
    this.connection = undefined;
    const state = this.current;
    if (state.kind === 'connected') state.client.close();
    connection?.close();
  }

  private setState(state: RemoteHelperState): void {
    this.current = state;
    this.emit('state', state);
  }
}

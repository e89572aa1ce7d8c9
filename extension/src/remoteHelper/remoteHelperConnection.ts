// The whole way to a remote helper, and keeping it: SSH connection, preflight (every requirement checked
// before anything is put there), upload and root-owned install of the build, the daemon (found or started
// as root), the API through the socket or the sudo bridge, then `system.version`; when the connection
// drops, calls fail at once with "target unreachable" and reconnection is tried with backoff. Also the
// way off: stopping the helper and uninstalling it. Node's EventEmitter, no VS Code: RemoteTarget wraps
// it for the UI and the tests drive it directly.
import { EventEmitter } from 'node:events';
import { posix } from 'node:path';
import type { MethodName, MethodParams, MethodResult, SystemVersionResult } from '../../../helper/src/protocol';
import { backoffDelay } from '../../../helper/src/protocol/backoff';
import type { RpcClient } from '../client/rpcClient';
import { CredentialMemory } from '../ssh/authentication';
import { connectSsh, type SshConnection } from '../ssh/connection';
import type { SshEndpoint } from '../ssh/endpoint';
import { CancelledError, HostKeyError, TargetCheckError, TargetUnreachableError, messageOf, withTimeout } from '../ssh/errors';
import type { SecretStore, SshPrompter, StepLog } from '../ssh/prompts';
import type { ApiAccess } from './apiChannel';
import { ensureDaemon, findDaemonOnSocket, type DaemonPlace, SocketPermissionError } from './daemonControl';
import { installedVersionCommand, installHelper, installedDir } from './install';
import { PreflightError, preflight, type TargetFacts } from './preflight';
import { runningContainers, stopHelper } from './removal';
import { RootAccess, type RootMethod } from './rootAccess';
import { shq } from './shellQuote';
import { helperBuild, stageHelper, STAGING_DIR, type HelperBundle } from './upload';

export interface RemoteHelperSpec {
  /** What the user calls this target, for messages. */
  readonly label: string;
  readonly target: SshEndpoint;
  readonly jumps: readonly SshEndpoint[];
  readonly rootMethod: RootMethod;
  readonly place: DaemonPlace;
  /** Where the root-owned helper builds go on the target (default /usr/local/lib/berth). */
  readonly installDir: string;
}

export interface RemoteHelperDeps {
  readonly bundle: HelperBundle;
  readonly prompter: SshPrompter;
  readonly log: StepLog;
  readonly knownHostsPath?: string;
  readonly agent?: string | false;
  readonly secrets?: { readonly store: SecretStore; readonly keyPrefix: string; readonly remember: boolean };
  /**
   * Passwords and decrypted keys while VS Code runs, by `user@host:port`: shared by the targets that log
   * in the same way (and only by them). Default: this target's own.
   */
  readonly memory?: CredentialMemory;
  readonly noDelay?: boolean;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /** Per API call, unless the call gives its own. */
  readonly callTimeoutMs?: number;
  /** Reconnection delays, doubling from the first to the last (default 1 s … 30 s). */
  readonly backoffMs?: { readonly first: number; readonly max: number };
}

/** Why a connection failed, for the words and buttons of the notification that says so. */
export type FailureKind = 'preflight' | 'cancelled' | 'permission' | 'host-key' | 'authentication' | 'other';

export type RemoteHelperState =
  | { readonly kind: 'disconnected' }
  | { readonly kind: 'connecting'; readonly step: string }
  | {
      readonly kind: 'connected';
      readonly client: RpcClient;
      readonly info: SystemVersionResult;
      readonly uploaded: boolean;
      readonly started: boolean;
      /** How the API is reached: the socket (root, the berth group) or sudo's dial-stdio bridge. */
      readonly access: ApiAccess;
    }
  | {
      readonly kind: 'unreachable';
      readonly reason: string;
      readonly retryInMs?: number;
      readonly failure?: FailureKind;
      /** For a preflight failure: the command that installs what is missing. */
      readonly installCommand?: string;
    };

/** Errors that another attempt will not fix by itself: no automatic retry after these. */
function failureKind(error: unknown): FailureKind {
  if (error instanceof PreflightError || error instanceof TargetCheckError) return 'preflight';
  if (error instanceof CancelledError) return 'cancelled';
  if (error instanceof SocketPermissionError || /sudo on .* refused/.test(messageOf(error))) return 'permission';
  if (error instanceof HostKeyError) return 'host-key';
  if (/authentication .* failed/.test(messageOf(error))) return 'authentication';
  return 'other';
}

/** What a connected target keeps of the way it came: for stopping and uninstalling the helper. */
interface Session {
  readonly connection: SshConnection;
  readonly root: RootAccess;
  readonly facts: TargetFacts;
  readonly installDir: string;
}

export class RemoteHelperConnection extends EventEmitter<{ state: [state: RemoteHelperState] }> {
  private current: RemoteHelperState = { kind: 'disconnected' };
  private connection: SshConnection | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Failed attempts since the last success: how long the next wait is (backoffDelay). */
  private failures = 0;
  private wanted = false;
  private readonly memory: CredentialMemory;
  private session: Session | undefined;

  constructor(
    readonly spec: RemoteHelperSpec,
    private readonly deps: RemoteHelperDeps,
  ) {
    super();
    this.memory = deps.memory ?? new CredentialMemory();
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
    // A memory shared with other targets is theirs too: its owner clears it.
    if (!this.deps.memory) this.memory.clear();
    this.removeAllListeners();
  }

  /**
   * Calls the helper. While a connection attempt is under way the call waits for it (an editor opened
   * during a reconnect, say); otherwise it fails at once with TargetUnreachableError when not connected.
   */
  async call<M extends MethodName>(method: M, params: MethodParams<M>, timeoutMs = this.deps.callTimeoutMs ?? 30_000): Promise<MethodResult<M>> {
    if (this.current.kind === 'connecting' && this.connecting) await this.connecting;
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

  /** The containers that stopping the helper would stop (the target must be connected). */
  runningContainers(): Promise<string[]> {
    const state = this.current;
    if (state.kind !== 'connected') return Promise.reject(new TargetUnreachableError(this.spec.label, 'not connected'));
    return runningContainers(state.client);
  }

  /**
   * Adds the SSH user to the group of the helper's socket, as root, so that the socket admits them without
   * sudo: which makes them equal to root (the helper runs as root). Only when they ask; then reconnects,
   * since a new login is what picks up a new group. Returns the group's name.
   */
  async joinSocketGroup(): Promise<string> {
    const session = this.session;
    if (this.current.kind !== 'connected' || !session) throw new TargetUnreachableError(this.spec.label, 'not connected');
    const socket = this.spec.place.socketPath;
    const group = (await session.connection.run(`stat -c %G ${shq(socket)}`)).trim();
    if (!group || group === 'root') throw new Error(`the helper's socket ${socket} on ${this.spec.label} has no group of its own to join`);
    await session.root.run(`usermod -aG ${shq(group)} ${shq(session.facts.user)}`, `adding ${session.facts.user} to the group ${group}`);
    this.deps.log.info(`${this.spec.label}: added ${session.facts.user} to the group ${group} (equal to root); reconnecting to use it`);
    await this.connect();
    return group;
  }

  /**
   * Stops the helper's containers and its daemon, as root; with `uninstall`, also removes them and every
   * file of the helper on the target. The target is disconnected afterwards.
   */
  async stopHelper({ uninstall }: { uninstall: boolean }): Promise<void> {
    const state = this.current;
    const session = this.session;
    if (state.kind !== 'connected' || !session) throw new TargetUnreachableError(this.spec.label, 'not connected');
    this.wanted = false;
    clearTimeout(this.retryTimer);
    // From here the connection's end is ours: not a drop to reconnect after.
    this.connection = undefined;
    try {
      await stopHelper(
        {
          connection: session.connection,
          root: session.root,
          client: state.client,
          daemonPid: state.info.pid,
          place: this.spec.place,
          installDir: session.installDir,
          home: session.facts.home,
          log: this.deps.log,
        },
        { uninstall },
      );
    } finally {
      session.connection.close();
      this.session = undefined;
      this.setState({ kind: 'disconnected' });
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
      const facts = await preflight(connection, spec.label);
      log.info(`${spec.label}: ${facts.os} ${facts.machine}, Node.js ${facts.nodeVersion} (${facts.nodePath}), user ${facts.user} (uid ${facts.uid})`);
      const root = new RootAccess(connection, { facts, rootMethod: spec.rootMethod, prompter, log, memory: this.memory });
      const installDir = spec.installDir;
      const build = helperBuild(deps.bundle, facts.arch!);
      const stagingRoot = posix.join(facts.home, STAGING_DIR);
      let uploaded = false;
      // A member of the socket's group (or root) whose daemon runs this version needs nothing else.
      let daemon = await findDaemonOnSocket(connection, facts, spec.place, deps.bundle.version, log);
      if (!daemon) {
        if ((await connection.exec(installedVersionCommand(installDir, build))).stdout.trim() !== build.id) {
          step('deploying the helper');
          const staged = await stageHelper(connection, build, stagingRoot, log);
          step('installing the helper as root');
          await installHelper(connection, root, build, staged, installDir, log);
          uploaded = true;
        } else {
          log.info(`deploy: ${spec.label} has helper ${build.id} installed in ${installedDir(installDir, build)}`);
        }
        step('starting the helper');
        daemon = await ensureDaemon({
          connection,
          root,
          facts,
          place: spec.place,
          helperDir: installedDir(installDir, build),
          version: deps.bundle.version,
          lockDir: stagingRoot,
          log,
        });
      }
      if (!this.wanted || this.connection !== connection) {
        daemon.client.close();
        throw new CancelledError('disconnected');
      }
      const lost = (reason: string) => this.onLost(connection!, reason);
      connection.once('close', (reason) => lost(`the SSH connection closed: ${reason}`));
      daemon.client.once('close', lost);
      this.failures = 0;
      this.session = { connection, root, facts, installDir };
      log.info(
        `${spec.label}: connected to helper ${daemon.info.helperVersion} (pid ${daemon.info.pid}, kernel ${daemon.info.kernel}, engine ${daemon.info.engineId}) through ${daemon.access === 'socket' ? 'its socket' : 'sudo and berth dial-stdio'}`,
      );
      this.setState({ kind: 'connected', client: daemon.client, info: daemon.info, uploaded, started: daemon.started, access: daemon.access });
    } catch (error) {
      connection?.close();
      if (this.connection === connection) this.connection = undefined;
      if (!this.wanted) {
        this.setState({ kind: 'disconnected' });
        return;
      }
      const reason = messageOf(error);
      log.error(`${spec.label}: ${reason}`);
      const failure = failureKind(error);
      if (!interactive && failure === 'other') this.scheduleRetry(reason);
      else {
        const installCommand = error instanceof PreflightError ? error.installCommand : undefined;
        this.setState({ kind: 'unreachable', reason, failure, ...(installCommand ? { installCommand } : {}) });
      }
    }
  }

  private onLost(connection: SshConnection, reason: string): void {
    if (this.connection !== connection) return;
    this.deps.log.warn(`${this.spec.label}: connection lost: ${reason}`);
    this.teardown(`the connection to ${this.spec.label} was lost: ${reason}`);
    if (this.wanted) this.scheduleRetry(`connection lost: ${reason}`);
  }

  private scheduleRetry(reason: string): void {
    const delay = backoffDelay({ firstMs: this.deps.backoffMs?.first ?? 1_000, maxMs: this.deps.backoffMs?.max ?? 30_000 }, ++this.failures);
    this.deps.log.info(`${this.spec.label}: reconnecting in ${Math.round(delay / 100) / 10} s`);
    this.setState({ kind: 'unreachable', reason, retryInMs: delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.attempt(false), delay);
  }

  /** `reason`: what open calls and streams (a terminal, say) are told; by default, that Berth closed it. */
  private teardown(reason?: string): void {
    // Forget the connection first, so that the close events below are not taken for a drop.
    const connection = this.connection;
    this.connection = undefined;
    this.session = undefined;
    const state = this.current;
    if (state.kind === 'connected') state.client.close(reason);
    connection?.close();
  }

  private setState(state: RemoteHelperState): void {
    this.current = state;
    this.emit('state', state);
  }
}

// A machine whose helper Berth talks to, and the state of that conversation. The tree shows it; commands
// change it. The local target is here; remote (SSH) targets (remoteTarget.ts) share the Target shape.
import * as vscode from 'vscode';
import type { MethodName, MethodParams, MethodResult, SystemVersionResult } from '../../../helper/src/protocol';
import { RpcClient } from '../client/rpcClient';
import type { ApiAccess } from '../remoteHelper/apiChannel';
import type { FailureKind } from '../remoteHelper/remoteHelperConnection';
import { TargetUnreachableError, withTimeout } from '../ssh/errors';

export type TargetState =
  | { readonly kind: 'disconnected' }
  /** `step` says what is happening (SSH targets: connecting, deploying, starting the helper). */
  | { readonly kind: 'connecting'; readonly step?: string }
  /** `access`: for SSH targets, how the API is reached (the socket, or sudo and berth dial-stdio). */
  | { readonly kind: 'connected'; readonly client: RpcClient; readonly info: SystemVersionResult; readonly access?: ApiAccess }
  /**
   * `retryInMs`: a reconnection is scheduled. `failure`: why an attempt failed for good (the notification's
   * words and buttons); `installCommand`: what installs a target's missing requirements.
   */
  | { readonly kind: 'unreachable'; readonly reason: string; readonly retryInMs?: number; readonly failure?: FailureKind; readonly installCommand?: string };

/** What the tree, the commands and the other views need of any target. */
export interface Target extends vscode.Disposable {
  readonly id: string;
  readonly label: string;
  readonly kind: 'local' | 'ssh';
  readonly state: TargetState;
  readonly description: string;
  readonly onDidChange: vscode.Event<Target>;
  connect(): Promise<void>;
  disconnect(): void;
  /**
   * Calls the target's helper with a timeout; fails at once with a TargetUnreachableError ("target
   * unreachable: …") when the target is not connected.
   */
  call<M extends MethodName>(method: M, params: MethodParams<M>, timeoutMs?: number): Promise<MethodResult<M>>;
  /**
   * Where this machine reaches a port published on the target at hostIp:hostPort: the address itself on
   * the local target; on an SSH target a local port forwarded through the connection.
   */
  reachPort(hostIp: string, hostPort: number): Promise<{ host: string; port: number }>;
}

/** The address to connect to for a port published on `hostIp` (every address: loopback). */
export function connectableHost(hostIp: string): string {
  return hostIp === '0.0.0.0' || hostIp === '' ? '127.0.0.1' : hostIp;
}

export class LocalTarget implements Target {
  readonly id = 'local';
  readonly label = 'Local';
  readonly kind = 'local' as const;
  private current: TargetState = { kind: 'disconnected' };
  private readonly changed = new vscode.EventEmitter<LocalTarget>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly socketPath: () => string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get state(): TargetState {
    return this.current;
  }

  get description(): string {
    return `Unix socket ${this.socketPath()}`;
  }

  /** Connects (or reconnects) and asks the helper who it is. Never throws: failure is a state. */
  async connect(): Promise<void> {
    if (this.current.kind === 'connecting') return;
    this.dropClient();
    this.setState({ kind: 'connecting' });
    const socketPath = this.socketPath();
    try {
      const client = await RpcClient.connectUnix(socketPath);
      // A helper of another protocol revision is refused here, naming both revisions.
      await client.checkProtocol().catch((error: unknown) => {
        client.close();
        throw error;
      });
      const info = await client.call('system.version', {});
      client.on('close', (reason) => {
        if (this.current.kind === 'connected' && this.current.client === client) {
          this.log.warn(`local helper: ${reason}`);
          this.setState({ kind: 'unreachable', reason: `the helper closed the connection (${reason})` });
        }
      });
      this.log.info(`local helper ${info.helperVersion} on ${socketPath} (kernel ${info.kernel}, cgroup ${info.cgroupMode})`);
      this.setState({ kind: 'connected', client, info });
    } catch (error) {
      const reason = `no helper answers on ${socketPath}: ${error instanceof Error ? error.message : String(error)}`;
      this.log.warn(`local helper: ${reason}`);
      this.setState({ kind: 'unreachable', reason });
    }
  }

  disconnect(): void {
    this.dropClient();
    this.setState({ kind: 'disconnected' });
  }

  dispose(): void {
    this.dropClient();
    this.changed.dispose();
  }

  async call<M extends MethodName>(method: M, params: MethodParams<M>, timeoutMs = 30_000): Promise<MethodResult<M>> {
    const state = this.current;
    if (state.kind !== 'connected') {
      throw new TargetUnreachableError(this.label, state.kind === 'unreachable' ? state.reason : `not connected (${state.kind})`);
    }
    return withTimeout(state.client.call(method, params), timeoutMs, `${method} on ${this.label}`);
  }

  async reachPort(hostIp: string, hostPort: number): Promise<{ host: string; port: number }> {
    return { host: connectableHost(hostIp), port: hostPort };
  }

  private dropClient(): void {
    if (this.current.kind === 'connected') this.current.client.close();
  }

  private setState(state: TargetState): void {
    this.current = state;
    this.changed.fire(this);
  }
}

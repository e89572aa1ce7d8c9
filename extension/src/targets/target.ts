// A machine whose helper Berth talks to, and the state of that conversation. The tree shows it; commands
// change it. Only the local target exists so far; remote (SSH) targets will share this shape.
import * as vscode from 'vscode';
import type { SystemVersionResult } from '../../../helper/src/protocol';
import { RpcClient } from '../client/rpcClient';

export type TargetState =
  | { readonly kind: 'disconnected' }
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected'; readonly client: RpcClient; readonly info: SystemVersionResult }
  | { readonly kind: 'unreachable'; readonly reason: string };

export class LocalTarget implements vscode.Disposable {
  readonly id = 'local';
  readonly label = 'Local';
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

  private dropClient(): void {
    if (this.current.kind === 'connected') this.current.client.close();
  }

  private setState(state: TargetState): void {
    this.current = state;
    this.changed.fire(this);
  }
}

// A target reached over SSH: RemoteHelperConnection (ssh/remoteHelper.ts) does the work; this adapts its
// states and events to the Target shape the tree and the commands use, like LocalTarget.
import * as vscode from 'vscode';
import type { MethodName, MethodParams, MethodResult } from '../../../helper/src/protocol';
import { RemoteHelperConnection, type RemoteHelperDeps, type RemoteHelperState } from '../remoteHelper/remoteHelperConnection';
import { describeSpec, type RemoteTargetConfig } from './remoteTargetConfig';
import type { Target, TargetState } from './target';

export class RemoteTarget implements Target {
  readonly kind = 'ssh' as const;
  private readonly changed = new vscode.EventEmitter<RemoteTarget>();
  readonly onDidChange = this.changed.event;
  private readonly connection: RemoteHelperConnection;

  constructor(
    readonly config: RemoteTargetConfig,
    spec: ConstructorParameters<typeof RemoteHelperConnection>[0],
    deps: RemoteHelperDeps,
  ) {
    this.connection = new RemoteHelperConnection(spec, deps);
    this.connection.on('state', () => this.changed.fire(this));
  }

  get id(): string {
    return `ssh:${this.config.id}`;
  }

  get label(): string {
    return this.config.label;
  }

  get spec(): RemoteHelperConnection['spec'] {
    return this.connection.spec;
  }

  get description(): string {
    return describeSpec(this.connection.spec);
  }

  get state(): TargetState {
    return toTargetState(this.connection.state);
  }

  connect(): Promise<void> {
    return this.connection.connect();
  }

  disconnect(): void {
    this.connection.disconnect();
  }

  call<M extends MethodName>(method: M, params: MethodParams<M>, timeoutMs?: number): Promise<MethodResult<M>> {
    return this.connection.call(method, params, timeoutMs);
  }

  dispose(): void {
    this.connection.dispose();
    this.changed.dispose();
  }
}

function toTargetState(state: RemoteHelperState): TargetState {
  switch (state.kind) {
    case 'connected':
      return { kind: 'connected', client: state.client, info: state.info };
    case 'connecting':
      return { kind: 'connecting', step: state.step };
    case 'unreachable':
      return { kind: 'unreachable', reason: state.reason, retryInMs: state.retryInMs };
    case 'disconnected':
      return { kind: 'disconnected' };
  }
}

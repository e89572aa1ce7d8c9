// A target reached over SSH: RemoteHelperConnection (ssh/remoteHelper.ts) does the work; this adapts its
// states and events to the Target shape the tree and the commands use, like LocalTarget.
import * as vscode from 'vscode';
import type { MethodName, MethodParams, MethodResult } from '../../../helper/src/protocol';
import { forwardLocalPort, type LocalForward } from '../ssh/portForward';
import { RemoteHelperConnection, type RemoteHelperDeps, type RemoteHelperState } from '../remoteHelper/remoteHelperConnection';
import { describeSpec, type RemoteTargetConfig } from './remoteTargetConfig';
import { connectableHost, type Target, type TargetState } from './target';

export class RemoteTarget implements Target {
  readonly kind = 'ssh' as const;
  private readonly changed = new vscode.EventEmitter<RemoteTarget>();
  readonly onDidChange = this.changed.event;
  private readonly connection: RemoteHelperConnection;
  /** Local forwards of published ports, by "host:port" on the target; closed when the connection goes. */
  private readonly forwards = new Map<string, Promise<LocalForward>>();
  private readonly warn: (message: string) => void;

  constructor(
    readonly config: RemoteTargetConfig,
    spec: ConstructorParameters<typeof RemoteHelperConnection>[0],
    deps: RemoteHelperDeps,
  ) {
    this.connection = new RemoteHelperConnection(spec, deps);
    this.warn = (message) => deps.log.warn(message);
    this.connection.on('state', (state) => {
      if (state.kind !== 'connected') this.closeForwards();
      this.changed.fire(this);
    });
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

  reachPort(hostIp: string, hostPort: number): Promise<{ host: string; port: number }> {
    const host = connectableHost(hostIp);
    const key = `${host}:${hostPort}`;
    let forward = this.forwards.get(key);
    if (!forward) {
      forward = forwardLocalPort(
        () => this.connection.openTcp(host, hostPort),
        (message) => this.warn(`${this.label}: forwarding ${key}: ${message}`),
      );
      this.forwards.set(key, forward);
      forward.catch(() => this.forwards.delete(key));
    }
    return forward.then((local) => ({ host: '127.0.0.1', port: local.port }));
  }

  private closeForwards(): void {
    for (const forward of this.forwards.values()) void forward.then((local) => local.close(), () => undefined);
    this.forwards.clear();
  }

  /** The names of the containers that stopping the helper would stop. */
  runningContainers(): Promise<string[]> {
    return this.connection.runningContainers();
  }

  /** Adds the SSH user to the group of the helper's socket (which equals root) and reconnects; the group's name. */
  joinSocketGroup(): Promise<string> {
    return this.connection.joinSocketGroup();
  }

  /** Stops the helper's containers and daemon as root; with `uninstall`, removes them and its files too. */
  stopHelper(options: { uninstall: boolean }): Promise<void> {
    return this.connection.stopHelper(options);
  }

  dispose(): void {
    this.closeForwards();
    this.connection.dispose();
    this.changed.dispose();
  }
}

function toTargetState(state: RemoteHelperState): TargetState {
  switch (state.kind) {
    case 'connected':
      return { kind: 'connected', client: state.client, info: state.info, access: state.access };
    case 'connecting':
      return { kind: 'connecting', step: state.step };
    case 'unreachable':
      return { kind: 'unreachable', reason: state.reason, retryInMs: state.retryInMs, failure: state.failure, installCommand: state.installCommand };
    case 'disconnected':
      return { kind: 'disconnected' };
  }
}

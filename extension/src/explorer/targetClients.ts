// The explorer's one coupling to targets: from a target id to a connected helper client. Targets are
// observed through the small shape below (what Target and TargetRegistry offer), so how a target connects
// (a local socket, SSH) does not matter here.
import type * as vscode from 'vscode';
import type { RpcClient } from '../client/rpcClient';
import type { TargetState } from '../targets/target';

export interface ExplorerTarget {
  readonly id: string;
  readonly label: string;
  readonly state: TargetState;
  readonly onDidChange: vscode.Event<unknown>;
  connect(): Promise<void>;
}

export interface ExplorerTargets {
  find(id: string): ExplorerTarget | undefined;
  all(): readonly ExplorerTarget[];
}

export class TargetClients {
  constructor(private readonly targets: ExplorerTargets) {}

  target(id: string): ExplorerTarget {
    const target = this.targets.find(id);
    if (!target) throw new Error(`no Berth target "${id}"`);
    return target;
  }

  /** The target's client; connects a disconnected target and waits for one that is connecting. */
  async client(id: string): Promise<RpcClient> {
    const target = this.target(id);
    if (target.state.kind === 'disconnected') void target.connect();
    if (target.state.kind !== 'connected') await settled(target);
    const state = target.state;
    if (state.kind !== 'connected') {
      throw new Error(`target ${target.label} is unreachable${state.kind === 'unreachable' ? `: ${state.reason}` : ''}`);
    }
    return state.client;
  }
}

/**
 * Resolves when the target is no longer connecting. No time limit of its own: each step of a connection
 * has one, except a password prompt, and an editor reopened with the window should wait for the user to
 * answer it (one prompt at a time across targets) rather than fail.
 */
function settled(target: ExplorerTarget): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      subscription.dispose();
      resolve();
    };
    const subscription = target.onDidChange(() => {
      if (target.state.kind !== 'connecting') done();
    });
    if (target.state.kind !== 'connecting') done();
  });
}

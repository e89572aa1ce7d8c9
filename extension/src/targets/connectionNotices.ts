// Failures that speak: when connecting to an SSH target fails for good (the target lacks something the
// helper needs, a password was not given, permission is refused, a host key changed), a notification
// says why, with what can be done next: Copy Install Command for a missing requirement, Retry (or Enter
// Password for a cancelled prompt), Show Log. A connection that is lost says so once, and that it is
// being reconnected. Background retries that fail again say nothing more: the tree shows them.
import * as vscode from 'vscode';
import type { RemoteTarget } from './remoteTarget';
import { failureNotice } from './failureNotice';
import type { Target, TargetState } from './target';

export class ConnectionNotices implements vscode.Disposable {
  private readonly previous = new WeakMap<Target, TargetState['kind']>();
  private readonly subscription: vscode.Disposable;

  constructor(
    onDidChangeTarget: vscode.Event<Target>,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = onDidChangeTarget((target) => this.onChange(target));
  }

  private onChange(target: Target): void {
    if (target.kind !== 'ssh') return;
    const state = target.state;
    const before = this.previous.get(target);
    this.previous.set(target, state.kind);
    if (state.kind !== 'unreachable' || before === 'unreachable') return;
    if (state.retryInMs === undefined) void this.failed(target as RemoteTarget, state);
    else if (before === 'connected') {
      void vscode.window.showWarningMessage(`Berth: lost the connection to ${target.label}: ${state.reason}. Reconnecting…`, 'Show Log').then((choice) => {
        if (choice === 'Show Log') this.log.show();
      });
    }
  }

  private async failed(target: RemoteTarget, state: Extract<TargetState, { kind: 'unreachable' }>): Promise<void> {
    const { message, actions } = failureNotice(target.label, state);
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    switch (choice) {
      case 'Copy Install Command': {
        await vscode.env.clipboard.writeText(state.installCommand!);
        const again = await vscode.window.showInformationMessage(
          `Berth: copied "${state.installCommand}". Run it on ${target.label} (in an SSH session there), then retry.`,
          'Retry',
        );
        if (again === 'Retry') void target.connect();
        return;
      }
      case 'Retry':
      case 'Enter Password':
        void target.connect();
        return;
      case 'Show Log':
        this.log.show();
        return;
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

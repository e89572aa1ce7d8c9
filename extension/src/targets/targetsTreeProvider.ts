// The Targets view. It renders from the targets' state and refreshes only the node whose state changed.
// An unreachable local helper leaves the tree empty so that the welcome view explains what to do.
import * as vscode from 'vscode';
import type { LocalTarget } from './target';

export class TargetsTreeProvider implements vscode.TreeDataProvider<LocalTarget>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LocalTarget | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly shown = new Set<LocalTarget>();

  constructor(private readonly targets: readonly LocalTarget[]) {
    for (const target of targets) {
      if (this.isShown(target)) this.shown.add(target);
      this.subscriptions.push(target.onDidChange((changed) => this.onTargetChanged(changed)));
    }
  }

  /** A target that appears or disappears changes the root's children; otherwise only its own node changes. */
  private onTargetChanged(target: LocalTarget): void {
    const wasShown = this.shown.has(target);
    const isShown = this.isShown(target);
    if (isShown) this.shown.add(target);
    else this.shown.delete(target);
    this.changed.fire(wasShown === isShown ? target : undefined);
  }

  getChildren(element?: LocalTarget): LocalTarget[] {
    return element ? [] : this.targets.filter((target) => this.isShown(target));
  }

  getTreeItem(target: LocalTarget): vscode.TreeItem {
    const item = new vscode.TreeItem(target.label, vscode.TreeItemCollapsibleState.None);
    item.id = target.id;
    const state = target.state;
    switch (state.kind) {
      case 'connected': {
        const { info } = state;
        item.description = `berth ${info.helperVersion} · Linux ${info.kernel}`;
        item.iconPath = new vscode.ThemeIcon('vm-active', new vscode.ThemeColor('testing.iconPassed'));
        item.contextValue = 'target.connected';
        item.tooltip = new vscode.MarkdownString(
          [
            `**${target.label}** — connected`,
            '',
            `- helper: berth ${info.helperVersion} (protocol ${info.protocolVersion}, Node.js ${info.nodeVersion})`,
            `- kernel: Linux ${info.kernel} (${info.arch})`,
            `- cgroups: ${info.cgroupMode}`,
            `- privileges: ${info.root ? 'root' : 'not root: containers cannot be isolated'}`,
            `- ${target.description}`,
          ].join('\n'),
        );
        break;
      }
      case 'connecting':
        item.description = 'connecting…';
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        item.contextValue = 'target.connecting';
        break;
      case 'disconnected':
        item.description = 'disconnected';
        item.iconPath = new vscode.ThemeIcon('vm-outline');
        item.contextValue = 'target.disconnected';
        break;
      case 'unreachable':
        item.description = 'unreachable';
        item.iconPath = new vscode.ThemeIcon('vm-outline', new vscode.ThemeColor('errorForeground'));
        item.tooltip = state.reason;
        item.contextValue = 'target.unreachable';
        break;
    }
    return item;
  }

  /** The local target is hidden while unreachable: the welcome view takes its place. */
  private isShown(target: LocalTarget): boolean {
    return target.state.kind !== 'unreachable';
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

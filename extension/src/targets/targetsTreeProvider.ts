// The Targets view. It renders from the targets' state and refreshes only the node whose state changed.
// An unreachable local helper is hidden while it is the only target, so that the welcome view explains
// what to do; with SSH targets beside it, it shows as unreachable like any other.
import * as vscode from 'vscode';
import { ACCESS_WORDS } from '../remoteHelper/apiChannel';
import { sameEngineAs } from '../views/sameEngine';
import type { Target } from './target';
import type { TargetRegistry } from './targetRegistry';

export class TargetsTreeProvider implements vscode.TreeDataProvider<Target>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Target | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private shown = new Set<Target>();

  constructor(private readonly registry: TargetRegistry) {
    this.shown = new Set(this.visible());
    this.subscriptions.push(
      registry.onDidChangeTarget((target) => this.onTargetChanged(target)),
      registry.onDidChangeTargets(() => this.refreshAll()),
    );
  }

  refreshAll(): void {
    this.shown = new Set(this.visible());
    this.changed.fire(undefined);
  }

  /**
   * A target that appears or disappears changes the root's children, and one that connects or disconnects
   * may change which others share its engine; otherwise only its own node changes.
   */
  private onTargetChanged(target: Target): void {
    const visible = this.visible();
    const sameSet = visible.length === this.shown.size && visible.every((t) => this.shown.has(t));
    this.shown = new Set(visible);
    const engines = [...sameEngineAs(this.registry.all())].map(([a, b]) => `${a.id}=${b.id}`).join(' ');
    const sameEngines = engines === this.engines;
    this.engines = engines;
    this.changed.fire(sameSet && sameEngines && visible.includes(target) ? target : undefined);
  }

  /** Which targets share an engine, as last shown. */
  private engines = '';

  getChildren(element?: Target): Target[] {
    return element ? [] : this.visible();
  }

  getTreeItem(target: Target): vscode.TreeItem {
    const item = new vscode.TreeItem(target.label, vscode.TreeItemCollapsibleState.None);
    item.id = target.id;
    const state = target.state;
    const kind = target.kind === 'ssh' ? 'remote' : 'local';
    switch (state.kind) {
      case 'connected': {
        const { info } = state;
        const sameAs = sameEngineAs(this.registry.all()).get(target);
        item.description = sameAs
          ? `same engine as ${sameAs.label} · berth ${info.helperVersion}`
          : `berth ${info.helperVersion} · Linux ${info.kernel}`;
        item.iconPath = new vscode.ThemeIcon(
          sameAs ? 'link' : target.kind === 'ssh' ? 'remote' : 'vm-active',
          new vscode.ThemeColor('testing.iconPassed'),
        );
        item.contextValue = `target.connected.${kind}`;
        item.tooltip = new vscode.MarkdownString(
          [
            `**${target.label}** — connected`,
            '',
            `- helper: berth ${info.helperVersion} (protocol ${info.protocolVersion}, Node.js ${info.nodeVersion}), pid ${info.pid}`,
            `- engine: ${info.engineId.slice(0, 12)}${sameAs ? `, the same engine as **${sameAs.label}**: its containers and images are listed once, under ${sameAs.label}` : ''}`,
            `- kernel: Linux ${info.kernel} (${info.arch})`,
            `- cgroups: ${info.cgroupMode}`,
            `- privileges: ${info.root ? 'root' : 'not root: containers cannot be isolated'}`,
            ...(state.access ? [`- reached through ${ACCESS_WORDS[state.access]}`] : []),
            `- ${target.description}`,
          ].join('\n'),
        );
        break;
      }
      case 'connecting':
        item.description = state.step ? `${state.step}…` : 'connecting…';
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        item.contextValue = `target.connecting.${kind}`;
        item.tooltip = target.description;
        break;
      case 'disconnected':
        item.description = target.kind === 'ssh' ? `disconnected · ${target.description}` : 'disconnected';
        item.iconPath = new vscode.ThemeIcon('vm-outline');
        item.contextValue = `target.disconnected.${kind}`;
        item.tooltip = target.description;
        break;
      case 'unreachable':
        item.description = state.retryInMs !== undefined ? `unreachable · retrying in ${Math.ceil(state.retryInMs / 1000)} s` : 'unreachable';
        item.iconPath = new vscode.ThemeIcon('vm-outline', new vscode.ThemeColor('errorForeground'));
        item.tooltip = `${state.reason}\n\n${target.description}`;
        item.contextValue = `target.unreachable.${kind}`;
        break;
    }
    return item;
  }

  private visible(): Target[] {
    const all = this.registry.all();
    const onlyLocal = all.length === 1;
    return all.filter((target) => !(target.kind === 'local' && onlyLocal && target.state.kind === 'unreachable'));
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

// The active target: where the run flow runs when more than one target is connected, shown in the status
// bar with its state; a click switches it. Kept per workspace.
import * as vscode from 'vscode';
import type { TargetEventHubs } from './targetEvents';
import type { ObservedTarget } from './targetSource';
import { Cancelled } from './commandRunner';
import { chooseActiveTarget } from './activeTargetChoice';
import { targetStatusText } from './targetStatusText';

const KEY = 'berth.activeTarget';

export class ActiveTarget implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('berth.activeTarget', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [];
  private watched = new Set<ObservedTarget>();

  constructor(
    private readonly hubs: TargetEventHubs,
    private readonly state: vscode.Memento,
  ) {
    this.item.name = vscode.l10n.t('Berth Target');
    this.item.command = 'berth.targets.switchActive';
    this.subscriptions.push(
      hubs.onDidChangeHubs(() => this.watch()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('berth.defaultTarget')) this.render();
      }),
    );
    this.watch();
  }

  /** The one picked in this workspace, else the berth.defaultTarget setting's, else the first one. */
  get target(): ObservedTarget | undefined {
    const configured = vscode.workspace.getConfiguration('berth').get<string>('defaultTarget');
    return chooseActiveTarget(this.hubs.all().map((h) => h.target), this.state.get<string>(KEY), configured);
  }

  private watch(): void {
    for (const target of this.hubs.all().map((h) => h.target)) {
      if (this.watched.has(target)) continue;
      this.watched.add(target);
      this.subscriptions.push(target.onDidChange(() => this.render()));
    }
    this.render();
  }

  private render(): void {
    const target = this.target;
    if (!target) {
      this.item.hide();
      return;
    }
    const { text, tooltip } = targetStatusText(target.label, target.state.kind);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.show();
  }

  async switch(): Promise<void> {
    const current = this.target;
    const picked = await vscode.window.showQuickPick(
      this.hubs.all().map((h) => ({
        label: h.target.label,
        description: `${h.target.state.kind}${h.target === current ? ` · ${vscode.l10n.t('active')}` : ''}`,
        target: h.target,
      })),
      { placeHolder: vscode.l10n.t('The target Berth runs containers on') },
    );
    if (!picked) throw new Cancelled();
    await this.state.update(KEY, picked.target.id);
    this.render();
  }

  dispose(): void {
    this.item.dispose();
    this.subscriptions.forEach((s) => s.dispose());
  }
}

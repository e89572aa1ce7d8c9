// Where the SSH targets' definitions live: the user's `berth.targets` setting (application scope, so a
// workspace cannot add a target), edited by Add/Edit/Remove SSH Target or by hand in settings.json. Never
// a secret there: those are only in SecretStorage.
import * as vscode from 'vscode';
import { parseTargetDefinitions, targetDefinition, type RemoteTargetConfig } from './remoteTargetConfig';

const SECTION = 'berth';
const KEY = 'targets';

export class TargetSettings implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RemoteTargetConfig[]>();
  /** The setting changed (by Berth or by hand): the definitions it now holds. */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private reported = '';

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.${KEY}`)) this.changed.fire(this.read());
    });
  }

  read(): RemoteTargetConfig[] {
    const { targets, problems } = parseTargetDefinitions(vscode.workspace.getConfiguration(SECTION).get(KEY));
    this.report(problems);
    return targets;
  }

  /** Writes the definitions to the user settings (VS Code edits settings.json, keeping the rest of it). */
  async write(configs: readonly RemoteTargetConfig[]): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update(KEY, configs.map(targetDefinition), vscode.ConfigurationTarget.Global);
  }

  /** Malformed entries are named once each time they change: in the log, and in a warning with a way to them. */
  private report(problems: string[]): void {
    const text = problems.join('; ');
    if (text === this.reported) return;
    this.reported = text;
    if (!problems.length) return;
    for (const problem of problems) this.log.warn(`settings: ${problem}`);
    const open = vscode.l10n.t('Open Settings');
    void vscode.window.showWarningMessage(vscode.l10n.t('Berth left out SSH targets it cannot read: {0}', text), open).then((choice) => {
      if (choice === open) void vscode.commands.executeCommand('workbench.action.openSettingsJson');
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

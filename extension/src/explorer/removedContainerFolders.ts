// A removed container's workspace folder is taken out of the Explorer: left there, it would list nothing and
// VS Code would offer to create the files one tries to open in it. Removals are seen in each target's
// events (destroy), and, each time a target's events open (a connect, a reconnect), in its list of
// containers, for folders whose container went away while nobody was listening. A window opened on the
// container alone (Open in New Window) cannot lose its only folder without closing: it says so instead,
// and its files read as unavailable (fsErrors.ts), never as missing.
import * as vscode from 'vscode';
import type { TargetEventHub, TargetEventHubs } from '../views/targetEvents';
import { BERTH_SCHEME } from './containerUri';
import { foldersToTakeOut, namesContainer } from './fileNaming';

/** How long to wait for VS Code to apply one folder change before the next (it takes one at a time). */
const FOLDER_CHANGE_WAIT_MS = 10_000;

export class RemovedContainerFolders implements vscode.Disposable {
  private readonly perHub = new Map<TargetEventHub, vscode.Disposable[]>();
  private readonly subscription: vscode.Disposable;
  /** Changes to the workspace folders, one after another. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly hubs: TargetEventHubs,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = hubs.onDidChangeHubs(() => this.follow());
    this.follow();
  }

  private follow(): void {
    const current = new Set(this.hubs.all());
    for (const [hub, subscriptions] of this.perHub) {
      if (current.has(hub)) continue;
      subscriptions.forEach((s) => s.dispose());
      this.perHub.delete(hub);
    }
    for (const hub of current) {
      if (this.perHub.has(hub)) continue;
      this.perHub.set(hub, [
        hub.onEvent((event) => {
          if (event.type !== 'container' || event.action !== 'destroy') return;
          const removed = { id: event.id, name: event.attributes.name ?? event.id };
          this.takeOut(hub.target, (key) => namesContainer(key, removed));
        }),
        hub.onDidOpen(async ({ client }) => {
          if (!this.holdsFoldersOf(hub.target.id)) return;
          try {
            const containers = await client.call('containers.list', { all: true });
            this.takeOut(hub.target, (key) => !containers.some((container) => namesContainer(key, container)));
          } catch (error) {
            this.log.warn(`${hub.target.label}: checking the Explorer's container folders: ${error instanceof Error ? error.message : String(error)}`);
          }
        }),
      ]);
    }
  }

  private holdsFoldersOf(targetId: string): boolean {
    return (vscode.workspace.workspaceFolders ?? []).some((folder) => folder.uri.scheme === BERTH_SCHEME && folder.uri.authority === targetId);
  }

  private takeOut(target: { id: string; label: string }, gone: (containerKey: string) => boolean): void {
    this.queue = this.queue.then(() => this.takeOutNow(target, gone)).catch((error: unknown) => {
      this.log.warn(`taking a removed container's folder out of the Explorer: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private async takeOutNow(target: { id: string; label: string }, gone: (containerKey: string) => boolean): Promise<void> {
    for (;;) {
      const folders = vscode.workspace.workspaceFolders ?? [];
      const [first] = foldersToTakeOut(folders, BERTH_SCHEME, target.id, gone);
      if (!first) return;
      const name = folders[first.index]!.name;
      if (vscode.workspace.workspaceFile === undefined) {
        // The window's own folder: taking it out would close the window's folder and reload it.
        void vscode.window.showWarningMessage(vscode.l10n.t('The container of this window ({0}) was removed: its files are gone.', name));
        return;
      }
      const changed = new Promise<void>((resolve) => {
        const timer = setTimeout(done, FOLDER_CHANGE_WAIT_MS);
        const subscription = vscode.workspace.onDidChangeWorkspaceFolders(done);
        function done() {
          clearTimeout(timer);
          subscription.dispose();
          resolve();
        }
      });
      if (!vscode.workspace.updateWorkspaceFolders(first.index, 1)) return;
      this.log.info(`${target.label}: ${name} was removed; its folder left the Explorer`);
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} was removed: its folder left the Explorer.', name));
      await changed;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    for (const subscriptions of this.perHub.values()) subscriptions.forEach((s) => s.dispose());
    this.perHub.clear();
  }
}

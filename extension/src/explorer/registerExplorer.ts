// The container file explorer's registration: the `berth:` file system provider, its setting and the
// Browse Container Files command.
import * as vscode from 'vscode';
import { BerthFileSystemProvider } from './berthFileSystemProvider';
import { BERTH_SCHEME } from './containerUri';
import { openContainerFiles } from './openContainerFiles';
import { TargetClients, type ExplorerTargets } from './targetClients';

const MIB = 1024 * 1024;

export function registerExplorer(targets: ExplorerTargets, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const clients = new TargetClients(targets);
  const provider = new BerthFileSystemProvider(
    clients,
    {
      largeFileThresholdBytes: () => Math.max(0, vscode.workspace.getConfiguration('berth.explorer').get<number>('largeFileThresholdMB', 50)) * MIB,
      async confirmLargeRead(uri, size) {
        const open = vscode.l10n.t('Open Anyway');
        const answer = await vscode.window.showWarningMessage(
          vscode.l10n.t('{0} is {1} MB. Reading it transfers all of it from the container. Open it anyway?', uri.path, (size / MIB).toFixed(1)),
          { modal: true },
          open,
        );
        return answer === open;
      },
    },
    log,
  );
  return [
    provider,
    vscode.workspace.registerFileSystemProvider(BERTH_SCHEME, provider, { isCaseSensitive: true }),
    vscode.commands.registerCommand('berth.containers.openFilesystem', async (argument?: unknown) => {
      try {
        return await openContainerFiles(targets, clients, argument);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`berth.containers.openFilesystem: ${message}`);
        void vscode.window.showErrorMessage(vscode.l10n.t('Berth: cannot browse the container files: {0}', message));
        return undefined;
      }
    }),
  ];
}

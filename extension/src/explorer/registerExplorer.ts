// The container file explorer: the `berth:` file system provider (which the activation registers, extension.ts)
// and its commands (Browse Container Files, Go to Path…, Download…).
import * as vscode from 'vscode';
import { registerBerthCommand } from '../views/commandRunner';
import { BerthFileSystemProvider } from './berthFileSystemProvider';
import { download } from './download';
import { goToPath } from './goToPath';
import { openContainerFiles } from './openContainerFiles';
import { TargetClients, type ExplorerTargets } from './targetClients';

const MIB = 1024 * 1024;

export interface Explorer {
  provider: BerthFileSystemProvider;
  disposables: vscode.Disposable[];
}

export function registerExplorer(targets: ExplorerTargets, log: vscode.LogOutputChannel): Explorer {
  const clients = new TargetClients(targets);
  // Each command reports its failure to the user and the log (with Show Log) instead of letting it vanish.
  const command = (id: string, run: (argument?: unknown) => Promise<unknown>) => registerBerthCommand(id, log, run);
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
  return {
    provider,
    disposables: [
      provider,
      command('berth.containers.openFilesystem', (argument) => openContainerFiles(targets, clients, argument)),
      command('berth.explorer.goToPath', (resource) => goToPath(targets, clients, resource)),
      command('berth.explorer.download', (resource) => download(resource)),
    ],
  };
}

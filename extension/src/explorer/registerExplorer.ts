// The container file explorer: the `berth:` file system provider (which the activation registers, extension.ts)
// and the commands on container files, in the Containers view's Files rows and in the Explorer.
import * as vscode from 'vscode';
import { ContainerNode } from '../containers/containerNodes';
import type { ContainersTreeProvider } from '../containers/containersTreeProvider';
import { registerBerthCommand } from '../views/commandRunner';
import { BerthFileSystemProvider } from './berthFileSystemProvider';
import { download } from './download';
import { createEntry, deleteEntries, renameEntry } from './fileCommands';
import { goToPath } from './goToPath';
import { browseContainerFiles, openPlaceIn } from './openContainerFiles';
import { TargetClients, type ExplorerTargets } from './targetClients';

const MIB = 1024 * 1024;

export function createFileSystem(targets: ExplorerTargets, log: vscode.LogOutputChannel): BerthFileSystemProvider {
  return new BerthFileSystemProvider(
    new TargetClients(targets),
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
}

export function registerFileCommands(tree: ContainersTreeProvider, view: vscode.TreeView<unknown>, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const context = { tree, view };
  // Each command reports its failure to the user and the log (with Show Log) instead of letting it vanish.
  const commands: Record<string, (...args: any[]) => unknown> = {
    'berth.containers.openFilesystem': (argument?: unknown) => browseContainerFiles(context, argument),
    'berth.containers.openInExplorer': (argument?: unknown) => openPlaceIn('explorer', tree, argument),
    'berth.containers.openInNewWindow': (argument?: unknown) => openPlaceIn('window', tree, argument),
    'berth.explorer.goToPath': (resource?: unknown) => goToPath(context, resource),
    'berth.explorer.download': (resource?: unknown) => download(resource),
    'berth.files.newFile': (node?: unknown) => createEntry(tree, view, 'file', node),
    'berth.files.newFolder': (node?: unknown) => createEntry(tree, view, 'folder', node),
    'berth.files.rename': (node?: unknown) => renameEntry(tree, node),
    'berth.files.delete': (node?: unknown, nodes?: unknown) => deleteEntries(tree, node, nodes),
  };
  return [
    ...Object.entries(commands).map(([id, run]) => registerBerthCommand(id, log, run)),
    // A collapsed folder (or container) stops being followed; expanded again, it is listed afresh.
    view.onDidCollapseElement(({ element }) => tree.files.collapsed(element instanceof ContainerNode ? tree.files.root(element) : element)),
  ];
}

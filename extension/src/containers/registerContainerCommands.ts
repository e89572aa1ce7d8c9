// The Containers view's commands, each a function of (node?, nodes?) that asks the user to pick when
// invoked from the palette; registered with one error handling (views/commandRunner.ts).
import * as vscode from 'vscode';
import { registerBerthCommand } from '../views/commandRunner';
import { copyIntoContainer, copyOutOfContainer } from './commands/copyFiles';
import { lifecycleActions, runLifecycleAction } from './commands/lifecycleCommands';
import { openInBrowser } from './commands/openInBrowser';
import { pruneContainers } from './commands/pruneContainers';
import { removeContainers } from './commands/removeContainers';
import { renameContainer } from './commands/renameContainer';
import { viewLogs, type ContainerLogs } from './commands/viewLogs';
import { containerDocumentUri, INSPECT_SCHEME, STATS_SCHEME, type InspectDocuments } from './containerDocuments';
import type { ContainersTreeProvider } from './containersTreeProvider';
import { containerFor } from './pickContainers';

export interface ContainerCommandContext {
  tree: ContainersTreeProvider;
  logs: ContainerLogs;
  inspect: InspectDocuments;
  log: vscode.LogOutputChannel;
}

export function registerContainerCommands({ tree, logs, inspect, log }: ContainerCommandContext): vscode.Disposable[] {
  const commands: Record<string, (...args: any[]) => unknown> = {
    ...Object.fromEntries(
      Object.entries(lifecycleActions).map(([id, action]) => [id, (node: unknown, nodes: unknown) => runLifecycleAction(tree, action, node, nodes)]),
    ),
    'berth.containers.remove': (node: unknown, nodes: unknown) => removeContainers(tree, node, nodes),
    'berth.containers.rename': (node: unknown) => renameContainer(tree, node),
    'berth.containers.viewLogs': (node: unknown) => viewLogs(tree, logs, node),
    'berth.containers.openInBrowser': (node: unknown) => openInBrowser(tree, node),
    'berth.containers.inspect': async (node: unknown) => {
      const target = await containerFor(tree, node, { placeHolder: vscode.l10n.t('Container to inspect') });
      const doc = await vscode.workspace.openTextDocument(containerDocumentUri(INSPECT_SCHEME, target, '.json'));
      await vscode.window.showTextDocument(doc, { preview: false });
    },
    'berth.containers.stats': async (node: unknown) => {
      const target = await containerFor(tree, node, { states: ['running', 'paused'], placeHolder: vscode.l10n.t('Container whose stats to show') });
      const doc = await vscode.workspace.openTextDocument(containerDocumentUri(STATS_SCHEME, target, ' (stats)'));
      await vscode.window.showTextDocument(doc, { preview: false });
    },
    'berth.containers.copyInto': (node: unknown, uri: unknown) => copyIntoContainer(tree, node, uri),
    'berth.containers.copyOutOf': (node: unknown) => copyOutOfContainer(tree, node),
    'berth.containers.prune': (node: unknown) => pruneContainers(tree, node),
    'berth.inspect.refresh': (uri?: unknown) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (target?.scheme === INSPECT_SCHEME) inspect.refresh(target);
    },
  };
  return Object.entries(commands).map(([id, run]) => registerBerthCommand(id, log, run));
}

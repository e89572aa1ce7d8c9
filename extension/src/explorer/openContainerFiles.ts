// Berth: Browse Container Files (berth.containers.openFilesystem): the container's root (or a folder in it)
// as a workspace folder, so search, quick open, edit and save work on it as on local files. Called from the
// Containers view with its node, from other code with `{ targetId, containerId, path? }`, or from the
// palette with nothing (then the user picks a container).
import * as vscode from 'vscode';
import type { ContainerSummary } from '../../../helper/src/protocol';
import { BERTH_SCHEME, containerUri } from './containerUri';
import type { TargetClients, ExplorerTargets } from './targetClients';

export interface ContainerChoice {
  targetId: string;
  container: string;
  /** Shown as the workspace folder's name. */
  label: string;
  path: string;
}

/** Reads the argument the command was given: a string (container on the local target), `{ targetId, containerId }` or a container tree node. */
export function choiceFromArgument(argument: unknown): ContainerChoice | undefined {
  if (typeof argument === 'string' && argument.trim() !== '') {
    const [first, second] = argument.split('/', 2);
    return second ? { targetId: first!, container: second, label: second, path: '/' } : { targetId: 'local', container: first!, label: first!, path: '/' };
  }
  if (typeof argument !== 'object' || argument === null) return undefined;
  const record = argument as Record<string, unknown>;
  const path = typeof record.path === 'string' && record.path.startsWith('/') ? record.path : '/';
  if (typeof record.targetId === 'string' && typeof record.containerId === 'string') {
    const label = typeof record.name === 'string' ? record.name : record.containerId;
    return { targetId: record.targetId, container: record.containerId, label, path };
  }
  // The Containers view's node: { target: { id }, id, name }.
  const target = record.target as { id?: unknown } | undefined;
  if (target && typeof target.id === 'string' && typeof record.id === 'string') {
    const name = typeof record.name === 'string' ? record.name : record.id;
    // The name reads well in URIs and survives nothing worse than a rename; the id is exact.
    return { targetId: target.id, container: record.id, label: name, path };
  }
  return undefined;
}

export async function pickContainer(targets: ExplorerTargets, clients: TargetClients): Promise<ContainerChoice | undefined> {
  const items: Array<vscode.QuickPickItem & { choice: ContainerChoice }> = [];
  for (const target of targets.all()) {
    // A target still connecting (the window has just opened) is waited for; others are not connected here.
    if (target.state.kind !== 'connected' && target.state.kind !== 'connecting') continue;
    let containers: ContainerSummary[] = [];
    try {
      containers = await (await clients.client(target.id)).call('containers.list', { all: true });
    } catch {
      continue;
    }
    for (const container of containers) {
      items.push({
        label: container.name,
        description: `${target.label} · ${container.state}`,
        detail: container.image,
        choice: { targetId: target.id, container: container.id, label: container.name, path: '/' },
      });
    }
  }
  if (items.length === 0) {
    const typed = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Container id or name (on the local target)') });
    return typed ? choiceFromArgument(typed.trim()) : undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Container whose files to browse') }))?.choice;
}

export async function openContainerFiles(targets: ExplorerTargets, clients: TargetClients, argument?: unknown): Promise<vscode.Uri | undefined> {
  const choice = choiceFromArgument(argument) ?? (await pickContainer(targets, clients));
  if (!choice) return undefined;
  const uri = containerUri(choice.targetId, choice.container, choice.path);
  // Fails early, with the helper's message, for a container that does not exist.
  const stat = await vscode.workspace.fs.stat(uri);
  if (!(stat.type & vscode.FileType.Directory)) {
    await vscode.window.showTextDocument(uri);
    return uri;
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  const existing = folders.find((folder) => folder.uri.toString() === uri.toString());
  if (!existing) {
    const target = clients.target(choice.targetId);
    const name = `${choice.label}${choice.path === '/' ? '' : choice.path} (${target.label})`;
    if (!vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name })) {
      throw new Error(vscode.l10n.t('VS Code did not add {0} as a workspace folder', uri.toString()));
    }
  }
  await vscode.commands.executeCommand('workbench.view.explorer');
  return uri;
}

export function isBerthUri(uri: vscode.Uri): boolean {
  return uri.scheme === BERTH_SCHEME;
}

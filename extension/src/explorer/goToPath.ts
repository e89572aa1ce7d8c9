// Berth: Go to Path… (berth.explorer.goToPath): opens any path typed by the user in a container, a file in
// an editor or a folder in the Explorer. From the Explorer's context menu on a `berth:` resource the
// container is that one; from the palette the user picks it.
import * as vscode from 'vscode';
import { BERTH_SCHEME, containerUri, parseContainerUri } from './containerUri';
import { openContainerFiles, pickContainer } from './openContainerFiles';
import type { ExplorerTargets, TargetClients } from './targetClients';

export async function goToPath(targets: ExplorerTargets, clients: TargetClients, resource?: unknown): Promise<void> {
  let targetId: string;
  let container: string;
  let label: string;
  let start = '/';
  if (resource instanceof vscode.Uri && resource.scheme === BERTH_SCHEME) {
    const at = parseContainerUri(resource);
    ({ targetId, container } = at);
    label = container;
    start = at.path;
  } else {
    const choice = await pickContainer(targets, clients);
    if (!choice) return;
    ({ targetId, container, label } = choice);
  }
  const path = await vscode.window.showInputBox({
    prompt: vscode.l10n.t('Path inside {0}', label),
    value: start,
    validateInput: (value) => (value.startsWith('/') ? undefined : vscode.l10n.t('An absolute path, starting with /')),
  });
  if (!path) return;
  const uri = containerUri(targetId, container, path);
  const stat = await vscode.workspace.fs.stat(uri);
  if (!(stat.type & vscode.FileType.Directory)) {
    await vscode.window.showTextDocument(uri, { preview: false });
    return;
  }
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  await openContainerFiles(targets, clients, { targetId, containerId: container, name: label, path: uri.path.replace(/^\/[^/]+/, '') || '/' });
}

// Berth: Go to Path… (berth.explorer.goToPath): opens any path typed by the user in a container, a file in
// an editor, a folder where it is shown: in the Explorer when it is inside a workspace folder there, else
// under the container's Files in the Containers view. From a `berth:` resource (the Explorer's menu) or a
// Files row (the Containers view's) the container is that one; from the palette the user picks it.
import * as vscode from 'vscode';
import { required } from '../views/commandRunner';
import { BERTH_SCHEME, containerUri, parseContainerUri } from './containerUri';
import { placeOf, showInBerthView, type FilesViewContext } from './openContainerFiles';
import { containerFor } from '../containers/pickContainers';

export async function goToPath(context: FilesViewContext, resource?: unknown): Promise<void> {
  const place = placeOf(context.tree, resource) ?? { container: await containerFor(context.tree, undefined, { placeHolder: vscode.l10n.t('Container to go to a path in') }), path: '/' };
  const path = required(
    await vscode.window.showInputBox({
      prompt: vscode.l10n.t('Path inside {0}', place.container.name),
      value: place.path,
      validateInput: (value) => (value.startsWith('/') ? undefined : vscode.l10n.t('An absolute path, starting with /')),
    }),
  );
  // A resource from the Explorer keeps its workspace folder's way of naming the container (a name or the id).
  const container = resource instanceof vscode.Uri && resource.scheme === BERTH_SCHEME ? parseContainerUri(resource).container : place.container.id;
  const uri = containerUri(place.container.target.id, container, path);
  const stat = await vscode.workspace.fs.stat(uri);
  if (!(stat.type & vscode.FileType.Directory)) {
    await vscode.window.showTextDocument(uri, { preview: false });
    return;
  }
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  await showInBerthView(context, { container: place.container, path: parseContainerUri(uri).path });
}

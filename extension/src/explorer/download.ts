// Berth: Download… (berth.explorer.download): saves a container's file or folder on this machine. VS Code
// copies between the two file systems itself (reading through the provider, writing locally). Offered in
// the Containers view's Files rows; the Explorer has VS Code's own Download… for `berth:` resources.
import { posix } from 'node:path';
import * as vscode from 'vscode';
import { ContainerFileNode, ContainerFilesNode } from './containerFileTree';
import { BERTH_SCHEME } from './containerUri';

export async function download(argument?: unknown): Promise<void> {
  const resource = argument instanceof ContainerFilesNode || argument instanceof ContainerFileNode ? argument.uri : argument;
  if (!(resource instanceof vscode.Uri) || resource.scheme !== BERTH_SCHEME) {
    throw new Error(vscode.l10n.t('Choose a file or folder under a container\'s Files in the Containers view to download'));
  }
  const name = argument instanceof ContainerFilesNode ? argument.container.name : posix.basename(resource.path) || 'root';
  const stat = await vscode.workspace.fs.stat(resource);
  let target: vscode.Uri | undefined;
  if (stat.type & vscode.FileType.Directory) {
    const [folder] = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Download Here') })) ?? [];
    target = folder && vscode.Uri.joinPath(folder, name);
  } else {
    target = await vscode.window.showSaveDialog({ saveLabel: vscode.l10n.t('Download'), defaultUri: vscode.Uri.file(posix.join(process.env.HOME ?? '/', name)) });
  }
  if (!target) return;
  const destination = target;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', name) }, () =>
    Promise.resolve(vscode.workspace.fs.copy(resource, destination, { overwrite: true })),
  );
  void vscode.window.showInformationMessage(vscode.l10n.t('Downloaded {0} to {1}', name, destination.fsPath));
}

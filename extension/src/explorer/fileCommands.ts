// The Files node's commands in the Containers view (New File…, New Folder…, Rename…, Delete), as the
// Explorer has them: each goes through the `berth:` file system, as an edit in the Explorer would, and
// shows its result at once (the folder's watch would tell a moment later anyway).
import { posix } from 'node:path';
import * as vscode from 'vscode';
import type { ContainersTreeProvider } from '../containers/containersTreeProvider';
import { Cancelled, required } from '../views/commandRunner';
import { ContainerFileNode, ContainerFilesNode, type FolderNode } from './containerFileTree';
import { fileNameProblem } from './fileNaming';

function folderOf(node: unknown): FolderNode {
  if (node instanceof ContainerFilesNode || (node instanceof ContainerFileNode && node.isFolder)) return node;
  if (node instanceof ContainerFileNode) return node.parent;
  throw new Error(vscode.l10n.t('Choose a folder under a container\'s Files in the Containers view'));
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return false;
    throw error;
  }
}

/** New File… / New Folder…: asks for the name, makes it in the container, opens the file or reveals the folder. */
export async function createEntry(tree: ContainersTreeProvider, view: vscode.TreeView<unknown>, kind: 'file' | 'folder', node: unknown): Promise<void> {
  const folder = folderOf(node);
  const name = required(
    await vscode.window.showInputBox({
      title: kind === 'file' ? vscode.l10n.t('New File in {0}', folder.container.name) : vscode.l10n.t('New Folder in {0}', folder.container.name),
      prompt: vscode.l10n.t('A name in {0} (a/b makes the folder a too)', folder.path),
      validateInput: (value) => fileNameProblem(value, { nested: true }),
    }),
  );
  const uri = vscode.Uri.joinPath(folder.uri, name);
  if (await exists(uri)) throw new Error(vscode.l10n.t('{0} already exists in {1}', posix.join(folder.path, name), folder.container.name));
  if (kind === 'file') await vscode.workspace.fs.writeFile(uri, new Uint8Array());
  else await vscode.workspace.fs.createDirectory(uri);
  tree.files.refresh(folder);
  const created = tree.files.nodeAt(folder.container, posix.join(folder.path, name));
  if (kind === 'file') {
    if (created instanceof ContainerFileNode) created.type = vscode.FileType.File;
    await vscode.window.showTextDocument(uri, { preview: false });
  } else {
    await view.reveal(created, { select: true, focus: true });
  }
}

/** Rename…: a new name in the same folder; never over an existing entry. */
export async function renameEntry(tree: ContainersTreeProvider, node: unknown): Promise<void> {
  if (!(node instanceof ContainerFileNode)) throw new Error(vscode.l10n.t('Choose a file or folder under a container\'s Files in the Containers view'));
  const name = required(
    await vscode.window.showInputBox({
      title: vscode.l10n.t('Rename {0}', node.path),
      value: node.name,
      valueSelection: [0, node.isFolder || !node.name.includes('.') ? node.name.length : node.name.lastIndexOf('.')],
      validateInput: (value) => fileNameProblem(value, { nested: false }),
    }),
  );
  if (name === node.name) return;
  await vscode.workspace.fs.rename(node.uri, vscode.Uri.joinPath(node.parent.uri, name), { overwrite: false });
  tree.files.refresh(node.parent);
}

/** Delete: after a question, since nothing in a container has a trash; several selected rows go together. */
export async function deleteEntries(tree: ContainersTreeProvider, node: unknown, nodes: unknown): Promise<void> {
  const selected = (Array.isArray(nodes) && nodes.length > 0 ? nodes : [node]).filter((n): n is ContainerFileNode => n instanceof ContainerFileNode);
  if (selected.length === 0) throw new Error(vscode.l10n.t('Choose a file or folder under a container\'s Files in the Containers view'));
  const first = selected[0]!;
  const what = selected.length === 1 ? first.path : vscode.l10n.t('{0} files and folders', selected.length);
  const remove = vscode.l10n.t('Delete');
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete {0} from {1}?', what, first.container.name),
    {
      modal: true,
      detail: selected.some((n) => n.isFolder)
        ? vscode.l10n.t('Folders are deleted with everything in them. This cannot be undone.')
        : vscode.l10n.t('This cannot be undone.'),
    },
    remove,
  );
  if (answer !== remove) throw new Cancelled();
  const results = await Promise.allSettled(selected.map((n) => vscode.workspace.fs.delete(n.uri, { recursive: true, useTrash: false })));
  for (const parent of new Set(selected.map((n) => n.parent))) tree.files.refresh(parent);
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${selected[i]!.path}: ${(r.reason as Error).message}`] : []));
  if (failed.length > 0) throw new Error(failed.join('; '));
}

// Where a container's files are shown: the Files node under the container in the Containers view (no
// change to the workspace), the Explorer (a workspace folder: search and quick open work there, but a
// window that holds a single folder becomes a multi-root workspace, and VS Code reloads it), or a new
// window opened on the container's root. Browse Container Files from the palette offers the three.
import * as vscode from 'vscode';
import { ContainerNode } from '../containers/containerNodes';
import type { ContainersTreeProvider } from '../containers/containersTreeProvider';
import { containerFor } from '../containers/pickContainers';
import { Cancelled } from '../views/commandRunner';
import { ContainerFileNode, ContainerFilesNode } from './containerFileTree';
import { BERTH_SCHEME, containerUri, parseContainerUri } from './containerUri';
import { addingFolderReloads } from './fileNaming';

/** A folder (or file) in a container, as the commands here receive it. */
export interface ContainerPlace {
  container: ContainerNode;
  /** Absolute, inside the container. */
  path: string;
}

export interface FilesViewContext {
  tree: ContainersTreeProvider;
  /** The Containers view, for reveal. */
  view: vscode.TreeView<unknown>;
}

/**
 * Reads what a command was given: a container row, a Files/folder/file row, a `berth:` URI, or (from other
 * code) `{ targetId, containerId, path? }`; undefined when it names no container the view knows.
 */
export function placeOf(tree: ContainersTreeProvider, argument: unknown): ContainerPlace | undefined {
  if (argument instanceof ContainerNode) return { container: argument, path: '/' };
  if (argument instanceof ContainerFilesNode || argument instanceof ContainerFileNode) {
    return { container: argument.container as ContainerNode, path: argument.path };
  }
  if (argument instanceof vscode.Uri && argument.scheme === BERTH_SCHEME) {
    const at = parseContainerUri(argument);
    const container = tree.find(at.targetId, at.container);
    return container && { container, path: at.path };
  }
  if (typeof argument === 'object' && argument !== null) {
    const { targetId, containerId, path } = argument as Record<string, unknown>;
    if (typeof targetId !== 'string' || typeof containerId !== 'string') return undefined;
    const container = tree.find(targetId, containerId);
    return container && { container, path: typeof path === 'string' && path.startsWith('/') ? path : '/' };
  }
  return undefined;
}

/** The place a command was given, or a container the user picks (its root). */
async function placeOrPick(tree: ContainersTreeProvider, argument: unknown, placeHolder: string): Promise<ContainerPlace> {
  const place = placeOf(tree, argument);
  if (place) return place;
  if (argument !== undefined) throw new Error(vscode.l10n.t('No such container in the Containers view: {0}', describe(argument)));
  return { container: await containerFor(tree, undefined, { placeHolder }), path: '/' };
}

function describe(argument: unknown): string {
  return argument instanceof vscode.Uri ? argument.toString() : JSON.stringify(argument) ?? String(argument);
}

/** The Files node (or the folder at `path` below it), revealed, expanded and selected in the Containers view. */
export async function showInBerthView({ tree, view }: FilesViewContext, { container, path }: ContainerPlace): Promise<void> {
  await view.reveal(tree.files.nodeAt(container, path), { expand: true, select: true, focus: true });
}

/** The workspace folder's name: the container, the folder in it if not the root, and the target. */
function folderName({ container, path }: ContainerPlace): string {
  return `${container.name}${path === '/' ? '' : path} (${container.target.label})`;
}

/** Adds the place as a workspace folder, after saying so when VS Code will reload the window for it. */
export async function openInExplorer(place: ContainerPlace): Promise<void> {
  const uri = containerUri(place.container.target.id, place.container.id, place.path);
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.some((folder) => folder.uri.toString() === uri.toString())) {
    if (addingFolderReloads(vscode.workspace.workspaceFile)) {
      const add = vscode.l10n.t('Add and Reload');
      const newWindow = vscode.l10n.t('Open in New Window');
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t('Adding {0} to the Explorer reloads VS Code', folderName(place)),
        {
          modal: true,
          detail:
            folders.length === 0
              ? vscode.l10n.t('This window has no folder: VS Code reloads it to open one, closing terminals and output. The Files node under the container in the Berth view shows its files without a reload.')
              : vscode.l10n.t('This window holds a single folder: a second one makes it a multi-root workspace, which VS Code reloads the window to open, closing terminals and output. The Files node under the container in the Berth view shows its files without a reload.'),
        },
        add,
        newWindow,
      );
      if (answer === newWindow) return openInNewWindow(place);
      if (answer !== add) throw new Cancelled();
    }
    if (!vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name: folderName(place) })) {
      throw new Error(vscode.l10n.t('VS Code did not add {0} as a workspace folder', uri.toString()));
    }
  }
  await vscode.commands.executeCommand('workbench.view.explorer');
}

/**
 * A new VS Code window on the place. Its URI names the container by name, not id: VS Code titles the window
 * and its folder after the URI (a workspace folder added here gets a name of its own instead).
 */
export async function openInNewWindow(place: ContainerPlace): Promise<void> {
  await vscode.commands.executeCommand('vscode.openFolder', containerUri(place.container.target.id, place.container.name, place.path), { forceNewWindow: true });
}

/** Berth: Browse Container Files. From a row or other code: the Files node; from the palette: the user's choice. */
export async function browseContainerFiles(context: FilesViewContext, argument?: unknown): Promise<void> {
  const place = await placeOrPick(context.tree, argument, vscode.l10n.t('Container whose files to browse'));
  if (argument !== undefined) return showInBerthView(context, place);
  const reloads = addingFolderReloads(vscode.workspace.workspaceFile);
  const choices = [
    { label: vscode.l10n.t('In the Berth View'), detail: vscode.l10n.t('The Files node under the container: open, edit, create and delete files; the workspace stays as it is'), run: () => showInBerthView(context, place) },
    {
      label: vscode.l10n.t('Open in Explorer'),
      detail: reloads
        ? vscode.l10n.t('A workspace folder, for search and quick open; VS Code reloads this window to add it')
        : vscode.l10n.t('A workspace folder, for search and quick open'),
      run: () => openInExplorer(place),
    },
    { label: vscode.l10n.t('Open in New Window'), detail: vscode.l10n.t('A window of its own on the container\'s files'), run: () => openInNewWindow(place) },
  ];
  const picked = await vscode.window.showQuickPick(choices, { placeHolder: vscode.l10n.t('Where to show the files of {0}', place.container.name) });
  if (!picked) throw new Cancelled();
  await picked.run();
}

/** Berth: Open in Explorer / Open in New Window, from a row or the palette. */
export async function openPlaceIn(where: 'explorer' | 'window', tree: ContainersTreeProvider, argument?: unknown): Promise<void> {
  const place = await placeOrPick(tree, argument, vscode.l10n.t('Container whose files to open'));
  await (where === 'explorer' ? openInExplorer(place) : openInNewWindow(place));
}

// The Files node under each container in the Containers view, and the folders and files below it: a
// container's root filesystem browsed in Berth's own view through the same `berth:` file system as the
// Explorer, so that nothing changes in the workspace (a second workspace folder makes a single-folder window
// a multi-root workspace, which reloads VS Code). A folder is listed when it is expanded and, while it is
// shown, followed by a watch of its own, so that a file made inside the container appears by itself.
import { posix } from 'node:path';
import * as vscode from 'vscode';
import { BERTH_SCHEME, containerUri, parseContainerUri } from './containerUri';
import { sortEntries } from './fileNaming';

/** The container a Files node belongs to (a ContainerNode of the Containers view). */
export interface FilesOwner {
  readonly id: string;
  readonly name: string;
  readonly target: { readonly id: string; readonly label: string };
}

/** What the tree reads the files through: the `berth:` file system provider. */
export type FileSource = Pick<vscode.FileSystemProvider, 'readDirectory' | 'watch' | 'onDidChangeFile'>;

/** The container's root, "Files". */
export class ContainerFilesNode {
  readonly kind = 'containerFiles';
  readonly path = '/';

  constructor(readonly container: FilesOwner) {}

  get uri(): vscode.Uri {
    return containerUri(this.container.target.id, this.container.id, '/');
  }

  get isFolder(): boolean {
    return true;
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Files'), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = fileNodeId(this.container, '/');
    item.contextValue = 'containerFiles';
    item.iconPath = new vscode.ThemeIcon('files');
    item.tooltip = vscode.l10n.t('The root filesystem of {0}, as the container sees it', this.container.name);
    return item;
  }
}

/** A folder or file inside a container. */
export class ContainerFileNode {
  readonly kind = 'containerFile';

  constructor(
    readonly parent: ContainerFilesNode | ContainerFileNode,
    readonly name: string,
    public type: vscode.FileType,
  ) {}

  get container(): FilesOwner {
    return this.parent.container;
  }

  get path(): string {
    return posix.join(this.parent.path, this.name);
  }

  get uri(): vscode.Uri {
    return containerUri(this.container.target.id, this.container.id, this.path);
  }

  get isFolder(): boolean {
    return (this.type & vscode.FileType.Directory) !== 0;
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, this.isFolder ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = fileNodeId(this.container, this.path);
    // The resource gives the file icon theme's icon and the editor's title; the label stays the name.
    item.resourceUri = this.uri;
    item.iconPath = this.isFolder ? vscode.ThemeIcon.Folder : vscode.ThemeIcon.File;
    item.contextValue = this.isFolder ? 'containerFile.folder' : 'containerFile.file';
    item.tooltip = this.type & vscode.FileType.SymbolicLink ? vscode.l10n.t('{0} (a symbolic link)', this.path) : this.path;
    if (this.type & vscode.FileType.SymbolicLink) item.description = '↪';
    if (!this.isFolder) item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [this.uri] };
    return item;
  }
}

/** A row that says why a folder could not be listed. */
export class FilesMessageNode {
  readonly kind = 'filesMessage';

  constructor(
    readonly parent: ContainerFilesNode | ContainerFileNode,
    readonly text: string,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.text, vscode.TreeItemCollapsibleState.None);
    item.id = `${fileNodeId(this.parent.container, this.parent.path)}#message`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.tooltip = this.text;
    item.contextValue = 'filesMessage';
    return item;
  }
}

export type FolderNode = ContainerFilesNode | ContainerFileNode;
export type FileTreeNode = ContainerFilesNode | ContainerFileNode | FilesMessageNode;

export function isFileTreeNode(node: unknown): node is FileTreeNode {
  return node instanceof ContainerFilesNode || node instanceof ContainerFileNode || node instanceof FilesMessageNode;
}

function fileNodeId(container: FilesOwner, path: string): string {
  return `berth.files/${container.target.id}/${container.id}${path}`;
}

interface ShownFolder {
  node: FolderNode;
  watch: vscode.Disposable;
}

export class ContainerFileTree implements vscode.Disposable {
  /** Every node made, by URI, so that a refresh hands VS Code the same objects (it keeps their expansion). */
  private readonly nodes = new Map<string, FolderNode>();
  /** The folders whose listing is shown, each with its watch. */
  private readonly shown = new Map<string, ShownFolder>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly files: FileSource,
    /** Asks the view to read a node's children again. */
    private readonly changed: (node: FolderNode) => void,
  ) {
    this.subscription = files.onDidChangeFile((events) => this.onChange(events));
  }

  /** The container's Files node (the same object each time). */
  root(container: FilesOwner): ContainerFilesNode {
    const key = containerUri(container.target.id, container.id, '/').toString();
    const known = this.nodes.get(key);
    if (known instanceof ContainerFilesNode && known.container === container) return known;
    const node = new ContainerFilesNode(container);
    this.nodes.set(key, node);
    return node;
  }

  /** A folder's entries, folders first; starts following its changes. */
  async children(folder: FolderNode): Promise<Array<ContainerFileNode | FilesMessageNode>> {
    const key = folder.uri.toString();
    let entries: [string, vscode.FileType][];
    try {
      entries = sortEntries(await this.files.readDirectory(folder.uri));
    } catch (error) {
      return [new FilesMessageNode(folder, error instanceof Error ? error.message : String(error))];
    }
    if (!this.shown.has(key)) this.shown.set(key, { node: folder, watch: this.files.watch(folder.uri, { recursive: false, excludes: [] }) });
    const names = new Set(entries.map(([name]) => name));
    // Entries gone since the last listing: forget them and everything shown below them.
    for (const uri of [...this.nodes.keys()]) {
      const node = this.nodes.get(uri);
      if (node instanceof ContainerFileNode && node.parent === folder && !names.has(node.name)) this.forget(uri);
    }
    return entries.map(([name, type]) => this.child(folder, name, type));
  }

  /** The node of a path in the container, with its ancestors (for reveal), made without listing. */
  nodeAt(container: FilesOwner, path: string): FolderNode {
    let node: FolderNode = this.root(container);
    for (const name of path.split('/').filter((part) => part !== '')) node = this.child(node, name, vscode.FileType.Directory, false);
    return node;
  }

  /** Stops following a folder (collapsed in the view) and everything below it. */
  collapsed(node: unknown): void {
    if (node instanceof ContainerFilesNode || node instanceof ContainerFileNode) this.stopWatching(node.uri.toString());
  }

  /** Forgets a container's files (the container was removed, or its target went away). */
  forgetContainer(container: FilesOwner): void {
    this.forget(containerUri(container.target.id, container.id, '/').toString());
  }

  /** Reads a folder again now (after a command changed it; its watch would tell soon anyway). */
  refresh(node: FolderNode): void {
    this.changed(node);
  }

  private child(folder: FolderNode, name: string, type: vscode.FileType, exact = true): ContainerFileNode {
    const uri = containerUri(folder.container.target.id, folder.container.id, posix.join(folder.path, name)).toString();
    const known = this.nodes.get(uri);
    if (known instanceof ContainerFileNode && known.parent === folder) {
      if (exact && known.type !== type) {
        // A file that became a folder (or the other way): its old listing no longer applies.
        this.stopWatching(uri);
        known.type = type;
      }
      return known;
    }
    const node = new ContainerFileNode(folder, name, type);
    this.nodes.set(uri, node);
    return node;
  }

  private onChange(events: readonly vscode.FileChangeEvent[]): void {
    const refresh = new Set<FolderNode>();
    for (const event of events) {
      if (event.uri.scheme !== BERTH_SCHEME) continue;
      const at = parseContainerUri(event.uri);
      const key = (path: string) => containerUri(at.targetId, at.container, path).toString();
      // A change of a folder itself (an overflow of its watch) re-reads it; a name made or removed, its parent.
      const folder = this.shown.get(key(event.type === vscode.FileChangeType.Changed ? at.path : posix.dirname(at.path)));
      if (folder) refresh.add(folder.node);
    }
    for (const node of refresh) this.changed(node);
  }

  /** Drops the node at `uri` and everything below it. */
  private forget(uri: string): void {
    this.stopWatching(uri);
    for (const key of [...this.nodes.keys()]) if (isAtOrBelow(key, uri)) this.nodes.delete(key);
  }

  private stopWatching(uri: string): void {
    for (const [key, shown] of [...this.shown]) {
      if (!isAtOrBelow(key, uri)) continue;
      shown.watch.dispose();
      this.shown.delete(key);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    for (const shown of this.shown.values()) shown.watch.dispose();
    this.shown.clear();
    this.nodes.clear();
  }
}

function isAtOrBelow(uri: string, folder: string): boolean {
  return uri === folder || uri.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}

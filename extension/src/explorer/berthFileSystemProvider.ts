// The `berth:` file system: a container's root filesystem served by its target's helper (fs.* methods),
// so that the Explorer, editors, search and quick open work on it as on local files. Every failure is a
// FileSystemError; changes inside the container reach VS Code through fs.watch streams.
import * as vscode from 'vscode';
import type { ClientStream, FileChange, FileKind, FileStat } from '../../../helper/src/protocol';
import { parseContainerUri, siblingUri, type ContainerPath } from './containerUri';
import { readFileBytes, writeFileBytes } from './fileTransfer';
import { toFileSystemError } from './fsErrors';
import type { TargetClients } from './targetClients';

export interface ExplorerSettings {
  /** Files above this many bytes are read only after the user agrees. */
  largeFileThresholdBytes(): number;
  /** Asks whether to read a large file; true to go on. */
  confirmLargeRead(uri: vscode.Uri, size: number): Promise<boolean>;
}

export function fileTypeOf(kind: FileKind, symlink: boolean): vscode.FileType {
  const base =
    kind === 'file' ? vscode.FileType.File : kind === 'directory' ? vscode.FileType.Directory : vscode.FileType.Unknown;
  return symlink ? base | vscode.FileType.SymbolicLink : base;
}

export class BerthFileSystemProvider implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  /** Large files the user agreed to open, by URI and size, so that a reload does not ask again. */
  private readonly agreed = new Set<string>();
  private readonly watches = new Set<ContainerWatch>();

  constructor(
    private readonly clients: TargetClients,
    private readonly settings: ExplorerSettings,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  dispose(): void {
    for (const watch of this.watches) watch.dispose();
    this.changed.dispose();
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const stat = await this.statOf(uri);
    return {
      type: fileTypeOf(stat.kind, stat.symlink),
      size: stat.size,
      mtime: Math.floor(stat.mtime),
      ctime: Math.floor(stat.ctime),
      ...(stat.readonly ? { permissions: vscode.FilePermission.Readonly } : {}),
    };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.run(uri, async (client, at) => {
      const { entries } = await client.call('fs.readDirectory', { container: at.container, path: at.path });
      return entries.map((entry): [string, vscode.FileType] => [entry.name, fileTypeOf(entry.kind, entry.symlink)]);
    });
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const stat = await this.statOf(uri);
    const threshold = this.settings.largeFileThresholdBytes();
    const key = `${uri.toString()}#${stat.size}`;
    if (stat.kind === 'file' && stat.size > threshold && !this.agreed.has(key)) {
      if (!(await this.settings.confirmLargeRead(uri, stat.size))) {
        throw vscode.FileSystemError.Unavailable(`${uri.path} was not opened: it is larger than berth.explorer.largeFileThresholdMB`);
      }
      this.agreed.add(key);
    }
    return this.run(uri, (client, at) => readFileBytes(client, at.container, at.path, {}, stat.size));
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): Promise<void> {
    await this.run(uri, (client, at) => writeFileBytes(client, at.container, at.path, content, options));
  }

  async createDirectory(uri: vscode.Uri): Promise<void> {
    await this.run(uri, (client, at) => client.call('fs.createDirectory', { container: at.container, path: at.path }));
  }

  async delete(uri: vscode.Uri, options: { readonly recursive: boolean }): Promise<void> {
    await this.run(uri, (client, at) => client.call('fs.delete', { container: at.container, path: at.path, recursive: options.recursive }));
  }

  async rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { readonly overwrite: boolean }): Promise<void> {
    await this.betweenTwo('fs.rename', oldUri, newUri, options.overwrite);
  }

  async copy(source: vscode.Uri, destination: vscode.Uri, options: { readonly overwrite: boolean }): Promise<void> {
    await this.betweenTwo('fs.copy', source, destination, options.overwrite);
  }

  watch(uri: vscode.Uri, options: { readonly recursive: boolean; readonly excludes: readonly string[] }): vscode.Disposable {
    const watch = new ContainerWatch(this.clients, uri, options, (events) => this.changed.fire(events), this.log, () => this.watches.delete(watch));
    this.watches.add(watch);
    return watch;
  }

  private statOf(uri: vscode.Uri): Promise<FileStat> {
    return this.run(uri, (client, at) => client.call('fs.stat', { container: at.container, path: at.path }));
  }

  private async betweenTwo(method: 'fs.rename' | 'fs.copy', from: vscode.Uri, to: vscode.Uri, overwrite: boolean): Promise<void> {
    const source = parseContainerUri(from);
    const target = parseContainerUri(to);
    if (source.targetId === target.targetId && source.container === target.container) {
      await this.run(from, (client) => client.call(method, { container: source.container, from: source.path, to: target.path, overwrite }));
      return;
    }
    // Between two containers (VS Code hands a provider both ends when they share its scheme): through
    // this side, file by file.
    if (!overwrite && (await this.exists(to))) throw vscode.FileSystemError.FileExists(to);
    if (overwrite && (await this.exists(to))) await this.delete(to, { recursive: true });
    await this.copyAcross(from, to);
    if (method === 'fs.rename') await this.delete(from, { recursive: true });
  }

  private async copyAcross(from: vscode.Uri, to: vscode.Uri): Promise<void> {
    const stat = await this.statOf(from);
    if (stat.kind === 'directory' && !stat.symlink) {
      await this.createDirectory(to);
      for (const [name] of await this.readDirectory(from)) {
        await this.copyAcross(vscode.Uri.joinPath(from, name), vscode.Uri.joinPath(to, name));
      }
      return;
    }
    if (stat.kind !== 'file') return; // special files and links to folders are not carried across
    const content = await this.run(from, (client, at) => readFileBytes(client, at.container, at.path, {}, stat.size));
    await this.writeFile(to, content, { create: true, overwrite: false });
  }

  private async exists(uri: vscode.Uri): Promise<boolean> {
    try {
      await this.statOf(uri);
      return true;
    } catch (error) {
      if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return false;
      throw error;
    }
  }

  private async run<T>(uri: vscode.Uri, body: (client: Awaited<ReturnType<TargetClients['client']>>, at: ContainerPath) => Promise<T>): Promise<T> {
    const at = parseContainerUri(uri);
    try {
      return await body(await this.clients.client(at.targetId), at);
    } catch (error) {
      throw toFileSystemError(error, uri);
    }
  }
}

/** Delay before re-opening a watch whose stream ended (the target reconnecting, say), doubled up to the maximum. */
const REWATCH_MS = 2000;
const REWATCH_MAX_MS = 60_000;

/** One fs.watch stream, opened again whenever it ends while still wanted (a helper restart, a reconnect). */
class ContainerWatch implements vscode.Disposable {
  private stream: ClientStream | undefined;
  private disposed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delayMs = REWATCH_MS;
  private readonly at: ContainerPath;

  constructor(
    private readonly clients: TargetClients,
    private readonly uri: vscode.Uri,
    private readonly options: { readonly recursive: boolean; readonly excludes: readonly string[] },
    private readonly fire: (events: vscode.FileChangeEvent[]) => void,
    private readonly log: vscode.LogOutputChannel,
    private readonly onDispose: () => void,
  ) {
    this.at = parseContainerUri(uri);
    void this.open();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    void this.stream?.cancel();
    this.onDispose();
  }

  private async open(): Promise<void> {
    if (this.disposed) return;
    try {
      const client = await this.clients.client(this.at.targetId);
      const stream = await client.openStream('fs.watch', {
        container: this.at.container,
        path: this.at.path,
        recursive: this.options.recursive,
        excludes: [...this.options.excludes],
      });
      if (this.disposed) {
        void stream.cancel();
        return;
      }
      this.stream = stream;
      this.delayMs = REWATCH_MS;
      stream.listen({ items: (items) => this.fire((items as FileChange[]).map((change) => this.eventOf(change))) });
      stream.done.then(
        () => this.again(),
        (error: unknown) => this.again(error),
      );
    } catch (error) {
      this.again(error);
    }
  }

  private again(error?: unknown): void {
    if (this.disposed) return;
    this.stream = undefined;
    const reason = error instanceof Error ? error.message : 'ended';
    // A watched path that does not exist (yet): VS Code watches such paths too; try again later.
    this.log.debug(`watch ${this.uri.toString()}: ${reason}; watching again in ${this.delayMs} ms`);
    this.timer = setTimeout(() => void this.open(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, REWATCH_MAX_MS);
  }

  private eventOf(change: FileChange): vscode.FileChangeEvent {
    const uri = siblingUri(this.at, change.path);
    switch (change.type) {
      case 'created':
        return { type: vscode.FileChangeType.Created, uri };
      case 'deleted':
        return { type: vscode.FileChangeType.Deleted, uri };
      default:
        // `overflow`: something under the path changed, unknown what.
        return { type: vscode.FileChangeType.Changed, uri };
    }
  }
}

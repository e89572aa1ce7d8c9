// The `berth:` file system registered at activation (a window reopening on a container's folder asks for it
// at once): every call waits for the core's provider and goes to it.
import * as vscode from 'vscode';
import { StandIn } from './standIn';

type Provider = vscode.FileSystemProvider;

export class DeferredFileSystemProvider extends StandIn<Provider> implements Provider {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  protected wire(provider: Provider): vscode.Disposable {
    return provider.onDidChangeFile((events) => this.changed.fire(events));
  }

  /** VS Code wants the watch's Disposable at once: the core's watch starts when the core is there. */
  watch(uri: vscode.Uri, options: { readonly recursive: boolean; readonly excludes: readonly string[] }): vscode.Disposable {
    let watch: vscode.Disposable | undefined;
    let disposed = false;
    void this.target().then(
      (provider) => {
        if (!disposed) watch = provider.watch(uri, options);
      },
      () => undefined, // the core failed to load: the activation has told the user
    );
    return new vscode.Disposable(() => {
      disposed = true;
      watch?.dispose();
    });
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return (await this.target()).stat(uri);
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return (await this.target()).readDirectory(uri);
  }

  async createDirectory(uri: vscode.Uri): Promise<void> {
    return (await this.target()).createDirectory(uri);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return (await this.target()).readFile(uri);
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): Promise<void> {
    return (await this.target()).writeFile(uri, content, options);
  }

  async delete(uri: vscode.Uri, options: { readonly recursive: boolean }): Promise<void> {
    return (await this.target()).delete(uri, options);
  }

  async rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { readonly overwrite: boolean }): Promise<void> {
    return (await this.target()).rename(oldUri, newUri, options);
  }

  async copy(source: vscode.Uri, destination: vscode.Uri, options: { readonly overwrite: boolean }): Promise<void> {
    const provider = await this.target();
    if (!provider.copy) throw vscode.FileSystemError.Unavailable(source);
    return provider.copy(source, destination, options);
  }

  override dispose(): void {
    super.dispose();
    this.changed.dispose();
  }
}

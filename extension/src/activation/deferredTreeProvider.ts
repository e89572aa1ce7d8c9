// A tree view's data provider registered at activation: the first getChildren loads the core, whose own
// provider then answers; its elements are the core's, so everything after the first call goes straight to it.
import * as vscode from 'vscode';
import { StandIn } from './standIn';

type Provider = vscode.TreeDataProvider<unknown>;

export class DeferredTreeProvider extends StandIn<Provider> implements Provider {
  private readonly changed = new vscode.EventEmitter<unknown>();
  readonly onDidChangeTreeData = this.changed.event;

  protected wire(provider: Provider): vscode.Disposable | undefined {
    return provider.onDidChangeTreeData?.((element) => this.changed.fire(element));
  }

  async getChildren(element?: unknown): Promise<unknown[] | null | undefined> {
    return (await this.target()).getChildren(element);
  }

  getTreeItem(element: unknown): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return this.attached().getTreeItem(element);
  }

  getParent(element: unknown): vscode.ProviderResult<unknown> {
    return this.attached().getParent?.(element);
  }

  override dispose(): void {
    super.dispose();
    this.changed.dispose();
  }
}

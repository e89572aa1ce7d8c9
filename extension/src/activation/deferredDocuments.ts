// The read-only document schemes (inspect, stats) and the terminal profile, registered at activation: each
// waits for the core's provider and asks it.
import * as vscode from 'vscode';
import { StandIn } from './standIn';

export class DeferredContentProvider extends StandIn<vscode.TextDocumentContentProvider> implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  protected wire(provider: vscode.TextDocumentContentProvider): vscode.Disposable | undefined {
    return provider.onDidChange?.((uri) => this.changed.fire(uri));
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string | null | undefined> {
    return (await this.target()).provideTextDocumentContent(uri, token);
  }

  override dispose(): void {
    super.dispose();
    this.changed.dispose();
  }
}

export class DeferredTerminalProfile extends StandIn<vscode.TerminalProfileProvider> implements vscode.TerminalProfileProvider {
  protected wire(): undefined {
    return undefined;
  }

  async provideTerminalProfile(token: vscode.CancellationToken): Promise<vscode.TerminalProfile | null | undefined> {
    return (await this.target()).provideTerminalProfile(token);
  }
}

// The base of the activation's stand-ins: each is registered with VS Code at activation, before the core
// exists, and serves from the core's provider once it is attached, waiting for the core until then.
import type * as vscode from 'vscode';

export abstract class StandIn<T> implements vscode.Disposable {
  private provider: T | undefined;
  private wiring: vscode.Disposable | undefined;

  /** `ready` loads the core (once) and settles when the core has attached its providers. */
  constructor(private readonly ready: () => Promise<unknown>) {}

  attach(provider: T): void {
    this.provider = provider;
    this.wiring = this.wire(provider);
  }

  /** Forwards the provider's change events to VS Code through the stand-in's own. */
  protected abstract wire(provider: T): vscode.Disposable | undefined;

  /** The core's provider, loading the core first when it is not there yet. */
  protected async target(): Promise<T> {
    if (this.provider === undefined) await this.ready();
    return this.attached();
  }

  /** For calls VS Code makes only about what the core's provider gave it, so it is there. */
  protected attached(): T {
    if (this.provider === undefined) throw new Error('Berth: the extension core is not loaded');
    return this.provider;
  }

  dispose(): void {
    this.wiring?.dispose();
  }
}

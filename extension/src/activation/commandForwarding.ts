// Every command package.json contributes is registered at activation, since running one is what may
// activate Berth; its handler is the core's, handed over through ActivationParts.registerCommand.
import * as vscode from 'vscode';

type Handler = (...args: any[]) => unknown;

export class CommandForwarding implements vscode.Disposable {
  private readonly handlers = new Map<string, Handler>();
  private readonly forwarded: ReadonlySet<string>;
  private readonly registrations: vscode.Disposable[];

  /** `ready` loads the core (once) and settles when it has registered its handlers. */
  constructor(ids: readonly string[], ready: () => Promise<unknown>) {
    this.forwarded = new Set(ids);
    this.registrations = [...this.forwarded].map((id) =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        if (!this.handlers.has(id)) await ready();
        const handler = this.handlers.get(id);
        if (!handler) throw new Error(`Berth: nothing handles the command ${id}`);
        return handler(...args);
      }),
    );
  }

  /** The core's handler for `id`; a command package.json does not contribute is registered as it is. */
  register(id: string, run: Handler): vscode.Disposable {
    if (!this.forwarded.has(id)) return vscode.commands.registerCommand(id, run);
    if (this.handlers.has(id)) throw new Error(`Berth: the command ${id} is already handled`);
    this.handlers.set(id, run);
    return new vscode.Disposable(() => {
      if (this.handlers.get(id) === run) this.handlers.delete(id);
    });
  }

  dispose(): void {
    this.registrations.forEach((registration) => registration.dispose());
    this.handlers.clear();
  }
}

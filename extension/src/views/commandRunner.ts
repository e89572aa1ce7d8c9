// Registers Berth's view commands with one error handling around them: a failed action tells the user what
// failed and why (the helper's own message, not a stack), logs it, and offers the Berth log.
import * as vscode from 'vscode';
import { errorText } from './treeNodes';

/** Thrown to end a command quietly: the user cancelled a prompt. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export type CommandRegistrar = (id: string, run: (...args: any[]) => unknown) => vscode.Disposable;

let registrar: CommandRegistrar = (id, run) => vscode.commands.registerCommand(id, run);

/**
 * The activation (extension.ts) registers every contributed command before the core is loaded, so that a
 * command can activate Berth; the core's handlers are handed to it through this registrar.
 */
export function routeCommandsTo(next: CommandRegistrar): void {
  registrar = next;
}

export function registerBerthCommand(
  id: string,
  log: vscode.LogOutputChannel,
  run: (...args: any[]) => unknown,
): vscode.Disposable {
  return registrar(id, async (...args: unknown[]) => {
    try {
      return await run(...args);
    } catch (error) {
      if (error instanceof Cancelled) return undefined;
      const message = errorText(error);
      log.error(`${id}: ${message}`);
      const showLog = vscode.l10n.t('Show Log');
      void vscode.window.showErrorMessage(`Berth: ${message}`, showLog).then((choice) => {
        if (choice === showLog) log.show();
      });
      return undefined;
    }
  });
}

/** `undefined` from a prompt means the user cancelled it. */
export function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Cancelled();
  return value;
}

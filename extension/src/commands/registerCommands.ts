// The target, log and terminal commands, each registered through registerBerthCommand, so that a failure
// reaches the user as a message and the log instead of vanishing in the extension host.
import * as vscode from 'vscode';
import { registerBerthCommand } from '../views/commandRunner';
import type { LocalTarget } from '../targets/target';
import { targetOf } from '../targets/registerTargetCommands';
import { terminalCommands } from '../terminals/openTerminal';
import type { TerminalTarget } from '../terminals/terminalTarget';

export interface CommandContext {
  local: LocalTarget;
  log: vscode.LogOutputChannel;
  /** Every target (local and SSH), for commands that reach any of them; the local one alone by default. */
  targets?: () => readonly TerminalTarget[];
}

export function registerCommands({ local, log, targets = () => [local] }: CommandContext): vscode.Disposable[] {
  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'berth.targets.refresh': () => local.connect(),
    // From a Targets node, that target; from the palette, the local one.
    'berth.targets.connect': (node?: unknown) => targetOf(node, local).connect(),
    'berth.targets.disconnect': (node?: unknown) => targetOf(node, local).disconnect(),
    'berth.showLog': () => log.show(),
    ...terminalCommands({ targets, log }),
  };
  return Object.entries(commands).map(([id, run]) => registerBerthCommand(id, log, run));
}

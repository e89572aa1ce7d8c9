// The run flow's commands.
import type * as vscode from 'vscode';
import { registerBerthCommand } from '../views/commandRunner';
import { openWorkspaceInContainer, runImage, runWithLastSettings, runWorkspaceRecipe, type RunContext } from './runContainer';

export function registerRunCommands(ctx: RunContext): vscode.Disposable[] {
  const commands: Record<string, (...args: any[]) => unknown> = {
    'berth.images.run': (node: unknown) => runImage(ctx, node),
    'berth.images.runInteractive': (node: unknown) => runImage(ctx, node, true),
    'berth.run.last': () => runWithLastSettings(ctx),
    'berth.run.workspaceRecipe': () => runWorkspaceRecipe(ctx),
    'berth.run.openWorkspace': () => openWorkspaceInContainer(ctx),
  };
  return Object.entries(commands).map(([id, run]) => registerBerthCommand(id, ctx.log, run));
}

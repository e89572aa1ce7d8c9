// The run flow's commands.
import type * as vscode from 'vscode';
import { registerBerthCommand } from '../views/commandRunner';
import { runFileInContainer, type RunFileContext } from './runFile';
import { chooseTarget, imageChoices, openWorkspaceInContainer, runImage, runRecipe, runWithLastSettings, runWorkspaceRecipe, type RunContext } from './runContainer';

export function registerRunCommands(ctx: RunContext): vscode.Disposable[] {
  const fileContext: RunFileContext = {
    state: ctx.state,
    // The file is on this machine, so it runs on the local target.
    images: async () => imageChoices(await chooseTarget(ctx.hubs, 'local')),
    run: async (recipe) => {
      const target = await chooseTarget(ctx.hubs, 'local');
      return runRecipe(ctx, recipe, target);
    },
  };
  const commands: Record<string, (...args: any[]) => unknown> = {
    'berth.images.run': (node: unknown) => runImage(ctx, node),
    'berth.images.runInteractive': (node: unknown) => runImage(ctx, node, true),
    'berth.run.last': () => runWithLastSettings(ctx),
    'berth.run.workspaceRecipe': () => runWorkspaceRecipe(ctx),
    'berth.run.openWorkspace': () => openWorkspaceInContainer(ctx),
    'berth.run.file': (uri: unknown) => runFileInContainer(fileContext, uri),
    'berth.run.fileChooseInterpreter': (uri: unknown) => runFileInContainer(fileContext, uri, true),
  };
  return Object.entries(commands).map(([id, run]) => registerBerthCommand(id, ctx.log, run));
}

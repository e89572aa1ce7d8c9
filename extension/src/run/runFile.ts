// Run File in Container: the active file, run by an interpreter in an image, both chosen once per
// language and remembered; the file's folder is bind-mounted read-only at /work and the logs open.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { required } from '../views/commandRunner';
import { pickImage } from './runFlow';
import { defaultInterpreter, runFileRecipe, type FileRunner } from './runFileRecipe';
import type { RunRecipe } from './runOptions';

const KEY = 'berth.runFile.runners';

export interface RunFileContext {
  state: vscode.Memento;
  images(): Promise<Array<{ reference: string; description?: string }>>;
  run(recipe: RunRecipe): Promise<unknown>;
}

async function askRunner(ctx: RunFileContext, languageId: string, previous?: FileRunner): Promise<FileRunner> {
  const image = await pickImage(await ctx.images(), previous?.image, vscode.l10n.t('Run {0} files in', languageId));
  const interpreter = required(
    await vscode.window.showInputBox({
      title: vscode.l10n.t('Run {0} files with', languageId),
      prompt: vscode.l10n.t('The interpreter command in {0}; the file is appended', image),
      value: previous?.interpreter ?? defaultInterpreter(languageId),
      validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('name an interpreter')),
    }),
  ).trim();
  return { image, interpreter };
}

export async function runFileInContainer(ctx: RunFileContext, uri: unknown, choose = false): Promise<void> {
  const document = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!document) throw new Error(vscode.l10n.t('Open a file to run first.'));
  if (document.uri.scheme !== 'file') throw new Error(vscode.l10n.t('Only a file on this machine can be run in a container.'));
  if (document.isDirty) await document.save();
  const runners = ctx.state.get<Record<string, FileRunner>>(KEY) ?? {};
  let runner = runners[document.languageId];
  if (!runner || choose) {
    runner = await askRunner(ctx, document.languageId, runner);
    await ctx.state.update(KEY, { ...runners, [document.languageId]: runner });
  }
  await ctx.run(runFileRecipe(runner, path.dirname(document.uri.fsPath), path.basename(document.uri.fsPath)));
}

// Runs a recipe on a target (create, then start) and opens what the user asked for: the container's logs,
// or a terminal into it through the terminals' command when it exists. Also the commands around it: Run…,
// Run Interactive, Run with Last Settings, and Run Workspace Recipe (.berth/run.json).
import * as vscode from 'vscode';
import type { ContainerNode } from '../containers/containerNodes';
import type { ContainersTreeProvider } from '../containers/containersTreeProvider';
import type { ContainerLogs } from '../containers/commands/viewLogs';
import { shortId, shortReference } from '../images/imageRows';
import { Cancelled } from '../views/commandRunner';
import type { TargetEventHubs } from '../views/targetEvents';
import type { ObservedTarget } from '../views/targetSource';
import { completeRecipe, pickImage, type ImageChoice } from './runFlow';
import { describeRecipe, parseRunRecipe, toCreateParams, type RunRecipe } from './runOptions';

const LAST_KEY = 'berth.run.last';
export const RECIPE_PATH = '.berth/run.json';

/** An Images-view node, or anything with a target and a reference. */
export interface ImageLike {
  target: ObservedTarget;
  reference: string;
}

function isImageLike(value: unknown): value is ImageLike {
  return typeof value === 'object' && value !== null && typeof (value as ImageLike).reference === 'string' && 'target' in value;
}

export interface RunContext {
  hubs: TargetEventHubs;
  tree: ContainersTreeProvider;
  logs: ContainerLogs;
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
  /** The container view, to reveal a new container. */
  view?: vscode.TreeView<unknown>;
  /** The target to run on when several are connected. */
  active?: () => ObservedTarget | undefined;
}

function connectedTargets(hubs: TargetEventHubs): ObservedTarget[] {
  return hubs.all().map((h) => h.target).filter((t) => t.state.kind === 'connected');
}

export async function chooseTarget(hubs: TargetEventHubs, wanted?: string, active?: ObservedTarget): Promise<ObservedTarget> {
  const targets = connectedTargets(hubs);
  if (!wanted && active && targets.includes(active)) return active;
  if (wanted) {
    const found = hubs.get(wanted)?.target;
    if (!found) throw new Error(vscode.l10n.t('the recipe names target "{0}", which Berth does not know', wanted));
    if (found.state.kind !== 'connected') throw new Error(vscode.l10n.t('{0} is not connected', found.label));
    return found;
  }
  if (targets.length === 0) throw new Error(vscode.l10n.t('No target is connected: connect one in the Targets view first.'));
  if (targets.length === 1) return targets[0];
  const picked = await vscode.window.showQuickPick(targets.map((t) => ({ label: t.label, target: t })), { placeHolder: vscode.l10n.t('Where to run it') });
  if (!picked) throw new Cancelled();
  return picked.target;
}

function clientOf(target: ObservedTarget) {
  if (target.state.kind !== 'connected') throw new Error(vscode.l10n.t('{0} is not connected', target.label));
  return target.state.client;
}

export async function imageChoices(target: ObservedTarget): Promise<ImageChoice[]> {
  try {
    const images = await clientOf(target).call('images.list', {});
    return images.flatMap((image) => image.repoTags.map((tag) => ({ reference: shortReference(tag), description: shortId(image.id) })));
  } catch {
    return []; // a helper without images.* yet: the user types a reference
  }
}

/** The workspace folder as a path on the target's file system, when it is there. */
function workspaceFolderOn(target: ObservedTarget): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file' || target.id !== 'local') return undefined;
  return folder.uri.fsPath;
}

export async function runRecipe(ctx: RunContext, recipe: RunRecipe, target: ObservedTarget): Promise<ContainerNode | undefined> {
  const params = toCreateParams(recipe, { workspaceFolder: workspaceFolderOn(target) });
  const client = clientOf(target);
  const created = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Running {0}', describeRecipe(recipe)) },
    async () => {
      const result = await client.call('containers.create', params, { timeoutMs: 0 });
      for (const warning of result.warnings) ctx.log.warn(`${result.name}: ${warning}`);
      await client.call('containers.start', { container: result.id }, { timeoutMs: 0 });
      return result;
    },
  );
  ctx.log.info(`${target.label}: started ${created.name} (${created.id.slice(0, 12)}) from ${recipe.image}`);
  await ctx.state.update(LAST_KEY, { ...recipe, target: target.id });
  // The event will show it too; reading it now lets the view reveal it at once.
  const hubTree = ctx.tree;
  await hubTree.refreshContainer(target.id, created.id);
  const node = hubTree.find(target.id, created.id);
  if (node && ctx.view?.visible) void ctx.view.reveal(node, { select: true, focus: false }).then(undefined, () => undefined);
  if (node) await openAfterStart(ctx, recipe, node);
  return node;
}

async function openAfterStart(ctx: RunContext, recipe: RunRecipe, node: ContainerNode): Promise<void> {
  const open = recipe.open ?? (recipe.mode === 'interactive' ? 'terminal' : 'logs');
  if (open === 'none') return;
  if (open === 'terminal') {
    const commands = await vscode.commands.getCommands(true);
    const command = recipe.mode === 'interactive' ? ['berth.containers.attach', 'berth.containers.openShell'] : ['berth.containers.openShell', 'berth.containers.attach'];
    const available = command.find((c) => commands.includes(c));
    if (available) {
      await vscode.commands.executeCommand(available, node);
      return;
    }
  }
  if (!(recipe.autoRemove && node.summary.state !== 'running')) await ctx.logs.show(node);
}

/** Run… (from an image node, or the palette): the image, then Enter to run or Customize. */
export async function runImage(ctx: RunContext, node: unknown, interactive = false): Promise<void> {
  const last = ctx.state.get<RunRecipe>(LAST_KEY);
  let target: ObservedTarget;
  let image: string;
  const title = interactive ? vscode.l10n.t('Run Interactive') : vscode.l10n.t('Run Image');
  if (isImageLike(node)) {
    target = node.target;
    image = node.reference;
  } else {
    target = await chooseTarget(ctx.hubs, undefined, ctx.active?.());
    image = await pickImage(await imageChoices(target), last?.image, title);
  }
  // Carry the last settings over only for the same image; a new image starts from its defaults.
  const base: RunRecipe = last && last.image === image ? { ...last, image } : { image };
  delete base.target;
  delete base.name;
  if (interactive) {
    base.mode = 'interactive';
    base.open = 'terminal';
  }
  const { recipe, save } = await completeRecipe(base, `${title}: ${image}`, (vscode.workspace.workspaceFolders?.length ?? 0) > 0);
  if (save) {
    await saveWorkspaceRecipe(recipe);
    return;
  }
  await runRecipe(ctx, recipe, target);
}

export async function runWithLastSettings(ctx: RunContext): Promise<void> {
  const last = ctx.state.get<RunRecipe>(LAST_KEY);
  if (!last) {
    await runImage(ctx, undefined);
    return;
  }
  const recipe = parseRunRecipe(last);
  await runRecipe(ctx, recipe, await chooseTarget(ctx.hubs, recipe.target, ctx.active?.()));
}

function recipeUri(): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder && vscode.Uri.joinPath(folder.uri, RECIPE_PATH);
}

async function saveWorkspaceRecipe(recipe: RunRecipe): Promise<void> {
  const uri = recipeUri();
  if (!uri) throw new Error(vscode.l10n.t('Open a folder to keep a run recipe in it.'));
  const content = { $schema: 'https://berth.invalid/schemas/run.schema.json', ...recipe };
  await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(content, null, 2) + '\n'));
  await vscode.window.showTextDocument(uri);
}

/** Runs .berth/run.json; from an untrusted workspace only after the user read what it runs and agreed. */
export async function runWorkspaceRecipe(ctx: RunContext): Promise<void> {
  const uri = recipeUri();
  if (!uri) throw new Error(vscode.l10n.t('Open a folder with a {0} first.', RECIPE_PATH));
  let text: string;
  try {
    text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
  } catch {
    const create = vscode.l10n.t('Create One');
    const answer = await vscode.window.showInformationMessage(vscode.l10n.t('This workspace has no {0}.', RECIPE_PATH), create);
    if (answer === create) await runImage(ctx, undefined);
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(vscode.l10n.t('{0} is not JSON: {1}', RECIPE_PATH, (error as Error).message));
  }
  const recipe = parseRunRecipe(json);
  if (!vscode.workspace.isTrusted) {
    const run = vscode.l10n.t('Run');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('This workspace is not trusted. Run the container its recipe describes?'),
      { modal: true, detail: describeRecipe(recipe) + (recipe.volumes?.length ? `\n${recipe.volumes.join('\n')}` : '') },
      run,
    );
    if (answer !== run) throw new Cancelled();
  }
  await runRecipe(ctx, recipe, await chooseTarget(ctx.hubs, recipe.target, ctx.active?.()));
}

/** Open Workspace in Container: the workspace folder at /workspace in a chosen image, and a terminal there. */
export async function openWorkspaceInContainer(ctx: RunContext): Promise<void> {
  const target = await chooseTarget(ctx.hubs, undefined, ctx.active?.());
  const folder = workspaceFolderOn(target);
  if (!folder) throw new Error(vscode.l10n.t('The workspace folder is not on {0}: open a local folder (or a Remote-SSH window) first.', target.label));
  const last = ctx.state.get<RunRecipe>(LAST_KEY);
  const image = await pickImage(await imageChoices(target), last?.image, vscode.l10n.t('Open Workspace in Container'));
  const recipe: RunRecipe = {
    image,
    command: ['sleep', '2147483647'],
    volumes: ['${workspaceFolder}:/workspace'],
    workdir: '/workspace',
    autoRemove: true,
    open: 'terminal',
  };
  await runRecipe(ctx, recipe, target);
}

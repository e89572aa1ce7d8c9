// The run flow: a multi-step quick input. Two Enter presses run an image (the image, then "Run"); the
// other choices (name, command, environment, volumes, limits, mode, auto-remove, what to open) are one
// "Customize…" away, each step prefilled with the last value.
import * as vscode from 'vscode';
import { parsePortSpec } from '../../../helper/src/protocol/ports';
import { Cancelled } from '../views/commandRunner';
import { describeRecipe, joinCommandLine, parseSize, splitCommandLine, type RunRecipe } from './runOptions';

export interface ImageChoice {
  reference: string;
  description?: string;
}

/** Asks for an image: the known ones, the last one first, or any reference typed in. */
export async function pickImage(images: readonly ImageChoice[], last: string | undefined, title: string): Promise<string> {
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = title;
  pick.step = 1;
  pick.placeholder = vscode.l10n.t('An image to run (pick one or type a reference such as busybox or debian:12)');
  const known = [...images];
  if (last && !known.some((i) => i.reference === last)) known.unshift({ reference: last, description: vscode.l10n.t('last run') });
  known.sort((a, b) => (a.reference === last ? -1 : b.reference === last ? 1 : 0));
  const baseItems: vscode.QuickPickItem[] = known.map((i) => ({ label: i.reference, description: i.description }));
  pick.items = baseItems;
  if (baseItems.length > 0) pick.activeItems = [baseItems[0]];
  pick.onDidChangeValue((value) => {
    const typed = value.trim();
    pick.items = typed && !baseItems.some((i) => i.label === typed) ? [{ label: typed, description: vscode.l10n.t('run this reference') }, ...baseItems] : baseItems;
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      pick.onDidAccept(() => {
        const chosen = pick.activeItems[0]?.label ?? pick.value.trim();
        if (chosen) resolve(chosen);
      });
      pick.onDidHide(() => reject(new Cancelled()));
      pick.show();
    });
  } finally {
    pick.dispose();
  }
}

type Choice = 'run' | 'customize' | 'save';

async function confirmStep(recipe: RunRecipe, title: string, step: number, canSave: boolean): Promise<Choice> {
  const items: Array<vscode.QuickPickItem & { choice: Choice }> = [
    { label: `$(play) ${vscode.l10n.t('Run')}`, description: describeRecipe(recipe), choice: 'run' },
    { label: `$(settings) ${vscode.l10n.t('Customize…')}`, description: vscode.l10n.t('name, command, environment, volumes, limits, mode'), choice: 'customize' },
    ...(canSave ? [{ label: `$(save) ${vscode.l10n.t('Save as Workspace Recipe')}`, description: '.berth/run.json', choice: 'save' as const }] : []),
  ];
  const pick = vscode.window.createQuickPick<(typeof items)[number]>();
  pick.title = title;
  pick.step = step;
  pick.items = items;
  pick.activeItems = [items[0]];
  try {
    return await new Promise<Choice>((resolve, reject) => {
      pick.onDidAccept(() => pick.activeItems[0] && resolve(pick.activeItems[0].choice));
      pick.onDidHide(() => reject(new Cancelled()));
      pick.show();
    });
  } finally {
    pick.dispose();
  }
}

async function input(title: string, step: number, totalSteps: number, prompt: string, value: string, validate?: (v: string) => string | undefined): Promise<string> {
  const box = vscode.window.createInputBox();
  box.title = title;
  box.step = step;
  box.totalSteps = totalSteps;
  box.prompt = prompt;
  box.value = value;
  box.ignoreFocusOut = true;
  try {
    return await new Promise<string>((resolve, reject) => {
      box.onDidChangeValue((v) => (box.validationMessage = validate?.(v)));
      box.onDidAccept(() => {
        const problem = validate?.(box.value);
        box.validationMessage = problem;
        if (!problem) resolve(box.value);
      });
      box.onDidHide(() => reject(new Cancelled()));
      box.show();
    });
  } finally {
    box.dispose();
  }
}

async function choose<T extends string>(title: string, step: number, totalSteps: number, placeholder: string, options: Array<{ value: T; label: string; detail?: string }>, current: T): Promise<T> {
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
  pick.title = title;
  pick.step = step;
  pick.totalSteps = totalSteps;
  pick.placeholder = placeholder;
  pick.items = options.map((o) => ({ ...o, picked: o.value === current }));
  pick.activeItems = pick.items.filter((i) => i.value === current);
  pick.ignoreFocusOut = true;
  try {
    return await new Promise<T>((resolve, reject) => {
      pick.onDidAccept(() => pick.activeItems[0] && resolve(pick.activeItems[0].value));
      pick.onDidHide(() => reject(new Cancelled()));
      pick.show();
    });
  } finally {
    pick.dispose();
  }
}

const tryOrMessage = (check: () => unknown) => {
  try {
    check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

const optional = (value: string) => (value.trim() === '' ? undefined : value.trim());

/** Walks through every option, each prefilled from `recipe`. */
async function customize(recipe: RunRecipe, title: string): Promise<RunRecipe> {
  const total = 13;
  const out: RunRecipe = { ...recipe };
  out.name = optional(await input(title, 3, total, vscode.l10n.t('Container name (empty: a random name)'), recipe.name ?? '', (v) =>
    v.trim() === '' || /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(v.trim()) ? undefined : vscode.l10n.t('names look like [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters at least)'),
  ));
  const command = typeof recipe.command === 'string' ? recipe.command : recipe.command ? joinCommandLine(recipe.command) : '';
  out.command = optional(await input(title, 4, total, vscode.l10n.t('Command (empty: the image default)'), command, (v) => tryOrMessage(() => splitCommandLine(v))));
  const env = Array.isArray(recipe.env) ? recipe.env : recipe.env ? Object.entries(recipe.env).map(([k, v]) => `${k}=${v}`) : [];
  const envLine = await input(title, 5, total, vscode.l10n.t('Environment: NAME=value pairs separated by spaces'), joinCommandLine(env), (v) =>
    tryOrMessage(() => splitCommandLine(v).forEach((e) => {
      if (!/^[^=]+=/.test(e)) throw new Error(vscode.l10n.t('{0}: entries look like NAME=value', e));
    })),
  );
  out.env = splitCommandLine(envLine);
  if (out.env.length === 0) delete out.env;
  const volumeLine = await input(title, 6, total, vscode.l10n.t('Volumes: hostPath:/container/path[:ro], separated by spaces (${workspaceFolder} is the open folder)'), joinCommandLine(recipe.volumes ?? []), (v) =>
    tryOrMessage(() => splitCommandLine(v).forEach((e) => {
      if (!/^[^:]+:\/[^:]*(:(ro|rw))?$/.test(e)) throw new Error(vscode.l10n.t('{0}: volumes look like hostPath:/container/path[:ro]', e));
    })),
  );
  out.volumes = splitCommandLine(volumeLine);
  if (out.volumes.length === 0) delete out.volumes;
  const portLine = await input(title, 7, total, vscode.l10n.t('Ports to publish, as -p takes them, separated by spaces: 8080:80 127.0.0.1:5432:5432 3000 (empty: none)'), (recipe.ports ?? []).join(' '), (v) =>
    tryOrMessage(() => v.split(/\s+/).filter((p) => p !== '').forEach((p) => parsePortSpec(p))),
  );
  out.ports = portLine.split(/\s+/).filter((p) => p !== '');
  if (out.ports.length === 0) delete out.ports;
  out.network = optional(await input(title, 8, total, vscode.l10n.t('Network: bridge, none, host, container:NAME or a network\'s name (empty: the target\'s default)'), recipe.network ?? '', (v) =>
    v.trim() === '' || /^(container:\S+|[a-zA-Z0-9][a-zA-Z0-9_.-]*)$/.test(v.trim()) ? undefined : vscode.l10n.t('a network is bridge, none, host, container:NAME or the name of a network'),
  ));
  const memory = optional(await input(title, 9, total, vscode.l10n.t('Memory limit (512m, 2g; empty: none)'), recipe.memory === undefined ? '' : String(recipe.memory), (v) =>
    v.trim() === '' ? undefined : tryOrMessage(() => parseSize(v)),
  ));
  out.memory = memory;
  const cpus = optional(await input(title, 10, total, vscode.l10n.t('CPUs (1.5; empty: no limit)'), recipe.cpus === undefined ? '' : String(recipe.cpus), (v) =>
    v.trim() === '' || Number(v) > 0 ? undefined : vscode.l10n.t('a positive number'),
  ));
  out.cpus = cpus === undefined ? undefined : Number(cpus);
  const pids = optional(await input(title, 11, total, vscode.l10n.t('Process limit (empty: none)'), recipe.pids === undefined ? '' : String(recipe.pids), (v) =>
    v.trim() === '' || (Number.isInteger(Number(v)) && Number(v) > 0) ? undefined : vscode.l10n.t('a positive whole number'),
  ));
  out.pids = pids === undefined ? undefined : Number(pids);
  out.mode = await choose<'detached' | 'interactive'>(title, 12, total, vscode.l10n.t('How to run it'), [
    { value: 'detached', label: vscode.l10n.t('Detached'), detail: vscode.l10n.t('in the background; its logs open') },
    { value: 'interactive', label: vscode.l10n.t('Interactive'), detail: vscode.l10n.t('with a terminal attached (-it)') },
  ], recipe.mode ?? 'detached');
  out.autoRemove = (await choose<'keep' | 'remove'>(title, 13, total, vscode.l10n.t('When it stops'), [
    { value: 'keep', label: vscode.l10n.t('Keep the container') },
    { value: 'remove', label: vscode.l10n.t('Remove the container (--rm)') },
  ], recipe.autoRemove ? 'remove' : 'keep')) === 'remove';
  if (!out.autoRemove) delete out.autoRemove;
  for (const key of Object.keys(out) as Array<keyof RunRecipe>) if (out[key] === undefined) delete out[key];
  return out;
}

export interface RunFlowResult {
  recipe: RunRecipe;
  /** The user asked to save it as the workspace's recipe instead of running. */
  save: boolean;
}

/** The flow after the image is known: Enter runs; Customize walks the options first. */
export async function completeRecipe(base: RunRecipe, title: string, canSave: boolean): Promise<RunFlowResult> {
  let recipe = base;
  for (;;) {
    const choice = await confirmStep(recipe, title, 2, canSave);
    if (choice === 'run') return { recipe, save: false };
    if (choice === 'save') return { recipe, save: true };
    recipe = await customize(recipe, title);
  }
}

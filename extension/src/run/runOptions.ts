// A run recipe: what the run flow asks, what "Run with Last Settings" remembers and what a workspace's
// .berth/run.json holds, in one shape; and how it becomes the helper's containers.create parameters.
// The JSON schema the extension contributes for .berth/run.json (media/schemas/run.schema.json) describes
// the same shape (its zod schema is in runRecipe.ts); a unit test keeps the two in step. No vscode here: unit-tested.
import type { CreateContainerParams, MountSpec } from '../../../helper/src/protocol';
import { parsePortSpec } from '../../../helper/src/protocol/ports';
import type { RunRecipe } from './runRecipe';

export type { RunRecipe } from './runRecipe';

/** Reads a recipe (parsed JSON); the error names each wrong field. */
export function parseRunRecipe(value: unknown): RunRecipe {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- required here, not at activation (runRecipe.ts)
  const parsed = (require('./runRecipe') as typeof import('./runRecipe')).RunRecipe.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'the recipe'}: ${issue.message}`);
  throw new Error(`the run recipe is not valid: ${problems.join('; ')}`);
}

/** Splits a command line as a POSIX shell would split words (quotes and backslashes; no expansions). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote === '"' ? 'double' : 'single'} quote in: ${line}`);
  if (inWord) words.push(word);
  return words;
}

/** Words back to one line that splitCommandLine reads the same. */
export function joinCommandLine(words: readonly string[]): string {
  return words.map((w) => (w.length > 0 && /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

const UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** 512m, 1g, 256MiB, 1048576 → bytes. */
export function parseSize(size: string | number): number {
  if (typeof size === 'number') return size;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(size.trim());
  if (!match) throw new Error(`not a size: ${size} (sizes look like 512m or 2g)`);
  return Math.round(Number(match[1]) * UNIT[match[2].toLowerCase()]);
}

export interface RecipeContext {
  /** The workspace folder on the target's file system, for relative and ${workspaceFolder} host paths. */
  workspaceFolder?: string;
}

export function parseVolume(volume: string, context: RecipeContext): MountSpec {
  const parts = volume.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[1].startsWith('/')) {
    throw new Error(`volumes look like hostPath:/container/path[:ro], not ${volume}`);
  }
  let source = parts[0];
  if (source.includes('${workspaceFolder}') || !source.startsWith('/')) {
    if (!context.workspaceFolder) throw new Error(`${volume}: a workspace-relative path needs an open folder on the target`);
    source = source.includes('${workspaceFolder}')
      ? source.replace(/\$\{workspaceFolder\}/g, context.workspaceFolder)
      : `${context.workspaceFolder.replace(/\/+$/, '')}/${source.replace(/^\.\//, '')}`.replace(/\/\.$/, '');
  }
  if (parts[2] !== undefined && parts[2] !== 'ro' && parts[2] !== 'rw') throw new Error(`${volume}: the third part is ro or rw`);
  return { type: 'bind', source, target: parts[1], ...(parts[2] === 'ro' ? { readOnly: true } : {}) };
}

function words(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? splitCommandLine(value) : value;
  return list.length > 0 ? list : undefined;
}

/** The recipe as containers.create parameters. */
export function toCreateParams(recipe: RunRecipe, context: RecipeContext = {}): CreateContainerParams {
  const interactive = recipe.mode === 'interactive';
  const env = recipe.env === undefined ? undefined : Array.isArray(recipe.env) ? recipe.env : Object.entries(recipe.env).map(([k, v]) => `${k}=${v}`);
  const resources = {
    ...(recipe.memory !== undefined ? { memory: parseSize(recipe.memory) } : {}),
    ...(recipe.cpus !== undefined ? { cpus: recipe.cpus } : {}),
    ...(recipe.pids !== undefined ? { pidsLimit: recipe.pids } : {}),
  };
  const cmd = words(recipe.command);
  const entrypoint = words(recipe.entrypoint);
  return {
    spec: {
      image: recipe.image,
      ...(cmd ? { cmd } : {}),
      ...(entrypoint ? { entrypoint } : {}),
      ...(env && env.length ? { env } : {}),
      ...(recipe.workdir ? { workdir: recipe.workdir } : {}),
      ...(recipe.user ? { user: recipe.user } : {}),
      ...(recipe.volumes?.length ? { mounts: recipe.volumes.map((v) => parseVolume(v, context)) } : {}),
      ...(Object.keys(resources).length ? { resources } : {}),
      ...(interactive ? { tty: true, openStdin: true } : {}),
      ...(recipe.ports?.length ? { ports: recipe.ports.flatMap((port) => parsePortSpec(port)) } : {}),
      ...(recipe.network ? { network: recipe.network } : {}),
    },
    ...(recipe.name ? { name: recipe.name } : {}),
    ...(recipe.autoRemove ? { autoRemove: true } : {}),
  };
}

/** One line saying what will run: "busybox:test · sleep 600 · detached · auto-remove". */
export function describeRecipe(recipe: RunRecipe): string {
  const command = recipe.command === undefined ? undefined : typeof recipe.command === 'string' ? recipe.command : joinCommandLine(recipe.command);
  return [
    recipe.name ? `${recipe.image} as ${recipe.name}` : recipe.image,
    command ? command : 'image default command',
    recipe.mode ?? 'detached',
    ...(recipe.autoRemove ? ['auto-remove'] : []),
    ...(recipe.memory !== undefined ? [`memory ${recipe.memory}`] : []),
    ...(recipe.cpus !== undefined ? [`${recipe.cpus} CPUs`] : []),
    ...(recipe.pids !== undefined ? [`${recipe.pids} pids`] : []),
    ...(recipe.volumes?.length ? [`${recipe.volumes.length} volume(s)`] : []),
    ...(recipe.ports?.length ? [`ports ${recipe.ports.join(', ')}`] : []),
    ...(recipe.network ? [`network ${recipe.network}`] : []),
  ].join(' · ');
}

// The container's environment in Docker's order (moby container.CreateDaemonEnvironment): PATH, HOSTNAME
// and TERM first, then the user's variables and the image's, each replacing a default of the same name
// in place, and HOME last when nothing set it (runc adds it from the user's passwd entry).
import { DEFAULT_PATH } from './dockerDefaults';

function nameOf(entry: string): string {
  const equals = entry.indexOf('=');
  return equals < 0 ? entry : entry.slice(0, equals);
}

/** Appends each entry, replacing an earlier one of the same name where it stands (ReplaceOrAppendEnvValues). */
function replaceOrAppend(base: string[], entries: readonly string[]): string[] {
  const result = [...base];
  for (const entry of entries) {
    const index = result.findIndex((existing) => nameOf(existing) === nameOf(entry));
    if (index >= 0) result[index] = entry;
    else result.push(entry);
  }
  return result;
}

export interface EnvironmentInput {
  imageEnv: readonly string[] | null | undefined;
  userEnv: readonly string[] | undefined;
  hostname: string;
  tty: boolean;
  /** The user's home directory from the image's passwd ("/" when the user has no entry). */
  home: string;
}

export function containerEnv(input: EnvironmentInput): string[] {
  const userEnv = input.userEnv ?? [];
  const userNames = new Set(userEnv.map(nameOf));
  // moby's merge: the user's variables, then the image's that the user did not set. Image entries
  // without "=" name nothing to set and are left out.
  const imageEnv = (input.imageEnv ?? []).filter((entry) => entry.includes('=') && !userNames.has(nameOf(entry)));
  const defaults = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${input.hostname}`, ...(input.tty ? ['TERM=xterm'] : [])];
  const env = replaceOrAppend(defaults, [...userEnv, ...imageEnv]);
  if (!env.some((entry) => nameOf(entry) === 'HOME')) env.push(`HOME=${input.home}`);
  return env;
}

// Replacing the process image. execve from Node keeps only the calling thread; what the new program
// inherits besides (fds without FD_CLOEXEC, ignored signals, the signal mask, rlimits, capabilities) is
// for the caller to have set up: see fds.ts and signals.ts.
import { check, libc } from './libc';

const execveRaw = libc.func('int execve(const char *path, const char **argv, const char **envp)') as (
  path: string,
  argv: (string | null)[],
  envp: (string | null)[],
) => number;

/** Runs `path` in place of this process. Returns only by throwing (e.g. ENOENT or EACCES naming the path). */
export function execve(path: string, argv: string[], envp: string[]): never {
  for (const [what, list] of [['argv', argv], ['envp', envp]] as const) {
    const bad = list.find((entry) => typeof entry !== 'string' || entry.includes('\0'));
    if (bad !== undefined) throw new Error(`execve ${path}: ${what} entry ${JSON.stringify(bad)} is not a string without NUL bytes`);
  }
  if (path.includes('\0')) throw new Error(`execve: the path ${JSON.stringify(path)} contains a NUL byte`);
  const shownArgv = JSON.stringify(argv);
  const args = `"${path}", ${shownArgv.length > 200 ? `${shownArgv.slice(0, 200)}…` : shownArgv}, [${envp.length} variable${envp.length === 1 ? '' : 's'}]`;
  check('execve', args, execveRaw(path, [...argv, null], [...envp, null]));
  throw new Error(`execve(${args}) returned without an error`);
}

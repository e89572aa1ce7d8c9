// exec: a new process in a running container, from flags or a whole process.json (--process, as conmon
// and containerd's shim pass it).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RuntimeError } from '../../../runtime/errors';
import { execInContainer } from '../../../runtime/lifecycle/exec';
import { Process } from '../../../runtime/spec/config';
import { UsageError } from '../../usage';
import { CommandFailure, type RuntimeContext } from '../runtimeContext';
import { exitCodeOf } from './args';

const EXEC_WITH_VALUE = new Set(['--console-socket', '--pid-file', '--cwd', '--env', '-e', '--process', '-p', '--user', '-u', '--cap', '-c', '--process-label', '--apparmor', '--preserve-fds', '--additional-gids', '-g', '--cgroup']);

export async function execCommand(args: string[], { store, log }: RuntimeContext): Promise<number> {
  // Options end at the container id; everything after it is the command and its own flags.
  let idIndex = 0;
  while (idIndex < args.length && args[idIndex]!.startsWith('-')) {
    const arg = args[idIndex]!;
    idIndex += EXEC_WITH_VALUE.has(arg) ? 2 : 1;
  }
  const { values } = parseArgs({
    args: args.slice(0, idIndex),
    options: {
      tty: { type: 'boolean', short: 't' },
      detach: { type: 'boolean', short: 'd' },
      'console-socket': { type: 'string' },
      'pid-file': { type: 'string' },
      cwd: { type: 'string' },
      env: { type: 'string', short: 'e', multiple: true },
      process: { type: 'string', short: 'p' },
      user: { type: 'string', short: 'u' },
    },
  });
  const id = args[idIndex];
  if (id === undefined) throw new UsageError('exec needs a container ID');
  const command = args.slice(idIndex + 1);
  if (!values.process && command.length === 0) throw new UsageError('exec needs a COMMAND (or --process FILE)');
  let user: { uid: number; gid: number } | undefined;
  if (values.user) {
    const match = /^(\d+)(?::(\d+))?$/.exec(values.user);
    if (!match) throw new UsageError(`--user must be UID[:GID], got "${values.user}"`);
    user = { uid: Number(match[1]), gid: Number(match[2] ?? 0) };
  }
  let result: Awaited<ReturnType<typeof execInContainer>>;
  try {
    result = await execInContainer(store, {
      id,
      process: values.process === undefined ? undefined : processFromFile(values.process),
      args: command,
      env: values.env,
      cwd: values.cwd,
      user,
      tty: values.tty,
      consoleSocket: values['console-socket'],
      pidFile: values['pid-file'],
      warn: (message) => log.warn(message),
    });
  } catch (error) {
    // runc's exit code when the process could not be started, which tells it from the process's own.
    throw new CommandFailure(`exec failed: ${(error as Error).message}`, 255);
  }
  if (values.detach) {
    result.detach();
    return 0;
  }
  const { code, signal } = await result.exited;
  return exitCodeOf(code, signal);
}

function processFromFile(path: string): Process {
  const parsed = Process.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new RuntimeError(`--process ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'invalid');
  return parsed.data;
}

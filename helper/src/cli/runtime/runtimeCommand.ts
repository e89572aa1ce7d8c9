// `berth runtime …`: the runc-compatible command line over the runtime library. Global flags come before
// the subcommand (--root, and runc's --log, --log-format, --debug, which tools like containerd pass);
// each subcommand takes runc's flags. Errors print one line and exit 1; usage errors exit 2.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RuntimeError } from '../../runtime/errors';
import { createContainer } from '../../runtime/lifecycle/create';
import { execInContainer } from '../../runtime/lifecycle/exec';
import { containerState, deleteContainer, killContainer, listContainers, startContainer } from '../../runtime/lifecycle/operations';
import { Process } from '../../runtime/spec/config';
import { defaultSpec } from '../../runtime/spec/defaultSpec';
import { StateStore } from '../../runtime/state/stateStore';
import { UsageError } from '../usage';

export const DEFAULT_RUNTIME_ROOT = '/run/berth/runtime';

export const RUNTIME_USAGE = `Usage: berth runtime [--root DIR] COMMAND [OPTIONS] ID

A runc-compatible OCI runtime.

Commands:
  create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--no-pivot] [--preserve-fds N] ID
  start ID
  state ID
  kill ID [SIGNAL]            (name or number; default TERM)
  delete [--force] ID
  run [--bundle DIR] [-d] [--pid-file FILE] [--console-socket PATH] [--no-pivot] ID
  exec [-t] [-d] [--console-socket PATH] [--pid-file FILE] [--cwd DIR] [-e NAME=VALUE]... [--process FILE] ID [COMMAND...]
  list [--format table|json] [-q]
  spec [--bundle DIR]
`;

const GLOBAL_WITH_VALUE = new Set(['--root', '--log', '--log-format', '--criu', '--rootless']);
const GLOBAL_FLAGS = new Set(['--debug', '--systemd-cgroup']);

export async function runtimeCommand(argv: string[]): Promise<number> {
  let root = DEFAULT_RUNTIME_ROOT;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (GLOBAL_WITH_VALUE.has(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      if (flag === '--root') root = resolve(value);
      if (flag === '--systemd-cgroup') throw new UsageError('--systemd-cgroup is not supported: Berth manages cgroupfs directly');
    } else if (GLOBAL_FLAGS.has(flag)) {
      if (flag === '--systemd-cgroup') throw new UsageError('--systemd-cgroup is not supported: Berth manages cgroupfs directly');
    } else {
      break;
    }
  }
  const [command, ...args] = argv.slice(i);
  const store = new StateStore(root);
  switch (command) {
    case undefined:
    case 'help':
      process.stdout.write(RUNTIME_USAGE);
      return command === undefined ? 2 : 0;
    case 'create':
      return create(store, args, false);
    case 'run':
      return create(store, args, true);
    case 'start':
      await startContainer(store, onlyId(args, 'start'), warn);
      return 0;
    case 'state':
      process.stdout.write(`${JSON.stringify(containerState(store, onlyId(args, 'state')), null, 2)}\n`);
      return 0;
    case 'kill': {
      const { positionals } = parseArgs({ args, allowPositionals: true, options: { all: { type: 'boolean', short: 'a' } } });
      if (positionals.length < 1 || positionals.length > 2) throw new UsageError('kill takes an ID and an optional SIGNAL');
      killContainer(store, positionals[0]!, positionals[1] ?? 'TERM');
      return 0;
    }
    case 'delete': {
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean', short: 'f' } } });
      if (positionals.length !== 1) throw new UsageError('delete takes one ID');
      await deleteContainer(store, positionals[0]!, values.force ?? false, warn);
      return 0;
    }
    case 'list':
      return list(store, args);
    case 'exec':
      return exec(store, args);
    case 'spec': {
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { bundle: { type: 'string', short: 'b' }, rootless: { type: 'boolean' } } });
      if (positionals.length > 0) throw new UsageError('spec takes no arguments');
      if (values.rootless) throw new UsageError('--rootless is not supported');
      const path = resolve(values.bundle ?? '.', 'config.json');
      if (existsSync(path)) throw new RuntimeError(`${path} already exists; remove it first`, 'exists');
      writeFileSync(path, `${JSON.stringify(defaultSpec(), null, 2)}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown runtime command "${command}"`);
  }
}

/** A shell's convention, as runc run and exec follow it: 128 + the signal that ended the process. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return signal ? 128 + constants.signals[signal] : (code ?? 1);
}

const warn = (message: string) => process.stderr.write(`berth: warning: ${message}\n`);

function onlyId(args: string[], command: string): string {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError(`${command} takes one ID`);
  return positionals[0]!;
}

const CREATE_OPTIONS = {
  bundle: { type: 'string', short: 'b' },
  'pid-file': { type: 'string' },
  'console-socket': { type: 'string' },
  'no-pivot': { type: 'boolean' },
  'no-new-keyring': { type: 'boolean' },
  'preserve-fds': { type: 'string' },
  detach: { type: 'boolean', short: 'd' },
  'keep': { type: 'boolean' },
} as const;

async function create(store: StateStore, args: string[], run: boolean): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: CREATE_OPTIONS });
  if (positionals.length !== 1) throw new UsageError(`${run ? 'run' : 'create'} takes one ID`);
  if (!run && values.detach) throw new UsageError('create takes no --detach: it always detaches');
  const preserve = values['preserve-fds'] === undefined ? 0 : Number(values['preserve-fds']);
  if (!Number.isInteger(preserve) || preserve < 0) throw new UsageError(`--preserve-fds must be a number, got "${values['preserve-fds']}"`);
  const id = positionals[0]!;
  const created = await createContainer(store, {
    id,
    bundle: values.bundle ?? '.',
    pidFile: values['pid-file'],
    consoleSocket: values['console-socket'],
    noPivot: values['no-pivot'],
    listenFds: listenFdsFromEnvironment(),
    preserveFds: preserve,
    warn,
  });
  if (!run) {
    created.detach();
    return 0;
  }
  await startContainer(store, id, warn);
  if (values.detach) {
    created.detach();
    return 0;
  }
  // In the foreground: forward signals to the container, wait for it, then delete it as runc run does.
  const forward = (signal: NodeJS.Signals) => {
    try {
      process.kill(created.state.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];
  for (const signal of signals) process.on(signal, forward);
  const { code, signal } = await created.exited;
  for (const s of signals) process.off(s, forward);
  await deleteContainer(store, id, true, warn);
  return exitCodeOf(code, signal);
}

/** systemd socket activation, as runc passes it on: LISTEN_FDS counts fds from 3 when LISTEN_PID is us. */
function listenFdsFromEnvironment(): number {
  const count = Number(process.env.LISTEN_FDS);
  return Number.isInteger(count) && count > 0 && Number(process.env.LISTEN_PID) === process.pid ? count : 0;
}

function list(store: StateStore, args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'f' }, quiet: { type: 'boolean', short: 'q' } } });
  if (positionals.length > 0) throw new UsageError('list takes no arguments');
  const containers = listContainers(store);
  if (values.quiet) {
    for (const c of containers) process.stdout.write(`${c.id}\n`);
  } else if (values.format === 'json') {
    process.stdout.write(`${JSON.stringify(containers)}\n`);
  } else if (values.format === undefined || values.format === 'table') {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED'], ...containers.map((c) => [c.id, String(c.pid), c.status, c.bundle, c.created])];
    const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
    for (const row of rows) process.stdout.write(`${row.map((cell, col) => cell.padEnd(widths[col]!)).join('   ').trimEnd()}\n`);
  } else {
    throw new UsageError(`--format must be table or json, got "${values.format}"`);
  }
  return 0;
}

const EXEC_WITH_VALUE = new Set(['--console-socket', '--pid-file', '--cwd', '--env', '-e', '--process', '-p', '--user', '-u', '--cap', '-c', '--process-label', '--apparmor', '--preserve-fds']);

async function exec(store: StateStore, args: string[]): Promise<number> {
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
  let processFromFile: Process | undefined;
  if (values.process) {
    const parsed = Process.safeParse(JSON.parse(readFileSync(values.process, 'utf8')));
    if (!parsed.success) throw new RuntimeError(`--process ${values.process}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'invalid');
    processFromFile = parsed.data;
  } else if (command.length === 0) {
    throw new UsageError('exec needs a COMMAND (or --process FILE)');
  }
  let user: { uid: number; gid: number } | undefined;
  if (values.user) {
    const match = /^(\d+)(?::(\d+))?$/.exec(values.user);
    if (!match) throw new UsageError(`--user must be UID[:GID], got "${values.user}"`);
    user = { uid: Number(match[1]), gid: Number(match[2] ?? 0) };
  }
  const result = await execInContainer(store, {
    id,
    process: processFromFile,
    args: command,
    env: values.env,
    cwd: values.cwd,
    user,
    tty: values.tty,
    consoleSocket: values['console-socket'],
    pidFile: values['pid-file'],
    warn,
  });
  if (values.detach) {
    result.detach();
    return 0;
  }
  const { code, signal } = await result.exited;
  return exitCodeOf(code, signal);
}

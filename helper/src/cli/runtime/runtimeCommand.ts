// `berth runtime …`: the runc-compatible command line over the runtime library. Global flags come before
// the subcommand (runc's --root, --log, --log-format, --debug, --systemd-cgroup, --rootless, --criu, which
// podman, containerd's shim and CRI-O pass); each subcommand takes runc's flags. Errors go to stderr and to
// the --log file as runc writes it, and exit 1; usage errors exit 2.
//
// Every call is a process start, and clients make many (podman: create, start, state…, delete for each
// container). So this module loads only what parsing needs, and each command's module, with the runtime
// library behind it, is imported when that command runs: `state` never loads koffi or the OCI schema.
import { resolve } from 'node:path';
import { UsageError } from '../usage';
import { RuntimeLog, type LogFormat } from './runtimeLog';
import { RUNTIME_USAGE } from './runtimeUsage';
import { CommandFailure, type RuntimeContext } from './runtimeContext';
import { writeOut } from './output';

export const DEFAULT_RUNTIME_ROOT = '/run/berth/runtime';

type Command = (args: string[], context: RuntimeContext) => number | Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  create: async () => (await import('./commands/create.js')).createCommand,
  run: async () => (await import('./commands/create.js')).runCommand,
  exec: async () => (await import('./commands/exec.js')).execCommand,
  start: async () => (await import('./commands/control.js')).startCommand,
  kill: async () => (await import('./commands/control.js')).killCommand,
  delete: async () => (await import('./commands/control.js')).deleteCommand,
  pause: async () => (await import('./commands/control.js')).pauseCommand,
  resume: async () => (await import('./commands/control.js')).resumeCommand,
  state: async () => (await import('./commands/inspect.js')).stateCommand,
  list: async () => (await import('./commands/inspect.js')).listCommand,
  ps: async () => (await import('./commands/ps.js')).psCommand,
  events: async () => (await import('./commands/events.js')).eventsCommand,
  update: async () => (await import('./commands/update.js')).updateCommand,
  features: async () => (await import('./commands/about.js')).featuresCommand,
  spec: async () => (await import('./commands/about.js')).specCommand,
  checkpoint: async () => (await import('./commands/about.js')).checkpointCommand,
  restore: async () => (await import('./commands/about.js')).restoreCommand,
};

interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: LogFormat;
  debug: boolean;
  systemdCgroup: boolean;
  /** What to do instead of a command: --help or --version. */
  action?: 'help' | 'version';
  rest: string[];
}

export async function runtimeCommand(argv: string[]): Promise<number> {
  let options: GlobalOptions;
  try {
    options = parseGlobalOptions(argv);
  } catch (error) {
    return fail(new RuntimeLog(undefined, 'text'), error);
  }
  const log = new RuntimeLog(options.log, options.logFormat, options.debug);
  try {
    if (options.action === 'version') {
      writeOut((await import('./commands/about.js')).versionText());
      return 0;
    }
    const [name, ...args] = options.rest;
    if (options.action === 'help' || name === 'help' || name === undefined) {
      writeOut(RUNTIME_USAGE);
      return name === undefined && options.action === undefined ? 2 : 0;
    }
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!load) throw new UsageError(`unknown runtime command "${name}" (berth runtime help lists them)`);
    log.debug(`berth runtime ${options.rest.join(' ')}`);
    const { StateStore } = await import('../../runtime/state/stateStore.js');
    const command = await load();
    return await command(args, { store: new StateStore(options.root), log, systemdCgroup: options.systemdCgroup });
  } catch (error) {
    return fail(log, error);
  } finally {
    log.close();
  }
}

function fail(log: RuntimeLog, error: unknown): number {
  log.error(error instanceof Error ? error.message : String(error));
  if (error instanceof CommandFailure) return error.exitCode;
  return isUsageError(error) ? 2 : 1;
}

/** Our own usage errors and node:util parseArgs' (whose codes start ERR_PARSE_ARGS). */
function isUsageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

const WITH_VALUE = new Set(['root', 'log', 'log-format', 'criu', 'rootless']);
const BOOLEAN = new Set(['debug', 'systemd-cgroup', 'help', 'h', 'version', 'v']);

/**
 * runc's global flags, in the forms Go's flag parsing takes: --name VALUE, --name=VALUE, -name VALUE.
 * They end at the first word that is not one (the command).
 */
export function parseGlobalOptions(argv: string[]): GlobalOptions {
  const options: GlobalOptions = { root: DEFAULT_RUNTIME_ROOT, logFormat: 'text', debug: false, systemdCgroup: false, rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const match = /^--?([a-z][a-z-]*)(?:=(.*))?$/s.exec(argv[i]!);
    if (!match || (!WITH_VALUE.has(match[1]!) && !BOOLEAN.has(match[1]!))) break;
    const name = match[1]!;
    if (BOOLEAN.has(name)) {
      if (match[2] !== undefined && !/^(true|false)$/.test(match[2])) throw new UsageError(`--${name} takes no value (or =true/=false), got "${match[2]}"`);
      const on = match[2] !== 'false';
      if (name === 'debug') options.debug = on;
      else if (name === 'systemd-cgroup') options.systemdCgroup = on;
      else if (on) options.action = name === 'help' || name === 'h' ? 'help' : 'version';
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (name === 'root') options.root = resolve(value);
    else if (name === 'log') options.log = resolve(value);
    else if (name === 'log-format') {
      if (value !== 'text' && value !== 'json') throw new UsageError(`invalid log-format: ${value} (text or json)`);
      options.logFormat = value;
    } else if (name === 'rootless' && !/^(auto|true|false)$/.test(value)) {
      throw new UsageError(`--rootless takes auto, true or false, got "${value}"`);
    } else if (name === 'rootless' && value === 'true') {
      throw new UsageError('--rootless=true is not supported: berth runtime runs as root');
    }
    // --criu names the CRIU binary for checkpoint/restore, which are refused when asked for.
  }
  options.rest = argv.slice(i);
  return options;
}

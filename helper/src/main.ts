// The `berth` command: picks the subcommand and turns every failure into a one-line message and an exit code.
import { daemonCommand } from './cli/commands/daemon';
import { runtimeCommand } from './cli/runtime/runtimeCommand';
import { versionCommand } from './cli/commands/version';
import { USAGE, UsageError } from './cli/usage';

const commands: Record<string, (args: string[]) => number | Promise<number>> = {
  version: versionCommand,
  daemon: daemonCommand,
  runtime: runtimeCommand,
  help: () => {
    process.stdout.write(USAGE);
    return 0;
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  return command(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const isUsage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`berth: ${message}\n`);
    if (isUsage) process.stderr.write("Run 'berth help' for usage.\n");
    process.exitCode = isUsage ? 2 : 1;
  },
);

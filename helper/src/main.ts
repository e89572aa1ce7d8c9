// The `berth` command: global options, then the subcommand; every failure becomes a one-line message and
// an exit code. Client commands (the Docker-like ones) talk to the daemon and exit 125 when the daemon
// cannot be reached or refuses, as docker does; daemon and runtime run here and keep getopt's 2 for usage.
import { daemonCommand } from './cli/commands/daemon';
import { dialStdioCommand } from './cli/commands/dialStdio';
import { runtimeCommand } from './cli/runtime/runtimeCommand';
import { versionCommand } from './cli/commands/version';
import { containerCommands } from './cli/containers';
import { imageCommands } from './cli/images';
import { buildCommands } from './cli/build';
import { networkCommands } from './cli/networks';
import type { ClientCommand, CliContext } from './cli/command';
import { connectToDaemon, socketPathOf } from './cli/daemonClient';
import { USAGE, UsageError } from './cli/usage';
import type { ProtocolClient } from './protocol';

const localCommands: Record<string, (args: string[]) => number | Promise<number>> = {
  version: versionCommand,
  daemon: daemonCommand,
  'dial-stdio': dialStdioCommand,
  runtime: runtimeCommand,
  help: () => {
    process.stdout.write(USAGE);
    return 0;
  },
};

const clientCommands: Record<string, ClientCommand> = {
  ...containerCommands,
  ...imageCommands,
  ...buildCommands,
  ...networkCommands,
};

/** Exit code of a client command that could not do its work (daemon unreachable, refused, bad flags). */
const CLIENT_FAILURE = 125;

async function main(argv: string[]): Promise<number> {
  let host: string | undefined;
  let rest = argv;
  while (rest[0] === '--host' || rest[0] === '-H' || rest[0]?.startsWith('--host=')) {
    if (rest[0].startsWith('--host=')) {
      host = rest[0].slice('--host='.length);
      rest = rest.slice(1);
    } else {
      if (rest[1] === undefined) throw new UsageError(`${rest[0]} needs a value (unix:///run/berth/berth.sock)`);
      host = rest[1];
      rest = rest.slice(2);
    }
  }
  const [name, ...args] = rest;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const local = localCommands[name];
  if (local) return local(args);
  const command = clientCommands[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);

  let connected: Promise<ProtocolClient> | undefined;
  const context: CliContext = {
    client: () => (connected ??= connectToDaemon(socketPathOf(host))),
    stdout: process.stdout,
    stderr: process.stderr,
  };
  try {
    return await command(args, context);
  } catch (error) {
    const isUsage = isUsageError(error);
    process.stderr.write(`berth: ${error instanceof Error ? error.message : String(error)}\n`);
    if (isUsage) process.stderr.write(`Run 'berth ${name} --help' for usage.\n`);
    return CLIENT_FAILURE;
  } finally {
    if (connected) void connected.then((client) => client.close(), () => undefined);
  }
}

/** Our own usage errors and node:util parseArgs' (whose code is a string; the daemon's are numbers). */
function isUsageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const isUsage = isUsageError(error);
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`berth: ${message}\n`);
    if (isUsage) process.stderr.write("Run 'berth help' for usage.\n");
    process.exitCode = isUsage ? 2 : 1;
  },
);

// The container commands, with Docker's names and flags, and `berth container SUBCOMMAND` for each.
import type { ClientCommand } from '../command';
import { UsageError } from '../usage';
import { events, info, inspect, logs, ps, stats, top } from './inspection';
import { attach, cp, createCommand, exec, run } from './interaction';
import { kill, pause, prune, rename, restart, rm, start, stop, unpause, wait } from './lifecycle';

const direct: Record<string, ClientCommand> = {
  run,
  create: createCommand,
  start,
  stop,
  kill,
  restart,
  pause,
  unpause,
  rm,
  rename,
  wait,
  ps,
  inspect,
  logs,
  exec,
  attach,
  top,
  stats,
  cp,
  events,
  info,
};

const containerSubcommands: Record<string, ClientCommand> = { ...direct, ls: ps, list: ps, prune, remove: rm };

const container: ClientCommand = (args, context) => {
  const [sub, ...rest] = args;
  const command = sub === undefined ? undefined : containerSubcommands[sub];
  if (!command) throw new UsageError(`berth container: unknown subcommand "${sub ?? ''}" (${Object.keys(containerSubcommands).join(', ')})`);
  return command(rest, context);
};

export const containerCommands: Record<string, ClientCommand> = { ...direct, container };

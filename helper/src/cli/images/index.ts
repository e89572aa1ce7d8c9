// The image commands, with Docker's names and flags: pull, push, images, image (ls, inspect, rm, prune,
// history, tag, load, save, import), history, tag, rmi, load, save, import.
import type { ClientCommand } from '../command';
import { withDaemonErrors } from './daemonErrors';
import { importCommand } from './importCommand';
import { pullCommand } from './pullCommand';

const commands: Record<string, ClientCommand> = {
  import: importCommand,
  pull: pullCommand,
};

export const imageCommands: Record<string, ClientCommand> = Object.fromEntries(
  Object.entries(commands).map(([name, command]) => [name, withDaemonErrors(command)]),
);

// The image commands, with Docker's names and flags: pull, push, images, history, tag, rmi, load, save,
// import, and `berth image SUBCOMMAND` (ls, inspect, rm, prune, history, tag, load, save, import, pull,
// push). `berth inspect` belongs to the containers' commands; images are inspected with `image inspect`.
import type { ClientCommand } from '../command';
import { UsageError } from '../usage';
import { loadCommand, pushCommand, saveCommand } from './archiveCommands';
import { imagePruneCommand, rmiCommand, tagCommand } from './changeCommands';
import { withDaemonErrors } from './daemonErrors';
import { importCommand } from './importCommand';
import { historyCommand, imageInspectCommand, imagesCommand } from './listCommands';
import { pullCommand } from './pullCommand';

const subcommands: Record<string, ClientCommand> = {
  ls: imagesCommand,
  list: imagesCommand,
  inspect: imageInspectCommand,
  rm: rmiCommand,
  prune: imagePruneCommand,
  history: historyCommand,
  tag: tagCommand,
  load: loadCommand,
  save: saveCommand,
  import: importCommand,
  pull: pullCommand,
  push: pushCommand,
};

const imageCommand: ClientCommand = (args, context) => {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    context.stdout.write(`Usage: berth image COMMAND\n\nCommands: ${Object.keys(subcommands).join(', ')}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = subcommands[name];
  if (!command) throw new UsageError(`unknown image command "${name}" (${Object.keys(subcommands).join(', ')})`);
  return command(rest, context);
};

const commands: Record<string, ClientCommand> = {
  image: imageCommand,
  images: imagesCommand,
  pull: pullCommand,
  push: pushCommand,
  history: historyCommand,
  tag: tagCommand,
  rmi: rmiCommand,
  load: loadCommand,
  save: saveCommand,
  import: importCommand,
};

export const imageCommands: Record<string, ClientCommand> = Object.fromEntries(
  Object.entries(commands).map(([name, command]) => [name, withDaemonErrors(command)]),
);

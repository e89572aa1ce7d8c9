// berth build, and berth builder prune (the build cache), with Docker's names.
import { parseArgs } from 'node:util';
import type { ClientCommand } from '../command';
import { withDaemonErrors } from '../images/daemonErrors';
import { humanSize } from '../images/format';
import { UsageError } from '../usage';
import { buildCommand } from './buildCommand';

const PRUNE_USAGE = `Usage: berth builder prune [OPTIONS]

Remove the build cache: the layers only earlier builds' steps keep.

Options:
  -a, --all               remove every entry (the default, kept for Docker's flag)
      --filter until=24h  only entries unused for that long (h, m)
  -f, --force             accepted, as image prune does (nothing is asked)
`;

const builderPrune: ClientCommand = async (args, context) => {
  const { values } = parseArgs({
    args,
    options: { all: { type: 'boolean', short: 'a' }, filter: { type: 'string', multiple: true }, force: { type: 'boolean', short: 'f' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write(PRUNE_USAGE);
    return 0;
  }
  let olderThanHours: number | undefined;
  for (const filter of values.filter ?? []) {
    const match = /^until=(\d+(?:\.\d+)?)(h|m)$/.exec(filter);
    if (!match) throw new UsageError(`--filter ${filter}: only until=DURATION (24h, 90m) is supported`);
    olderThanHours = Number(match[1]) / (match[2] === 'm' ? 60 : 1);
  }
  const client = await context.client();
  const result = await client.call('builder.prune', olderThanHours === undefined ? {} : { olderThanHours });
  context.stdout.write(`Deleted build cache entries: ${result.entries}\nTotal reclaimed space: ${humanSize(result.spaceReclaimed)}\n`);
  return 0;
};

const builderCommand: ClientCommand = (args, context) => {
  const [sub, ...rest] = args;
  if (sub === 'prune') return builderPrune(rest, context);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    context.stdout.write('Usage: berth builder prune [OPTIONS]\n');
    return sub === undefined ? 2 : 0;
  }
  throw new UsageError(`unknown builder command "${sub}" (prune)`);
};

export const buildCommands: Record<string, ClientCommand> = {
  build: withDaemonErrors(buildCommand),
  builder: withDaemonErrors(builderCommand),
};

// berth import FILE|DIR|- [REPOSITORY[:TAG]] [-c|--change INSTRUCTION]… [-m|--message TEXT]: a root
// filesystem as a one-layer image. A file or directory is read by the daemon where it is (same machine);
// `-` sends the tar on stdin through the stream.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClientCommand } from '../command';
import { UsageError } from '../usage';
import { ImageAdded } from '../../protocol';

export const IMPORT_USAGE = `Usage: berth import [OPTIONS] FILE|DIR|- [REPOSITORY[:TAG]]

Create an image from a root filesystem: a directory, a tar (maybe gzip'd) or a tar on stdin (-).

Options:
  -c, --change INSTRUCTION   apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, USER, …)
  -m, --message TEXT         the history comment
`;

export const importCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      change: { type: 'string', short: 'c', multiple: true },
      message: { type: 'string', short: 'm' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(IMPORT_USAGE);
    return 0;
  }
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError('import takes a source (FILE, DIR or -) and an optional REPOSITORY[:TAG]');
  const [source, reference] = positionals as [string, string | undefined];
  const client = await context.client();
  const params = {
    ...(source === '-' ? {} : { path: resolve(source) }),
    ...(reference === undefined ? {} : { reference }),
    ...(values.change ? { changes: values.change } : {}),
    ...(values.message === undefined ? {} : { message: values.message }),
  };
  const stream = await client.openStream('images.import', params);
  stream.listen({});
  if (source === '-') {
    try {
      for await (const chunk of process.stdin) await stream.write(chunk as Buffer);
      await stream.closeInput();
    } catch (error) {
      // The daemon ended the stream (a bad tar): its error, from `done`, says why.
      await stream.done;
      throw error;
    }
  }
  const result = ImageAdded.parse(await stream.done);
  context.stdout.write(`${result.id}\n`);
  return 0;
};

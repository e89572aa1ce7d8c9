// berth pull [--platform OS/ARCH[/VARIANT]] [--insecure] [-u USER --password-stdin] [-q] NAME[:TAG|@DIGEST]
import { parseArgs } from 'node:util';
import type { ClientCommand } from '../command';
import { UsageError } from '../usage';
import { ImageAdded, ImageProgress, type RegistryAuth } from '../../protocol';
import { ProgressPrinter } from './progressPrinter';
import { readPasswordFromStdin } from './stdin';

export const PULL_USAGE = `Usage: berth pull [OPTIONS] NAME[:TAG|@DIGEST]

Download an image from a registry.

Options:
  --platform OS/ARCH[/VARIANT]  the platform to pull from a multi-platform image (default: the daemon's)
  --insecure                    allow plain HTTP and unverified TLS for this registry
  -u, --username USER           credentials (else the daemon's ~/.docker/config.json)
  --password-stdin              read the password from stdin
  -q, --quiet                   print only the image's name
`;

export const pullCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      platform: { type: 'string' },
      insecure: { type: 'boolean' },
      username: { type: 'string', short: 'u' },
      'password-stdin': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(PULL_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('pull takes exactly one image name');
  const auth = await credentialsFromFlags(values.username, values['password-stdin']);
  const client = await context.client();
  const stream = await client.openStream('images.pull', {
    reference: positionals[0]!,
    ...(values.platform ? { platform: values.platform } : {}),
    ...(values.insecure ? { insecure: true } : {}),
    ...(auth ? { auth } : {}),
  });
  const printer = new ProgressPrinter(context.stdout, values.quiet === true, 'Pull complete');
  stream.listen({ items: (items) => printer.items(items.map((item) => ImageProgress.parse(item))) });
  const result = ImageAdded.parse(await stream.done);
  printer.finish();
  context.stdout.write(`${result.references[0] ?? result.id}\n`);
  return 0;
};

export async function credentialsFromFlags(username: string | undefined, passwordStdin: boolean | undefined): Promise<RegistryAuth | undefined> {
  if (username === undefined) {
    if (passwordStdin) throw new UsageError('--password-stdin needs --username');
    return undefined;
  }
  if (!passwordStdin) throw new UsageError('--username needs --password-stdin (a password on the command line would be visible to other users)');
  return { username, password: await readPasswordFromStdin() };
}

// berth save, load, push.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClientCommand } from '../command';
import { UsageError } from '../usage';
import { ImageProgress, ImagesLoaded } from '../../protocol';
import { ProgressPrinter } from './progressPrinter';
import { credentialsFromFlags } from './pullCommand';

export const saveCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write('Usage: berth save [-o FILE] IMAGE [IMAGE...]\n\nWrite images to a tar that is both a docker-save archive and an OCI layout (stdout without -o).\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('save takes at least one image');
  if (values.output === undefined && context.stdout.isTTY) throw new UsageError('refusing to write the archive to a terminal: use -o FILE or redirect stdout');
  const client = await context.client();
  const stream = await client.openStream('images.save', { images: positionals });
  // Into a temp file renamed at the end, so that a failed save leaves no half archive under the name.
  const target = values.output === undefined ? undefined : resolve(values.output);
  const temp = target === undefined ? undefined : `${target}.${process.pid}.partial`;
  const fd = temp === undefined ? 1 : openSync(temp, 'w', 0o644);
  try {
    stream.listen({
      data: (bytes) => {
        for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
      },
    });
    await stream.done;
    if (temp !== undefined) {
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temp, target!);
    }
  } catch (error) {
    if (temp !== undefined) {
      closeSync(fd);
      rmSync(temp, { force: true });
    }
    throw error;
  }
  return 0;
};

export const loadCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { input: { type: 'string', short: 'i' }, quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write('Usage: berth load [-i FILE] [-q]\n\nLoad images from a docker-save or OCI-layout tar (stdin without -i).\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('load takes no arguments (use -i FILE)');
  const client = await context.client();
  const stream = await client.openStream('images.load', values.input === undefined ? {} : { path: resolve(values.input) });
  stream.listen({});
  if (values.input === undefined) {
    if (process.stdin.isTTY) throw new UsageError('load reads the archive from stdin, which is a terminal: use -i FILE or redirect stdin');
    try {
      for await (const chunk of process.stdin) await stream.write(chunk as Buffer);
      await stream.closeInput();
    } catch (error) {
      await stream.done;
      throw error;
    }
  }
  const result = ImagesLoaded.parse(await stream.done);
  if (!values.quiet) {
    for (const image of result.images) {
      if (image.references.length === 0) context.stdout.write(`Loaded image ID: ${image.id}\n`);
      for (const name of image.references) context.stdout.write(`Loaded image: ${name}\n`);
    }
  }
  return 0;
};

export const pushCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      insecure: { type: 'boolean' },
      username: { type: 'string', short: 'u' },
      'password-stdin': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write('Usage: berth push [--insecure] [-u USER --password-stdin] [-q] NAME[:TAG]\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('push takes exactly one image name');
  const auth = await credentialsFromFlags(values.username, values['password-stdin']);
  const client = await context.client();
  const stream = await client.openStream('images.push', { image: positionals[0]!, ...(values.insecure ? { insecure: true } : {}), ...(auth ? { auth } : {}) });
  const printer = new ProgressPrinter(context.stdout, values.quiet === true, 'Pushed');
  stream.listen({ items: (items) => printer.items(items.map((item) => ImageProgress.parse(item))) });
  const result = (await stream.done) as { digest?: string };
  printer.finish();
  if (values.quiet && result.digest) context.stdout.write(`${result.digest}\n`);
  return 0;
};

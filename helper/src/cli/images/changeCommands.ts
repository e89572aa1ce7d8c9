// berth tag, rmi, image prune: names and removal.
import { parseArgs } from 'node:util';
import type { ClientCommand } from '../command';
import { UsageError } from '../usage';
import { humanSize } from './format';

export const tagCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    context.stdout.write('Usage: berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n');
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('tag takes a source image and a target name');
  const client = await context.client();
  await client.call('images.tag', { image: positionals[0]!, reference: positionals[1]! });
  return 0;
};

export const rmiCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { force: { type: 'boolean', short: 'f' }, 'no-prune': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write('Usage: berth rmi [-f] IMAGE [IMAGE...]\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('rmi takes at least one image');
  const client = await context.client();
  let failed = false;
  for (const image of positionals) {
    try {
      const result = await client.call('images.remove', { image, ...(values.force ? { force: true } : {}) });
      for (const name of result.untagged) context.stdout.write(`Untagged: ${name}\n`);
      for (const id of result.deleted) context.stdout.write(`Deleted: ${id}\n`);
    } catch (error) {
      context.stderr.write(`Error response from daemon: ${(error as Error).message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
};

export const imagePruneCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { all: { type: 'boolean', short: 'a' }, force: { type: 'boolean', short: 'f' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write('Usage: berth image prune [-a] [-f]\n\nRemove untagged images (-a: every image no container uses), then unused blobs and layers.\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('image prune takes no arguments');
  const client = await context.client();
  const result = await client.call('images.prune', { ...(values.all ? { all: true } : {}) });
  if (result.deleted.length > 0) context.stdout.write(`Deleted Images:\n${result.deleted.map((id) => `deleted: ${id}\n`).join('')}\n`);
  context.stdout.write(`Total reclaimed space: ${humanSize(result.spaceReclaimed)}\n`);
  return 0;
};

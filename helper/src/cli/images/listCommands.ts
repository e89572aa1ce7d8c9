// berth images, image inspect, history: what the store holds.
import { parseArgs } from 'node:util';
import type { ClientCommand } from '../command';
import { UsageError } from '../usage';
import { ago, humanSize, repositoryAndTag, shortId, table } from './format';

export const imagesCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      all: { type: 'boolean', short: 'a' },
      quiet: { type: 'boolean', short: 'q' },
      digests: { type: 'boolean' },
      'no-trunc': { type: 'boolean' },
      filter: { type: 'string', short: 'f', multiple: true },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write('Usage: berth images [OPTIONS] [REPOSITORY[:TAG]]\n\n  -a, --all  -q, --quiet  --digests  --no-trunc  -f dangling=true|false  --format json\n');
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('images takes at most one REPOSITORY[:TAG]');
  let dangling: boolean | undefined;
  for (const filter of values.filter ?? []) {
    const match = /^dangling=(true|false)$/.exec(filter);
    if (!match) throw new UsageError(`unsupported filter ${filter} (dangling=true|false)`);
    dangling = match[1] === 'true';
  }
  const client = await context.client();
  const images = await client.call('images.list', { ...(dangling === undefined ? {} : { dangling }), ...(positionals[0] ? { reference: positionals[0] } : {}) });
  if (values.format === 'json') {
    context.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
    return 0;
  }
  if (values.format !== undefined) throw new UsageError('--format takes json');
  const id = (value: string) => (values['no-trunc'] ? value : shortId(value));
  if (values.quiet) {
    context.stdout.write([...new Set(images.map((image) => id(image.id)))].map((line) => `${line}\n`).join(''));
    return 0;
  }
  const rows = [['REPOSITORY', 'TAG', ...(values.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE']];
  for (const image of images) {
    const names = image.repoTags.length > 0 ? image.repoTags : [''];
    for (const name of names) {
      const [repository, tag] = name ? repositoryAndTag(name) : ['<none>', '<none>'];
      const digest = image.repoDigests.find((d) => name && d.startsWith(`${name.slice(0, name.lastIndexOf(':'))}@`))?.split('@')[1] ?? '<none>';
      rows.push([repository, tag, ...(values.digests ? [digest] : []), id(image.id), ago(image.created), humanSize(image.size)]);
    }
  }
  context.stdout.write(table(rows));
  return 0;
};

export const imageInspectCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length === 0) {
    if (!values.help) throw new UsageError('image inspect takes at least one image');
    context.stdout.write('Usage: berth image inspect IMAGE [IMAGE...]\n');
    return 0;
  }
  const client = await context.client();
  const found: unknown[] = [];
  let failed = false;
  for (const image of positionals) {
    try {
      found.push(await client.call('images.inspect', { image }));
    } catch (error) {
      context.stderr.write(`Error: ${(error as Error).message}\n`);
      failed = true;
    }
  }
  context.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
  return failed ? 1 : 0;
};

export const historyCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'no-trunc': { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write('Usage: berth history [--no-trunc] [-q] [--format json] IMAGE\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('history takes exactly one image');
  const client = await context.client();
  const entries = await client.call('images.history', { image: positionals[0]! });
  if (values.format === 'json') {
    context.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  const id = (value: string) => (value.startsWith('sha256:') ? (values['no-trunc'] ? value : shortId(value)) : value);
  if (values.quiet) {
    context.stdout.write(entries.map((entry) => `${id(entry.id)}\n`).join(''));
    return 0;
  }
  const created = (text: string) => (values['no-trunc'] || text.length <= 45 ? text : `${text.slice(0, 44)}…`);
  const rows = [['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT']];
  for (const entry of entries) rows.push([id(entry.id), ago(entry.created), created(entry.createdBy), humanSize(entry.size), entry.comment]);
  context.stdout.write(table(rows));
  return 0;
};

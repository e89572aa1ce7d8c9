// ps, inspect, top, stats, logs, events, info: what people look at, as tables or --format json.
import { parseArgs } from 'node:util';
import { formatPublishedPort, RpcError, type ContainerStats, type LogItem } from '../../protocol';
import type { ClientCommand } from '../command';
import { UsageError } from '../usage';
import { ago, bytes, checkFormat, json, table } from './output';

function filtersOf(values: string[] | undefined): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const filter of values ?? []) {
    const [key, ...rest] = filter.split('=');
    if (!key || rest.length === 0) throw new UsageError(`--filter ${filter}: expected KEY=VALUE (name, id, status, label, ancestor)`);
    (filters[key] ??= []).push(rest.join('='));
  }
  return filters;
}

export const ps: ClientCommand = async (args, context) => {
  const { values } = parseArgs({
    args,
    options: {
      all: { type: 'boolean', short: 'a' },
      quiet: { type: 'boolean', short: 'q' },
      filter: { type: 'string', short: 'f', multiple: true },
      format: { type: 'string' },
      'no-trunc': { type: 'boolean' },
    },
  });
  const format = checkFormat(values.format);
  const client = await context.client();
  const containers = await client.call('containers.list', { all: values.all === true, filters: filtersOf(values.filter) });
  const id = (full: string) => (values['no-trunc'] ? full : full.slice(0, 12));
  if (values.quiet) context.stdout.write(containers.map((c) => `${id(c.id)}\n`).join(''));
  else if (format === 'json') context.stdout.write(json(containers));
  else {
    const command = (text: string) => (values['no-trunc'] || text.length <= 20 ? `"${text}"` : `"${text.slice(0, 19)}…"`);
    context.stdout.write(
      table(
        ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
        containers.map((c) => [id(c.id), c.image, command(c.command), ago(c.created), c.status, c.ports.map(formatPublishedPort).join(', '), c.name]),
      ),
    );
  }
  return 0;
};

export const inspect: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, options: { type: { type: 'string' }, format: { type: 'string', short: 'f' } }, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError('inspect needs at least one container or image');
  const client = await context.client();
  const found: unknown[] = [];
  let failed = 0;
  for (const name of positionals) {
    try {
      if (values.type === 'image') throw new RpcError(-32004, 'images');
      found.push(await client.call('containers.inspect', { container: name }));
    } catch (error) {
      // Like docker inspect: not a container, perhaps an image.
      try {
        if (values.type === 'container') throw error;
        found.push(await client.callRaw('images.inspect', { image: name }));
      } catch {
        failed++;
        context.stderr.write(`Error: No such object: ${name}\n`);
      }
    }
  }
  context.stdout.write(json(found));
  return failed > 0 ? 1 : 0;
};

export const top: ClientCommand = async (args, context) => {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('top takes one container');
  const client = await context.client();
  const result = await client.call('containers.top', { container: positionals[0]! });
  context.stdout.write(table(result.titles, result.processes));
  return 0;
};

function statsRow(s: ContainerStats): string[] {
  return [
    s.id.slice(0, 12),
    s.name,
    `${s.cpuPercent.toFixed(2)}%`,
    `${bytes(s.memoryUsage)} / ${bytes(s.memoryLimit)}`,
    `${s.memoryPercent.toFixed(2)}%`,
    `${bytes(s.netRx)} / ${bytes(s.netTx)}`,
    `${bytes(s.blockRead)} / ${bytes(s.blockWrite)}`,
    `${s.pids}`,
  ];
}
const STATS_HEADERS = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];

export const stats: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, options: { 'no-stream': { type: 'boolean' }, format: { type: 'string' } }, allowPositionals: true });
  const format = checkFormat(values.format);
  const client = await context.client();
  const names = positionals.length > 0 ? positionals : (await client.call('containers.list', {})).map((c) => c.id);
  if (values['no-stream']) {
    const samples = await Promise.all(names.map(async (container) => (await client.call('containers.stats', { container })) as ContainerStats));
    context.stdout.write(format === 'json' ? json(samples) : table(STATS_HEADERS, samples.map(statsRow)));
    return 0;
  }
  const latest = new Map<string, ContainerStats>();
  const streams = await Promise.all(names.map((container) => client.openStream('containers.stats', { container, stream: true })));
  for (const stream of streams) {
    stream.listen({
      items: (items) => {
        for (const item of items as ContainerStats[]) {
          latest.set(item.id, item);
          if (format === 'json') context.stdout.write(`${JSON.stringify(item)}\n`);
        }
        if (format === 'table') context.stdout.write(`\x1b[2J\x1b[H${table(STATS_HEADERS, [...latest.values()].map(statsRow))}`);
      },
    });
  }
  await Promise.all(streams.map((stream) => stream.done));
  return 0;
};

export const logs: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    options: {
      follow: { type: 'boolean', short: 'f' },
      tail: { type: 'string', short: 'n' },
      since: { type: 'string' },
      until: { type: 'string' },
      timestamps: { type: 'boolean', short: 't' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('logs takes one container');
  let tail: number | undefined;
  if (values.tail !== undefined && values.tail !== 'all') {
    if (!/^\d+$/.test(values.tail)) throw new UsageError(`--tail ${values.tail}: a number of lines, or all`);
    tail = Number(values.tail);
  }
  const client = await context.client();
  const stream = await client.openStream('containers.logs', {
    container: positionals[0]!,
    follow: values.follow === true,
    ...(tail !== undefined ? { tail } : {}),
    ...(values.since ? { since: relativeTime(values.since) } : {}),
    ...(values.until ? { until: relativeTime(values.until) } : {}),
  });
  const write = (target: NodeJS.WriteStream, data: Buffer) =>
    new Promise<void>((resolve) => (target.write(data) ? resolve() : target.once('drain', () => resolve())));
  stream.listen({
    items: async (items) => {
      for (const item of items as LogItem[]) {
        const data = Buffer.from(item.data, 'base64');
        const target = item.stream === 'stderr' ? context.stderr : context.stdout;
        await write(target, values.timestamps ? Buffer.concat([Buffer.from(`${item.time} `), data]) : data);
      }
    },
  });
  await stream.done;
  return 0;
};

/** Docker's --since: a time, seconds since the epoch, or a duration before now (10m, 1h30m, 45s). */
export function relativeTime(value: string, now = Date.now()): string {
  const duration = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (duration && value !== '') {
    const [, h = '0', m = '0', s = '0'] = duration;
    return new Date(now - (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000).toISOString();
  }
  return value;
}

export const events: ClientCommand = async (args, context) => {
  const { values } = parseArgs({ args, options: { filter: { type: 'string', short: 'f', multiple: true }, format: { type: 'string' } } });
  const format = checkFormat(values.format);
  const filters = filtersOf(values.filter);
  const types = filters.type as ('container' | 'image' | 'volume' | 'daemon')[] | undefined;
  const client = await context.client();
  const stream = await client.openStream('events.subscribe', types ? { types } : {});
  stream.listen({
    items: (items) => {
      for (const event of items as Array<{ type: string; action: string; id: string; attributes: Record<string, string>; time: string }>) {
        if (filters.event && !filters.event.includes(event.action)) continue;
        if (filters.container && !filters.container.some((c) => event.id.startsWith(c) || event.attributes.name === c)) continue;
        if (format === 'json') context.stdout.write(`${JSON.stringify(event)}\n`);
        else {
          const attributes = Object.entries(event.attributes).map(([key, value]) => `${key}=${value}`).join(', ');
          context.stdout.write(`${event.time} ${event.type} ${event.action} ${event.id}${attributes ? ` (${attributes})` : ''}\n`);
        }
      }
    },
  });
  await stream.done;
  return 0;
};

export const info: ClientCommand = async (args, context) => {
  const { values } = parseArgs({ args, options: { format: { type: 'string' } } });
  const format = checkFormat(values.format);
  const client = await context.client();
  const version = await client.call('system.version', {});
  const containers = await client.call('containers.list', { all: true });
  const images = (await client.callRaw('images.list', {}).catch(() => [])) as unknown[];
  const summary = {
    ...version,
    containers: containers.length,
    running: containers.filter((c) => c.state === 'running').length,
    paused: containers.filter((c) => c.state === 'paused').length,
    stopped: containers.filter((c) => c.state !== 'running' && c.state !== 'paused').length,
    images: images.length,
  };
  if (format === 'json') context.stdout.write(json(summary));
  else {
    context.stdout.write(
      [
        `Server Version: ${summary.helperVersion} (protocol ${summary.protocolVersion})`,
        `Containers: ${summary.containers}`,
        ` Running: ${summary.running}`,
        ` Paused: ${summary.paused}`,
        ` Stopped: ${summary.stopped}`,
        `Images: ${summary.images}`,
        `Cgroup Mode: ${summary.cgroupMode}`,
        `Kernel Version: ${summary.kernel}`,
        `Operating System: ${summary.os} (${summary.arch})`,
        `Node.js: ${summary.nodeVersion}`,
        `Running as root: ${summary.root}`,
        '',
      ].join('\n'),
    );
  }
  return 0;
};

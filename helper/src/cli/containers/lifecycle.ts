// start, stop, kill, restart, pause, unpause, rm, rename, wait, container prune: each names containers
// and prints them back as Docker does; one failure does not stop the others, and makes the exit code 1.
import { parseArgs } from 'node:util';
import type { ProtocolClient } from '../../protocol';
import type { ClientCommand, CliContext } from '../command';
import { UsageError } from '../usage';
import { exitCodeOf, runSession } from './terminalSession';

async function forEach(names: string[], context: CliContext, what: string, act: (client: ProtocolClient, name: string) => Promise<string | void>): Promise<number> {
  if (names.length === 0) throw new UsageError(`${what} needs at least one container`);
  const client = await context.client();
  let failed = 0;
  for (const name of names) {
    try {
      const printed = await act(client, name);
      context.stdout.write(`${printed ?? name}\n`);
    } catch (error) {
      failed++;
      context.stderr.write(`Error response from daemon: ${(error as Error).message}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

function timeoutOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid timeout "${value}": seconds, as a whole number`);
  return Number(value);
}

export const start: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, options: { attach: { type: 'boolean', short: 'a' }, interactive: { type: 'boolean', short: 'i' } }, allowPositionals: true });
  if (values.attach || values.interactive) {
    if (positionals.length !== 1) throw new UsageError('start -a attaches to one container');
    const client = await context.client();
    const stream = await client.openStream('containers.attach', { container: positionals[0]!, stdin: values.interactive === true, logs: true });
    await client.call('containers.start', { container: positionals[0]! });
    return exitCodeOf(await runSession(stream, { stdin: values.interactive === true, tty: false }));
  }
  return forEach(positionals, context, 'start', async (client, container) => void (await client.call('containers.start', { container })));
};

export const stop: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, options: { time: { type: 'string', short: 't' }, timeout: { type: 'string' } }, allowPositionals: true });
  const timeout = timeoutOption(values.time ?? values.timeout);
  return forEach(positionals, context, 'stop', async (client, container) => void (await client.call('containers.stop', { container, ...(timeout !== undefined ? { timeout } : {}) }, { timeoutMs: 0 })));
};

export const restart: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, options: { time: { type: 'string', short: 't' }, timeout: { type: 'string' } }, allowPositionals: true });
  const timeout = timeoutOption(values.time ?? values.timeout);
  return forEach(positionals, context, 'restart', async (client, container) => void (await client.call('containers.restart', { container, ...(timeout !== undefined ? { timeout } : {}) }, { timeoutMs: 0 })));
};

export const kill: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, options: { signal: { type: 'string', short: 's' } }, allowPositionals: true });
  return forEach(positionals, context, 'kill', async (client, container) => void (await client.call('containers.kill', { container, ...(values.signal ? { signal: values.signal } : {}) })));
};

export const pause: ClientCommand = async (args, context) =>
  forEach(parseArgs({ args, allowPositionals: true }).positionals, context, 'pause', async (client, container) => void (await client.call('containers.pause', { container })));

export const unpause: ClientCommand = async (args, context) =>
  forEach(parseArgs({ args, allowPositionals: true }).positionals, context, 'unpause', async (client, container) => void (await client.call('containers.unpause', { container })));

export const rm: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, options: { force: { type: 'boolean', short: 'f' }, volumes: { type: 'boolean', short: 'v' } }, allowPositionals: true });
  return forEach(positionals, context, 'rm', async (client, container) => void (await client.call('containers.remove', { container, force: values.force === true })));
};

export const rename: ClientCommand = async (args, context) => {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  if (positionals.length !== 2) throw new UsageError('rename takes CONTAINER NEW_NAME');
  const client = await context.client();
  await client.call('containers.rename', { container: positionals[0]!, name: positionals[1]! });
  return 0;
};

export const wait: ClientCommand = async (args, context) => {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  return forEach(positionals, context, 'wait', async (client, container) => `${(await client.call('containers.wait', { container }, { timeoutMs: 0 })).exitCode}`);
};

export const prune: ClientCommand = async (args, context) => {
  const { values } = parseArgs({ args, options: { force: { type: 'boolean', short: 'f' }, filter: { type: 'string', multiple: true } } });
  if (!values.force && !process.stdin.isTTY) throw new UsageError('container prune removes every stopped container: confirm with --force (-f)');
  const filters: Record<string, string[]> = {};
  for (const filter of values.filter ?? []) {
    const [key, ...rest] = filter.split('=');
    (filters[key!] ??= []).push(rest.join('='));
  }
  const client = await context.client();
  const { removed } = await client.call('containers.prune', { filters }, { timeoutMs: 0 });
  context.stdout.write(removed.length > 0 ? `Deleted Containers:\n${removed.join('\n')}\n` : 'Nothing to remove\n');
  return 0;
};

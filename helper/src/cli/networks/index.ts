// `berth network create|ls|inspect|rm|connect|disconnect|prune` and `berth port`, with Docker's names
// and flags, over the networks.* methods and the containers' inspect.
import { parseArgs } from 'node:util';
import { formatPortMapping } from '../../protocol/ports';
import type { ClientCommand } from '../command';
import { withDaemonErrors } from '../images/daemonErrors';
import { checkFormat, json, table } from '../containers/output';
import { UsageError } from '../usage';

function labelsOf(values: string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const label of values ?? []) {
    const [key, ...rest] = label.split('=');
    if (!key) throw new UsageError(`--label ${label}: expected KEY[=VALUE]`);
    labels[key] = rest.join('=');
  }
  return labels;
}

function filtersOf(values: string[] | undefined): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const filter of values ?? []) {
    const [key, ...rest] = filter.split('=');
    if (!key || rest.length === 0) throw new UsageError(`--filter ${filter}: expected KEY=VALUE`);
    (filters[key] ??= []).push(rest.join('='));
  }
  return filters;
}

const create: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      driver: { type: 'string', short: 'd' },
      subnet: { type: 'string' },
      gateway: { type: 'string' },
      internal: { type: 'boolean' },
      label: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write('Usage: berth network create [--subnet CIDR] [--gateway IP] [--internal] [--label K=V] NAME\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('network create takes one NAME');
  if (values.driver !== undefined && values.driver !== 'bridge') throw new UsageError(`--driver ${values.driver}: Berth makes bridge networks only`);
  const labels = labelsOf(values.label);
  const client = await context.client();
  const created = await client.call('networks.create', {
    name: positionals[0]!,
    ...(values.subnet ? { subnet: values.subnet } : {}),
    ...(values.gateway ? { gateway: values.gateway } : {}),
    ...(values.internal ? { internal: true } : {}),
    ...(Object.keys(labels).length ? { labels } : {}),
  });
  context.stdout.write(`${created.id}\n`);
  return 0;
};

const list: ClientCommand = async (args, context) => {
  const { values } = parseArgs({
    args,
    options: { quiet: { type: 'boolean', short: 'q' }, filter: { type: 'string', short: 'f', multiple: true }, format: { type: 'string' }, 'no-trunc': { type: 'boolean' } },
  });
  const client = await context.client();
  const networks = await client.call('networks.list', { filters: filtersOf(values.filter) });
  const id = (value: string) => (values['no-trunc'] ? value : value.slice(0, 12));
  if (checkFormat(values.format) === 'json') context.stdout.write(json(networks));
  else if (values.quiet) context.stdout.write(networks.map((network) => `${id(network.id)}\n`).join(''));
  else context.stdout.write(table(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE', 'SUBNET'], networks.map((n) => [id(n.id), n.name, n.driver, n.scope, n.subnet])));
  return 0;
};

const inspect: ClientCommand = async (args, context) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new UsageError('network inspect takes at least one NETWORK');
  const client = await context.client();
  const found = [];
  for (const network of positionals) found.push(await client.call('networks.inspect', { network }));
  context.stdout.write(json(found));
  return 0;
};

const remove: ClientCommand = async (args, context) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean', short: 'f' } } });
  if (positionals.length === 0) throw new UsageError('network rm takes at least one NETWORK');
  const client = await context.client();
  let failed = 0;
  for (const network of positionals) {
    try {
      await client.call('networks.remove', { network });
      context.stdout.write(`${network}\n`);
    } catch (error) {
      context.stderr.write(`Error: ${(error as Error).message}\n`);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
};

const connect: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { alias: { type: 'string', multiple: true }, ip: { type: 'string' } } });
  if (positionals.length !== 2) throw new UsageError('network connect takes NETWORK CONTAINER');
  const client = await context.client();
  await client.call('networks.connect', {
    network: positionals[0]!,
    container: positionals[1]!,
    ...(values.alias ? { aliases: values.alias } : {}),
    ...(values.ip ? { ipAddress: values.ip } : {}),
  });
  return 0;
};

const disconnect: ClientCommand = async (args, context) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean', short: 'f' } } });
  if (positionals.length !== 2) throw new UsageError('network disconnect takes NETWORK CONTAINER');
  const client = await context.client();
  await client.call('networks.disconnect', { network: positionals[0]!, container: positionals[1]! });
  return 0;
};

const prune: ClientCommand = async (args, context) => {
  const { values } = parseArgs({ args, options: { force: { type: 'boolean', short: 'f' } } });
  void values;
  const client = await context.client();
  const { removed } = await client.call('networks.prune', {});
  context.stdout.write(removed.length ? `Deleted Networks:\n${removed.map((name) => `${name}\n`).join('')}` : '');
  return 0;
};

const subcommands: Record<string, ClientCommand> = { create, ls: list, list, inspect, rm: remove, remove, connect, disconnect, prune };

const networkCommand: ClientCommand = (args, context) => {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    context.stdout.write(`Usage: berth network COMMAND\n\nCommands: create, ls, inspect, rm, connect, disconnect, prune\n`);
    return name === undefined ? 2 : 0;
  }
  const command = subcommands[name];
  if (!command) throw new UsageError(`unknown network command "${name}" (create, ls, inspect, rm, connect, disconnect, prune)`);
  return command(rest, context);
};

/** `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the container's published ports, as docker port prints them. */
const portCommand: ClientCommand = async (args, context) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError('port takes CONTAINER [PRIVATE_PORT[/PROTO]]');
  const client = await context.client();
  const inspected = await client.call('containers.inspect', { container: positionals[0]! });
  let ports = inspected.networkSettings.ports;
  if (positionals[1] !== undefined) {
    const match = /^(\d+)(?:\/(tcp|udp))?$/.exec(positionals[1]);
    if (!match) throw new UsageError(`port ${positionals[1]}: expected PORT or PORT/tcp|udp`);
    ports = ports.filter((port) => port.containerPort === Number(match[1]) && port.protocol === (match[2] ?? 'tcp'));
    if (ports.length === 0) throw new Error(`No public port '${positionals[1]}${match[2] ? '' : '/tcp'}' published for ${positionals[0]}`);
    context.stdout.write(ports.map((port) => `${port.hostIp}:${port.hostPort}\n`).join(''));
    return 0;
  }
  context.stdout.write(ports.map((port) => `${formatPortMapping(port)}\n`).join(''));
  return 0;
};

export const networkCommands: Record<string, ClientCommand> = {
  network: withDaemonErrors(networkCommand),
  port: withDaemonErrors(portCommand),
};

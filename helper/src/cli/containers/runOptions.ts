// `berth run` / `berth create` options with Docker's names, turned into the API's CreateContainerParams.
// Options end at the image: everything after it is the command and its arguments, untouched (so
// `berth run busybox ls -l` passes -l to ls), which is why the split is done here and not by parseArgs.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parsePortSpec, PortSyntaxError, type CreateContainerParams, type MountSpec, type PortRequest, type RestartPolicy, type UlimitSpec } from '../../protocol';
import { UsageError } from '../usage';

const OPTIONS = {
  detach: { type: 'boolean', short: 'd' },
  interactive: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
  rm: { type: 'boolean' },
  name: { type: 'string' },
  env: { type: 'string', short: 'e', multiple: true },
  'env-file': { type: 'string', multiple: true },
  workdir: { type: 'string', short: 'w' },
  user: { type: 'string', short: 'u' },
  hostname: { type: 'string', short: 'h' },
  entrypoint: { type: 'string' },
  volume: { type: 'string', short: 'v', multiple: true },
  mount: { type: 'string', multiple: true },
  tmpfs: { type: 'string', multiple: true },
  'read-only': { type: 'boolean' },
  memory: { type: 'string', short: 'm' },
  'memory-swap': { type: 'string' },
  cpus: { type: 'string' },
  'cpu-shares': { type: 'string', short: 'c' },
  'cpuset-cpus': { type: 'string' },
  'pids-limit': { type: 'string' },
  'cap-add': { type: 'string', multiple: true },
  'cap-drop': { type: 'string', multiple: true },
  privileged: { type: 'boolean' },
  'security-opt': { type: 'string', multiple: true },
  ulimit: { type: 'string', multiple: true },
  restart: { type: 'string' },
  label: { type: 'string', short: 'l', multiple: true },
  init: { type: 'boolean' },
  network: { type: 'string' },
  net: { type: 'string' },
  'network-alias': { type: 'string', multiple: true },
  publish: { type: 'string', short: 'p', multiple: true },
  'publish-all': { type: 'boolean', short: 'P' },
  'add-host': { type: 'string', multiple: true },
  'stop-signal': { type: 'string' },
  'stop-timeout': { type: 'string' },
  sysctl: { type: 'string', multiple: true },
  help: { type: 'boolean' },
} as const;

export interface RunRequest {
  params: CreateContainerParams;
  detach: boolean;
  interactive: boolean;
  tty: boolean;
}

/** Splits argv at the image: [options…], image, [command…]. */
function splitAtImage(args: string[]): { options: string[]; image?: string; command: string[] } {
  const takesValue = new Set<string>();
  for (const [name, option] of Object.entries(OPTIONS)) {
    if (option.type === 'string') {
      takesValue.add(`--${name}`);
      if ('short' in option) takesValue.add(`-${option.short}`);
    }
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return { options: args.slice(0, i), image: args[i + 1], command: args.slice(i + 2) };
    if (!arg.startsWith('-') || arg === '-') return { options: args.slice(0, i), image: arg, command: args.slice(i + 1) };
    if (arg.includes('=')) continue;
    if (takesValue.has(arg)) i++;
    else if (/^-[a-zA-Z]{2,}$/.test(arg) && takesValue.has(`-${arg.at(-1)}`)) i++; // -it, -dv PATH
  }
  return { options: args, command: [] };
}

/** Docker's RAMInBytes: 16m, 1g, 512k, 1.5g, 100 (bytes); an optional trailing b. */
export function parseBytes(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgtp])?b?$/i.exec(value.trim());
  if (!match) throw new UsageError(`invalid value "${value}" for ${flag}: use a number of bytes with an optional unit (b, k, m, g), as in 16m`);
  const units: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  const bytes = Math.floor(Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]!);
  if (bytes <= 0) throw new UsageError(`invalid value "${value}" for ${flag}: must be more than 0 bytes`);
  return bytes;
}

function parseInteger(value: string, flag: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`invalid value "${value}" for ${flag}: not an integer`);
  return Number(value);
}

/** -v SRC:DST[:ro|rw,…] (an absolute SRC binds a host path; a name is a named volume), or -v DST (anonymous). */
export function parseVolume(value: string): MountSpec {
  const parts = value.split(':');
  if (parts.length === 1) throw new UsageError(`-v ${value}: anonymous volumes are not supported yet; give SOURCE:DESTINATION`);
  if (parts.length > 3) throw new UsageError(`-v ${value}: expected SOURCE:DESTINATION[:OPTIONS]`);
  const [source, target, opts] = parts as [string, string, string | undefined];
  if (source === '' || target === '') throw new UsageError(`-v ${value}: the source and the destination must not be empty`);
  const options = (opts ?? '').split(',').filter(Boolean);
  for (const option of options) {
    if (!['ro', 'rw', 'z', 'Z', 'private', 'rprivate', 'bind', 'rbind'].includes(option)) throw new UsageError(`-v ${value}: unknown option "${option}"`);
  }
  const type = source.startsWith('/') || source.startsWith('.') ? 'bind' : 'volume';
  return {
    type,
    source,
    target,
    ...(options.includes('ro') ? { readOnly: true } : {}),
    ...(options.some((o) => o !== 'ro' && o !== 'rw' && o !== 'z' && o !== 'Z') ? { options: options.filter((o) => o !== 'ro' && o !== 'rw' && o !== 'z' && o !== 'Z') } : {}),
  };
}

/** --mount type=bind,source=/a,target=/b,readonly */
export function parseMount(value: string): MountSpec {
  const fields = new Map<string, string>();
  for (const part of value.split(',')) {
    const [key, ...rest] = part.split('=');
    fields.set(key!.trim(), rest.join('=') || 'true');
  }
  const type = fields.get('type') ?? 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw new UsageError(`--mount ${value}: type must be bind, volume or tmpfs`);
  const target = fields.get('target') ?? fields.get('destination') ?? fields.get('dst');
  if (!target) throw new UsageError(`--mount ${value}: a target is needed (target=/path)`);
  const source = fields.get('source') ?? fields.get('src');
  const readOnly = ['readonly', 'ro'].some((key) => fields.has(key) && fields.get(key) !== 'false');
  return { type, target, ...(source ? { source } : {}), ...(readOnly ? { readOnly: true } : {}) };
}

function parseUlimit(value: string): UlimitSpec {
  const match = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value);
  if (!match) throw new UsageError(`--ulimit ${value}: expected NAME=SOFT[:HARD], as in nofile=1024:2048`);
  const soft = Number(match[2]);
  return { name: match[1]!, soft, hard: match[3] === undefined ? soft : Number(match[3]) };
}

export function parseRestart(value: string): RestartPolicy {
  const [name, count] = value.split(':');
  if (name !== 'no' && name !== 'on-failure' && name !== 'always' && name !== 'unless-stopped') {
    throw new UsageError(`--restart ${value}: the policy must be no, on-failure[:N], always or unless-stopped`);
  }
  if (count !== undefined) {
    if (name !== 'on-failure') throw new UsageError(`--restart ${value}: only on-failure takes a maximum retry count`);
    return { name, maximumRetryCount: parseInteger(count, '--restart') };
  }
  return { name };
}

function readEnvFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--env-file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => (line.includes('=') ? line : `${line}=${process.env[line] ?? ''}`));
}

/** `NAME` alone takes the value from the CLI's own environment, as Docker does. */
function envEntry(value: string): string {
  return value.includes('=') ? value : `${value}=${process.env[value] ?? ''}`;
}

export function parseRunArgs(args: string[]): RunRequest & { help: boolean } {
  const split = splitAtImage(args);
  const { values } = parseArgs({ args: split.options, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) return { help: true, params: { spec: { image: '-' } }, detach: false, interactive: false, tty: false };
  if (!split.image) throw new UsageError('an image is needed: berth run [OPTIONS] IMAGE [COMMAND] [ARG...]');
  const resources: NonNullable<CreateContainerParams['spec']['resources']> = {};
  if (values.memory !== undefined) resources.memory = parseBytes(values.memory, '--memory');
  if (values['memory-swap'] !== undefined) resources.memorySwap = values['memory-swap'] === '-1' ? -1 : parseBytes(values['memory-swap'], '--memory-swap');
  if (values.cpus !== undefined) {
    const cpus = Number(values.cpus);
    if (!Number.isFinite(cpus) || cpus <= 0) throw new UsageError(`invalid value "${values.cpus}" for --cpus: a positive number of CPUs, as in 1.5`);
    resources.cpus = cpus;
  }
  if (values['cpu-shares'] !== undefined) resources.cpuShares = parseInteger(values['cpu-shares'], '--cpu-shares');
  if (values['cpuset-cpus'] !== undefined) resources.cpusetCpus = values['cpuset-cpus'];
  if (values['pids-limit'] !== undefined) resources.pidsLimit = parseInteger(values['pids-limit'], '--pids-limit');
  const env = [...(values['env-file'] ?? []).flatMap(readEnvFile), ...(values.env ?? []).map(envEntry)];
  const labels: Record<string, string> = {};
  for (const label of values.label ?? []) {
    const [key, ...rest] = label.split('=');
    if (!key) throw new UsageError(`--label ${label}: expected KEY[=VALUE]`);
    labels[key] = rest.join('=');
  }
  const mounts: MountSpec[] = [
    ...(values.volume ?? []).map(parseVolume),
    ...(values.mount ?? []).map(parseMount),
    ...(values.tmpfs ?? []).map((value): MountSpec => {
      const [target, options] = value.split(':');
      return { type: 'tmpfs', target: target!, ...(options ? { options: options.split(',') } : {}) };
    }),
  ];
  const sysctls: Record<string, string> = {};
  for (const entry of values.sysctl ?? []) {
    const [key, ...rest] = entry.split('=');
    if (!key || rest.length === 0) throw new UsageError(`--sysctl ${entry}: expected KEY=VALUE`);
    sysctls[key] = rest.join('=');
  }
  const network = values.network ?? values.net;
  let ports: PortRequest[] = [];
  try {
    ports = (values.publish ?? []).flatMap((text) => parsePortSpec(text));
  } catch (error) {
    if (error instanceof PortSyntaxError) throw new UsageError(error.message);
    throw error;
  }
  const spec: CreateContainerParams['spec'] = {
    image: split.image,
    ...(split.command.length > 0 ? { cmd: split.command } : {}),
    ...(values.entrypoint !== undefined ? { entrypoint: values.entrypoint === '' ? [] : [values.entrypoint] } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(values.workdir !== undefined ? { workdir: values.workdir } : {}),
    ...(values.user !== undefined ? { user: values.user } : {}),
    ...(values.hostname !== undefined ? { hostname: values.hostname } : {}),
    ...(values.tty ? { tty: true } : {}),
    ...(values.interactive ? { openStdin: true } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(Object.keys(resources).length > 0 ? { resources } : {}),
    ...(network !== undefined ? { network } : {}),
    ...(ports.length > 0 ? { ports } : {}),
    ...(values['publish-all'] ? { publishAll: true } : {}),
    ...(values['network-alias'] ? { networkAliases: values['network-alias'] } : {}),
    ...(values['add-host'] ? { extraHosts: values['add-host'] } : {}),
    ...(values['cap-add'] ? { capAdd: values['cap-add'] } : {}),
    ...(values['cap-drop'] ? { capDrop: values['cap-drop'] } : {}),
    ...(values.privileged ? { privileged: true } : {}),
    ...(values['read-only'] ? { readOnlyRootfs: true } : {}),
    ...(values['security-opt'] ? { securityOpt: values['security-opt'] } : {}),
    ...(values.ulimit ? { ulimits: values.ulimit.map(parseUlimit) } : {}),
    ...(Object.keys(sysctls).length > 0 ? { sysctls } : {}),
    ...(values.init ? { init: true } : {}),
  };
  const params: CreateContainerParams = {
    spec,
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.restart !== undefined ? { restartPolicy: parseRestart(values.restart) } : {}),
    ...(values.rm ? { autoRemove: true } : {}),
    ...(values['stop-signal'] !== undefined ? { stopSignal: values['stop-signal'] } : {}),
    ...(values['stop-timeout'] !== undefined ? { stopTimeout: parseInteger(values['stop-timeout'], '--stop-timeout') } : {}),
  };
  // Attached with -i, the container's stdin ends with ours, as docker run -i does (StdinOnce).
  if (values.interactive && !values.detach) spec.stdinOnce = true;
  return { help: false, params, detach: values.detach === true, interactive: values.interactive === true, tty: values.tty === true };
}

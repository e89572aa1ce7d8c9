// update: new resource limits for a live container, from runc's flags or from a linux.resources object
// (-r FILE, or - for stdin, as containerd's shim and podman pass it; then the flags are ignored, as in runc).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RuntimeError } from '../../../runtime/errors';
import { updateContainer } from '../../../runtime/lifecycle/operations';
import { Resources } from '../../../runtime/spec/config';
import { UsageError } from '../../usage';
import type { RuntimeContext } from '../runtimeContext';

const STRING_FLAGS = [
  'resources', 'blkio-weight', 'cpu-period', 'cpu-quota', 'cpu-burst', 'cpu-share', 'cpu-shares', 'cpu-rt-period', 'cpu-rt-runtime',
  'cpuset-cpus', 'cpuset-mems', 'kernel-memory', 'kernel-memory-tcp', 'memory', 'cpu-idle', 'memory-reservation', 'memory-swap',
  'pids-limit', 'l3-cache-schema', 'mem-bw-schema',
] as const;

export function updateCommand(args: string[], { store, log }: RuntimeContext): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: 'string', ...(name === 'resources' ? { short: 'r' } : {}) }])) as Record<
      (typeof STRING_FLAGS)[number],
      { type: 'string'; short?: string }
    >,
  });
  if (positionals.length !== 1) throw new UsageError('update takes one ID');
  const flags = values as Partial<Record<(typeof STRING_FLAGS)[number], string>>;
  const resources = flags.resources !== undefined ? resourcesFromFile(flags.resources) : resourcesFromFlags(flags);
  updateContainer(store, positionals[0]!, resources, (message) => log.warn(message));
  return 0;
}

function resourcesFromFile(path: string): Resources {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new RuntimeError(`--resources ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'invalid');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RuntimeError(`--resources ${path}: not valid JSON: ${(error as Error).message}`, 'invalid');
  }
  const parsed = Resources.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${['linux.resources', ...issue.path].join('.')}: ${issue.message}`);
    throw new RuntimeError(`--resources ${path} is not a valid linux.resources object:\n  ${problems.join('\n  ')}`, 'invalid');
  }
  return parsed.data;
}

function resourcesFromFlags(flags: Partial<Record<(typeof STRING_FLAGS)[number], string>>): Resources {
  if (flags['l3-cache-schema'] !== undefined || flags['mem-bw-schema'] !== undefined) {
    throw new RuntimeError('Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported', 'unsupported');
  }
  const integer = (name: keyof typeof flags, min = -Infinity): number | undefined => {
    const text = flags[name];
    if (text === undefined) return undefined;
    if (!/^-?\d+$/.test(text) || Number(text) < min) throw new UsageError(`invalid value for --${name}: "${text}" (${min === 0 ? 'a whole number ≥ 0' : 'a whole number'})`);
    return Number(text);
  };
  const bytes = (name: keyof typeof flags): number | undefined => {
    const text = flags[name];
    return text === undefined ? undefined : text === '-1' ? -1 : ramInBytes(text, `--${name}`);
  };
  const memory = {
    limit: bytes('memory'),
    swap: bytes('memory-swap'),
    reservation: bytes('memory-reservation'),
    kernel: bytes('kernel-memory'),
    kernelTCP: bytes('kernel-memory-tcp'),
  };
  const cpu = {
    shares: integer('cpu-share', 0) ?? integer('cpu-shares', 0),
    quota: integer('cpu-quota'),
    period: integer('cpu-period', 0),
    burst: integer('cpu-burst', 0),
    realtimeRuntime: integer('cpu-rt-runtime'),
    realtimePeriod: integer('cpu-rt-period', 0),
    cpus: flags['cpuset-cpus'],
    mems: flags['cpuset-mems'],
    idle: integer('cpu-idle'),
  };
  const pids = integer('pids-limit');
  const weight = integer('blkio-weight', 0);
  const defined = <T extends object>(object: T) => {
    const kept = Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
    return Object.keys(kept).length > 0 ? kept : undefined;
  };
  const resources: Resources = {};
  const m = defined(memory);
  if (m) resources.memory = m;
  const c = defined(cpu);
  if (c) resources.cpu = c;
  if (pids !== undefined) resources.pids = { limit: pids };
  // runc treats a weight of 0 as "not given".
  if (weight) resources.blockIO = { weight };
  return resources;
}

/** docker/go-units' RAMInBytes, which runc's update uses: 128m, 1g, 512KiB, 1.5G (binary multiples). */
export function ramInBytes(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!match) throw new UsageError(`invalid value for ${flag}: "${text}" (a size such as 128m, 1g or 1048576)`);
  const multiplier = 1024 ** ' kmgtp'.indexOf((match[2] ?? ' ').toLowerCase());
  return Math.floor(Number(match[1]) * multiplier);
}

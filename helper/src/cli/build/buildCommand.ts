// berth build [OPTIONS] PATH|-: docker build's flags and exit codes. The daemon reads the context where it
// is (it runs on this machine); `-` sends a tar of the context on stdin through the stream. Progress goes
// to stderr (as BuildKit's does), the image id to stdout with -q; a failed build exits 1 with the step named.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClientCommand } from '../command';
import { parseBytes } from '../containers/runOptions';
import { UsageError } from '../usage';
import { BuildEvent, BuildResult, ErrorCode, type BuildParams } from '../../protocol';
import { BuildPrinter, type ProgressMode } from './buildPrinter';

export const BUILD_USAGE = `Usage: berth build [OPTIONS] PATH|-

Build an image from a Dockerfile, with PATH as the build context (a tar on stdin with -).

Options:
  -t, --tag NAME[:TAG]        name the image (repeatable)
  -f, --file PATH             the Dockerfile (default: PATH/Dockerfile; - reads it from stdin)
      --build-arg K=V         set a build-time variable (K alone takes its value from the environment)
      --target STAGE          build this stage (default: the last)
      --no-cache              make every step again
      --pull                  pull every base image even when it is stored
      --label K=V             add a label to the image (repeatable)
      --platform OS/ARCH      only this machine's platform can be built
      --network MODE          the network of RUN steps: bridge (the daemon's default), none, host or a network's name
  -m, --memory BYTES          memory limit of each RUN step (k, m, g suffixes)
      --cpu-shares N          CPU weight of each RUN step
      --cpuset-cpus LIST      CPUs RUN steps may use (0-3, 0,1)
      --progress MODE         auto (default), plain or tty
  -q, --quiet                 print only the image id
      --iidfile FILE          write the image id to FILE
`;

/** Exit code of a build that ran and failed (docker build's). */
const BUILD_FAILED = 1;

export const buildCommand: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tag: { type: 'string', short: 't', multiple: true },
      file: { type: 'string', short: 'f' },
      'build-arg': { type: 'string', multiple: true },
      target: { type: 'string' },
      'no-cache': { type: 'boolean' },
      pull: { type: 'boolean' },
      label: { type: 'string', multiple: true },
      platform: { type: 'string' },
      network: { type: 'string' },
      memory: { type: 'string', short: 'm' },
      'cpu-shares': { type: 'string' },
      'cpuset-cpus': { type: 'string' },
      progress: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      iidfile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(BUILD_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('build takes exactly one argument: the context (a directory, or - for a tar on stdin)');
  const source = positionals[0]!;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith('git@')) throw new UsageError(`${source}: remote contexts are not supported; give a directory`);
  const network = values.network === 'default' ? undefined : values.network;
  if (network?.startsWith('container:')) throw new UsageError(`--network ${network}: a build cannot join another container's network (use bridge, none, host or a network's name)`);
  const mode = progressMode(values.progress, values.quiet === true, context.stderr);
  const contextDir = source === '-' ? undefined : resolve(source);
  if (contextDir !== undefined && !isDirectory(contextDir)) throw new UsageError(`unable to prepare context: path "${source}" not found or not a directory`);
  const params: BuildParams = {
    ...(contextDir ? { contextPath: contextDir } : {}),
    ...dockerfileParams(values.file, contextDir),
    ...(values.tag ? { tags: values.tag } : {}),
    ...(values['build-arg'] ? { buildArgs: buildArgs(values['build-arg']) } : {}),
    ...(values.target ? { target: values.target } : {}),
    ...(values['no-cache'] ? { noCache: true } : {}),
    ...(values.pull ? { pull: true } : {}),
    ...(values.label ? { labels: keyValues(values.label, '--label') } : {}),
    ...(values.platform ? { platform: values.platform } : {}),
    ...(network ? { network } : {}),
    ...(values.memory || values['cpu-shares'] || values['cpuset-cpus']
      ? {
          resources: {
            ...(values.memory ? { memory: parseBytes(values.memory, '--memory') } : {}),
            ...(values['cpu-shares'] ? { cpuShares: wholeNumber(values['cpu-shares'], '--cpu-shares') } : {}),
            ...(values['cpuset-cpus'] ? { cpusetCpus: values['cpuset-cpus'] } : {}),
          },
        }
      : {}),
  };
  const client = await context.client();
  const stream = await client.openStream('images.build', params);
  const printer = new BuildPrinter(context.stderr, mode);
  stream.listen({ items: (items) => printer.events(items.map((item) => BuildEvent.parse(item))) });
  // Ctrl-C cancels the build: the daemon removes what it made, and the command exits as interrupted.
  const cancel = () => void stream.cancel().catch(() => undefined);
  process.once('SIGINT', cancel);
  try {
    if (contextDir === undefined) {
      if (process.stdin.isTTY) throw new UsageError('build - reads a tar of the context from stdin, which is a terminal');
      for await (const chunk of process.stdin) await stream.write(chunk as Buffer);
      await stream.closeInput();
    }
    const result = BuildResult.parse(await stream.done);
    printer.finish();
    if (values.iidfile) writeFileSync(values.iidfile, result.id);
    if (values.quiet) context.stdout.write(`${result.id}\n`);
    else context.stderr.write(`${result.references.length > 0 ? `Successfully built ${result.id}, tagged ${result.references.join(', ')}` : `Successfully built ${result.id}`}\n`);
    return 0;
  } catch (error) {
    printer.finish();
    if ((error as { code?: unknown }).code === ErrorCode.BuildFailed) {
      context.stderr.write(`ERROR: ${(error as Error).message}\n`);
      return BUILD_FAILED;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', cancel);
  }
};

function progressMode(progress: string | undefined, quiet: boolean, stderr: NodeJS.WriteStream): ProgressMode {
  if (quiet) return 'quiet';
  if (progress === undefined || progress === 'auto') return stderr.isTTY ? 'tty' : 'plain';
  if (progress === 'plain' || progress === 'tty') return progress;
  throw new UsageError(`--progress ${progress}: use auto, plain or tty`);
}

/** -f inside the context goes by its path there (its .dockerignore applies); elsewhere, or -, by its text. */
function dockerfileParams(file: string | undefined, contextDir: string | undefined): Pick<BuildParams, 'dockerfile' | 'dockerfileText'> {
  if (file === undefined) return {};
  if (file === '-') return { dockerfile: 'Dockerfile', dockerfileText: readFileSync(0, 'utf8') };
  const path = resolve(file);
  const inContext = contextDir === undefined ? undefined : relative(contextDir, path);
  if (inContext !== undefined && inContext !== '' && !inContext.startsWith(`..${sep}`) && inContext !== '..' && !isAbsolute(inContext)) {
    return { dockerfile: inContext.split(sep).join('/') };
  }
  try {
    return { dockerfile: file, dockerfileText: readFileSync(path, 'utf8') };
  } catch (error) {
    throw new UsageError(`cannot read the Dockerfile ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** --build-arg K=V, or K alone: its value from the environment (left out when it has none), as Docker does. */
function buildArgs(values: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    if (equals === 0) throw new UsageError(`--build-arg ${value}: the name is missing`);
    if (equals > 0) result[value.slice(0, equals)] = value.slice(equals + 1);
    else if (process.env[value] !== undefined) result[value] = process.env[value]!;
  }
  return result;
}

function keyValues(values: string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    if (equals === 0) throw new UsageError(`${flag} ${value}: the name is missing`);
    if (equals === -1) result[value] = '';
    else result[value.slice(0, equals)] = value.slice(equals + 1);
  }
  return result;
}

function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} ${text}: give a whole number`);
  return Number(text);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

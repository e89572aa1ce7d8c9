// run, create, exec, attach, cp: the commands that move a container's input and output through this
// process. Exit codes follow docker: 125 when the daemon refuses (main.ts), 126 when the command cannot
// be invoked, 127 when it is not found, else the container's own code.
import { mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ErrorCode, RpcError, type ClientStream, type ProtocolClient } from '../../protocol';
import type { ClientCommand } from '../command';
import { UsageError } from '../usage';
import { parseRunArgs } from './runOptions';
import { exitCodeOf, runSession } from './terminalSession';
import { spawn } from 'node:child_process';

const RUN_USAGE = `Usage: berth run [OPTIONS] IMAGE [COMMAND] [ARG...]
Options (Docker's): -d -i -t --rm --name -e/--env-file -w -u -h --entrypoint -v/--mount --tmpfs
  --read-only --memory --memory-swap --cpus --cpu-shares --cpuset-cpus --pids-limit --cap-add
  --cap-drop --privileged --security-opt --ulimit --restart --label --init --stop-signal
  --stop-timeout --sysctl
Network: --network bridge|none|host|container:NAME|NETWORK, --network-alias, --add-host NAME:IP,
  -p [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp] (a free host port when none is given), -P (the image's
  exposed ports)
`;

/** docker's 126/127 for a start that failed because the command cannot run. */
function startFailureCode(error: unknown): number | undefined {
  const message = (error as Error).message ?? '';
  if (/executable file not found|no such file or directory|ENOENT/i.test(message)) return 127;
  if (/permission denied|EACCES|is a directory/i.test(message)) return 126;
  return undefined;
}

async function create(args: string[], client: () => Promise<ProtocolClient>, stderr: NodeJS.WriteStream) {
  const request = parseRunArgs(args);
  if (request.help) return { request, id: '' };
  const connected = await client();
  const created = await connected.call('containers.create', request.params);
  for (const warning of created.warnings) stderr.write(`WARNING: ${warning}\n`);
  return { request, id: created.id, client: connected };
}

export const createCommand: ClientCommand = async (args, context) => {
  const { request, id } = await create(args, context.client, context.stderr);
  if (request.help) {
    context.stdout.write(RUN_USAGE.replace('run', 'create'));
    return 0;
  }
  context.stdout.write(`${id}\n`);
  return 0;
};

export const run: ClientCommand = async (args, context) => {
  const { request, id, client } = await create(args, context.client, context.stderr);
  if (request.help || !client) {
    context.stdout.write(RUN_USAGE);
    return 0;
  }
  if (request.detach) {
    try {
      await client.call('containers.start', { container: id });
    } catch (error) {
      const code = startFailureCode(error);
      if (code === undefined) throw error;
      context.stderr.write(`berth: ${(error as Error).message}\n`);
      return code;
    }
    context.stdout.write(`${id}\n`);
    return 0;
  }
  // Attached: listen before starting, so that no output is missed.
  const stream = await client.openStream('containers.attach', { container: id, stdin: request.interactive, logs: true });
  // As Docker's does, run --rm returns once the container is gone (the engine removes it after its exit has
  // been read), so that a `ps -a` right after never lists it.
  const removed = request.params.autoRemove ? client.call('containers.wait', { container: id, condition: 'removed' }, { timeoutMs: 0 }).catch(() => undefined) : undefined;
  try {
    await client.call('containers.start', { container: id });
  } catch (error) {
    void stream.cancel();
    const code = startFailureCode(error);
    if (request.params.autoRemove) await client.call('containers.remove', { container: id, force: true }).catch(() => undefined);
    if (code === undefined) throw error;
    context.stderr.write(`berth: ${(error as Error).message}\n`);
    return code;
  }
  const result = await runSession(stream, { stdin: request.interactive, tty: request.tty });
  // Only a session that saw the container exit waits: one cut short would wait for ever.
  if (typeof (result as { exitCode?: unknown } | undefined)?.exitCode === 'number') await removed;
  return exitCodeOf(result);
};

export const exec: ClientCommand = async (args, context) => {
  // Options end at the container name; the rest is the command.
  const split = args.findIndex((arg, index) => !arg.startsWith('-') && !['-u', '--user', '-e', '--env', '-w', '--workdir'].includes(args[index - 1] ?? ''));
  if (split < 0) throw new UsageError('exec needs a container and a command: berth exec [OPTIONS] CONTAINER COMMAND [ARG...]');
  const { values } = parseArgs({
    args: args.slice(0, split),
    options: {
      interactive: { type: 'boolean', short: 'i' },
      tty: { type: 'boolean', short: 't' },
      detach: { type: 'boolean', short: 'd' },
      user: { type: 'string', short: 'u' },
      env: { type: 'string', short: 'e', multiple: true },
      workdir: { type: 'string', short: 'w' },
      privileged: { type: 'boolean' },
    },
  });
  const container = args[split]!;
  const cmd = args.slice(split + 1);
  if (cmd.length === 0) throw new UsageError('exec needs a command to run in the container');
  const client = await context.client();
  const tty = values.tty === true;
  const size = tty && process.stdout.isTTY && process.stdout.rows > 0 && process.stdout.columns > 0 ? { rows: process.stdout.rows, cols: process.stdout.columns } : {};
  let stream: ClientStream;
  try {
    stream = await client.openStream('containers.exec', {
      container,
      cmd,
      tty,
      stdin: values.interactive === true,
      ...(values.user ? { user: values.user } : {}),
      ...(values.env ? { env: values.env.map((e) => (e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`)) } : {}),
      ...(values.workdir ? { workdir: values.workdir } : {}),
      ...size,
    });
  } catch (error) {
    const code = startFailureCode(error);
    if (code === undefined || (error instanceof RpcError && error.code === ErrorCode.NotFound)) throw error;
    context.stderr.write(`berth: ${(error as Error).message}\n`);
    return code;
  }
  if (values.detach) return 0;
  return exitCodeOf(await runSession(stream, { stdin: values.interactive === true, tty }));
};

export const attach: ClientCommand = async (args, context) => {
  const { values, positionals } = parseArgs({ args, options: { 'no-stdin': { type: 'boolean' } }, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('attach takes one container');
  const client = await context.client();
  const inspect = await client.call('containers.inspect', { container: positionals[0]! });
  const stdin = inspect.config.openStdin && !values['no-stdin'];
  const stream = await client.openStream('containers.attach', { container: positionals[0]!, stdin });
  return exitCodeOf(await runSession(stream, { stdin, tty: inspect.config.tty }));
};

/** cp SRC DEST where one of them is CONTAINER:PATH; `-` for a tar on stdin/stdout. */
export const cp: ClientCommand = async (args, context) => {
  const { positionals } = parseArgs({ args, options: { archive: { type: 'boolean', short: 'a' } }, allowPositionals: true });
  if (positionals.length !== 2) throw new UsageError('cp takes SRC DEST, one of them CONTAINER:PATH');
  const [source, destination] = positionals as [string, string];
  const remote = (value: string) => /^[^/.][^:]*:/.test(value) && !value.startsWith('-');
  const client = await context.client();
  if (remote(source) && !remote(destination)) {
    const [container, path] = splitRemote(source);
    const stream = await client.openStream('containers.copyFrom', { container, path });
    if (destination === '-') {
      stream.listen({ data: (bytes) => new Promise<void>((resolve) => (context.stdout.write(bytes) ? resolve() : context.stdout.once('drain', () => resolve()))) });
      await stream.done;
      return 0;
    }
    // Unpacked by tar (which keeps modes, owners and times) into DEST when it is a directory; else into a
    // directory beside it whose one entry then becomes DEST, as docker cp names a copy.
    const intoDirectory = isDirectory(destination);
    const target = intoDirectory ? destination : mkdtempSync(join(dirname(destination), '.berth-cp-'));
    const tar = spawn('tar', ['-x', '-C', target, ...(process.getuid?.() === 0 ? ['--same-owner', '--numeric-owner'] : []), '-f', '-'], { stdio: ['pipe', 'inherit', 'inherit'] });
    stream.listen({ data: (bytes) => new Promise<void>((resolve) => (tar.stdin.write(bytes) ? resolve() : tar.stdin.once('drain', () => resolve()))) });
    await stream.done;
    tar.stdin.end();
    const code = await new Promise<number>((resolve) => tar.once('close', (exit) => resolve(exit ?? 1)));
    if (!intoDirectory) {
      const [entry] = readdirSync(target);
      if (code === 0 && entry !== undefined) renameSync(join(target, entry), destination);
      rmSync(target, { recursive: true, force: true });
    }
    return code === 0 ? 0 : 1;
  }
  if (!remote(source) && remote(destination)) {
    const [container, path] = splitRemote(destination);
    const stream = await client.openStream('containers.copyTo', { container, path });
    let input: NodeJS.ReadableStream;
    if (source === '-') input = process.stdin;
    else {
      try {
        statSync(source);
      } catch {
        throw new UsageError(`cp: ${source}: no such file or directory`);
      }
      const slash = source.replace(/\/+$/, '').lastIndexOf('/');
      const parent = slash <= 0 ? (source.startsWith('/') ? '/' : '.') : source.slice(0, slash);
      const name = source.replace(/\/+$/, '').slice(slash + 1);
      input = spawn('tar', ['-c', '-C', parent, '-f', '-', '--', name], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout;
    }
    for await (const chunk of input as AsyncIterable<Buffer>) await stream.write(chunk);
    await stream.closeInput();
    await stream.done;
    return 0;
  }
  throw new UsageError('cp copies between the host and a container: exactly one of SRC and DEST is CONTAINER:PATH');
};

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function splitRemote(value: string): [string, string] {
  const colon = value.indexOf(':');
  return [value.slice(0, colon), value.slice(colon + 1) || '/'];
}

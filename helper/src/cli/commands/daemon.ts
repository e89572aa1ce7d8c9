import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDaemon } from '../../daemon/daemon';
import { stderrLogger } from '../../logging/logger';
import { DEFAULT_SOCKET_PATH } from '../../protocol';
import { LIMIT_FLAGS, type UnpackLimits } from '../../images/unpackLimits';
import { parseBytes } from '../containers/runOptions';
import { UsageError } from '../usage';

export const DEFAULT_ROOT_DIR = '/var/lib/berth';

/** --max-layer-size 20g, --max-layer-entries 1000000, --max-image-size, --max-image-entries. */
function parseUnpackLimits(values: Record<string, string | undefined>): Partial<UnpackLimits> {
  const limits: Partial<UnpackLimits> = {};
  for (const [key, flag] of Object.entries(LIMIT_FLAGS) as Array<[keyof UnpackLimits, string]>) {
    const text = values[flag.slice(2)];
    if (text === undefined) continue;
    if (key.endsWith('Bytes')) limits[key] = parseBytes(text, flag);
    else if (/^\d+$/.test(text.trim()) && Number(text) > 0) limits[key] = Number(text);
    else throw new UsageError(`invalid value "${text}" for ${flag}: a whole number of entries above 0`);
  }
  return limits;
}

/** Runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function daemonCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      socket: { type: 'string' },
      root: { type: 'string' },
      tcp: { type: 'string' },
      ...Object.fromEntries(Object.values(LIMIT_FLAGS).map((flag) => [flag.slice(2), { type: 'string' as const }])),
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`daemon takes no arguments, got "${positionals.join(' ')}"`);
  if (values.socket === '') throw new UsageError('--socket must not be empty');
  if (values.root === '') throw new UsageError('--root must not be empty');
  const socketPath = resolve(values.socket ?? DEFAULT_SOCKET_PATH);
  const rootDir = resolve(values.root ?? DEFAULT_ROOT_DIR);

  const logger = stderrLogger();
  // Handlers go in before the daemon starts, so that a signal during start-up still stops it cleanly.
  let stopRequested: NodeJS.Signals | undefined;
  let requestStop: (signal: NodeJS.Signals) => void = (signal) => (stopRequested = signal);
  const onSignal = (signal: NodeJS.Signals) => requestStop(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  const unpackLimits = parseUnpackLimits(values as Record<string, string | undefined>);

  const daemon = await startDaemon({ socketPath, rootDir, logger, unpackLimits, ...(values.tcp !== undefined ? { tcp: values.tcp } : {}) });
  return new Promise((done) => {
    requestStop = (signal) => {
      logger.info(`${signal} received, stopping`);
      void daemon.stop().then(() => done(0));
    };
    if (stopRequested) requestStop(stopRequested);
  });
}

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDaemon } from '../../daemon/daemon';
import { stderrLogger } from '../../logging/logger';
import { DEFAULT_SOCKET_PATH } from '../../protocol';
import { UsageError } from '../usage';

export const DEFAULT_ROOT_DIR = '/var/lib/berth';

/** Runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function daemonCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { socket: { type: 'string' }, root: { type: 'string' }, tcp: { type: 'string' } },
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

  const daemon = await startDaemon({ socketPath, rootDir, logger, ...(values.tcp !== undefined ? { tcp: values.tcp } : {}) });
  return new Promise((done) => {
    requestStop = (signal) => {
      logger.info(`${signal} received, stopping`);
      void daemon.stop().then(() => done(0));
    };
    if (stopRequested) requestStop(stopRequested);
  });
}

// The daemon's log: one line per event on stderr, which the service manager (or the extension's
// deployment) keeps. Request parameters are never logged, so secrets passed to the API stay out of logs.
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export function stderrLogger(prefix = 'berth'): Logger {
  const write = (level: string, message: string) =>
    process.stderr.write(`${new Date().toISOString()} ${prefix} ${level} ${message}\n`);
  return {
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message, error) =>
      write('error', error === undefined ? message : `${message}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

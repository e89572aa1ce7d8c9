// How the `berth` commands other than daemon and runtime reach the daemon: a WebSocket on its Unix
// socket, from --host unix://PATH, else $BERTH_HOST, else the default socket; the protocol's client on it.
import WebSocket from 'ws';
import { API_PATH, DEFAULT_SOCKET_PATH, ProtocolClient } from '../protocol';
import { UsageError } from './usage';

/** The socket path a --host value (or $BERTH_HOST) names. */
export function socketPathOf(host: string | undefined): string {
  const value = host ?? process.env.BERTH_HOST ?? `unix://${DEFAULT_SOCKET_PATH}`;
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length);
    if (!path.startsWith('/')) throw new UsageError(`--host ${value}: the socket path must be absolute (unix:///run/berth/berth.sock)`);
    return path;
  }
  throw new UsageError(`--host ${value}: only unix://PATH is supported (the API is not served on TCP by default)`);
}

/** Raised when the daemon cannot be reached; the CLI exits 125 with its message, as docker does. */
export class DaemonUnreachableError extends Error {}

export function connectToDaemon(socketPath: string, timeoutMs = 10_000): Promise<ProtocolClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws+unix://${socketPath}:${API_PATH}`, { maxPayload: 64 * 1024 * 1024 });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new DaemonUnreachableError(`the Berth daemon at ${socketPath} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      const client = new ProtocolClient({ send: (text) => ws.send(text), close: () => ws.close() }, 0);
      ws.on('message', (data, isBinary) => {
        if (!isBinary) client.receive(data.toString());
      });
      ws.on('close', (code) => client.closed(`the daemon closed the connection (${code})`));
      ws.on('error', (error) => client.closed(error.message));
      resolve(client);
    });
    ws.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        error.code === 'ENOENT'
          ? 'no daemon is listening there (start one: sudo berth daemon)'
          : error.code === 'EACCES'
            ? 'permission denied (run as root or as a member of the berth group)'
            : error.message;
      reject(new DaemonUnreachableError(`cannot reach the Berth daemon at ${socketPath}: ${why}`));
    });
  });
}

// How the `berth` commands other than daemon and runtime reach the daemon: a WebSocket on its Unix
// socket, from --host unix://PATH, else $BERTH_HOST, else the default socket; the protocol's client on it.
import WebSocket from 'ws';
import { API_PATH, DEFAULT_SOCKET_PATH, OFFERED_SUBPROTOCOLS, ProtocolClient } from '../protocol';
import { UsageError } from './usage';

/**
 * Where a --host value (or $BERTH_HOST) points: a socket path, or for tcp://HOST:PORT (a daemon started
 * with --tcp) the WebSocket URL; its token comes from $BERTH_TOKEN.
 */
export function socketPathOf(host: string | undefined): string {
  const value = host ?? process.env.BERTH_HOST ?? `unix://${DEFAULT_SOCKET_PATH}`;
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length);
    if (!path.startsWith('/')) throw new UsageError(`--host ${value}: the socket path must be absolute (unix:///run/berth/berth.sock)`);
    return path;
  }
  if (/^tcp:\/\/[^/]+:\d+$/.test(value)) return `ws://${value.slice('tcp://'.length)}${API_PATH}`;
  throw new UsageError(`--host ${value}: use unix://PATH, or tcp://HOST:PORT for a daemon started with --tcp`);
}

/** Raised when the daemon cannot be reached; the CLI exits 125 with its message, as docker does. */
export class DaemonUnreachableError extends Error {}

export function connectToDaemon(socketPath: string, timeoutMs = 10_000): Promise<ProtocolClient> {
  return new Promise((resolve, reject) => {
    const url = socketPath.startsWith('ws://') ? socketPath : `ws+unix://${socketPath}:${API_PATH}`;
    const token = process.env.BERTH_TOKEN;
    const tcp = url.startsWith('ws://');
    const ws = new WebSocket(url, OFFERED_SUBPROTOCOLS, {
      maxPayload: 64 * 1024 * 1024,
      // Unmasked on the Unix socket (no proxy can be in between to poison); masked over TCP.
      ...(tcp ? {} : { generateMask: (mask: Buffer) => void mask.fill(0) }),
      ...(token && tcp ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new DaemonUnreachableError(`the Berth daemon at ${socketPath} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      const client = ProtocolClient.overWebSocket(ws, 0, 'this berth command');
      // A daemon of another protocol revision: say so at once, as for a daemon that cannot be reached.
      client.checkProtocol().then(
        () => resolve(client),
        (error: Error) => {
          client.close();
          reject(new DaemonUnreachableError(`the Berth daemon at ${socketPath}: ${error.message}`));
        },
      );
    });
    ws.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        error.code === 'ENOENT'
          ? 'no daemon is listening there (start one: sudo berth daemon)'
          : error.code === 'EACCES'
            ? 'permission denied (run as root or as a member of the berth group)'
            : /401/.test(error.message)
              ? 'the daemon wants its token: set BERTH_TOKEN to the contents of ROOT/api-token'
              : error.message;
      reject(new DaemonUnreachableError(`cannot reach the Berth daemon at ${socketPath}: ${why}`));
    });
  });
}

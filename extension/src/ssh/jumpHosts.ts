// Jump hosts (ProxyJump): each hop after the first is reached through a direct-tcpip channel opened on
// the hop before it, and logged in to over that channel as over a socket.
import type { Client, ClientChannel } from 'ssh2';
import { endpointLabel, type SshEndpoint } from './endpoint';
import { withTimeout } from './errors';
import { DEFAULT_TIMEOUT_MS, loginHop, type LoginOptions } from './login';

/**
 * Logs in to every endpoint in order, each through the one before it; returns the clients in the same
 * order (the last is the target). On failure, the hops already logged in to are closed.
 */
export async function loginThroughJumps(endpoints: readonly SshEndpoint[], options: LoginOptions, onError: (message: string) => void): Promise<Client[]> {
  const clients: Client[] = [];
  try {
    for (const [index, endpoint] of endpoints.entries()) {
      const tunnel = index > 0 ? await tunnelThrough(clients[index - 1]!, endpoints[index - 1]!, endpoint, options) : undefined;
      clients.push(await loginHop(endpoint, tunnel, options, onError));
    }
  } catch (error) {
    for (const client of clients) client.end();
    throw error;
  }
  return clients;
}

function tunnelThrough(jump: Client, jumpEndpoint: SshEndpoint, endpoint: SshEndpoint, options: LoginOptions): Promise<ClientChannel> {
  options.log.info(`ssh: opening a tunnel to ${endpoint.host}:${endpoint.port} through ${endpointLabel(jumpEndpoint)}`);
  return withTimeout(
    new Promise<ClientChannel>((resolve, reject) =>
      jump.forwardOut('127.0.0.1', 0, endpoint.host, endpoint.port, (error, channel) =>
        error ? reject(new Error(`the jump host could not reach ${endpoint.host}:${endpoint.port}: ${error.message}`)) : resolve(channel),
      ),
    ),
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    `the tunnel to ${endpoint.host}:${endpoint.port}`,
  );
}

// The API of the helper on a target, reached through the SSH connection: a direct-streamlocal channel to
// the daemon's Unix socket with the WebSocket JSON-RPC client over it.
import { helperWebSocket, RpcClient } from '../client/rpcClient';
import type { SshConnection } from '../ssh/connection';

/** A WebSocket JSON-RPC client through the SSH connection to the daemon's socket. */
export async function openHelperClient(connection: SshConnection, socketPath: string, timeoutMs = 10_000): Promise<RpcClient> {
  await connection.makeInteractive(timeoutMs);
  const channel = await connection.openStreamLocal(socketPath, timeoutMs);
  // ws needs only a duplex stream; it calls setNoDelay/setTimeout when present (a channel has neither,
  // and TCP_NODELAY is set on the SSH connection's own socket).
  return RpcClient.connectWebSocket(helperWebSocket(socketPath, () => channel), { timeoutMs });
}

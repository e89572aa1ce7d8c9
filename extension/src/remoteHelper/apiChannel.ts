// The API of the helper on a target, reached through the SSH connection in one of two ways, with the
// WebSocket JSON-RPC client over either:
// - `socket`: a direct-streamlocal channel to the daemon's Unix socket, for root and for members of the
//   `berth` group (whom the socket admits: which makes them equal to root);
// - `bridge`: for everyone else who may use sudo: `sudo berth dial-stdio` on an SSH exec channel, which
//   carries the socket's bytes on its stdin and stdout, so that no group is needed and sudo's own rules
//   and authentication decide. The bridge knows nothing of how the protocol frames its data.
import { DIAL_STDIO_READY } from '../../../helper/src/protocol/constants';
import { helperWebSocket, RpcClient } from '../client/rpcClient';
import type { SshConnection } from '../ssh/connection';
import type { Duplex } from 'node:stream';
import type { RootAccess } from './rootAccess';
import { shq } from './shellQuote';

export type ApiAccess = 'socket' | 'bridge';

/** What the tree and messages say about each way. */
export const ACCESS_WORDS: Record<ApiAccess, string> = {
  socket: "the helper's socket (root or the berth group)",
  bridge: 'sudo and berth dial-stdio',
};

/** ws over any duplex stream (an SSH channel); the client says which side closed when it closes. */
function clientOver(connection: SshConnection, channel: Duplex, socketPath: string, timeoutMs: number): Promise<RpcClient> {
  // ws needs only a duplex stream; it calls setNoDelay/setTimeout when present (a channel has neither,
  // and TCP_NODELAY is set on the SSH connection's own socket).
  return RpcClient.connectWebSocket(helperWebSocket(socketPath, () => channel), {
    timeoutMs,
    describeClose: (detail) =>
      connection.isOpen
        ? `the helper on ${connection.label} closed the connection (${detail})`
        : `the SSH connection to ${connection.label} closed: ${connection.closeReason ?? 'no reason given'}`,
  });
}

/** A WebSocket JSON-RPC client through a direct-streamlocal channel to the daemon's socket. */
export async function openHelperClient(connection: SshConnection, socketPath: string, timeoutMs = 10_000): Promise<RpcClient> {
  await connection.makeInteractive(timeoutMs);
  const channel = await connection.openStreamLocal(socketPath, timeoutMs);
  return clientOver(connection, channel, socketPath, timeoutMs);
}

/** Where the bridge is: the installed helper (never the user's upload: it runs as root). */
export interface BridgeProgram {
  readonly nodePath: string;
  readonly helperDir: string;
}

/** A WebSocket JSON-RPC client through `sudo berth dial-stdio` on an exec channel. */
export async function openBridgedClient(
  connection: SshConnection,
  root: RootAccess,
  program: BridgeProgram,
  socketPath: string,
  timeoutMs = 10_000,
): Promise<RpcClient> {
  await connection.makeInteractive(timeoutMs);
  const command = `${shq(program.nodePath)} ${shq(`${program.helperDir}/berth.js`)} dial-stdio --socket ${shq(socketPath)}`;
  const channel = await root.openChannel(command, DIAL_STDIO_READY, 'the dial-stdio bridge');
  return clientOver(connection, channel, socketPath, timeoutMs);
}

export function openApi(
  access: ApiAccess,
  connection: SshConnection,
  root: RootAccess,
  program: BridgeProgram,
  socketPath: string,
  timeoutMs?: number,
): Promise<RpcClient> {
  return access === 'socket' ? openHelperClient(connection, socketPath, timeoutMs) : openBridgedClient(connection, root, program, socketPath, timeoutMs);
}

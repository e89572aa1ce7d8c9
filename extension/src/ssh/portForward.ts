// A published port of a remote target, reachable from this machine: a listener on 127.0.0.1 (a free
// port) whose every connection is piped through an SSH channel (direct-tcpip) to the port on the target,
// as `ssh -L` does. No extra setup on either side: it rides the connection Berth already has.
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface LocalForward {
  /** The local port (on 127.0.0.1). */
  readonly port: number;
  close(): void;
}

/** `open` makes the channel for one connection (SshConnection.openTcp to the target's host and port). */
export function forwardLocalPort(open: () => Promise<Duplex>, onError: (message: string) => void): Promise<LocalForward> {
  const sockets = new Set<Socket | Duplex>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pause();
    open().then(
      (channel) => {
        sockets.add(channel);
        channel.on('close', () => {
          sockets.delete(channel);
          socket.destroy();
        });
        channel.on('error', () => socket.destroy());
        socket.on('close', () => channel.destroy());
        socket.pipe(channel);
        channel.pipe(socket);
        socket.resume();
      },
      (error: Error) => {
        onError(error.message);
        socket.destroy();
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        close: () => {
          server.close();
          for (const socket of sockets) socket.destroy();
        },
      });
    });
  });
}

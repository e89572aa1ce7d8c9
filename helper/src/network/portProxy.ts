// The userland proxy of a published port (Docker's docker-proxy, inside the daemon): it holds the host's
// port, so a port in use is refused before the container starts and a chosen port (hostPort 0) is
// known, and it carries what packet rules cannot: connections to 127.0.0.1, which never leave the
// host's loopback. TCP is piped connection by connection (half-close kept); UDP keeps one socket toward
// the container per client, closed after a minute without traffic.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { NetworkError } from './networkError';

export interface ProxyTarget {
  hostIp: string;
  /** 0: any free port (the bound one is in `port`). */
  hostPort: number;
  protocol: 'tcp' | 'udp';
  containerIp: string;
  containerPort: number;
}

export interface PortProxy {
  /** The host port actually bound. */
  readonly port: number;
  close(): void;
}

const UDP_IDLE_MS = 60_000;

/** Binds the host's port and starts forwarding; rejects with a clear error when the port is taken. */
export function openPortProxy(target: ProxyTarget): Promise<PortProxy> {
  return target.protocol === 'tcp' ? openTcp(target) : openUdp(target);
}

function describe(target: ProxyTarget): string {
  return `${target.hostIp}:${target.hostPort}/${target.protocol}`;
}

function bindError(target: ProxyTarget, error: NodeJS.ErrnoException): NetworkError {
  if (error.code === 'EADDRINUSE') {
    return new NetworkError(`cannot publish ${describe(target)}: the port is already in use on the host`, 'conflict');
  }
  if (error.code === 'EADDRNOTAVAIL') {
    return new NetworkError(`cannot publish ${describe(target)}: ${target.hostIp} is not an address of this host`, 'invalid');
  }
  return new NetworkError(`cannot publish ${describe(target)}: ${error.code ?? error.message}`, 'conflict');
}

function openTcp(target: ProxyTarget): Promise<PortProxy> {
  const connections = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = connect({ host: target.containerIp, port: target.containerPort, allowHalfOpen: true, noDelay: true });
    connections.add(client).add(upstream);
    const forget = () => {
      connections.delete(client);
      connections.delete(upstream);
    };
    client.pipe(upstream);
    upstream.pipe(client);
    // A reset on one side resets the other; an orderly end was passed on by pipe (half-close kept).
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      forget();
    });
    upstream.on('close', () => {
      if (!client.writableEnded) client.end();
      forget();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(bindError(target, error as NodeJS.ErrnoException)));
    server.listen({ host: target.hostIp, port: target.hostPort, exclusive: true }, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : target.hostPort,
        close: () => {
          server.close();
          for (const socket of connections) socket.destroy();
          connections.clear();
        },
      });
    });
  });
}

function openUdp(target: ProxyTarget): Promise<PortProxy> {
  const socket = createSocket({ type: 'udp4' });
  const flows = new Map<string, { upstream: UdpSocket; timer: NodeJS.Timeout }>();
  const drop = (key: string) => {
    const flow = flows.get(key);
    if (!flow) return;
    clearTimeout(flow.timer);
    flow.upstream.close();
    flows.delete(key);
  };
  socket.on('message', (message, from) => {
    const key = `${from.address}:${from.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const upstream = createSocket({ type: 'udp4' });
      upstream.on('message', (reply) => {
        socket.send(reply, from.port, from.address);
        const current = flows.get(key);
        if (current) current.timer.refresh();
      });
      upstream.on('error', () => drop(key));
      flow = { upstream, timer: setTimeout(() => drop(key), UDP_IDLE_MS).unref() };
      flows.set(key, flow);
    }
    flow.timer.refresh();
    flow.upstream.send(message, target.containerPort, target.containerIp);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', (error) => reject(bindError(target, error as NodeJS.ErrnoException)));
    socket.bind({ address: target.hostIp, port: target.hostPort, exclusive: true }, () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve({
        port: socket.address().port,
        close: () => {
          for (const key of [...flows.keys()]) drop(key);
          socket.close();
        },
      });
    });
  });
}

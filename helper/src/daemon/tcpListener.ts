// The opt-in TCP listener (`berth daemon --tcp 127.0.0.1:PORT`): loopback only, and every connection must
// present the token the daemon writes to ROOT/api-token (0600, root's) as `Authorization: Bearer TOKEN`.
// Tools that cannot use a Unix socket (a port forward, a browser-based client) reach the API this way;
// nobody else on the machine can, and nothing off it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/writeFileAtomic';
import { DaemonStartError } from './socketFile';

export interface TcpAddress {
  host: string;
  port: number;
}

/** HOST:PORT with a loopback host (127.0.0.0/8, ::1 as [::1], or localhost), or a DaemonStartError. */
export function parseTcpAddress(value: string): TcpAddress {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(value);
  if (!match) throw new DaemonStartError(`--tcp ${value}: expected HOST:PORT, as in 127.0.0.1:2377`);
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw new DaemonStartError(`--tcp ${value}: the port must be 1 to 65535`);
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (!loopback) throw new DaemonStartError(`--tcp ${value}: the API listens on loopback only (127.0.0.1, ::1 or localhost); reach it from elsewhere through SSH`);
  return { host, port };
}

export function tokenPath(rootDir: string): string {
  return join(rootDir, 'api-token');
}

/** A new token for this daemon's run, written for root only. */
export function newToken(rootDir: string): string {
  const token = randomBytes(32).toString('hex');
  writeFileAtomic(tokenPath(rootDir), `${token}\n`, 0o600);
  return token;
}

export function bearerAuthorizer(token: string): (request: IncomingMessage) => boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  return (request) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

export function listenTcp(server: Server, address: TcpAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new DaemonStartError(`cannot listen on ${address.host}:${address.port}: ${error.message}`)));
    server.listen(address.port, address.host, () => resolve());
  });
}

// The API's transport: an HTTP server on a Unix socket that upgrades to WebSocket at API_PATH, hands each
// text message to the dispatcher and each binary one (a stream frame) to the connection's streams. Who may
// connect is decided by the socket file's owner and mode. A client that did not offer this protocol
// revision's subprotocol (protocol/version.ts) may ask system.version and nothing else.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  API_PATH,
  ErrorCode,
  MAX_REQUEST_BYTES,
  mismatchMessage,
  NEUTRAL_SUBPROTOCOL,
  offeredRevision,
  parseFrame,
  PROTOCOL_VERSION,
  RpcError,
  SUBPROTOCOL,
  type MethodTable,
} from '../protocol';
import type { Logger } from '../logging/logger';
import type { Dispatcher } from './dispatcher';
import { HELPER_VERSION } from '../version';
import { StreamHub } from './streams';

/**
 * ws closes the connection (1009) above this; frames between MAX_REQUEST_BYTES and it still get a
 * JSON-RPC error, so a client that sends too much learns why instead of seeing a bare close.
 */
const HARD_FRAME_LIMIT = 4 * MAX_REQUEST_BYTES;

export interface ApiServer {
  readonly http: Server;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  /** Decides from the upgrade request whether this client may use the API (the TCP listener's token). */
  authorize?(request: IncomingMessage): boolean;
}

export function createApiServer(dispatcher: Dispatcher<MethodTable>, logger: Logger, options: ApiServerOptions = {}): ApiServer {
  const http = createServer((request, response) => {
    // Plain HTTP requests get a readable answer rather than a hang.
    response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    response.end(`This is the Berth helper's API: connect with a WebSocket to ${API_PATH}\n`);
    request.resume();
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: HARD_FRAME_LIMIT,
    // This revision when offered; else the neutral name, so that the client learns it reached another one.
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : offered.has(NEUTRAL_SUBPROTOCOL) ? NEUTRAL_SUBPROTOCOL : false),
  });
  let nextConnectionId = 1;

  http.on('upgrade', (request, socket, head) => {
    if (request.url !== API_PATH) {
      socket.end(`HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\n\r\nThe API is at ${API_PATH}\n`);
      return;
    }
    if (options.authorize && !options.authorize(request)) {
      logger.warn(`refused a connection from ${request.socket.remoteAddress ?? 'unknown'}: no valid token`);
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\n\r\nThis listener needs the header Authorization: Bearer TOKEN\n');
      return;
    }
    const revision = offeredRevision((request.headers['sec-websocket-protocol'] ?? '').split(',').map((name) => name.trim()));
    wss.handleUpgrade(request, socket, head, (ws) => serveConnection(ws, nextConnectionId++, revision));
  });

  function serveConnection(ws: WebSocket, connectionId: number, revision: number): void {
    const sameRevision = ws.protocol === SUBPROTOCOL;
    logger.info(`connection ${connectionId} opened${sameRevision ? '' : ` by a client of protocol ${revision}: it may ask system.version only`}`);
    const send = (message: string | Uint8Array) => {
      if (ws.readyState !== ws.OPEN) throw new Error('the connection is closed');
      ws.send(message);
    };
    const streams = new StreamHub({ text: send, binary: send });
    const refusal = sameRevision ? undefined : new RpcError(ErrorCode.ProtocolMismatch, mismatchMessage({ helperVersion: HELPER_VERSION, protocolVersion: PROTOCOL_VERSION }, revision, 'the client'));
    const refuse = refusal && ((method: string) => (method === 'system.version' ? undefined : refusal));
    const reject = (message: string) =>
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: ErrorCode.InvalidRequest, message } }));
    ws.on('message', (data, isBinary) => {
      const message = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary) {
        if (refusal) return reject(refusal.message);
        const frame = parseFrame(message);
        if (typeof frame === 'string') return reject(frame);
        streams.receiveFrame(frame);
        return;
      }
      void dispatcher.handleFrame(message, { connectionId, streams, refuse }).then((reply) => {
        if (reply !== undefined && ws.readyState === ws.OPEN) ws.send(reply);
      });
    });
    ws.on('error', (error) => logger.warn(`connection ${connectionId}: ${error.message}`));
    ws.on('close', (code) => {
      streams.closeAll();
      logger.info(`connection ${connectionId} closed (${code})`);
    });
  }

  return {
    http,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

// The API's transport: an HTTP server on a Unix socket that upgrades to WebSocket at API_PATH and hands
// each text frame to the dispatcher. Who may connect is decided by the socket file's owner and mode.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_PATH, ErrorCode, MAX_REQUEST_BYTES, type MethodTable } from '../protocol';
import type { Logger } from '../logging/logger';
import type { Dispatcher } from './dispatcher';
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
  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_FRAME_LIMIT });
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
    wss.handleUpgrade(request, socket, head, (ws) => serveConnection(ws, nextConnectionId++));
  });

  function serveConnection(ws: WebSocket, connectionId: number): void {
    logger.info(`connection ${connectionId} opened`);
    const streams = new StreamHub((text) => {
      if (ws.readyState !== ws.OPEN) throw new Error('the connection is closed');
      ws.send(text);
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.send(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: ErrorCode.InvalidRequest, message: 'binary frames are not accepted: send JSON-RPC as text' },
          }),
        );
        return;
      }
      const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      void dispatcher.handleFrame(frame, { connectionId, streams }).then((reply) => {
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

// The extension's connection to one helper: the protocol's client (calls, timeouts, streams) over a
// WebSocket. It knows nothing of VS Code or of how the socket was reached (a local Unix socket, or an
// SSH channel handed in through ws's createConnection): helperWebSocket makes the socket for either.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { CallOptions, ClientStream, MethodName, MethodParams, MethodResult } from '../../../helper/src/protocol';
import { ProtocolClient } from '../../../helper/src/protocol/client';
import { API_PATH } from '../../../helper/src/protocol/jsonrpc';
import { OFFERED_SUBPROTOCOLS } from '../../../helper/src/protocol/version';

/**
 * A WebSocket to a helper's API: on its Unix socket, or over `connection` (an SSH channel) when given.
 * Frames are not masked (a zero mask): masking guards against proxies caching forged requests, and
 * there is none between a client and a Unix socket or an SSH channel; it would cost a copy of every
 * upload. A ws+unix: URL even over SSH, because in VS Code's extension host http.request is patched to
 * put its proxy agent on every request without a socketPath, and an agent makes Node ignore
 * createConnection.
 */
export function helperWebSocket(socketPath: string, connection?: () => unknown): WebSocket {
  return new WebSocket(`ws+unix://${socketPath}:${API_PATH}`, OFFERED_SUBPROTOCOLS, {
    generateMask: (mask) => void mask.fill(0),
    ...(connection ? { createConnection: connection as never } : {}),
  });
}

export interface ConnectOptions {
  /** How long to wait for the WebSocket to open. */
  timeoutMs?: number;
  /** Default timeout of each call. */
  callTimeoutMs?: number;
  /**
   * Words for a close Berth did not ask for, given the WebSocket's close code (default: the helper closed
   * the connection). Asked a moment after the close, so that a transport that went away (an SSH
   * connection) has said so by then.
   */
  describeClose?: (detail: string) => string;
}

export class RpcClient extends EventEmitter<{ close: [reason: string] }> {
  private readonly protocol: ProtocolClient;

  private constructor(ws: WebSocket, { callTimeoutMs, describeClose }: ConnectOptions) {
    super();
    this.protocol = ProtocolClient.overWebSocket(ws, callTimeoutMs, 'this extension', describeClose);
    this.protocol.onClose((reason) => this.emit('close', reason));
  }

  /** Connects to a helper listening on a Unix socket on this machine. */
  static connectUnix(socketPath: string, options: ConnectOptions = {}): Promise<RpcClient> {
    return RpcClient.open(helperWebSocket(socketPath), options);
  }

  /**
   * Wraps a WebSocket that is opening over any transport (an SSH channel, say: ws's createConnection
   * option), resolving once it is open.
   */
  static connectWebSocket(ws: WebSocket, options: ConnectOptions = {}): Promise<RpcClient> {
    return RpcClient.open(ws, options);
  }

  private static open(ws: WebSocket, options: ConnectOptions): Promise<RpcClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`the helper did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new RpcClient(ws, options));
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get isOpen(): boolean {
    return this.protocol.isOpen;
  }

  /** Rejects with a message naming both revisions when the helper speaks another protocol revision. */
  checkProtocol(): Promise<void> {
    return this.protocol.checkProtocol();
  }

  /** Calls a method and checks the result against the protocol, so a mismatched helper fails loudly. */
  call<M extends MethodName>(method: M, params: MethodParams<M>, options?: CallOptions): Promise<MethodResult<M>> {
    return this.protocol.call(method, params, options);
  }

  /** Calls a method that opens a stream (logs, exec, events, …). */
  openStream<M extends MethodName>(method: M, params: MethodParams<M>, options?: CallOptions): Promise<ClientStream> {
    return this.protocol.openStream(method, params, options);
  }

  /** Sends any method name with any params: for tests and for talking to newer helpers. */
  callRaw(method: string, params?: unknown, options?: CallOptions): Promise<unknown> {
    return this.protocol.callRaw(method, params, options);
  }

  /** Closes the connection; calls and streams still open fail with `reason`. */
  close(reason?: string): void {
    this.protocol.close(reason);
  }
}

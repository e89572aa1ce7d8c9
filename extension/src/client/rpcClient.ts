// The extension's connection to one helper: the protocol's client (calls, timeouts, streams) over a
// WebSocket. It knows nothing of VS Code or of how the socket was reached (a local Unix socket, or an
// SSH channel handed in through ws's createConnection).
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { CallOptions, ClientStream, MethodName, MethodParams, MethodResult } from '../../../helper/src/protocol';
import { ProtocolClient } from '../../../helper/src/protocol/client';
import { API_PATH } from '../../../helper/src/protocol/jsonrpc';

export interface ConnectOptions {
  /** How long to wait for the WebSocket to open. */
  timeoutMs?: number;
  /** Default timeout of each call. */
  callTimeoutMs?: number;
}

export class RpcClient extends EventEmitter<{ close: [reason: string] }> {
  private readonly protocol: ProtocolClient;

  private constructor(ws: WebSocket, callTimeoutMs: number | undefined) {
    super();
    this.protocol = new ProtocolClient({ send: (text) => ws.send(text), close: () => ws.close() }, callTimeoutMs);
    this.protocol.onClose((reason) => this.emit('close', reason));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.protocol.receive(data.toString());
    });
    ws.on('close', (code, reason) => this.protocol.closed(`connection closed (${code}${reason.length ? `: ${reason}` : ''})`));
    ws.on('error', (error) => this.protocol.closed(error.message));
  }

  /** Connects to a helper listening on a Unix socket on this machine. */
  static connectUnix(socketPath: string, options: ConnectOptions = {}): Promise<RpcClient> {
    return RpcClient.open(new WebSocket(`ws+unix://${socketPath}:${API_PATH}`), options);
  }

  /**
   * Wraps a WebSocket that is opening over any transport (an SSH channel, say: ws's createConnection
   * option), resolving once it is open.
   */
  static connectWebSocket(ws: WebSocket, options: ConnectOptions = {}): Promise<RpcClient> {
    return RpcClient.open(ws, options);
  }

  private static open(ws: WebSocket, { timeoutMs = 10_000, callTimeoutMs }: ConnectOptions): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`the helper did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new RpcClient(ws, callTimeoutMs));
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

  close(): void {
    this.protocol.close();
  }
}

// A JSON-RPC client over one WebSocket to a helper, typed by the protocol module. It knows nothing of
// VS Code or of how the socket was reached (a local Unix socket now; an SSH channel will hand it a stream).
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import {
  API_PATH,
  ErrorCode,
  isFailure,
  methods,
  RpcError,
  type MethodName,
  type MethodParams,
  type MethodResult,
  type RpcResponse,
} from '../../../helper/src/protocol';

export interface ConnectOptions {
  /** How long to wait for the WebSocket to open. */
  timeoutMs?: number;
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class RpcClient extends EventEmitter<{ close: [reason: string] }> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedReason: string | undefined;

  private constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on('close', (code, reason) => this.onClosed(`connection closed (${code}${reason.length ? `: ${reason}` : ''})`));
    ws.on('error', (error) => this.onClosed(error.message));
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

  private static open(ws: WebSocket, { timeoutMs = 10_000 }: ConnectOptions): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`the helper did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new RpcClient(ws));
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  /** Calls a method and checks the result against the protocol, so a mismatched helper fails loudly. */
  async call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
    const raw = await this.callRaw(method, params);
    const checked = methods[method].result.safeParse(raw);
    if (!checked.success) {
      throw new RpcError(ErrorCode.InternalError, `${method}: the helper's answer does not match this extension's protocol: ${checked.error.message}`);
    }
    return checked.data as MethodResult<M>;
  }

  /** Sends any method name with any params: for tests and for talking to newer helpers. */
  callRaw(method: string, params?: unknown): Promise<unknown> {
    if (this.closedReason !== undefined) return Promise.reject(new Error(`cannot call ${method}: ${this.closedReason}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  close(): void {
    this.ws.close();
    this.onClosed('closed by the client');
  }

  private onMessage(text: string): void {
    let message: RpcResponse;
    try {
      message = JSON.parse(text) as RpcResponse;
    } catch {
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending) return;
    this.pending.delete(message.id as number);
    if (isFailure(message)) {
      pending.reject(new RpcError(message.error.code, message.error.message, message.error.data));
    } else {
      pending.resolve(message.result);
    }
  }

  private onClosed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const [, pending] of this.pending) pending.reject(new Error(`${pending.method}: ${reason}`));
    this.pending.clear();
    this.emit('close', reason);
  }
}

// The API's client, shared by the extension and the `berth` CLI: JSON-RPC calls with timeouts, results
// checked against the method table, and the client's end of streams (streams.ts) with flow control. It
// knows nothing of how messages travel: its owner hands it a transport (a WebSocket on a Unix socket, or
// over an SSH channel) and feeds it each text message received and the transport's close.
import { STREAM_DATA, STREAM_END } from './constants';
import { ErrorCode, RpcError, type RpcResponse } from './jsonrpc';
import type { MethodName, MethodParams, MethodResult } from './methods';
import { schemas } from './schemas';
import type { StreamDataParams, StreamEndParams } from './streams';

export interface MessageTransport {
  send(text: string): void;
  close(): void;
}

export interface CallOptions {
  /** Milliseconds before the call fails with a timeout error; 0 waits for ever. Default: the client's. */
  timeoutMs?: number;
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

/** Client-side error code for a call that got no answer in time (not sent by any daemon). */
export const CLIENT_TIMEOUT = -32090;
/** Client-side error code for a call made or pending when the connection is gone. */
export const CLIENT_DISCONNECTED = -32091;

export class ProtocolClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<string, ClientStream>();
  /** Frames for streams not claimed yet (their opening call's answer is still on its way). */
  private readonly early = new Map<string, Array<{ method: string; params: unknown }>>();
  private closedReason: string | undefined;
  private readonly closeListeners = new Set<(reason: string) => void>();

  constructor(
    private readonly transport: MessageTransport,
    private readonly defaultTimeoutMs = 120_000,
  ) {}

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Calls a method and checks the result against the protocol, so a mismatched helper fails loudly. */
  async call<M extends MethodName>(method: M, params: MethodParams<M>, options: CallOptions = {}): Promise<MethodResult<M>> {
    const raw = await this.callRaw(method, params, options);
    const checked = schemas().methods[method].result.safeParse(raw);
    if (!checked.success) {
      throw new RpcError(ErrorCode.InternalError, `${method}: the helper's answer does not match this client's protocol: ${checked.error.message}`);
    }
    return checked.data as MethodResult<M>;
  }

  /** Calls a method that opens a stream and returns the stream, already listening. */
  async openStream<M extends MethodName>(method: M, params: MethodParams<M>, options: CallOptions = {}): Promise<ClientStream> {
    const raw = await this.callRaw(method, params, options);
    const opened = schemas().OpenedStream.safeParse(raw);
    if (!opened.success) throw new RpcError(ErrorCode.InternalError, `${method} did not open a stream: ${JSON.stringify(raw)}`);
    return this.claimStream(opened.data.stream);
  }

  /** Any method name with any params: for tests and for talking to newer helpers. */
  callRaw(method: string, params?: unknown, { timeoutMs = this.defaultTimeoutMs }: CallOptions = {}): Promise<unknown> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new RpcError(CLIENT_DISCONNECTED, `cannot call ${method}: ${this.closedReason}`));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry: Pending = { method, resolve, reject };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new RpcError(CLIENT_TIMEOUT, `${method}: no answer from the helper within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.pending.set(id, entry);
      try {
        this.transport.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      } catch (error) {
        this.settle(id);
        reject(new RpcError(CLIENT_DISCONNECTED, `cannot call ${method}: ${(error as Error).message}`));
      }
    });
  }

  close(): void {
    this.transport.close();
    this.closed('closed by the client');
  }

  /** The transport delivered a text message. */
  receive(text: string): void {
    let message: RpcResponse | { method?: string; params?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if ('method' in message && typeof message.method === 'string') {
      this.notification(message.method, message.params);
      return;
    }
    const response = message as RpcResponse;
    if (typeof response.id !== 'number') return;
    const pending = this.settle(response.id);
    if (!pending) return;
    if ('error' in response) pending.reject(new RpcError(response.error.code, response.error.message, response.error.data));
    else pending.resolve(response.result);
  }

  /** The transport is gone: every pending call and open stream fails with the reason. */
  closed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const [id, pending] of this.pending) {
      this.settle(id);
      pending.reject(new RpcError(CLIENT_DISCONNECTED, `${pending.method}: ${reason}`));
    }
    for (const stream of this.streams.values()) stream.finish({ stream: stream.id, error: { code: CLIENT_DISCONNECTED, message: reason } });
    this.streams.clear();
    this.early.clear();
    for (const listener of this.closeListeners) listener(reason);
  }

  /** Used by ClientStream: a fire-and-forget call whose failure only matters to the stream. */
  sendStreamControl(method: string, params: object): Promise<unknown> {
    return this.callRaw(method, params, { timeoutMs: 30_000 });
  }

  forgetStream(id: string): void {
    this.streams.delete(id);
  }

  private claimStream(id: string): ClientStream {
    const stream = new ClientStream(this, id);
    this.streams.set(id, stream);
    for (const frame of this.early.get(id) ?? []) this.notification(frame.method, frame.params);
    this.early.delete(id);
    return stream;
  }

  private notification(method: string, params: unknown): void {
    if (method !== STREAM_DATA && method !== STREAM_END) return;
    const streamId = (params as { stream?: unknown } | undefined)?.stream;
    if (typeof streamId !== 'string') return;
    const stream = this.streams.get(streamId);
    if (!stream) {
      const queue = this.early.get(streamId) ?? [];
      queue.push({ method, params });
      this.early.set(streamId, queue);
      return;
    }
    if (method === STREAM_DATA) stream.deliver(params as StreamDataParams);
    else {
      this.streams.delete(streamId);
      stream.finish(params as StreamEndParams);
    }
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    return pending;
  }
}

export interface StreamListener {
  /** Bytes (and which output they came from, when known). A returned promise delays the acknowledgement. */
  data?(bytes: Buffer, fd?: 1 | 2): void | Promise<void>;
  items?(items: unknown[]): void | Promise<void>;
}

/**
 * The client's end of one stream. What arrives before `listen` is kept (flow control bounds it); each
 * delivery is acknowledged once its listener has returned (or its promise settled), which is what paces
 * the daemon. `done` settles with stream.end's result, or rejects with its error.
 */
export class ClientStream {
  readonly done: Promise<unknown>;
  private resolveDone!: (result: unknown) => void;
  private rejectDone!: (error: Error) => void;
  private listener: StreamListener | undefined;
  private readonly backlog: StreamDataParams[] = [];
  private ended: StreamEndParams | undefined;
  private endWaiting: StreamEndParams | undefined;
  private delivering: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ProtocolClient,
    readonly id: string,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A stream nobody awaits must not crash the process with an unhandled rejection.
    this.done.catch(() => undefined);
  }

  listen(listener: StreamListener): this {
    this.listener = listener;
    for (const params of this.backlog.splice(0)) this.deliver(params);
    const end = this.endWaiting;
    this.endWaiting = undefined;
    if (end) this.settleAfterDelivery(end);
    return this;
  }

  write(data: Buffer | string): Promise<unknown> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    return this.client.sendStreamControl('stream.write', { stream: this.id, data: bytes.toString('base64') });
  }

  closeInput(): Promise<unknown> {
    return this.client.sendStreamControl('stream.closeInput', { stream: this.id });
  }

  resize(rows: number, cols: number): Promise<unknown> {
    return this.client.sendStreamControl('stream.resize', { stream: this.id, rows, cols });
  }

  /** Stops the stream: the daemon frees it, and `done` settles (with no result) here at once. */
  cancel(): Promise<unknown> {
    const sent = this.client.sendStreamControl('stream.cancel', { stream: this.id }).catch(() => undefined);
    this.client.forgetStream(this.id);
    // At once: not after deliveries still in the listener (a listener may be what is being given up on).
    if (!this.ended) {
      this.ended = { stream: this.id };
      this.endWaiting = undefined;
      this.resolveDone(undefined);
    }
    return sent;
  }

  /** Internal: a stream.data notification. */
  deliver(params: StreamDataParams): void {
    if (!this.listener) {
      this.backlog.push(params);
      return;
    }
    const listener = this.listener;
    this.delivering = this.delivering.then(async () => {
      let size = 0;
      if (params.data !== undefined) {
        const bytes = Buffer.from(params.data, 'base64');
        size += bytes.length;
        await listener.data?.(bytes, params.fd);
      }
      if (params.items !== undefined) {
        size += JSON.stringify(params.items).length;
        await listener.items?.(params.items);
      }
      if (size > 0 && this.ended === undefined) {
        this.client.sendStreamControl('stream.ack', { stream: this.id, bytes: size }).catch(() => undefined);
      }
    });
    this.delivering.catch(() => undefined);
  }

  /** Internal: stream.end (or the connection's loss). */
  finish(params: StreamEndParams): void {
    if (this.ended || this.endWaiting) return;
    if (!this.listener && this.backlog.length > 0) {
      // Keep the end until someone listens, so that no data is lost.
      this.endWaiting = params;
      return;
    }
    this.settleAfterDelivery(params);
  }

  private settleAfterDelivery(params: StreamEndParams): void {
    // Data delivered before the end reaches the listener first.
    const settle = () => {
      if (this.ended) return;
      this.ended = params;
      this.client.forgetStream(this.id);
      if (params.error) this.rejectDone(new RpcError(params.error.code, params.error.message, params.error.data));
      else this.resolveDone(params.result);
    };
    void this.delivering.then(settle, settle);
  }
}

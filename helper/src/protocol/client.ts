// The API's client, shared by the extension and the `berth` CLI: JSON-RPC calls with timeouts, results
// checked against the method table, and the client's end of streams (streams.ts) with flow control both
// ways. It knows nothing of how messages travel: its owner hands it a transport (a WebSocket on a Unix
// socket, or over an SSH channel; overWebSocket wires one) and feeds it each message received and the
// transport's close. Text messages are JSON-RPC; binary ones are stream frames (frames.ts).
import { STREAM_ACK_BYTES, STREAM_CHUNK_BYTES, STREAM_DATA, STREAM_END, STREAM_WINDOW_BYTES, PROTOCOL_VERSION } from './constants';
import { ackFrame, dataFrame, parseFrame } from './frames';
import { ErrorCode, RpcError, type RpcResponse } from './jsonrpc';
import type { MethodName, MethodParams, MethodResult } from './methods';
import { schemas } from './schemas';
import type { StreamDataParams, StreamEndParams } from './streams';
import type { SystemVersionResult } from './system';
import { mismatchMessage, SUBPROTOCOL } from './version';

export interface MessageTransport {
  /** A string goes as a text message (JSON-RPC), bytes as a binary one (a stream frame). */
  send(message: string | Uint8Array): void;
  close(): void;
}

/** What overWebSocket needs of a WebSocket (ws's client has it): the protocol module imports no ws. */
export interface WebSocketLike {
  readonly protocol: string;
  send(message: string | Uint8Array): void;
  close(): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
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

type EarlyMessage = { items: unknown[] } | { bytes: Buffer; fd?: 1 | 2 } | { end: StreamEndParams };

export class ProtocolClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<string, ClientStream>();
  /** What came for streams not claimed yet (their opening call's answer is still on its way). */
  private readonly early = new Map<string, EarlyMessage[]>();
  private closedReason: string | undefined;
  private readonly closeListeners = new Set<(reason: string) => void>();
  /** Set when the helper speaks another revision: why calls are refused (learnt from system.version). */
  private mismatch: Promise<RpcError> | undefined;

  constructor(
    private readonly transport: MessageTransport,
    private readonly defaultTimeoutMs = 120_000,
    /** Who this client is, for a protocol mismatch's message ("this extension", "this berth command"). */
    private readonly name = 'this client',
  ) {}

  /**
   * A client over an open WebSocket that offered OFFERED_SUBPROTOCOLS. When the helper did not choose
   * this revision's subprotocol it speaks another: only system.version is called then, and every other
   * call fails with ProtocolMismatch naming both revisions.
   */
  /**
   * `describeClose` words a close this side did not ask for, given the close code (default: the helper
   * closed the connection); it is asked a moment after the close, so that a transport that went away
   * first (an SSH connection) has said so by then.
   */
  static overWebSocket(ws: WebSocketLike, defaultTimeoutMs?: number, name?: string, describeClose?: (detail: string) => string): ProtocolClient {
    const client = new ProtocolClient({ send: (message) => ws.send(message), close: () => ws.close() }, defaultTimeoutMs, name);
    ws.on('message', (data, isBinary) => {
      const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) client.receiveFrame(buffer);
      else client.receive(buffer.toString());
    });
    ws.on('close', (code, reason) => {
      const detail = `${code}${reason.length ? `: ${reason.toString()}` : ''}`;
      setImmediate(() => client.closed(describeClose?.(detail) ?? `the helper closed the connection (${detail})`));
    });
    ws.on('error', (error) => client.closed(error.message));
    if (ws.protocol !== SUBPROTOCOL) client.otherRevision();
    return client;
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Resolves when the helper speaks this client's revision, else rejects with ProtocolMismatch saying why. */
  async checkProtocol(): Promise<void> {
    if (this.mismatch) throw await this.mismatch;
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
  async callRaw(method: string, params?: unknown, options: CallOptions = {}): Promise<unknown> {
    if (this.mismatch && method !== 'system.version') throw await this.mismatch;
    return this.send(method, params, options);
  }

  /** Closes the transport; what is still pending fails with `reason` (by default: this side closed it). */
  close(reason = 'the connection was closed by this side (Berth)'): void {
    this.closed(reason);
    this.transport.close();
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

  /** The transport delivered a binary message: a stream frame. One that cannot be read is dropped. */
  receiveFrame(message: Buffer): void {
    const frame = parseFrame(message);
    if (typeof frame === 'string') return;
    const stream = this.streams.get(frame.stream);
    if (frame.kind === 'ack') {
      stream?.inputAcknowledged(frame.bytes);
      return;
    }
    if (stream) stream.deliver({ bytes: frame.payload, ...(frame.fd ? { fd: frame.fd } : {}) });
    else this.keepEarly(frame.stream, { bytes: frame.payload, ...(frame.fd ? { fd: frame.fd } : {}) });
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

  /** Used by ClientStream: a call whose failure only matters to the stream. */
  sendStreamControl(method: string, params: object): Promise<unknown> {
    return this.callRaw(method, params, { timeoutMs: 30_000 });
  }

  /** Used by ClientStream: a binary frame; false when the connection is gone. */
  sendFrame(frame: Uint8Array): boolean {
    if (this.closedReason !== undefined) return false;
    try {
      this.transport.send(frame);
      return true;
    } catch (error) {
      this.closed((error as Error).message);
      return false;
    }
  }

  forgetStream(id: string): void {
    this.streams.delete(id);
  }

  /** The helper chose no subprotocol of this revision: learn which it speaks, for the refusals' message. */
  private otherRevision(): void {
    this.mismatch = this.send('system.version', {}, { timeoutMs: 10_000 }).then(
      (info) => new RpcError(ErrorCode.ProtocolMismatch, mismatchMessage(info as SystemVersionResult, PROTOCOL_VERSION, this.name)),
      (error: Error) =>
        new RpcError(ErrorCode.ProtocolMismatch, `protocol mismatch: the helper does not speak protocol ${PROTOCOL_VERSION}, which ${this.name} speaks (${error.message})`),
    );
  }

  private send(method: string, params: unknown, { timeoutMs = this.defaultTimeoutMs }: CallOptions): Promise<unknown> {
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

  private claimStream(id: string): ClientStream {
    const stream = new ClientStream(this, id);
    this.streams.set(id, stream);
    for (const message of this.early.get(id) ?? []) {
      if ('end' in message) this.endStream(stream, message.end);
      else stream.deliver(message);
    }
    this.early.delete(id);
    return stream;
  }

  private keepEarly(id: string, message: EarlyMessage): void {
    const queue = this.early.get(id) ?? [];
    queue.push(message);
    this.early.set(id, queue);
  }

  private notification(method: string, params: unknown): void {
    if (method !== STREAM_DATA && method !== STREAM_END) return;
    const streamId = (params as { stream?: unknown } | undefined)?.stream;
    if (typeof streamId !== 'string') return;
    const stream = this.streams.get(streamId);
    if (method === STREAM_DATA) {
      const items = (params as StreamDataParams).items;
      if (!Array.isArray(items)) return;
      if (stream) stream.deliver({ items });
      else this.keepEarly(streamId, { items });
    } else if (stream) this.endStream(stream, params as StreamEndParams);
    else this.keepEarly(streamId, { end: params as StreamEndParams });
  }

  private endStream(stream: ClientStream, params: StreamEndParams): void {
    this.streams.delete(stream.id);
    stream.finish(params);
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

type Delivery = { items: unknown[] } | { bytes: Buffer; fd?: 1 | 2 };

/**
 * The client's end of one stream. What arrives before `listen` is kept (flow control bounds it); what a
 * listener has returned from (or whose promise has settled) counts as consumed and is acknowledged, which
 * is what paces the daemon. Input goes out as data frames, in order, each as soon as the daemon's window
 * for this stream has room. `done` settles with stream.end's result, or rejects with its error.
 */
export class ClientStream {
  readonly done: Promise<unknown>;
  private resolveDone!: (result: unknown) => void;
  private rejectDone!: (error: Error) => void;
  private listener: StreamListener | undefined;
  private readonly backlog: Delivery[] = [];
  private ended: StreamEndParams | undefined;
  private endWaiting: StreamEndParams | undefined;
  private delivering: Promise<void> = Promise.resolve();
  /** Consumed and not yet acknowledged. */
  private consumed = 0;
  /** Input sent and not yet acknowledged by the daemon, and writes waiting for room. */
  private inputInFlight = 0;
  private readonly inputWaiters: Array<() => void> = [];
  private writing: Promise<void> = Promise.resolve();
  private queuedWrites = 0;

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
    for (const delivery of this.backlog.splice(0)) this.deliver(delivery);
    const end = this.endWaiting;
    this.endWaiting = undefined;
    if (end) this.settleAfterDelivery(end);
    return this;
  }

  /**
   * Sends input (stdin, keystrokes, file content) after what was written before. Resolves once it is on
   * its way; waits while the daemon has a window's worth unacknowledged. Rejects once the stream is over.
   */
  write(data: Buffer | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    // The short way for a keystroke: nothing queued and room in the window.
    if (this.queuedWrites === 0 && bytes.length <= STREAM_CHUNK_BYTES && this.inputInFlight + bytes.length <= STREAM_WINDOW_BYTES && !this.over()) {
      return this.sendInput(bytes) ? Promise.resolve() : Promise.reject(this.overError());
    }
    this.queuedWrites++;
    const sent = this.writing.then(async () => {
      for (let offset = 0; offset < bytes.length; offset += STREAM_CHUNK_BYTES) {
        const chunk = bytes.subarray(offset, offset + STREAM_CHUNK_BYTES);
        await this.inputRoom(chunk.length);
        if (!this.sendInput(chunk)) throw this.overError();
      }
    });
    this.writing = sent.then(
      () => void this.queuedWrites--,
      () => void this.queuedWrites--,
    );
    return sent;
  }

  /** Ends the input, after everything written before it. */
  closeInput(): Promise<unknown> {
    return this.writing.then(() => this.client.sendStreamControl('stream.closeInput', { stream: this.id }));
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
      this.wakeWriters();
    }
    return sent;
  }

  /** Internal: bytes from a data frame, or items from stream.data. */
  deliver(delivery: Delivery): void {
    if (!this.listener) {
      this.backlog.push(delivery);
      return;
    }
    const listener = this.listener;
    this.delivering = this.delivering.then(async () => {
      let size: number;
      if ('bytes' in delivery) {
        size = delivery.bytes.length;
        await listener.data?.(delivery.bytes, delivery.fd);
      } else {
        size = JSON.stringify(delivery.items).length;
        await listener.items?.(delivery.items);
      }
      this.consumed += size;
      if (this.consumed >= STREAM_ACK_BYTES && this.ended === undefined) {
        this.client.sendFrame(ackFrame(this.id, this.consumed));
        this.consumed = 0;
      }
    });
    this.delivering.catch(() => undefined);
  }

  /** Internal: the daemon consumed this much of the input. */
  inputAcknowledged(bytes: number): void {
    this.inputInFlight = Math.max(0, this.inputInFlight - bytes);
    this.wakeWriters();
  }

  /** Internal: stream.end (or the connection's loss). */
  finish(params: StreamEndParams): void {
    if (this.ended || this.endWaiting) return;
    if (!this.listener && this.backlog.length > 0) {
      // Keep the end until someone listens, so that no data is lost; input can go no further.
      this.endWaiting = params;
      this.wakeWriters();
      return;
    }
    this.settleAfterDelivery(params);
  }

  private over(): boolean {
    return this.ended !== undefined || this.endWaiting !== undefined;
  }

  private overError(): Error {
    const end = this.ended ?? this.endWaiting;
    if (end?.error) return new RpcError(end.error.code, end.error.message, end.error.data);
    return new RpcError(ErrorCode.Conflict, `stream ${this.id} has ended: it takes no more input`);
  }

  private sendInput(chunk: Buffer): boolean {
    if (this.over() || !this.client.sendFrame(dataFrame(this.id, chunk))) return false;
    this.inputInFlight += chunk.length;
    return true;
  }

  private async inputRoom(length: number): Promise<void> {
    while (!this.over() && this.inputInFlight + length > STREAM_WINDOW_BYTES) {
      await new Promise<void>((resolve) => this.inputWaiters.push(resolve));
    }
  }

  private wakeWriters(): void {
    for (const wake of this.inputWaiters.splice(0)) wake();
  }

  private settleAfterDelivery(params: StreamEndParams): void {
    this.wakeWriters();
    // Data delivered before the end reaches the listener first.
    const settle = () => {
      if (this.ended) return;
      this.ended = params;
      this.client.forgetStream(this.id);
      this.wakeWriters();
      if (params.error) this.rejectDone(new RpcError(params.error.code, params.error.message, params.error.data));
      else this.resolveDone(params.result);
    };
    void this.delivering.then(settle, settle);
  }
}

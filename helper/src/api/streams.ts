// The daemon's end of streams (protocol/streams.ts), one hub per connection. A producer (a log follower,
// an exec session, the event bus) writes into a ServerStream and awaits each write: the write resolves
// only while the client has acknowledged enough (STREAM_WINDOW_BYTES in flight at most), so a slow or
// stalled client pauses the producer instead of filling the daemon's memory.
import {
  ErrorCode,
  RpcError,
  STREAM_CHUNK_BYTES,
  STREAM_DATA,
  STREAM_END,
  STREAM_WINDOW_BYTES,
  type StreamDataParams,
  type StreamEndParams,
} from '../protocol';

export interface StreamControls {
  /** Unacknowledged bytes allowed in flight; default STREAM_WINDOW_BYTES. A terminal's is smaller, so that
   * what is already on its way after Ctrl-C stays short. */
  window?: number;
  /** Client input (stdin, keystrokes). */
  onWrite?(bytes: Buffer): void | Promise<void>;
  onCloseInput?(): void;
  onResize?(rows: number, cols: number): void;
}

export class StreamClosedError extends Error {
  constructor(id: string) {
    super(`stream ${id} is closed`);
  }
}

export class ServerStream {
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly abort = new AbortController();
  private finished = false;

  private readonly window: number;

  constructor(
    readonly id: string,
    private readonly send: (text: string) => void,
    private readonly hub: StreamHub,
    readonly controls: StreamControls,
  ) {
    this.window = controls.window ?? STREAM_WINDOW_BYTES;
  }

  /** Sends at once when the window has room for the whole of `bytes` (true), else sends nothing (false). */
  tryWriteBytes(bytes: Buffer, fd?: 1 | 2): boolean {
    if (this.finished || bytes.length > STREAM_CHUNK_BYTES || this.inFlight + bytes.length > this.window) return false;
    this.inFlight += bytes.length;
    const params: StreamDataParams = { stream: this.id, data: bytes.toString('base64'), ...(fd ? { fd } : {}) };
    this.notify(STREAM_DATA, params);
    return true;
  }

  /** Aborted when the client cancels the stream, the connection closes or the stream ends. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get closed(): boolean {
    return this.finished;
  }

  /** Sends bytes in chunks, each after the window has room. Rejects with StreamClosedError once closed. */
  async writeBytes(bytes: Buffer, fd?: 1 | 2): Promise<void> {
    for (let offset = 0; offset < bytes.length; offset += STREAM_CHUNK_BYTES) {
      const chunk = bytes.subarray(offset, offset + STREAM_CHUNK_BYTES);
      await this.room();
      this.inFlight += chunk.length;
      const params: StreamDataParams = { stream: this.id, data: chunk.toString('base64'), ...(fd ? { fd } : {}) };
      this.notify(STREAM_DATA, params);
    }
  }

  /** Sends structured items once the window has room. */
  async pushItems(items: unknown[]): Promise<void> {
    if (items.length === 0) return;
    await this.room();
    const params: StreamDataParams = { stream: this.id, items };
    this.inFlight += JSON.stringify(items).length;
    this.notify(STREAM_DATA, params);
  }

  /** Ends the stream with a result (an exit code, say). Later calls do nothing. */
  end(result?: unknown): void {
    if (this.finished) return;
    const params: StreamEndParams = { stream: this.id, ...(result === undefined ? {} : { result }) };
    this.notify(STREAM_END, params);
    this.close();
  }

  /** Ends the stream with an error. */
  fail(error: unknown): void {
    if (this.finished) return;
    const rpc = error instanceof RpcError ? error : new RpcError(ErrorCode.InternalError, error instanceof Error ? error.message : String(error));
    const params: StreamEndParams = { stream: this.id, error: rpc.toObject() };
    this.notify(STREAM_END, params);
    this.close();
  }

  /** The client consumed `bytes`. */
  acknowledge(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
    while (this.inFlight < this.window && this.waiters.length > 0) this.waiters.shift()!();
  }

  /** Closes without a last word (the client cancelled, or the connection is gone). */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.hub.forget(this.id);
    this.abort.abort();
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private async room(): Promise<void> {
    while (!this.finished && this.inFlight >= this.window) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.finished) throw new StreamClosedError(this.id);
  }

  private notify(method: string, params: StreamDataParams | StreamEndParams): void {
    try {
      this.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
    } catch {
      this.close();
    }
  }
}

/** The streams of one connection. */
export class StreamHub {
  private nextId = 1;
  private readonly streams = new Map<string, ServerStream>();

  constructor(private readonly send: (text: string) => void) {}

  open(controls: StreamControls = {}): ServerStream {
    const id = `s${this.nextId++}`;
    const stream = new ServerStream(id, this.send, this, controls);
    this.streams.set(id, stream);
    return stream;
  }

  /** The open stream `id`, or a NotFound error naming it. */
  get(id: string): ServerStream {
    const stream = this.streams.get(id);
    if (!stream) throw new RpcError(ErrorCode.NotFound, `no open stream "${id}" on this connection`);
    return stream;
  }

  forget(id: string): void {
    this.streams.delete(id);
  }

  get size(): number {
    return this.streams.size;
  }

  /** The connection is gone: every producer stops. */
  closeAll(): void {
    for (const stream of [...this.streams.values()]) stream.close();
  }
}

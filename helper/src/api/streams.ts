// The daemon's end of streams (protocol/streams.ts), one hub per connection. A producer (a log follower,
// an exec session, the event bus) writes into a ServerStream and awaits each write: the write resolves
// only while the client has acknowledged enough (the stream's window in flight at most), so a slow or
// stalled client pauses the producer instead of filling the daemon's memory. Bytes go out as binary data
// frames; items and the end as JSON notifications. Input arrives as data frames: it is handed to the
// stream's onWrite in order, one piece at a time, and acknowledged to the client (ack frames) as it is
// consumed, so a fast client is held to the same window.
import {
  ackFrame,
  dataFrame,
  ErrorCode,
  RpcError,
  STREAM_ACK_BYTES,
  STREAM_CHUNK_BYTES,
  STREAM_DATA,
  STREAM_END,
  STREAM_WINDOW_BYTES,
  type StreamDataParams,
  type StreamEndParams,
} from '../protocol';

export interface StreamControls {
  /** Unacknowledged bytes allowed in flight; default STREAM_WINDOW_BYTES. A terminal's is smaller, so that
   * what is already on its way after Ctrl-C stays short. At least 2 × STREAM_ACK_BYTES + STREAM_CHUNK_BYTES. */
  window?: number;
  /** Client input (stdin, keystrokes, file content), in order; the next piece waits for this one. */
  onWrite?(bytes: Buffer): void | Promise<void>;
  /** End of input, after every piece before it was handed to onWrite. */
  onCloseInput?(): void;
  onResize?(rows: number, cols: number): void;
}

/** How a connection's streams reach the client: text (JSON) and binary (frames) messages. */
export interface StreamSender {
  text(message: string): void;
  binary(frame: Uint8Array): void;
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
  /** Input handed on in order: each piece after the one before. */
  private input: Promise<void> = Promise.resolve();
  /** Input consumed and not yet acknowledged to the client. */
  private consumed = 0;

  constructor(
    readonly id: string,
    private readonly send: StreamSender,
    private readonly hub: StreamHub,
    readonly controls: StreamControls,
  ) {
    this.window = controls.window ?? STREAM_WINDOW_BYTES;
  }

  /** Sends at once when the window has room for the whole of `bytes` (true), else sends nothing (false). */
  tryWriteBytes(bytes: Buffer, fd?: 1 | 2): boolean {
    if (this.finished || bytes.length > STREAM_CHUNK_BYTES || this.inFlight + bytes.length > this.window) return false;
    this.inFlight += bytes.length;
    this.frame(dataFrame(this.id, bytes, fd));
    return true;
  }

  /** Aborted when the client cancels the stream, the connection closes or the stream ends. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get closed(): boolean {
    return this.finished;
  }

  /**
   * Sends bytes in chunks, each after the window has room. Each chunk is copied into its frame before
   * this resolves, so the caller may reuse `bytes`. Rejects with StreamClosedError once closed.
   */
  async writeBytes(bytes: Buffer, fd?: 1 | 2): Promise<void> {
    for (let offset = 0; offset < bytes.length; offset += STREAM_CHUNK_BYTES) {
      const chunk = bytes.subarray(offset, offset + STREAM_CHUNK_BYTES);
      await this.room();
      this.inFlight += chunk.length;
      this.frame(dataFrame(this.id, chunk, fd));
    }
  }

  /** Sends structured items once the window has room. */
  async pushItems(items: unknown[]): Promise<void> {
    if (items.length === 0) return;
    await this.room();
    const params: StreamDataParams = { stream: this.id, items };
    const text = JSON.stringify({ jsonrpc: '2.0', method: STREAM_DATA, params });
    this.inFlight += JSON.stringify(items).length;
    this.notify(text);
  }

  /** Ends the stream with a result (an exit code, say). Later calls do nothing. */
  end(result?: unknown): void {
    if (this.finished) return;
    const params: StreamEndParams = { stream: this.id, ...(result === undefined ? {} : { result }) };
    this.notify(JSON.stringify({ jsonrpc: '2.0', method: STREAM_END, params }));
    this.close();
  }

  /** Ends the stream with an error. */
  fail(error: unknown): void {
    if (this.finished) return;
    const rpc = error instanceof RpcError ? error : new RpcError(ErrorCode.InternalError, error instanceof Error ? error.message : String(error));
    const params: StreamEndParams = { stream: this.id, error: rpc.toObject() };
    this.notify(JSON.stringify({ jsonrpc: '2.0', method: STREAM_END, params }));
    this.close();
  }

  /** The client consumed `bytes` (an ack frame). */
  acknowledge(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
    while (this.inFlight < this.window && this.waiters.length > 0) this.waiters.shift()!();
  }

  /**
   * A data frame from the client. Input to a stream that takes none ends it with the reason; a failed
   * onWrite ends it with that failure (an fs.writeFile whose disk is full, say).
   */
  receive(bytes: Buffer): void {
    if (this.finished) return;
    const onWrite = this.controls.onWrite;
    if (!onWrite) {
      this.fail(new RpcError(ErrorCode.Conflict, `stream ${this.id} takes no input`));
      return;
    }
    this.input = this.input.then(async () => {
      if (this.finished) return;
      try {
        await onWrite(bytes);
      } catch (error) {
        this.fail(error);
        return;
      }
      this.consumed += bytes.length;
      if (this.consumed >= STREAM_ACK_BYTES) {
        this.frame(ackFrame(this.id, this.consumed));
        this.consumed = 0;
      }
    });
  }

  /** stream.closeInput: after the input received before it. */
  closeInput(): void {
    const onCloseInput = this.controls.onCloseInput;
    if (!onCloseInput) throw new RpcError(ErrorCode.Conflict, `stream ${this.id} takes no input`);
    void this.input.then(() => {
      if (!this.finished) onCloseInput();
    });
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

  private frame(frame: Buffer): void {
    try {
      this.send.binary(frame);
    } catch {
      this.close();
    }
  }

  private notify(text: string): void {
    try {
      this.send.text(text);
    } catch {
      this.close();
    }
  }
}

/** The streams of one connection. */
export class StreamHub {
  private nextId = 1;
  private readonly streams = new Map<string, ServerStream>();

  constructor(private readonly send: StreamSender) {}

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

  /** A binary message from the client: input for a stream, or its acknowledgement of output. */
  receiveFrame(frame: DataOrAck): void {
    // A frame for a stream that has just ended crossed its end on the way: nothing to do.
    const stream = this.streams.get(frame.stream);
    if (!stream) return;
    if (frame.kind === 'ack') stream.acknowledge(frame.bytes);
    else stream.receive(frame.payload);
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

type DataOrAck = { kind: 'data'; stream: string; payload: Buffer } | { kind: 'ack'; stream: string; bytes: number };

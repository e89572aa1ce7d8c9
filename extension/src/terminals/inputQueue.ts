// The input half of a terminal into a container: keystrokes and pastes go to the helper in order, one
// stream.write at a time, and whatever is typed or pasted meanwhile is sent as the next write (so a fast
// typist costs few round trips and a large paste goes in pieces that each fit well inside a frame).
// Control characters are bytes like any other: Ctrl-C is 0x03, and the container's tty turns it into
// SIGINT for its foreground process group, exactly as a local terminal's does.

/** Largest piece of input in one stream.write (before base64); far below the API's 4 MiB frame limit. */
export const INPUT_CHUNK_BYTES = 32 * 1024;

export class InputQueue {
  private readonly pending: Buffer[] = [];
  private pendingLength = 0;
  private sending = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly write: (bytes: Buffer) => Promise<unknown>,
    private readonly onError: (error: Error) => void = () => undefined,
    private readonly chunkBytes = INPUT_CHUNK_BYTES,
  ) {}

  /** Bytes waiting to be sent. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  /** Queues text as UTF-8. */
  push(text: string): void {
    if (this.closed || text.length === 0) return;
    const bytes = Buffer.from(text, 'utf8');
    this.pending.push(bytes);
    this.pendingLength += bytes.length;
    if (!this.sending) void this.drain();
  }

  /** Resolves once everything queued so far has been sent (or the queue was closed). */
  idle(): Promise<void> {
    if (!this.sending && this.pendingLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is queued; later input is ignored. */
  close(): void {
    this.closed = true;
    this.pending.length = 0;
    this.pendingLength = 0;
    this.settleIdle();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (!this.closed && this.pendingLength > 0) {
        const chunk = this.take(this.chunkBytes);
        try {
          await this.write(chunk);
        } catch (error) {
          // The stream is gone (its end says why, and the terminal reports that): drop the rest.
          this.close();
          this.onError(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      this.sending = false;
      this.settleIdle();
    }
  }

  private take(limit: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    const chunk = all.subarray(0, limit);
    const rest = all.subarray(chunk.length);
    this.pending.length = 0;
    if (rest.length > 0) this.pending.push(rest);
    this.pendingLength = rest.length;
    return chunk;
  }

  private settleIdle(): void {
    if (this.sending || this.pendingLength > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

// The output half of a terminal into a container: bytes from the helper's stream become text for the
// terminal (UTF-8 decoded as a stream, so a character split across two chunks arrives whole), paced so
// that a program printing as fast as it can (`yes`) does not flood the editor.
//
// Flow control is end to end: push() resolves only once its bytes have been handed to the terminal, and
// the stream acknowledges a chunk only when its listener's promise settles, so the helper never has more
// than its window (STREAM_WINDOW_BYTES) of a terminal's output between the container's tty and the
// terminal, and the container's program blocks on its tty instead of memory growing anywhere. VS Code
// gives an extension terminal no backpressure of its own, so the pump paces what it hands over: a burst
// passes at once (echo and short outputs are never delayed), sustained output at bytesPerSecond.
import { TextDecoder } from 'node:util';

export interface OutputPumpOptions {
  /** Sustained rate handed to the terminal. Default 8 MiB/s. */
  bytesPerSecond?: number;
  /** What may pass at once after a quiet moment. Default 256 KiB. */
  burstBytes?: number;
  /** The clock, in milliseconds (tests). */
  now?: () => number;
}

interface Pending {
  bytes: Uint8Array;
  resolve(): void;
}

export const DEFAULT_OUTPUT_BYTES_PER_SECOND = 8 * 1024 * 1024;
export const DEFAULT_OUTPUT_BURST_BYTES = 256 * 1024;

export class OutputPump {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly queue: Pending[] = [];
  private queued = 0;
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;
  /** Bytes that may pass now; refills at `rate`, at most `burst`; may go below zero after a large write. */
  private tokens: number;
  private refilledAt: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** Counters for tests and diagnostics. */
  readonly stats = { writes: 0, bytes: 0, maxQueuedBytes: 0 };

  constructor(
    private readonly sink: (text: string) => void,
    options: OutputPumpOptions = {},
  ) {
    this.rate = options.bytesPerSecond ?? DEFAULT_OUTPUT_BYTES_PER_SECOND;
    this.burst = options.burstBytes ?? DEFAULT_OUTPUT_BURST_BYTES;
    this.now = options.now ?? (() => performance.now());
    this.tokens = this.burst;
    this.refilledAt = this.now();
  }

  /** Bytes received and not yet handed to the terminal. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Queues bytes; resolves once they were written to the terminal (or the pump was disposed). */
  push(bytes: Uint8Array): Promise<void> {
    if (this.disposed || bytes.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.queue.push({ bytes, resolve });
      this.queued += bytes.length;
      this.stats.maxQueuedBytes = Math.max(this.stats.maxQueuedBytes, this.queued);
      this.pump();
    });
  }

  /** Writes everything queued now, whatever the pace, and the decoder's incomplete tail (the stream ended). */
  finish(): void {
    if (this.disposed) return;
    this.clearTimer();
    const { text, released } = this.take(Infinity);
    this.write(text + this.decoder.decode(), released);
  }

  /** Drops what is queued (the terminal is gone) and releases every waiting push. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearTimer();
    for (const pending of this.queue.splice(0)) pending.resolve();
    this.queued = 0;
  }

  private pump(): void {
    if (this.timer || this.disposed || this.queue.length === 0) return;
    this.refill();
    if (this.tokens > 0) {
      const { text, released } = this.take(this.tokens);
      this.write(text, released);
      if (this.queue.length === 0) return;
    }
    // Wait until the bucket has room again; a little more than needed so that timers do not spin.
    const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.rate));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, waitMs);
  }

  /** Takes whole queued chunks while the budget lasts (always at least one), decoded as one text. */
  private take(budget: number): { text: string; released: Array<() => void> } {
    let text = '';
    let taken = 0;
    const released: Array<() => void> = [];
    while (this.queue.length > 0 && (taken === 0 || taken + this.queue[0].bytes.length <= budget)) {
      const { bytes, resolve } = this.queue.shift()!;
      text += this.decoder.decode(bytes, { stream: true });
      taken += bytes.length;
      released.push(resolve);
    }
    this.queued -= taken;
    this.tokens -= taken;
    this.stats.bytes += taken;
    return { text, released };
  }

  /** Hands text to the terminal, then releases the pushes it came from (so their acknowledgements follow it). */
  private write(text: string, released: Array<() => void>): void {
    try {
      if (text) {
        this.stats.writes++;
        this.sink(text);
      }
    } catch {
      // The terminal is gone; its close stops the stream. Releasing the pushes keeps the stream moving.
    }
    for (const resolve of released) resolve();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.rate) / 1000);
    this.refilledAt = now;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

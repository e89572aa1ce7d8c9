// The output half of a terminal into a container: bytes from the helper's stream become text for the
// terminal (UTF-8 decoded as a stream, so a character split across two chunks arrives whole), handed
// over no faster than the terminal shows them, so that a program printing as fast as it can (`yes`)
// neither floods the editor nor grows memory anywhere.
//
// Flow control runs end to end:
// - helper → extension: push() resolves only once its bytes have been written to the terminal, and the
//   stream acknowledges a chunk only when its listener's promise settles, so the helper has at most its
//   window (STREAM_WINDOW_BYTES) of output in flight and otherwise stops reading the container's tty
//   (the program then blocks on its writes, as it would on a slow local terminal).
// - extension → terminal: VS Code gives an extension terminal no backpressure (onDidWrite queues without
//   limit towards the renderer), so the pump asks the terminal itself. Every `confirmEveryBytes` it
//   appends a status request (DSR 5, ESC [5n), which xterm answers through the terminal's input (ESC [0n)
//   once it has processed everything before it; the session hands those answers to confirmed(). The pump
//   never has more than `confirmWindowBytes` written and not yet confirmed. Requests go only where no
//   escape sequence of the program is open, so they never split one. A terminal that does not answer
//   within `confirmTimeoutMs` is not asked again, and the pump falls back to pacing alone.
// - pacing: a burst passes at once (echo and short outputs are never delayed), sustained output at most
//   at bytesPerSecond.
import { TextDecoder } from 'node:util';

export interface OutputPumpOptions {
  /** Sustained rate handed to the terminal. Default 8 MiB/s. */
  bytesPerSecond?: number;
  /** What may pass at once after a quiet moment. Default 256 KiB. */
  burstBytes?: number;
  /** Output written and not yet confirmed by the terminal, at most; 0 turns confirmation off. Default 128 KiB. */
  confirmWindowBytes?: number;
  /** How often (in bytes of output) the terminal is asked to confirm. Default 16 KiB. */
  confirmEveryBytes?: number;
  /** How long an unanswered request may wait before confirmation is given up. Default 10 s. */
  confirmTimeoutMs?: number;
  /** Called each time a confirmation request is written (the session then expects one answer more). */
  onConfirmRequest?(): void;
  /** The clock, in milliseconds (tests). */
  now?: () => number;
}

interface Pending {
  bytes: Uint8Array;
  resolve(): void;
}

export const DEFAULT_OUTPUT_BYTES_PER_SECOND = 8 * 1024 * 1024;
export const DEFAULT_OUTPUT_BURST_BYTES = 256 * 1024;
/** Device Status Report 5 ("status?"); a terminal answers CONFIRM_ANSWER ("OK"). */
export const CONFIRM_REQUEST = '\x1b[5n';
export const CONFIRM_ANSWER = '\x1b[0n';

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
  private readonly confirmWindow: number;
  private readonly confirmEvery: number;
  private readonly confirmTimeoutMs: number;
  /** Output bytes written so far, and how many of them the terminal has confirmed. */
  private written = 0;
  private confirmedUpTo = 0;
  private lastRequestAt = 0;
  /** Unanswered requests: the output position each follows, and when it was written. */
  private readonly requests: Array<{ at: number; time: number }> = [];
  private readonly escapes = new EscapeTracker();
  /** Counters for tests and diagnostics. */
  readonly stats = { writes: 0, bytes: 0, maxQueuedBytes: 0, requests: 0, confirmations: 0, confirmationGivenUp: false };

  constructor(
    private readonly sink: (text: string) => void,
    private readonly options: OutputPumpOptions = {},
  ) {
    this.rate = options.bytesPerSecond ?? DEFAULT_OUTPUT_BYTES_PER_SECOND;
    this.burst = options.burstBytes ?? DEFAULT_OUTPUT_BURST_BYTES;
    this.now = options.now ?? (() => performance.now());
    this.tokens = this.burst;
    this.refilledAt = this.now();
    this.confirmWindow = options.confirmWindowBytes ?? 128 * 1024;
    this.confirmEvery = Math.min(options.confirmEveryBytes ?? 16 * 1024, Math.max(1, this.confirmWindow / 2));
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  }

  /** Bytes received and not yet handed to the terminal. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Output written to the terminal that it has not confirmed yet. */
  get unconfirmedBytes(): number {
    return this.written - this.confirmedUpTo;
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

  /** The terminal answered one confirmation request. */
  confirmed(): void {
    const request = this.requests.shift();
    if (!request) return;
    this.stats.confirmations++;
    this.confirmedUpTo = request.at;
    // Whatever the timer waited for (pace or the terminal), decide again now.
    this.clearTimer();
    this.pump();
  }

  /** Writes everything queued now, whatever the pace, and the decoder's incomplete tail (the stream ended). */
  finish(): void {
    if (this.disposed) return;
    this.clearTimer();
    const { text, released } = this.take(Infinity);
    this.write(text + this.decoder.decode(), released, false);
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
    if (this.waitingForTerminal()) {
      const oldest = this.requests[0];
      const waitMs = oldest.time + this.confirmTimeoutMs - this.now();
      if (waitMs <= 0) {
        // A terminal that does not answer status requests: pace only, and ask no more.
        this.stats.confirmationGivenUp = true;
        this.requests.length = 0;
        this.confirmedUpTo = this.written;
      } else {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, waitMs);
        return;
      }
    }
    this.refill();
    if (this.tokens > 0) {
      const budget = Math.min(this.tokens, this.confirming ? this.confirmWindow - this.unconfirmedBytes : Infinity);
      const { text, released } = this.take(Math.max(1, budget));
      this.write(text, released, true);
      if (this.queue.length === 0 || this.waitingForTerminal()) return;
    }
    // Wait until the bucket has room again; a little more than needed so that timers do not spin.
    const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.rate));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, waitMs);
  }

  private get confirming(): boolean {
    return this.confirmWindow > 0 && !this.stats.confirmationGivenUp;
  }

  /** Whether the terminal must confirm what it has before more is written. */
  private waitingForTerminal(): boolean {
    return this.confirming && this.requests.length > 0 && this.unconfirmedBytes >= this.confirmWindow;
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
    this.written += taken;
    this.stats.bytes += taken;
    return { text, released };
  }

  /** Hands text to the terminal, then releases the pushes it came from (so their acknowledgements follow it). */
  private write(text: string, released: Array<() => void>, mayAsk: boolean): void {
    try {
      if (text) {
        this.escapes.scan(text);
        if (mayAsk && this.confirming && this.written - this.lastRequestAt >= this.confirmEvery && this.escapes.inGround) {
          text += CONFIRM_REQUEST;
          this.lastRequestAt = this.written;
          this.requests.push({ at: this.written, time: this.now() });
          this.stats.requests++;
          this.options.onConfirmRequest?.();
        }
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

const enum Escape {
  Ground,
  Esc,
  /** ESC followed by an intermediate byte (ESC ( B): one more byte ends it. */
  EscIntermediate,
  Csi,
  /** OSC, DCS, SOS, PM, APC: until BEL or ESC \. */
  String,
  StringEsc,
}

/** Follows the program's escape sequences across writes, so a request is never put inside one. */
export class EscapeTracker {
  private state = Escape.Ground;

  get inGround(): boolean {
    return this.state === Escape.Ground;
  }

  scan(text: string): void {
    let state = this.state;
    // Fast path: no ESC in the text and nothing open.
    if (state === Escape.Ground && !text.includes('\x1b')) return;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      switch (state) {
        case Escape.Ground:
          if (c === 0x1b) state = Escape.Esc;
          break;
        case Escape.Esc:
          if (c === 0x5b) state = Escape.Csi; // [
          else if (c === 0x5d || c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) state = Escape.String; // ] P X ^ _
          else if (c >= 0x20 && c <= 0x2f) state = Escape.EscIntermediate;
          else if (c === 0x1b) state = Escape.Esc;
          else state = Escape.Ground;
          break;
        case Escape.EscIntermediate:
          state = Escape.Ground;
          break;
        case Escape.Csi:
          if (c >= 0x40 && c <= 0x7e) state = Escape.Ground;
          else if (c === 0x1b) state = Escape.Esc;
          break;
        case Escape.String:
          if (c === 0x07) state = Escape.Ground;
          else if (c === 0x1b) state = Escape.StringEsc;
          break;
        case Escape.StringEsc:
          state = c === 0x5c ? Escape.Ground : Escape.String;
          break;
      }
    }
    this.state = state;
  }
}

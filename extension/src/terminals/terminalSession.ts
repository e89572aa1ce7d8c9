// One terminal's conversation with a process in a container, without VS Code: it opens the process's
// stream (exec or attach) at the terminal's size, pumps output to the terminal (outputPump.ts) and input
// to the process (inputQueue.ts), passes resizes on, and turns every way the process can end into a
// message and a close: the process exits, the container stops, the connection to the target is lost
// (then Enter reattaches), or the helper refuses. The Pseudoterminal (containerPseudoterminal.ts) is a
// thin adapter over it, so this logic is tested in plain Node.
import { CLIENT_DISCONNECTED, CLIENT_TIMEOUT } from '../../../helper/src/protocol/client';
import { RpcError } from '../../../helper/src/protocol/jsonrpc';
import { InputQueue } from './inputQueue';
import { CONFIRM_ANSWER, OutputPump, type OutputPumpOptions } from './outputPump';
import * as messages from './terminalMessages';

export interface TerminalSize {
  rows: number;
  cols: number;
}

/** The part of the protocol's ClientStream a terminal uses. */
export interface TerminalStream {
  readonly done: Promise<unknown>;
  listen(listener: { data?(bytes: Buffer, fd?: 1 | 2): void | Promise<void> }): unknown;
  write(data: Buffer): Promise<unknown>;
  resize(rows: number, cols: number): Promise<unknown>;
  cancel(): Promise<unknown>;
}

/** A change of the container that ends its terminals. */
export type ContainerChange = { kind: 'stopped'; exitCode?: number } | { kind: 'removed' };

export interface SessionSource {
  /** "sh", "bash", "attach": what runs, for messages. */
  readonly processLabel: string;
  /** The container's name, for messages. */
  readonly containerLabel: string;
  /** The target's name, for messages. */
  readonly targetLabel: string;
  /** Whether input is sent to the process (exec, or attach to a container with an open stdin). */
  readonly interactive: boolean;
  /** Opens the process's stream with the terminal's size (undefined before VS Code has told it). */
  open(size: TerminalSize | undefined): Promise<TerminalStream>;
  /** Calls back when the container stops or is removed; resolves to an unsubscriber. */
  watchContainer?(listener: (change: ContainerChange) => void): Promise<() => void>;
  /**
   * Asked when the process ends before any stop event came: whether the container is still running (a
   * process killed with its container may end a moment before the container's die event arrives).
   */
  checkContainer?(): Promise<ContainerChange | undefined>;
  /** Brings the connection to the target back before reattaching (no-op if it is there). */
  reconnect?(): Promise<void>;
}

export interface TerminalSink {
  /** Text for the terminal (Pseudoterminal.onDidWrite). */
  write(text: string): void;
  /** The terminal ends (Pseudoterminal.onDidClose). */
  close(exitCode?: number): void;
}

export interface SessionOptions {
  output?: OutputPumpOptions;
  /** How long a process may outlive its container's stop event before the terminal gives up on it. */
  stopGraceMs?: number;
  /** Reports errors that only the log needs (a failed resize). */
  log?(message: string): void;
}

type Phase =
  | 'new'
  | 'opening'
  | 'running'
  /** The connection is gone: Enter reattaches, any other key closes. */
  | 'lost'
  | 'reattaching'
  /** Something failed and was said: any key closes. */
  | 'failed'
  | 'closed';

/** How long a process that ended by a signal waits for its container's die event. */
const STOP_EVENT_WAIT_MS = 500;

/** Whether an error means that the connection to the helper is gone (not that the helper refused). */
export function isConnectionLoss(error: unknown): boolean {
  return error instanceof RpcError && (error.code === CLIENT_DISCONNECTED || error.code === CLIENT_TIMEOUT);
}

export function exitCodeOf(result: unknown): number | undefined {
  const code = (result as { exitCode?: unknown } | undefined)?.exitCode;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

export class TerminalSession {
  private phase: Phase = 'new';
  private size: TerminalSize | undefined;
  private stream: TerminalStream | undefined;
  private pump: OutputPump | undefined;
  private keys: InputQueue | undefined;
  private unwatch: (() => void) | undefined;
  private stopped: ContainerChange | undefined;
  private stopTimer: ReturnType<typeof setTimeout> | undefined;
  /** Resolved by the container's stop event while an ended process waits to learn whether that killed it. */
  private stopWaiter: (() => void) | undefined;
  /** Input typed while the stream was opening. */
  private early = '';
  /** Confirmation requests the output pump wrote whose answers have not come back through the input. */
  private pendingAnswers = 0;
  /** Each open gets a generation, so late events of a previous stream are ignored. */
  private generation = 0;

  constructor(
    private readonly source: SessionSource,
    private readonly sink: TerminalSink,
    private readonly options: SessionOptions = {},
  ) {}

  get state(): Phase {
    return this.phase;
  }

  /** Whether the session was closed or moved on to another stream while an await was pending. */
  private superseded(generation: number): boolean {
    return this.phase === 'closed' || generation !== this.generation;
  }

  /** The output pump of the current stream (tests read its counters). */
  get output(): OutputPump | undefined {
    return this.pump;
  }

  /** Starts the process (Pseudoterminal.open). */
  async start(size?: TerminalSize): Promise<void> {
    if (size) this.size = size;
    if (this.phase !== 'new') return;
    await this.openStream();
  }

  /** Keys and pastes (Pseudoterminal.handleInput). */
  input(text: string): void {
    text = this.takeAnswers(text);
    if (!text) return;
    switch (this.phase) {
      case 'running':
        if (this.source.interactive) this.keys?.push(text);
        return;
      case 'new':
      case 'opening':
        // Typed before the process is there: it gets it once it is (as a tty would have kept it).
        if (this.source.interactive) this.early += text;
        return;
      case 'lost':
        if (text === '\r' || text === '\n') void this.reattach();
        else this.finish();
        return;
      case 'failed':
        this.finish();
        return;
      default:
        return;
    }
  }

  /** Removes the terminal's answers to the pump's requests from its input and hands them to the pump. */
  private takeAnswers(text: string): string {
    while (this.pendingAnswers > 0) {
      const at = text.indexOf(CONFIRM_ANSWER);
      if (at < 0) break;
      text = text.slice(0, at) + text.slice(at + CONFIRM_ANSWER.length);
      this.pendingAnswers--;
      this.pump?.confirmed();
    }
    return text;
  }

  /** The terminal's size changed (Pseudoterminal.setDimensions). */
  resize(size: TerminalSize): void {
    if (size.rows < 1 || size.cols < 1) return;
    this.size = size;
    if (this.phase === 'running' && this.stream) {
      this.stream.resize(size.rows, size.cols).catch((error: unknown) => this.options.log?.(`resize: ${String(error)}`));
    }
  }

  /** The user closed the terminal (Pseudoterminal.close): stop the stream, without a message. */
  dispose(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.teardown();
  }

  private async openStream(): Promise<void> {
    const generation = ++this.generation;
    this.phase = 'opening';
    this.stopped = undefined;
    try {
      if (this.source.watchContainer) {
        // Without events the terminal still works; it only learns of a stop when its process ends.
        const unwatch = await this.source
          .watchContainer((change) => this.containerChanged(generation, change))
          .catch((error: unknown) => void this.options.log?.(`container events: ${messageOf(error)}`));
        if (unwatch && this.superseded(generation)) {
          unwatch();
          return;
        }
        if (unwatch) this.unwatch = unwatch;
      }
      const stream = await this.source.open(this.size);
      if (this.superseded(generation)) {
        void stream.cancel();
        return;
      }
      this.stream = stream;
      const pump = new OutputPump((text) => this.write(text), {
        ...this.options.output,
        onConfirmRequest: () => this.pendingAnswers++,
      });
      this.pump = pump;
      this.keys = new InputQueue((bytes) => stream.write(bytes));
      this.phase = 'running';
      // A listener must never throw: the stream would stop delivering.
      stream.listen({ data: (bytes) => pump.push(bytes) });
      stream.done.then(
        (result) => void this.streamEnded(generation, result),
        (error: unknown) => this.streamFailed(generation, error),
      );
      // The size may have changed while the stream was opening, and keys may have been typed.
      if (this.size) this.resize(this.size);
      if (this.early) this.keys.push(this.early);
      this.early = '';
    } catch (error) {
      if (this.superseded(generation)) return;
      if (isConnectionLoss(error)) this.lose(error);
      else this.fail(messages.openFailed(this.source.processLabel, messageOf(error)));
    }
  }

  private async streamEnded(generation: number, result: unknown): Promise<void> {
    if (generation !== this.generation || this.phase !== 'running') return;
    this.pump?.finish();
    const exitCode = exitCodeOf(result);
    // A process killed by a signal may have died with its container, a moment before the die event.
    const killed = exitCode === undefined || exitCode >= 128;
    if (!this.stopped && killed && (this.source.watchContainer || this.source.checkContainer)) {
      const event = new Promise<void>((resolve) => (this.stopWaiter = resolve));
      await withTimeout(event, STOP_EVENT_WAIT_MS);
      this.stopWaiter = undefined;
      if (!this.stopped && this.source.checkContainer) {
        this.stopped = await withTimeout(this.source.checkContainer(), 1000).catch(() => undefined);
      }
      if (generation !== this.generation || this.phase !== 'running') return;
    }
    if (this.stopped) this.write(this.stoppedMessage(this.stopped, exitCode));
    else this.write(messages.processExited(this.source.processLabel, exitCode));
    this.finish(exitCode);
  }

  private streamFailed(generation: number, error: unknown): void {
    if (generation !== this.generation || this.phase !== 'running') return;
    this.pump?.finish();
    if (this.stopped) {
      this.write(this.stoppedMessage(this.stopped, undefined));
      this.finish();
    } else if (isConnectionLoss(error)) this.lose(error);
    else this.fail(messages.streamFailed(this.source.processLabel, messageOf(error)));
  }

  private containerChanged(generation: number, change: ContainerChange): void {
    if (generation !== this.generation || this.phase === 'closed') return;
    this.stopped = change;
    this.stopWaiter?.();
    if (this.phase !== 'running' && this.phase !== 'opening') return;
    // The process dies with its container and its stream ends: give that a moment, then stop waiting.
    this.stopTimer ??= setTimeout(() => {
      this.stopTimer = undefined;
      if (generation !== this.generation || (this.phase !== 'running' && this.phase !== 'opening')) return;
      this.pump?.finish();
      this.write(this.stoppedMessage(change, undefined));
      this.finish();
    }, this.options.stopGraceMs ?? 2000);
  }

  private stoppedMessage(change: ContainerChange, exitCode: number | undefined): string {
    if (change.kind === 'removed') return messages.containerRemoved(this.source.containerLabel);
    return messages.containerStopped(this.source.containerLabel, change.exitCode ?? exitCode);
  }

  private lose(error: unknown): void {
    this.teardown();
    this.phase = 'lost';
    this.write(messages.targetLost(this.source.targetLabel, messageOf(error)));
  }

  private fail(message: string): void {
    this.teardown();
    this.phase = 'failed';
    this.write(message);
  }

  private async reattach(): Promise<void> {
    this.phase = 'reattaching';
    this.write(messages.reattaching(this.source.targetLabel));
    try {
      await this.source.reconnect?.();
    } catch (error) {
      if (this.phase !== 'reattaching') return;
      this.phase = 'lost';
      this.write(messages.reattachFailed(messageOf(error)));
      return;
    }
    if (this.phase !== 'reattaching') return;
    this.phase = 'new';
    await this.openStream();
  }

  /** Ends the terminal: the process's end was said (or the user chose to close). */
  private finish(exitCode?: number): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.teardown();
    this.sink.close(exitCode);
  }

  private teardown(): void {
    this.generation++;
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
    this.keys?.close();
    this.keys = undefined;
    this.pump?.dispose();
    this.pump = undefined;
    if (this.stream) void this.stream.cancel().catch(() => undefined);
    this.stream = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private write(text: string): void {
    try {
      this.sink.write(text);
    } catch (error) {
      this.options.log?.(`terminal write: ${String(error)}`);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

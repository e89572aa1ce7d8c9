// A build's steps as its stream tells them: each step gets the next number when it starts ("#5" in
// Docker's plain output), then its output, and last how it ended.
import type { BuildEvent } from '../protocol';

export type EmitEvent = (event: BuildEvent) => void;

export class BuildProgress {
  private next = 1;

  constructor(readonly emit: EmitEvent) {}

  start(name: string, position?: { stage: string; index: number; total: number }): ProgressStep {
    const step = this.next++;
    this.emit({ type: 'step', step, name, ...(position ?? {}) });
    return new ProgressStep(step, this.emit);
  }

  warn(message: string): void {
    this.emit({ type: 'warning', message });
  }
}

export class ProgressStep {
  private readonly started = Date.now();

  constructor(
    readonly step: number,
    private readonly emit: EmitEvent,
  ) {}

  get elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  output(stream: 1 | 2, data: string): void {
    this.emit({ type: 'output', step: this.step, stream, data, elapsed: this.elapsed });
  }

  status(message: string): void {
    this.emit({ type: 'status', step: this.step, message });
  }

  done(cached = false): void {
    this.emit({ type: 'done', step: this.step, cached, seconds: cached ? 0 : this.elapsed });
  }

  fail(message: string): void {
    this.emit({ type: 'error', step: this.step, message });
  }
}

// A build's progress on the terminal, in the two forms `docker build --progress` knows. plain: every event
// as a line of its step ("#3 [build 2/4] RUN make", "#3 0.412 output", "#3 DONE 1.2s", "#3 CACHED"), for
// logs and pipes. tty: one line per finished step (" => CACHED [2/4] COPY …", " => [3/4] RUN make  1.2s")
// and, below them, the running step with its last lines of output, redrawn in place.
import type { BuildEvent } from '../../protocol';

const LIVE_LINES = 6;

export type ProgressMode = 'plain' | 'tty' | 'quiet';

export class BuildPrinter {
  private readonly names = new Map<number, string>();
  private readonly partial = new Map<number, string>();
  /** tty: the running steps' recent output. */
  private readonly live = new Map<number, string[]>();
  private drawn = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly mode: ProgressMode,
  ) {}

  events(events: BuildEvent[]): void {
    if (this.mode === 'quiet') return;
    for (const event of events) {
      if (this.mode === 'plain') this.plain(event);
      else this.tty(event);
    }
    if (this.mode === 'tty') this.redraw();
  }

  /** The last words: the live block cleared, partial lines ended. */
  finish(): void {
    if (this.mode === 'tty') {
      this.clear();
      this.live.clear();
    }
    if (this.mode === 'plain') for (const [step, rest] of this.partial) if (rest !== '') this.out.write(`#${step} ${rest}\n`);
    this.partial.clear();
  }

  private plain(event: BuildEvent): void {
    switch (event.type) {
      case 'step':
        this.names.set(event.step, event.name);
        this.out.write(`\n#${event.step} ${event.name}\n`);
        return;
      case 'output': {
        const text = (this.partial.get(event.step) ?? '') + event.data;
        const lines = text.split('\n');
        this.partial.set(event.step, lines.pop()!);
        for (const line of lines) this.out.write(`#${event.step} ${event.elapsed.toFixed(3)} ${line}\n`);
        return;
      }
      case 'status':
        this.out.write(`#${event.step} ${event.message}\n`);
        return;
      case 'done': {
        const rest = this.partial.get(event.step);
        if (rest) this.out.write(`#${event.step} ${rest}\n`);
        this.partial.delete(event.step);
        this.out.write(event.cached ? `#${event.step} CACHED\n` : `#${event.step} DONE ${event.seconds.toFixed(1)}s\n`);
        return;
      }
      case 'error':
        this.out.write(`#${event.step} ERROR: ${event.message}\n`);
        return;
      case 'warning':
        this.out.write(`WARNING: ${event.message}\n`);
    }
  }

  private tty(event: BuildEvent): void {
    switch (event.type) {
      case 'step':
        this.names.set(event.step, event.name);
        this.live.set(event.step, []);
        return;
      case 'output': {
        const lines = this.live.get(event.step) ?? [];
        const text = (this.partial.get(event.step) ?? '') + event.data;
        const parts = text.split('\n');
        this.partial.set(event.step, parts.pop()!);
        lines.push(...parts);
        this.live.set(event.step, lines.slice(-LIVE_LINES));
        return;
      }
      case 'status':
        this.live.get(event.step)?.push(event.message);
        return;
      case 'done':
        this.permanent(` => ${event.cached ? 'CACHED ' : ''}${this.names.get(event.step) ?? ''}${event.cached ? '' : `  ${event.seconds.toFixed(1)}s`}`);
        this.forget(event.step);
        return;
      case 'error': {
        const output = this.live.get(event.step) ?? [];
        this.permanent([` => ERROR ${this.names.get(event.step) ?? ''}`, ...output.map((line) => ` > ${line}`), ` > ${event.message}`].join('\n'));
        this.forget(event.step);
        return;
      }
      case 'warning':
        this.permanent(`WARNING: ${event.message}`);
    }
  }

  private forget(step: number): void {
    this.live.delete(step);
    this.partial.delete(step);
  }

  private permanent(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    this.clear();
    const columns = (this.out as NodeJS.WriteStream).columns ?? 100;
    // Each line cut to the width, so that none wraps and the count of lines to redraw stays right.
    // eslint-disable-next-line no-control-regex -- control characters in a program's output would move the cursor
    const fit = (text: string) => text.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, Math.max(columns - 1, 20));
    let drawn = 0;
    for (const [step, output] of this.live) {
      this.out.write(`${fit(` => ${this.names.get(step) ?? ''}`)}\n`);
      const pending = this.partial.get(step);
      for (const line of [...output, ...(pending ? [pending] : [])].slice(-LIVE_LINES)) this.out.write(`\x1b[2m${fit(` > ${line}`)}\x1b[0m\n`);
      drawn += 1 + Math.min(output.length + (pending ? 1 : 0), LIVE_LINES);
    }
    this.drawn = drawn;
  }
}

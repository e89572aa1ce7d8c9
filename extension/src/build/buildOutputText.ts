// A build's events as terminal text: each step's line when it starts (bold), its output below it (dim,
// with the step's number), how it ended (✓ with its time, CACHED, or ✗ with the reason), and one status
// line for the progress notification ("[3/7] RUN make"). No vscode here: unit-tested.
import type { BuildEvent } from '../../../helper/src/protocol';

const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const YELLOW = '\x1b[33m';
const CYAN = '\x1b[36m';
const RESET = '\x1b[0m';

export class BuildOutputText {
  private readonly names = new Map<number, string>();
  private readonly partial = new Map<number, string>();
  /** Steps that make layers seen so far, and those ended; for the progress line. */
  private started = 0;
  private ended = 0;
  current = '';

  /** The text for a batch of events, lines ending in \r\n as a terminal wants them. */
  render(events: BuildEvent[]): string {
    let text = '';
    for (const event of events) text += this.event(event);
    return text;
  }

  /** "[3/7] RUN make": the step running now and how far the build is. */
  get progress(): string {
    return this.current === '' ? '' : `${this.current} (${this.ended}/${this.started} done)`;
  }

  private event(event: BuildEvent): string {
    switch (event.type) {
      case 'step':
        this.names.set(event.step, event.name);
        this.started++;
        this.current = event.name;
        return `${BOLD}#${event.step} ${event.name}${RESET}\r\n`;
      case 'output': {
        const lines = ((this.partial.get(event.step) ?? '') + event.data).split('\n');
        this.partial.set(event.step, lines.pop()!);
        return lines.map((line) => `${DIM}#${event.step} ${line.replace(/\r$/, '')}${RESET}\r\n`).join('');
      }
      case 'status':
        return `${DIM}#${event.step} ${event.message}${RESET}\r\n`;
      case 'done': {
        this.ended++;
        const rest = this.flush(event.step);
        return `${rest}${event.cached ? `${CYAN}#${event.step} CACHED${RESET}` : `${GREEN}#${event.step} ✓ done in ${event.seconds.toFixed(1)}s${RESET}`}\r\n`;
      }
      case 'error': {
        const rest = this.flush(event.step);
        return `${rest}${RED}#${event.step} ✗ ${event.message}${RESET}\r\n`;
      }
      case 'warning':
        return `${YELLOW}warning: ${event.message}${RESET}\r\n`;
    }
  }

  private flush(step: number): string {
    const rest = this.partial.get(step);
    this.partial.delete(step);
    return rest ? `${DIM}#${step} ${rest}${RESET}\r\n` : '';
  }
}

/** The last lines after the build: success with the image's name, or the failure's message. */
export function buildSummary(result: { ok: true; id: string; references: string[]; cachedSteps: number; steps: number } | { ok: false; message: string }): string {
  if (!result.ok) return `\r\n${RED}${BOLD}Build failed:${RESET} ${RED}${result.message}${RESET}\r\n`;
  const name = result.references[0] ?? result.id;
  return `\r\n${GREEN}${BOLD}Built ${name}${RESET} ${DIM}(${result.id.slice(7, 19)}; ${result.cachedSteps} of ${result.steps} steps from the cache)${RESET}\r\n`;
}

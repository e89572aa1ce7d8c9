// Pull and push progress on a terminal: one line per layer, rewritten in place as bytes arrive; on
// anything else (a pipe, a log), one line per layer when it is done, like docker's non-tty output.
import type { ImageProgress } from '../../protocol';

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export class ProgressPrinter {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private readonly tty: boolean;
  private drawn = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly quiet: boolean,
    private readonly doneText: string,
  ) {
    this.tty = out.isTTY === true;
  }

  items(items: ImageProgress[]): void {
    if (this.quiet) return;
    for (const item of items) this.item(item);
    if (this.tty) this.redraw();
  }

  finish(): void {
    if (this.tty && !this.quiet) this.redraw();
  }

  private item(item: ImageProgress): void {
    if (item.digest === undefined) {
      if (item.message && item.phase !== 'resolve') this.print(item.message);
      return;
    }
    const id = short(item.digest);
    if (!this.lines.has(id)) this.order.push(id);
    const text = lineFor(item, this.doneText);
    this.lines.set(id, `${id}: ${text}`);
    if (!this.tty && (item.phase === 'done' || item.phase === 'exists' || item.phase === 'pushed')) this.out.write(`${id}: ${text}\n`);
  }

  private print(text: string): void {
    if (this.tty) {
      this.redraw();
      this.out.write(`${text}\n`);
      this.drawn = 0;
      this.order.length = 0;
      this.lines.clear();
    } else this.out.write(`${text}\n`);
  }

  private redraw(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
    for (const id of this.order) this.out.write(`\x1b[2K${this.lines.get(id)}\n`);
    this.drawn = this.order.length;
  }
}

function lineFor(item: ImageProgress, doneText: string): string {
  switch (item.phase) {
    case 'exists':
      return 'Already exists';
    case 'download':
    case 'upload':
      return `${item.phase === 'download' ? 'Downloading' : 'Pushing'} ${mib(item.current)}/${mib(item.total)}`;
    case 'verify':
      return 'Verifying Checksum';
    case 'unpack':
      return 'Extracting';
    case 'done':
    case 'pushed':
      return doneText;
    default:
      return item.message ?? item.phase;
  }
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? '?' : `${(bytes / 1024 / 1024).toFixed(1)}MB`;
}

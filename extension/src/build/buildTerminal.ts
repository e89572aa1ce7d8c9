// The build's output in a terminal of its own ("Build app:latest"): written as events arrive, kept when
// the build ends so that it can be read; closing it or pressing Ctrl-C while the build runs cancels it.
import * as vscode from 'vscode';

export class BuildTerminal implements vscode.Pseudoterminal {
  private readonly writer = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writer.event;
  private readonly namer = new vscode.EventEmitter<string>();
  readonly onDidChangeName = this.namer.event;
  /** What was written before the terminal opened. */
  private pending: string[] | undefined = [];
  private running = true;
  readonly terminal: vscode.Terminal;

  constructor(
    name: string,
    private readonly cancel: () => void,
  ) {
    this.terminal = vscode.window.createTerminal({ name, pty: this, iconPath: new vscode.ThemeIcon('package') });
  }

  open(): void {
    for (const text of this.pending ?? []) this.writer.fire(text);
    this.pending = undefined;
  }

  write(text: string): void {
    if (text === '') return;
    if (this.pending) this.pending.push(text);
    else this.writer.fire(text);
  }

  rename(name: string): void {
    this.namer.fire(name);
  }

  /** The build is over: the terminal stays to be read, and no longer cancels anything. */
  finished(): void {
    this.running = false;
  }

  handleInput(data: string): void {
    if (data === '\x03' && this.running) {
      this.write('^C\r\n');
      this.cancel();
    }
  }

  close(): void {
    if (this.running) this.cancel();
    this.writer.dispose();
    this.namer.dispose();
  }
}

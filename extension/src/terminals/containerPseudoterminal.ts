// The VS Code side of a terminal into a container: a Pseudoterminal whose events and callbacks are
// handed to a TerminalSession (terminalSession.ts), which holds all the logic.
import * as vscode from 'vscode';
import { TerminalSession, type SessionOptions, type SessionSource } from './terminalSession';

export class ContainerPseudoterminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;
  readonly session: TerminalSession;

  constructor(source: SessionSource, options: SessionOptions = {}) {
    this.session = new TerminalSession(
      source,
      {
        write: (text) => this.written.fire(text),
        close: (exitCode) => this.closed.fire(exitCode),
      },
      options,
    );
  }

  open(initialDimensions: vscode.TerminalDimensions | undefined): void {
    void this.session.start(initialDimensions && { rows: initialDimensions.rows, cols: initialDimensions.columns });
  }

  handleInput(data: string): void {
    this.session.input(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.session.resize({ rows: dimensions.rows, cols: dimensions.columns });
  }

  close(): void {
    this.session.dispose();
  }
}

// A test-only extension that drives Berth's ContainerPseudoterminal inside a real VS Code extension host
// (code-server's), against a real daemon and real containers. It is bundled with the terminal code it
// tests (not with the Berth extension), installed into a throwaway code-server by
// test/e2e/terminal-exthost.e2e.test.ts, runs its scenario once the workbench has started, and writes
// one JSON line per step to the file the setting berthHarness.results names; the test reads that file.
//
// Input goes in through vscode.Terminal.sendText (VS Code's own path to Pseudoterminal.handleInput),
// sizes come from VS Code's terminal (setDimensions after the panel is maximised), output is what the
// Pseudoterminal fired through onDidWrite, and the exit code is the Terminal's exitStatus.
import { appendFileSync, existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { RpcClient } from '../../extension/src/client/rpcClient';
import { attachSource, execSource } from '../../extension/src/terminals/containerProcesses';
import { ContainerPseudoterminal } from '../../extension/src/terminals/containerPseudoterminal';
import { CONFIRM_REQUEST } from '../../extension/src/terminals/outputPump';
import type { TerminalTarget } from '../../extension/src/terminals/terminalTarget';
import { waitFor } from '../support/waitFor';

interface HarnessConfig {
  results: string;
  socketPath: string;
  /** Containers running `sleep`: one for the main scenario, one to stop under a terminal. */
  container: string;
  stopContainer: string;
  /** A container whose own process is sh on a tty with an open stdin (run -it), to attach to. */
  ttyContainer: string;
  /** The test restarts the daemon once this harness reports "lost-ready", and then creates this file. */
  restartedFlag: string;
  yesSeconds: number;
}

const POSITION_REQUEST = '\x1b[6n';
/** How many cursor-position requests `text` holds (indexOf, not split: `yes` writes megabytes through here). */
function requestsIn(text: string): number {
  let count = 0;
  for (let at = text.indexOf(POSITION_REQUEST); at >= 0; at = text.indexOf(POSITION_REQUEST, at + POSITION_REQUEST.length)) count++;
  return count;
}

/** The recorder of each terminal the harness opened, for settled(). */
const recorders = new Map<vscode.Terminal, Recorder>();

class Recorder {
  private text = '';
  /** Characters dropped from the front: `yes` writes hundreds of megabytes, only the tail is kept. */
  private dropped = 0;
  /** Cursor-position requests (ESC [6n) busybox's ash sent, one per prompt; see settled(). */
  positionRequests = 0;
  private lastChars = '';
  constructor(
    readonly pty: SizedPty,
    terminal: vscode.Terminal,
  ) {
    recorders.set(terminal, this);
    pty.onDidWrite((chunk) => {
      this.positionRequests += requestsIn(chunk);
      // A request cut between two writes: only one that straddles fits in these few characters. (The
      // last characters are kept apart: slicing the big text would flatten it at every write.)
      const edge = POSITION_REQUEST.length - 1;
      if ((this.lastChars + chunk.slice(0, edge)).includes(POSITION_REQUEST)) this.positionRequests++;
      this.lastChars = chunk.length >= edge ? chunk.slice(-edge) : (this.lastChars + chunk).slice(-edge);
      this.text += chunk;
      if (this.text.length > 1_000_000) {
        this.dropped += this.text.length - 200_000;
        this.text = this.text.slice(-200_000);
      }
    });
  }

  /** The output from position `from` (a mark) on, as far as it was kept. */
  since(from: number): string {
    return this.text.slice(Math.max(0, from - this.dropped));
  }

  /** Waits until the output written after `from` matches. */
  async waitFor(pattern: RegExp, from: number, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return waitFor(`${pattern} in the terminal`, () => this.since(from).match(pattern) ?? undefined, { timeoutMs }).catch((error: Error) => {
      throw new Error(`${error.message}; its end: ${JSON.stringify(this.text.slice(-400))}`);
    });
  }

  mark(): number {
    return this.dropped + this.text.length;
  }
}

/** Records the sizes VS Code gives the terminal, and counts xterm's answers to cursor-position requests. */
class SizedPty extends ContainerPseudoterminal {
  dimensions: vscode.TerminalDimensions | undefined;
  positionAnswers = 0;
  override handleInput(data: string): void {
    // eslint-disable-next-line no-control-regex -- xterm's answer is an escape sequence: ESC [ row ; col R
    this.positionAnswers += data.match(/\x1b\[\d+;\d+R/g)?.length ?? 0;
    super.handleInput(data);
  }
  override open(initial: vscode.TerminalDimensions | undefined): void {
    this.dimensions = initial;
    super.open(initial);
  }
  override setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.dimensions = dimensions;
    super.setDimensions(dimensions);
  }
}

export async function activate(): Promise<void> {
  const config = vscode.workspace.getConfiguration('berthHarness').get<HarnessConfig>('config');
  if (!config) return;
  const report = (step: string, data: Record<string, unknown> = {}) =>
    appendFileSync(config.results, `${JSON.stringify({ step, time: Date.now(), rss: process.memoryUsage().rss, ...data })}\n`);
  try {
    await run(config, report);
    report('done');
  } catch (error) {
    report('error', { message: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
  }
}

/** A target like the local one: connect() opens a new client on the socket. */
class HarnessTarget implements TerminalTarget {
  readonly id = 'local';
  readonly label = 'Local';
  state: { kind: string; client?: RpcClient } = { kind: 'disconnected' };
  constructor(private readonly socketPath: string) {}
  async connect(): Promise<void> {
    const client = await RpcClient.connectUnix(this.socketPath);
    client.on('close', () => {
      if (this.state.client === client) this.state = { kind: 'unreachable' };
    });
    this.state = { kind: 'connected', client };
  }
  get client(): RpcClient {
    if (!this.state.client) throw new Error('not connected');
    return this.state.client;
  }
}

async function run(config: HarnessConfig, report: (step: string, data?: Record<string, unknown>) => void): Promise<void> {
  const target = new HarnessTarget(config.socketPath);
  await target.connect();
  const open = async (containerRef: string, name: string) => {
    const container = await target.client.call('containers.inspect', { container: containerRef });
    const pty = new SizedPty(execSource(target, container, { cmd: ['sh'] }, 'sh'));
    const terminal = vscode.window.createTerminal({ name, pty });
    const recorder = new Recorder(pty, terminal);
    terminal.show();
    await recorder.waitFor(/# /, 0);
    return { pty, recorder, terminal };
  };

  // Input reaches the shell, output comes back.
  const { pty, recorder, terminal } = await open(config.container, 'busy: sh');
  let from = recorder.mark();
  (await settled(terminal)).sendText('echo $((6*7))');
  await recorder.waitFor(/\n42\r\n/, from);
  report('echo', { ok: true });

  // UTF-8 both ways: what is typed comes back whole.
  from = recorder.mark();
  (await settled(terminal)).sendText("printf '%s\\n' 'grüße €😀' | od -An -tx1 | tr -d ' \\n'; echo");
  const hex = (await recorder.waitFor(/([0-9a-f]{20,})\r\n/, from))[1];
  from = recorder.mark();
  (await settled(terminal)).sendText("printf 'caf\\303\\251 \\342\\202\\254\\n'");
  await recorder.waitFor(/\ncafé €\r\n/, from);
  report('utf8', { typedHex: hex, expectedHex: Buffer.from('grüße €😀\n').toString('hex') });

  // A resize reaches the container's tty: stty size follows VS Code's terminal.
  from = recorder.mark();
  (await settled(terminal)).sendText('stty size');
  const before = (await recorder.waitFor(/\n(\d+) (\d+)\r\n/, from)).slice(1, 3).map(Number);
  const sizeBefore = pty.dimensions;
  await vscode.commands.executeCommand('workbench.action.toggleMaximizedPanel');
  await waitFor('VS Code to give the maximised panel more rows', () => pty.dimensions?.rows !== sizeBefore?.rows, { timeoutMs: 30_000 });
  // The new size travels as its own request beside the typed keys: ask again until the tty has it.
  const after = await waitFor(
    "the container's tty to take VS Code's new size",
    async () => {
      from = recorder.mark();
      (await settled(terminal)).sendText('stty size');
      const size = (await recorder.waitFor(/\n(\d+) (\d+)\r\n/, from)).slice(1, 3).map(Number);
      return size[0] === pty.dimensions?.rows && size[1] === pty.dimensions?.columns ? size : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  report('resize', { before, after, vscodeBefore: sizeBefore, vscodeAfter: pty.dimensions });
  await vscode.commands.executeCommand('workbench.action.toggleMaximizedPanel');

  // Ctrl-C interrupts the foreground process.
  from = recorder.mark();
  (await settled(terminal)).sendText('sleep 30; echo slept');
  // The shell has read the line (its echo ended) and starts sleep; a ^C before sleep runs also ends
  // the line without "slept", so either way the check below holds.
  await recorder.waitFor(/sleep 30; echo slept\r\n/, from);
  const interruptAt = Date.now();
  terminal.sendText('\x03', false);
  // Under 30 s: the prompt comes from the interrupt, not from sleep ending (and "slept" is checked too).
  await recorder.waitFor(/\^C[\s\S]*# /, from, 25_000);
  report('ctrlc', { ms: Date.now() - interruptAt, slept: /\r\nslept\r\n/.test(recorder.since(from)) });

  // `yes` for a while: the extension host's memory stays bounded; Ctrl-C stops it at once.
  from = recorder.mark();
  const bytesBefore = pty.session.output?.stats.bytes ?? 0;
  report('yes-start');
  (await settled(terminal)).sendText('yes');
  const samples: number[] = [];
  const yesUntil = Date.now() + config.yesSeconds * 1000;
  while (Date.now() < yesUntil) {
    await sleep(500); // a sampling period while yes runs, not a wait for something
    samples.push(process.memoryUsage().rss);
  }
  const yesBytes = (pty.session.output?.stats.bytes ?? 0) - bytesBefore;
  const maxQueued = pty.session.output?.stats.maxQueuedBytes ?? 0;
  const stopAt = Date.now();
  const bytesAtStop = pty.session.output?.stats.bytes ?? 0;
  terminal.sendText('\x03', false);
  // The output pump's status requests (ESC [5n, outputPump.ts) may fall between the ^C and the new line.
  const request = CONFIRM_REQUEST.replace('[', '\\[');
  await recorder.waitFor(new RegExp(`\\^C(?:${request})*\r\n[^\n]*# `), from, 30_000);
  const afterStop = (pty.session.output?.stats.bytes ?? 0) - bytesAtStop;
  const { requests = 0, confirmations = 0, confirmationGivenUp = false } = pty.session.output?.stats ?? {};
  report('yes-end', { samples, yesBytes, maxQueued, stopMs: Date.now() - stopAt, afterStop, requests, confirmations, confirmationGivenUp });

  // Several terminals at once, each its own shell.
  const second = await open(config.container, 'busy: sh (2)');
  from = recorder.mark();
  const from2 = second.recorder.mark();
  (await settled(terminal)).sendText('echo one-$((1+1))');
  (await settled(second.terminal)).sendText('echo two-$((2+2))');
  await recorder.waitFor(/\none-2\r\n/, from);
  await second.recorder.waitFor(/\ntwo-4\r\n/, from2);
  report('two-terminals', { firstHasSecond: recorder.since(from).includes('two-4') });
  second.terminal.dispose();

  // Exit closes the terminal with the process's code, after saying so.
  const closed = new Promise<vscode.Terminal>((resolve) => {
    const listener = vscode.window.onDidCloseTerminal((t) => {
      if (t === terminal) {
        listener.dispose();
        resolve(t);
      }
    });
  });
  from = recorder.mark();
  (await settled(terminal)).sendText('exit 3');
  const closedTerminal = await withTimeout(closed, 10_000, 'the terminal to close');
  report('exit', { exitStatus: closedTerminal.exitStatus, message: recorder.since(from) });

  // The container stops under a terminal: it says so and closes.
  const stopping = await open(config.stopContainer, 'stopping: sh');
  const stopClosed = new Promise<vscode.Terminal>((resolve) => {
    const listener = vscode.window.onDidCloseTerminal((t) => {
      if (t === stopping.terminal) {
        listener.dispose();
        resolve(t);
      }
    });
  });
  from = stopping.recorder.mark();
  const stopAt2 = Date.now();
  await target.client.call('containers.kill', { container: config.stopContainer, signal: 'KILL' });
  const stopTerminal = await withTimeout(stopClosed, 15_000, 'the terminal of the stopped container to close');
  report('container-stopped', { ms: Date.now() - stopAt2, exitStatus: stopTerminal.exitStatus, message: stopping.recorder.since(from) });

  // Attach Terminal: the container's own sh on its tty, at this terminal's size; its exit stops the container.
  const ttyContainer = await target.client.call('containers.inspect', { container: config.ttyContainer });
  const attachPty = new SizedPty(attachSource(target, ttyContainer));
  const attachTerminal = vscode.window.createTerminal({ name: 'tty: attach', pty: attachPty });
  const attached = new Recorder(attachPty, attachTerminal);
  attachTerminal.show();
  // Its stream is open once the session has an output pump (what it types before that is kept anyway).
  await waitFor('the attach terminal to open its stream', () => attachPty.session.output !== undefined);
  from = attached.mark();
  (await settled(attachTerminal)).sendText('echo attached-$((2*21)); stty size');
  await attached.waitFor(/\nattached-42\r\n/, from);
  const attachedSize = (await attached.waitFor(/\n(\d+) (\d+)\r\n/, from)).slice(1, 3).map(Number);
  const attachClosed = closedPromise(attachTerminal);
  from = attached.mark();
  (await settled(attachTerminal)).sendText('exit 5');
  const attachEnd = await withTimeout(attachClosed, 15_000, 'the attached terminal to close');
  report('attach', { size: attachedSize, vscode: attachPty.dimensions, exitStatus: attachEnd.exitStatus, message: attached.since(from) });

  // The connection to the target is lost (the daemon is killed and started again): the terminal says so,
  // and Enter reattaches (a new shell: the old one died with the daemon that held its terminal).
  const lost = await open(config.container, 'busy: sh (lost)');
  from = lost.recorder.mark();
  report('lost-ready');
  await lost.recorder.waitFor(/Lost the connection to Local/, from, 30_000);
  const lostMessage = lost.recorder.since(from);
  await waitFor('the test to restart the daemon', () => existsSync(config.restartedFlag), { timeoutMs: 60_000, intervalMs: 100 });
  from = lost.recorder.mark();
  lost.terminal.sendText('\r', false);
  await lost.recorder.waitFor(/# /, from, 30_000);
  (await settled(lost.terminal)).sendText('echo back-$((3*3))');
  await lost.recorder.waitFor(/\nback-9\r\n/, from);
  report('reattach', { lostMessage, after: lost.recorder.since(from) });
  lost.terminal.dispose();
  target.state.client?.close();
}

function closedPromise(terminal: vscode.Terminal): Promise<vscode.Terminal> {
  return new Promise((resolve) => {
    const listener = vscode.window.onDidCloseTerminal((t) => {
      if (t === terminal) {
        listener.dispose();
        resolve(t);
      }
    });
  });
}

/**
 * Busybox's ash asks for the cursor position (ESC [6n) at each prompt, and xterm answers through the
 * terminal's input. A person types after that answer; a script waits for it too (every request seen in
 * the output answered in the input), or the answer lands in the middle of its command line.
 */
async function settled(terminal: vscode.Terminal): Promise<vscode.Terminal> {
  const recorder = recorders.get(terminal);
  if (!recorder) throw new Error(`no recorder for the terminal ${terminal.name}`);
  await waitFor(`xterm to answer the shell's cursor-position requests in ${terminal.name}`, () => recorder.pty.positionAnswers >= recorder.positionRequests, {
    timeoutMs: 30_000,
    intervalMs: 10,
  });
  return terminal;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`timed out after ${ms} ms waiting for ${what}`)))]);
}

export function deactivate(): void {}

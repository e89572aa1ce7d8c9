/*
 * A real VS Code workbench for end-to-end tests: code-server (VS Code's server
 * and web workbench) shown in Debian's Chromium, driven by playwright-core.
 *
 *   const wb = await openWorkbench({ folder, vsix });
 *   try { ...wb.page...; await wb.screenshot('name'); } finally { await wb.close(); }
 *
 * code-server is installed (once, cached) by scripts/install-code-server.sh,
 * which honours BERTH_CODE_SERVER_DIR. Each workbench gets fresh user-data and
 * extensions directories, its own port and its own process group, all removed
 * by close() (and, as a last resort, when the test process exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export interface WorkbenchOptions {
  /** A packaged extension to install before starting. */
  vsix?: string;
  /** The folder the workbench opens. */
  folder: string;
  /** Extra user settings, merged over the defaults below. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server (and so for the extension host). */
  env?: NodeJS.ProcessEnv;
}

export interface Workbench {
  page: Page;
  url: string;
  /** The user settings.json this code-server reads and writes. */
  settingsPath: string;
  /** Saves a PNG to test-output/e2e/<name>.png in the repository; returns its path. */
  screenshot(name: string): Promise<string>;
  /** Opens the command palette with F1, types the label, presses Enter. */
  runCommand(label: string): Promise<void>;
  /** code-server's stdout and stderr so far. */
  logs(): string;
  /** The tails of the extension host's logs (its own and each extension's output channel log). */
  extensionLogs(): string;
  /** Closes the browser, kills code-server's process group, removes temp dirs. */
  close(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const INSTALL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'install-code-server.sh');
const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-output', 'e2e');
const CHROMIUM = process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium';

const INSTALL_TIMEOUT_MS = 20 * 60_000;
const START_TIMEOUT_MS = 60_000;
const LOAD_TIMEOUT_MS = 90_000;

const DEFAULT_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'telemetry.enableTelemetry': false,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
};

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

// ---------------------------------------------------------------------------
// Finding code-server

let codeServerBin: Promise<string> | undefined;

/** Path of the code-server binary, installing it on first use. */
export function codeServerBinary(): Promise<string> {
  codeServerBin ??= findOrInstallCodeServer().catch((err: unknown) => {
    codeServerBin = undefined; // let a later call retry
    throw err;
  });
  return codeServerBin;
}

async function findOrInstallCodeServer(): Promise<string> {
  if (fs.existsSync(INSTALL_SCRIPT)) {
    // Its stderr is a few progress lines during a fresh install, nothing otherwise.
    const r = await run('bash', [INSTALL_SCRIPT], { timeoutMs: INSTALL_TIMEOUT_MS, echoStderr: true });
    if (r.code !== 0) {
      throw new Error(`scripts/install-code-server.sh failed (exit ${r.code}):\n${tail(r.stderr, 60)}`);
    }
    const bin = r.stdout.trim().split('\n').pop()?.trim() ?? '';
    if (!bin || !fs.existsSync(bin)) {
      throw new Error(`install-code-server.sh printed no usable binary path:\n${r.stdout}${r.stderr}`);
    }
    return bin;
  }
  const dir = process.env.BERTH_CODE_SERVER_DIR;
  const bin = dir && path.join(dir, 'bin', 'code-server');
  if (bin && fs.existsSync(bin)) return bin;
  throw new Error(`cannot find code-server: no ${INSTALL_SCRIPT} and no BERTH_CODE_SERVER_DIR/bin/code-server`);
}

// ---------------------------------------------------------------------------
// Opening a workbench

export async function openWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  const folder = path.resolve(opts.folder);
  if (!fs.statSync(folder).isDirectory()) throw new Error(`not a folder: ${folder}`);
  const bin = await codeServerBinary();

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-'));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const configFile = path.join(root, 'config.yaml');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Our own config file, so code-server does not write ~/.config/code-server.
  fs.writeFileSync(configFile, 'auth: none\n');
  const settingsPath = path.join(userDataDir, 'User', 'settings.json');
  fs.writeFileSync(
    settingsPath,
    JSON.stringify({ ...DEFAULT_SETTINGS, ...opts.settings }, null, 2),
  );

  const env = serverEnv(opts.env);
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const state: State = { root, output: '', closed: false };
  track(state);
  try {
    if (opts.vsix) await installVsix(bin, path.resolve(opts.vsix), common, env, extensionsDir);

    const url = await startServer(bin, [...common, folder], folder, env, state);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: START_TIMEOUT_MS,
    });
    state.browser = browser;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: LOAD_TIMEOUT_MS });
    await page.waitForSelector('.monaco-workbench', { timeout: LOAD_TIMEOUT_MS });

    return makeWorkbench(state, page, url, settingsPath);
  } catch (err) {
    const logs = state.output;
    await closeState(state);
    const e = err instanceof Error ? err : new Error(String(err));
    e.message += `\n--- code-server output (tail) ---\n${tail(logs, 40)}`;
    throw e;
  }
}

/** Starts code-server on a free port (retrying if the port was taken meanwhile); returns its URL. */
async function startServer(
  bin: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  state: State,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const server = spawn(
      bin,
      [
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--ignore-last-opened',
        ...args,
      ],
      // detached: its own process group, so close() can kill all of it.
      { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    state.server = server;
    state.exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.stdout?.setEncoding('utf8').on('data', (d: string) => (state.output += d));
    server.stderr?.setEncoding('utf8').on('data', (d: string) => (state.output += d));
    server.once('error', (err) => (state.output += `\n[spawn error] ${err.message}\n`));
    try {
      await waitForServer(url, state);
      return url;
    } catch (err) {
      if (attempt < 3 && server.exitCode !== null && /EADDRINUSE/.test(state.output)) {
        state.output += `\n[port ${port} was taken; retrying]\n`;
        continue;
      }
      throw err;
    }
  }
}

function makeWorkbench(state: State, page: Page, url: string, settingsPath: string): Workbench {
  return {
    page,
    url,
    settingsPath,
    async screenshot(name: string): Promise<string> {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file });
      return file;
    },
    async runCommand(label: string): Promise<void> {
      await runCommand(page, label);
    },
    logs: () => state.output,
    extensionLogs: () => extensionLogs(path.join(path.dirname(path.dirname(settingsPath)), 'logs')),
    close: () => closeState(state),
  };
}

/**
 * Runs one step of an e2e test: keeps a screenshot named after it, and on failure one named …-FAILED and
 * code-server's output (and whatever `onFailure` prints) before rethrowing.
 */
export async function runStep(wb: Workbench, name: string, body: (wb: Workbench) => Promise<void>, onFailure?: () => Promise<void>): Promise<void> {
  try {
    await body(wb);
    await wb.screenshot(name);
  } catch (error) {
    await wb.screenshot(`${name}-FAILED`).catch(() => undefined);
    console.error(`--- code-server output ---\n${wb.logs().slice(-4000)}`);
    console.error(wb.extensionLogs());
    await onFailure?.().catch(() => undefined);
    throw error;
  }
}

/**
 * Presses Enter on the open quick input until it moves on (its title changes, or it closes): an Enter that
 * lands while the quick pick is still settling is dropped, as a person would see and press it again.
 */
export async function acceptQuickInput(wb: Workbench): Promise<void> {
  const widget = wb.page.locator('.quick-input-widget');
  const title = widget.locator('.quick-input-title');
  const before = await title.innerText().catch(() => '');
  for (let attempt = 1; ; attempt++) {
    await wb.page.keyboard.press('Enter');
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline) {
      if (!(await widget.isVisible()) || (await title.innerText().catch(() => '')) !== before) return;
      await wb.page.waitForTimeout(100);
    }
    if (attempt >= 3) throw new Error(`the quick input "${before}" did not take Enter`);
  }
}

/** Right-clicks `target` and runs the context menu's `item` (a label, or a pattern for labels that vary). */
export async function contextMenu(wb: Workbench, target: Locator, item: string | RegExp): Promise<void> {
  const label = typeof item === 'string' ? new RegExp(`^${item.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : item;
  const entry = wb.page.locator('.context-view .monaco-menu .action-item', { has: wb.page.locator('.action-label', { hasText: label }) });
  // A right-click that lands while the view re-renders the row opens no menu, or the menu of what was under
  // the pointer then: close it and click again, as a person would.
  for (let attempt = 1; ; attempt++) {
    // A menu an earlier step (or attempt) left open covers the page: close it first.
    if (await wb.page.locator('.context-view .monaco-menu').isVisible()) await wb.page.keyboard.press('Escape');
    // Off any row first: the tooltip of the row under the pointer (shown after a moment) can cover the target.
    await movePointerAway(wb.page);
    await target.click({ button: 'right' });
    try {
      await entry.first().waitFor({ state: 'visible', timeout: 10_000 });
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  await wb.page.waitForTimeout(200);
  await entry.first().click();
  // A click that lands while the menu is still settling only focuses the item: Enter runs it.
  const menu = wb.page.locator('.context-view .monaco-menu');
  await menu.waitFor({ state: 'hidden', timeout: 1_000 }).catch(async () => {
    await wb.page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: 5_000 });
  });
}

/** Moves the pointer to an empty part of the title bar, where nothing shows a tooltip. */
export async function movePointerAway(page: Page): Promise<void> {
  await page.mouse.move(200, 12);
}

/** Answers VS Code's simple file dialog with a path, then accepts it. */
export async function answerFileDialog(wb: Workbench, path: string): Promise<void> {
  const quick = wb.page.locator('.quick-input-widget');
  const input = quick.locator('.quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  // The dialog fills in its starting folder itself; answer after it did, or that overwrites the answer.
  for (let i = 0; i < 50 && !(await input.inputValue()).startsWith('/'); i++) await wb.page.waitForTimeout(100);
  await wb.page.waitForTimeout(300);
  await input.fill(path);
  await wb.page.waitForTimeout(500);
  await quick.locator('.quick-input-action .monaco-button, .quick-input-header .monaco-button').first().click();
}

/**
 * Runs a command from the palette. Right after the window opens, the extension's contributions may not be
 * registered yet: a palette without the entry is closed and opened again, for up to a minute.
 */
async function runCommand(page: Page, label: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await runCommandOnce(page, label);
      return;
    } catch (error) {
      if (attempt >= 4 || !/command palette has no entry/.test((error as Error).message)) throw error;
      await page.keyboard.press('Escape');
    }
  }
}

async function runCommandOnce(page: Page, label: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible' });
  // F1 opens the palette with ">" already typed; keep it and add the label.
  await input.focus();
  await page.keyboard.press('End');
  await page.keyboard.type(label);
  // Wait until the filtered list shows the command, so Enter runs it and not
  // whatever was on top before filtering caught up.
  const rows = widget.locator('.monaco-list-row');
  const exact = rows.filter({
    has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`, 'i') }),
  });
  await exact.first().waitFor({ state: 'visible', timeout: 15_000 }).catch(async () => {
    const shown = (await rows.allInnerTexts().catch(() => [])).slice(0, 10).join(' | ');
    throw new Error(`command palette has no entry "${label}" (shown: ${shown || 'nothing'})`);
  });
  const focused = widget.locator('.monaco-list-row.focused .label-name');
  const focusedText = ((await focused.first().textContent().catch(() => null)) ?? '').trim();
  if (focusedText.toLowerCase() === label.trim().toLowerCase()) {
    await page.keyboard.press('Enter');
  } else {
    await exact.first().click(); // another command matched better; pick ours
  }
}

/** The last lines of every extension host log under a user-data logs folder (its own, each extension's output channels). */
function extensionLogs(dir: string): string {
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)exthost\d*\/.*\.log$/.test(f));
  } catch {
    return `(no logs under ${dir})`;
  }
  return files.map((f) => `--- ${f} ---\n${tail(fs.readFileSync(path.join(dir, f), 'utf8'), 40)}`).join('\n');
}

// ---------------------------------------------------------------------------
// code-server process

interface State {
  root: string;
  output: string;
  closed: boolean;
  server?: ChildProcess;
  exited?: Promise<void>;
  browser?: Browser;
}

/*
 * Workbenches not yet closed are killed synchronously if the test process
 * exits or is stopped by a signal without calling close(): code-server runs in
 * its own process group, so it would not get a Ctrl-C meant for the tests.
 */
const live = new Set<State>();
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function track(state: State): void {
  if (live.size === 0) for (const sig of EXIT_SIGNALS) process.on(sig, onSignal);
  live.add(state);
}

function untrack(state: State): void {
  live.delete(state);
  if (live.size === 0) for (const sig of EXIT_SIGNALS) process.removeListener(sig, onSignal);
}

function killAllSync(): void {
  for (const s of [...live]) {
    killSync(s);
    untrack(s);
  }
}

function onSignal(sig: NodeJS.Signals): void {
  killAllSync(); // also removes this listener
  if (process.listenerCount(sig) === 0) {
    process.kill(process.pid, sig); // die of it, as we would have without us
  } else {
    // playwright's handler closes its browsers (and, for SIGINT, exits 130);
    // give it a moment, then make sure the process does end.
    setTimeout(() => process.exit(128 + (os.constants.signals[sig] ?? 15)), 3_000);
  }
}

process.on('exit', killAllSync);

function serverEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    // Inside a VS Code terminal, VSCODE_IPC_HOOK_CLI makes code-server hand the
    // folder to that VS Code instead of starting; the rest must not leak either.
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'CODE_SERVER_CONFIG') delete env[k];
  }
  delete env.NODE_OPTIONS; // e.g. --import tsx from the test runner
  delete env.NODE_TEST_CONTEXT; // set by `node --test` for its children
  delete env.PORT; // would override --bind-addr's port
  return { ...env, ...extra };
}

async function installVsix(
  bin: string,
  vsix: string,
  common: string[],
  env: NodeJS.ProcessEnv,
  extensionsDir: string,
): Promise<void> {
  if (!fs.existsSync(vsix)) throw new Error(`no such VSIX: ${vsix}`);
  const r = await run(bin, ['--install-extension', vsix, '--force', ...common], {
    env,
    timeoutMs: 120_000,
    detached: true,
  });
  const out = r.stdout + r.stderr;
  const installed = fs.readdirSync(extensionsDir).filter((n) => !n.startsWith('.') && n !== 'extensions.json');
  if (r.code !== 0 || !/successfully installed/i.test(out) || installed.length === 0) {
    throw new Error(`installing ${vsix} failed (exit ${r.code}):\n${tail(out, 40)}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForServer(url: string, state: State): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  void state.exited?.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`code-server exited before listening (code ${state.server?.exitCode})`);
    if (await healthy(`${url}healthz`)) return;
    await sleep(200);
  }
  throw new Error(`code-server did not answer on ${url} within ${START_TIMEOUT_MS / 1000}s`);
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function closeState(state: State): Promise<void> {
  if (state.closed) return;
  state.closed = true;
  if (state.browser) {
    await withTimeout(state.browser.close(), 15_000).catch(() => undefined);
  }
  const server = state.server;
  if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
    const pids = [server.pid, ...descendants(server.pid)];
    signalGroup(server.pid, 'SIGTERM');
    const exited = await withTimeout(state.exited ?? Promise.resolve(), 5_000).then(
      () => true,
      () => false,
    );
    // Whatever is left — also children that left the group (terminals use setsid).
    signalGroup(server.pid, 'SIGKILL');
    for (const pid of pids) signal(pid, 'SIGKILL');
    if (!exited) await withTimeout(state.exited ?? Promise.resolve(), 5_000).catch(() => undefined);
  }
  removeDir(state.root);
  untrack(state);
}

/** Last-resort cleanup from process.on('exit'): synchronous only. */
function killSync(state: State): void {
  const pid = state.server?.pid;
  if (pid !== undefined) {
    const pids = [pid, ...descendants(pid)];
    signalGroup(pid, 'SIGKILL');
    for (const p of pids) signal(p, 'SIGKILL');
  }
  removeDir(state.root);
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* already gone */
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** All descendants of pid, from /proc (Linux). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort */
  }
}

// ---------------------------------------------------------------------------
// Small helpers

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion, collecting its output. detached: own process
 * group, killed as a group on timeout or exit; otherwise it shares ours (and
 * so gets a Ctrl-C meant for the tests).
 */
function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; detached?: boolean; echoStderr?: boolean },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const detached = opts.detached ?? false;
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (opts.echoStderr) process.stderr.write(d);
    });
    const kill = (sig: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      if (detached) signalGroup(child.pid, sig);
      else signal(child.pid, sig);
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      stderr += `\n[timed out after ${opts.timeoutMs / 1000}s]\n`;
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), 10_000);
    }, opts.timeoutMs);
    // If the test process exits meanwhile, do not leave the command behind.
    const onExit = () => kill('SIGKILL');
    process.once('exit', onExit);
    const done = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      process.removeListener('exit', onExit);
    };
    child.once('error', (err) => {
      done();
      reject(err);
    });
    child.once('close', (code) => {
      done();
      resolve({ code, stdout, stderr });
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

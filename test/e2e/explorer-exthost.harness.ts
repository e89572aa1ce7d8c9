// A test-only extension for test/e2e/explorer-exthost.e2e.test.ts: inside a real VS Code extension host
// (code-server's) it registers Berth's `berth:` FileSystemProvider (bundled with it, over a connection to
// a real daemon) and calls it the way extensions and the workbench do, through vscode.workspace.fs and a
// FileSystemWatcher, against real containers. Each case is one JSON line in the results file; the test
// checks them. `need` lines ask the test to do something inside the container (exec) and wait for `go`.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { RpcClient } from '../../extension/src/client/rpcClient';
import { BerthFileSystemProvider } from '../../extension/src/explorer/berthFileSystemProvider';
import { containerUri } from '../../extension/src/explorer/containerUri';
import { TargetClients, type ExplorerTarget } from '../../extension/src/explorer/targetClients';
import type { TargetState } from '../../extension/src/targets/target';

interface HarnessConfig {
  results: string;
  /** The test writes `go NAME` lines here once it has done what a `need` asked. */
  control: string;
  socketPath: string;
  running: string;
  stopped: string;
}

class HarnessTarget implements ExplorerTarget {
  readonly id = 'local';
  readonly label = 'Local';
  state: TargetState = { kind: 'disconnected' };
  private readonly changed = new vscode.EventEmitter<unknown>();
  readonly onDidChange = this.changed.event;
  constructor(private readonly socketPath: string) {}
  async connect(): Promise<void> {
    const client = await RpcClient.connectUnix(this.socketPath);
    const info = await client.call('system.version', {});
    client.on('close', (reason) => {
      if (this.state.kind === 'connected' && this.state.client === client) this.set({ kind: 'unreachable', reason });
    });
    this.set({ kind: 'connected', client, info });
  }
  set(state: TargetState): void {
    this.state = state;
    this.changed.fire(this);
  }
}

export async function activate(): Promise<void> {
  const config = vscode.workspace.getConfiguration('berthHarness').get<HarnessConfig>('config');
  if (!config) return;
  const report = (step: string, data: Record<string, unknown> = {}) => appendFileSync(config.results, `${JSON.stringify({ step, ...data })}\n`);
  try {
    await run(config, report);
    report('done');
  } catch (error) {
    report('error', { message: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
  }
}

async function run(config: HarnessConfig, report: (step: string, data?: Record<string, unknown>) => void): Promise<void> {
  let largeFileQuestions = 0;
  const target = new HarnessTarget(config.socketPath);
  await target.connect();
  const log = vscode.window.createOutputChannel('Berth harness', { log: true });
  const provider = new BerthFileSystemProvider(
    new TargetClients({ find: (id) => (id === 'local' ? target : undefined), all: () => [target] }),
    {
      largeFileThresholdBytes: () => 1024 * 1024,
      // The first question is declined, later ones accepted.
      confirmLargeRead: async () => ++largeFileQuestions > 1,
    },
    log,
  );
  vscode.workspace.registerFileSystemProvider('berth', provider, { isCaseSensitive: true });
  const fs = vscode.workspace.fs;
  const uri = (path: string, container = config.running) => containerUri('local', container, path);
  const text = async (path: string, container?: string) => Buffer.from(await fs.readFile(uri(path, container))).toString();
  const codeOf = async (body: () => Thenable<unknown>) => {
    try {
      await body();
      return 'no error';
    } catch (error) {
      return (error as { code?: string }).code ?? (error as Error).name;
    }
  };
  const need = async (name: string) => {
    report('need', { name });
    const deadline = Date.now() + 60_000;
    while (!(existsSync(config.control) && readFileSync(config.control, 'utf8').split('\n').includes(`go ${name}`))) {
      if (Date.now() > deadline) throw new Error(`no go for ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const encode = (s: string) => Buffer.from(s);

  const root = await fs.stat(uri('/'));
  const passwd = await fs.stat(uri('/etc/passwd'));
  const sh = await fs.stat(uri('/bin/sh'));
  report('stat', { root: root.type, passwd: passwd.type, passwdSize: passwd.size, passwdMtime: passwd.mtime, sh: sh.type });

  const listing = await fs.readDirectory(uri('/etc'));
  report('readDirectory', { names: listing.map(([name]) => name).sort(), bin: (await fs.readDirectory(uri('/bin'))).find(([n]) => n === 'sh')?.[1] });

  report('readFile', { passwd: await text('/etc/passwd') });

  await fs.writeFile(uri('/tmp/created.txt'), encode('created by workspace.fs\n'));
  await fs.writeFile(uri('/tmp/created.txt'), encode('overwritten by workspace.fs\n'));
  report('writeFile', { content: await text('/tmp/created.txt') });

  await fs.createDirectory(uri('/tmp/tree/a/b'));
  await fs.writeFile(uri('/tmp/tree/a/b/leaf.txt'), encode('leaf'));
  const treeBefore = (await fs.readDirectory(uri('/tmp/tree/a/b'))).map(([n]) => n);
  await fs.delete(uri('/tmp/tree'), { recursive: true });
  report('createDirectory+delete', { treeBefore, afterDelete: await codeOf(() => fs.stat(uri('/tmp/tree'))) });

  await fs.writeFile(uri('/tmp/r1'), encode('one'));
  await fs.writeFile(uri('/tmp/r2'), encode('two'));
  const renameNoOverwrite = await codeOf(() => fs.rename(uri('/tmp/r1'), uri('/tmp/r2'), { overwrite: false }));
  await fs.rename(uri('/tmp/r1'), uri('/tmp/r2'), { overwrite: true });
  report('rename', { renameNoOverwrite, r2: await text('/tmp/r2'), r1: await codeOf(() => fs.stat(uri('/tmp/r1'))) });

  await fs.copy(uri('/etc'), uri('/tmp/etc-copy'), { overwrite: false });
  const copyNoOverwrite = await codeOf(() => fs.copy(uri('/etc'), uri('/tmp/etc-copy'), { overwrite: false }));
  report('copy', { passwd: await text('/tmp/etc-copy/passwd'), copyNoOverwrite });

  report('errors', {
    FileNotFound: await codeOf(() => fs.stat(uri('/no/such/file'))),
    FileNotADirectory: await codeOf(() => fs.readDirectory(uri('/etc/passwd'))),
    FileIsADirectory: await codeOf(() => fs.readFile(uri('/etc'))),
    FileExists: await codeOf(() => fs.rename(uri('/tmp/r2'), uri('/tmp/created.txt'), { overwrite: false })),
    NoPermissionsDevice: await codeOf(() => fs.readFile(uri('/dev/null'))),
    unknownContainer: await codeOf(() => fs.stat(uri('/', 'no-such-container'))),
  });

  await fs.writeFile(uri('/tmp/large.bin'), new Uint8Array(2 * 1024 * 1024).fill(0x61));
  const declined = await codeOf(() => fs.readFile(uri('/tmp/large.bin')));
  const afterDecline = largeFileQuestions;
  const accepted = (await fs.readFile(uri('/tmp/large.bin'))).length;
  const afterAccept = largeFileQuestions;
  await fs.readFile(uri('/tmp/large.bin'));
  report('large-file', { declined, afterDecline, accepted, afterAccept, afterAgain: largeFileQuestions });

  await fs.copy(uri('/etc'), uri('/etc-from-web', config.stopped), { overwrite: false });
  await fs.rename(uri('/tmp/r2'), uri('/moved-from-web', config.stopped), { overwrite: false });
  report('across-containers', {
    passwd: await text('/etc-from-web/passwd', config.stopped),
    moved: await text('/moved-from-web', config.stopped),
    sourceAfterMove: await codeOf(() => fs.stat(uri('/tmp/r2'))),
  });

  report('shadow', { content: await text('/tmp/shadow-link') });
  report('stopped', { content: await text('/data.txt', config.stopped) });

  // A change made by exec inside the container reaches a FileSystemWatcher.
  const seen: string[] = [];
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(uri('/tmp/'), '**'));
  watcher.onDidCreate((u) => seen.push(`created ${u.path}`));
  watcher.onDidChange((u) => seen.push(`changed ${u.path}`));
  watcher.onDidDelete((u) => seen.push(`deleted ${u.path}`));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await need('exec-create');
  const eventDeadline = Date.now() + 15_000;
  while (!seen.some((s) => s.endsWith('/tmp/from-exec.txt')) && Date.now() < eventDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
  report('watch', { seen });
  watcher.dispose();

  // A write whose connection is cut halfway: the old content stays.
  await fs.writeFile(uri('/tmp/precious.txt'), encode('old content\n'));
  const big = new Uint8Array(64 * 1024 * 1024).fill(0x6e);
  const writing = fs.writeFile(uri('/tmp/precious.txt'), big);
  await new Promise((resolve) => setTimeout(resolve, 150));
  if (target.state.kind === 'connected') target.state.client.close();
  const cut = await Promise.resolve(writing).then(
    () => 'no error',
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );
  const unavailable = await codeOf(() => fs.stat(uri('/etc/passwd')));
  await target.connect();
  report('cut-write', { cut, unavailable, after: await text('/tmp/precious.txt') });
}

// A test-only extension that drives the packaged Berth extension's Containers and Images views inside a real
// VS Code extension host (code-server's), against a real daemon: test/e2e/views-exthost.e2e.test.ts builds
// it, installs it, and reads the JSON lines it appends to the file the setting berthViewsHarness.config names.
//
// It installs Berth itself from the VSIX the test names (workbench.extensions.installExtension: the
// workbench helper installs one VSIX), activates it, and reads the trees through the providers Berth's
// activate returns (exports.views), calling getChildren/getTreeItem as VS Code does. Commands are invoked with
// tree nodes as their argument, as a context menu does.
//
// Prompts: vscode.window.showWarningMessage / showInputBox / createQuickPick cannot be stubbed from here:
// every extension gets its own `vscode` API object, so replacing a function on this one does not reach
// Berth's. So before a command that asks, this harness writes a "ui" line saying what to answer, and the
// test answers in the real workbench (clicks the modal's button, types into the input box, presses Enter).
// "need" lines ask the test to change something on the daemon behind Berth's back (through the API), to see
// the trees follow the helper's events; the test appends "go <name>" to the control file when done.
import { appendFileSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { waitFor } from '../../support/waitFor';

interface HarnessConfig {
  results: string;
  control: string;
  berthVsix: string;
  /** A file on this machine for Copy Into (as the Explorer's context menu passes it). */
  copySource: string;
}

/** What a tree row looks like to VS Code. */
interface Row {
  label: string;
  description?: string;
  contextValue?: string;
  id?: string;
  icon?: string;
  collapsible: number;
  /** The command a click runs. */
  command?: string;
  children?: Row[];
}

interface Provider {
  getChildren(element?: unknown): unknown[] | Promise<unknown[]>;
  getTreeItem(element: unknown): vscode.TreeItem | Promise<vscode.TreeItem>;
  onDidChangeTreeData?: vscode.Event<unknown>;
}

interface BerthExports {
  core(): Promise<{ views: { containers: Provider; images: Provider } }>;
}

type Report = (step: string, data?: Record<string, unknown>) => void;

export async function activate(): Promise<void> {
  const config = vscode.workspace.getConfiguration('berthViewsHarness').get<HarnessConfig>('config');
  if (!config) return;
  const report: Report = (step, data = {}) => appendFileSync(config.results, `${JSON.stringify({ step, time: Date.now(), ...data })}\n`);
  try {
    await run(config, report);
    report('done');
  } catch (error) {
    report('error', { message: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
  }
}

export function deactivate(): void {}

function label(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

async function rows(provider: Provider, element?: unknown): Promise<Array<{ node: unknown; row: Row }>> {
  const children = await provider.getChildren(element);
  const out: Array<{ node: unknown; row: Row }> = [];
  for (const node of children) {
    const item = await provider.getTreeItem(node);
    out.push({
      node,
      row: {
        label: label(item),
        description: typeof item.description === 'string' ? item.description : undefined,
        contextValue: item.contextValue,
        id: item.id,
        icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined,
        collapsible: item.collapsibleState ?? 0,
        ...(item.command ? { command: item.command.command } : {}),
      },
    });
  }
  return out;
}

/** Rows the walks below go into: groups and folders of the views, not a container's Files (its whole root filesystem). */
function descend(row: Row): boolean {
  return row.collapsible !== vscode.TreeItemCollapsibleState.None && !(row.contextValue ?? '').startsWith('container.');
}

/** The whole tree, two or three levels, as plain rows. */
async function snapshot(provider: Provider): Promise<Row[]> {
  const walk = async (element?: unknown): Promise<Row[]> => {
    const out: Row[] = [];
    for (const { node, row } of await rows(provider, element)) {
      if (descend(row)) row.children = await walk(node);
      out.push(row);
    }
    return out;
  };
  return walk();
}

/** The node (the provider's own object) whose row matches. */
async function findNode(provider: Provider, match: (row: Row) => boolean): Promise<unknown | undefined> {
  const walk = async (element?: unknown): Promise<unknown | undefined> => {
    for (const { node, row } of await rows(provider, element)) {
      if (match(row)) return node;
      if (descend(row)) {
        const found = await walk(node);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/** Rows of the Local group (containers or images, with the dangling folder's children under it). */
function localRows(tree: Row[]): Row[] {
  return tree.find((g) => g.label === 'Local')?.children ?? [];
}

async function run(config: HarnessConfig, report: Report): Promise<void> {
  // Install the packaged Berth extension into this (running) extension host, and activate it.
  await vscode.commands.executeCommand('workbench.extensions.installExtension', vscode.Uri.file(config.berthVsix));
  const extension = await waitFor('Berth to be installed', () => vscode.extensions.getExtension<BerthExports>('berth.berth'), { timeoutMs: 60_000 });
  const { views } = await (await extension.activate()).core();
  const containers = views.containers;
  const images = views.images;
  report('activated', { exportsViews: Object.keys(views) });

  // Every change the providers announce, counted: the trees must change with no refresh command invoked.
  let containerChanges = 0;
  let imageChanges = 0;
  containers.onDidChangeTreeData?.(() => containerChanges++);
  images.onDidChangeTreeData?.(() => imageChanges++);

  const containerRows = async () => localRows(await snapshot(containers));
  const imageRows = async () => {
    const local = localRows(await snapshot(images));
    return [...local, ...local.flatMap((r) => r.children ?? [])];
  };
  const containerRow = async (name: string) => (await containerRows()).find((r) => r.label === name);
  const waitContainer = (name: string, what: string, ok: (row: Row | undefined) => boolean) =>
    waitFor(`${name} ${what} in the Containers tree`, async () => {
      const row = await containerRow(name);
      return ok(row) ? (row ?? null) : undefined;
    });
  const containerNode = async (name: string) => {
    const node = await findNode(containers, (r) => r.label === name && (r.contextValue ?? '').startsWith('container.'));
    if (!node) throw new Error(`no container ${name} in the tree: ${JSON.stringify(await containerRows())}`);
    return node;
  };
  const imageNode = async (reference: string) => {
    const node = await findNode(images, (r) => r.label === reference && (r.contextValue ?? '').startsWith('image.'));
    if (!node) throw new Error(`no image ${reference} in the tree: ${JSON.stringify(await imageRows())}`);
    return node;
  };

  let uiCount = 0;
  /** Asks the test to answer the prompt the next command shows, then runs the command. */
  const withUi = async (action: Record<string, unknown>, command: () => Thenable<unknown>) => {
    uiCount++;
    report('ui', { n: uiCount, ...action });
    return command();
  };
  const need = async (name: string) => {
    report('need', { name });
    await waitFor(`the test to do "${name}"`, () => readFileSync(config.control, 'utf8').split('\n').includes(`go ${name}`) || undefined, { timeoutMs: 60_000 });
  };
  /** Reports a step, then waits until the test has read the daemon's state (before the next command changes it). */
  const checked = async (step: string, data: Record<string, unknown>) => {
    report(step, data);
    await need(`read ${step}`);
  };
  const exec = (id: string, ...args: unknown[]) => vscode.commands.executeCommand(id, ...args);

  // The trees as they first show: the daemon has web and talker running, idle exited, fresh created.
  await waitFor('the four containers in the tree', async () => ((await containerRows()).length >= 4 ? true : undefined), { timeoutMs: 30_000 });
  await waitFor('the images in the tree', async () => ((await imageRows()).some((r) => r.label === 'busybox:test') ? true : undefined), { timeoutMs: 30_000 });
  report('initial', {
    containersRoot: await snapshot(containers),
    containerGroup: (await rows(containers))[0]?.row,
    imagesRoot: await snapshot(images),
  });

  // A container's Files node: its root filesystem, running or stopped, folders first; a file opens on click.
  const filesOf = async (name: string) => {
    const [files] = await rows(containers, await containerNode(name));
    const root = await rows(containers, files!.node);
    const etc = root.find((r) => r.row.label === 'etc')!;
    const inEtc = await rows(containers, etc.node);
    return { files: files!.row, root: root.map((r) => r.row), etc: inEtc.map((r) => r.row) };
  };
  report('files', { web: await filesOf('web'), idle: await filesOf('idle') });

  // Lifecycle commands, each with the node as its argument; the row changes state.
  await exec('berth.containers.start', await containerNode('fresh'));
  await checked('start', { row: await waitContainer('fresh', 'running', (r) => r?.contextValue === 'container.running') });
  await exec('berth.containers.pause', await containerNode('web'));
  await checked('pause', { row: await waitContainer('web', 'paused', (r) => r?.contextValue === 'container.paused') });
  await exec('berth.containers.unpause', await containerNode('web'));
  await checked('unpause', { row: await waitContainer('web', 'running again', (r) => r?.contextValue === 'container.running') });
  await exec('berth.containers.stop', await containerNode('web'));
  await checked('stop', { row: await waitContainer('web', 'exited', (r) => r?.contextValue === 'container.exited') });
  await exec('berth.containers.restart', await containerNode('web'));
  await checked('restart', { row: await waitContainer('web', 'running after restart', (r) => r?.contextValue === 'container.running') });
  await exec('berth.containers.kill', await containerNode('fresh'));
  await checked('kill', { row: await waitContainer('fresh', 'exited after kill', (r) => r?.contextValue === 'container.exited') });
  report('order', { labels: (await containerRows()).map((r) => `${r.label}:${r.contextValue}`) });

  // Grouping within the target (berth.containers.groupBy): by state, then back to one list.
  const berthConfig = vscode.workspace.getConfiguration('berth');
  await berthConfig.update('containers.groupBy', 'state', vscode.ConfigurationTarget.Global);
  const byState = await waitFor('state subgroups in the Containers tree', async () => {
    const local = await containerRows();
    return local.some((r) => r.contextValue === 'containerSubgroup') ? local : undefined;
  });
  // A row whose state changes moves to its new subgroup.
  const subgroupOf = async (name: string) => (await containerRows()).find((g) => g.children?.some((c) => c.label === name))?.label;
  await exec('berth.containers.stop', await containerNode('web'));
  const movedTo = await waitFor('web under Exited', async () => ((await subgroupOf('web')) === 'Exited' ? 'Exited' : undefined));
  await exec('berth.containers.start', await containerNode('web'));
  const movedBack = await waitFor('web under Running again', async () => ((await subgroupOf('web')) === 'Running' ? 'Running' : undefined));
  await berthConfig.update('containers.groupBy', undefined, vscode.ConfigurationTarget.Global);
  await waitFor('one list again', async () => ((await containerRows()).some((r) => r.contextValue === 'containerSubgroup') ? undefined : true));
  report('group-by-state', { rows: byState, movedTo, movedBack });

  // Rename: the input box is answered by the test.
  await withUi({ kind: 'input', text: 'renamed' }, async () => exec('berth.containers.rename', await containerNode('fresh')));
  await checked('rename', { row: await waitContainer('renamed', 'after rename', (r) => r !== undefined), old: (await containerRow('fresh')) ?? null });

  // View Logs: an output channel that follows the log.
  await exec('berth.containers.viewLogs', await containerNode('talker'));
  const logDoc = await waitFor(
    'the log output to reach a document',
    () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && d.getText().includes('hello-from-talker')),
    { timeoutMs: 10_000 },
  ).catch(() => undefined);
  report('logs', {
    found: logDoc !== undefined,
    text: logDoc?.getText().slice(0, 2000),
    outputDocs: vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'output').map((d) => d.uri.toString()),
  });

  // Inspect: a berth-inspect: document with the container's JSON.
  await exec('berth.containers.inspect', await containerNode('web'));
  const inspectDoc = await waitFor('the inspect document', () =>
    vscode.window.visibleTextEditors.map((e) => e.document).find((d) => d.uri.scheme === 'berth-inspect' && d.uri.path.endsWith('/web.json')),
  );
  report('inspect', { uri: inspectDoc.uri.toString(), json: JSON.parse(inspectDoc.getText()) as unknown, readonly: true });

  // Stats: a berth-stats: document rewritten with samples.
  await exec('berth.containers.stats', await containerNode('web'));
  const statsDoc = await waitFor('a stats sample in the stats document', () =>
    vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'berth-stats' && /CPU .*%/.test(d.getText())),
  );
  report('stats', { uri: statsDoc.uri.toString(), text: statsDoc.getText() });

  // Refresh Inspect Document: the container is paused behind Berth's back, the refreshed document says so.
  await need('pause-web');
  const refreshed = new Promise<void>((resolve) => {
    const listener = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === inspectDoc && inspectDoc.getText().includes('"paused"')) {
        listener.dispose();
        resolve();
      }
    });
  });
  await exec('berth.inspect.refresh', inspectDoc.uri);
  await Promise.race([refreshed, sleep(10_000)]);
  report('inspect-refresh', { json: JSON.parse(inspectDoc.getText()) as unknown });
  await need('unpause-web');

  // Copy Into with a file's URI (the Explorer's context menu): the destination's input box is answered.
  await withUi({ kind: 'input', text: '/tmp' }, async () => exec('berth.containers.copyInto', await containerNode('web'), vscode.Uri.file(config.copySource)));
  await checked('copy-into', {});

  // Remove a running container: the modal asks (Force Remove), the test clicks.
  await withUi({ kind: 'dialog', button: 'Force Remove' }, async () => exec('berth.containers.remove', await containerNode('talker')));
  await checked('remove', { gone: (await waitContainer('talker', 'gone', (r) => r === undefined)) === null });

  // Changes made behind Berth's back (the API, from the test) reach the tree through the helper's events.
  const before = containerChanges;
  await need('outside-run');
  report('event-run', { row: await waitContainer('outside', 'appearing', (r) => r?.contextValue === 'container.running') });
  await need('outside-kill');
  report('event-kill', { row: await waitContainer('outside', 'exited', (r) => r?.contextValue === 'container.exited') });
  await need('outside-remove');
  report('event-remove', { gone: (await waitContainer('outside', 'gone after an outside remove', (r) => r === undefined)) === null });
  report('event-changes', { containerChanges: containerChanges - before });

  // Prune, on the group node: the modal asks, then every stopped container goes.
  const group = (await rows(containers))[0].node;
  await withUi({ kind: 'dialog', button: 'Remove Stopped Containers' }, () => exec('berth.containers.prune', group));
  await checked('prune', {
    rows: await waitFor('the stopped containers to leave the tree', async () => {
      const now = await containerRows();
      return now.some((r) => r.contextValue === 'container.exited') ? undefined : now;
    }),
  });


  // Images: tag (input box), inspect, history, remove (modal: Force Remove, since containers use the image
  // the tag names; only the tag goes), an outside tag, prune (modal).
  await withUi({ kind: 'input', text: 'tagged:v1' }, async () => exec('berth.images.tag', await imageNode('busybox:test')));
  await checked('image-tag', { row: await waitFor('tagged:v1 in the Images tree', async () => (await imageRows()).find((r) => r.label === 'tagged:v1')) });
  await exec('berth.images.inspect', await imageNode('busybox:test'));
  const imageInspect = await waitFor('the image inspect document', () =>
    vscode.window.visibleTextEditors.map((e) => e.document).find((d) => d.uri.scheme === 'berth-inspect' && new URLSearchParams(d.uri.query).get('kind') === 'image'),
  );
  report('image-inspect', { uri: imageInspect.uri.toString(), json: JSON.parse(imageInspect.getText()) as unknown });
  await exec('berth.images.history', await imageNode('busybox:test'));
  const history = await waitFor('the image history document', () =>
    vscode.window.visibleTextEditors.map((e) => e.document).find((d) => d.uri.scheme === 'berth-inspect' && new URLSearchParams(d.uri.query).get('kind') === 'history'),
  );
  report('image-history', { uri: history.uri.toString(), text: history.getText() });
  await withUi({ kind: 'dialog', button: 'Force Remove' }, async () => exec('berth.images.remove', await imageNode('tagged:v1')));
  await checked('image-remove', {
    rows: await waitFor('tagged:v1 to leave the Images tree', async () => {
      const now = await imageRows();
      return now.some((r) => r.label === 'tagged:v1') ? undefined : now;
    }),
  });
  const imagesBefore = imageChanges;
  await need('image-outside-tag');
  report('image-event', {
    row: await waitFor('outside:v2 in the Images tree', async () => (await imageRows()).find((r) => r.label === 'outside:v2')),
    imageChanges: imageChanges - imagesBefore,
  });
  const imageGroup = (await rows(images))[0].node;
  await withUi({ kind: 'dialog', button: 'Remove Dangling Images' }, () => exec('berth.images.prune', imageGroup));
  await checked('image-prune', {
    rows: await waitFor('the dangling folder to leave the Images tree', async () => {
      const now = localRows(await snapshot(images));
      return now.some((r) => r.contextValue === 'danglingImages') ? undefined : now;
    }),
  });

  // Run (the image's node; the run flow's confirm step is answered with Enter), then Run with Last Settings.
  const countOf = async () => (await containerRows()).length;
  // A new container shows as created first; wait until it was started (sh with no input exits at once).
  const settled = async () => !(await containerRows()).some((r) => r.contextValue === 'container.created');
  const beforeRun = await countOf();
  await withUi({ kind: 'enter' }, async () => exec('berth.images.run', await imageNode('busybox:test')));
  const afterRun = await waitFor('the run container in the tree', async () => ((await countOf()) > beforeRun && (await settled()) ? await containerRows() : undefined));
  await checked('run', { rows: afterRun });
  await exec('berth.run.last');
  const afterLast = await waitFor('the second run container in the tree', async () => ((await countOf()) > afterRun.length && (await settled()) ? await containerRows() : undefined));
  await checked('run-last', { rows: afterLast });

  // Run Interactive: Enter on the confirm step; the container gets a tty and Berth opens a terminal on it.
  const beforeInteractive = await countOf();
  await withUi({ kind: 'enter' }, async () => exec('berth.images.runInteractive', await imageNode('busybox:test')));
  const afterInteractive = await waitFor('the interactive container in the tree', async () =>
    (await countOf()) > beforeInteractive && (await settled()) ? await containerRows() : undefined,
  );
  const terminal = await waitFor('a terminal on the interactive container', () => vscode.window.terminals.find((t) => afterInteractive.some((r) => t.name.includes(r.label) && r.label !== 'web')));
  await checked('run-interactive', { rows: afterInteractive, terminal: terminal.name });
}

// The Containers and Images views as a new user meets them, in a real VS Code (code-server in Chromium)
// with the packaged extension and a real helper on a private socket: a container started from outside
// appears without any refresh click, is stopped and removed from its context menu; an image runs from the
// run flow with two Enter presses, and through Customize with a command; its logs and inspect open.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { busyboxRootfs } from '../support/bundle';
import { REPO, privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { acceptQuickInput, contextMenu, openWorkbench, runStep, type Workbench } from './workbench';

const VSIX = join(REPO, 'dist', 'berth.vsix');
const tmp = privateTempDir('berth-e2e-containers-');
const socketPath = join(tmp.path, 'run', 'berth.sock');
const rootDir = join(tmp.path, 'root');
let daemon: DaemonProcess | undefined;
let client: RpcClient | undefined;
let workbench: Workbench | undefined;
const workspaceFolder = join(tmp.path, 'workspace');

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  daemon = await startDaemon(socketPath, rootDir);
  client = await daemon.connect();
  // The image's own command keeps it running, so that two Enter presses give a running container.
  const imported = await client.openStream('images.import', { path: busyboxRootfs(join(tmp.path, 'rootfs')), reference: 'busybox:test', changes: ['CMD ["sleep", "600"]'] });
  imported.listen({});
  await imported.done;
  const folder = workspaceFolder;
  mkdirSync(folder);
  writeFileSync(join(folder, 'README.md'), '# a project\n');
  mkdirSync(join(folder, '.berth'));
  writeFileSync(
    join(folder, '.berth', 'run.json'),
    JSON.stringify({ image: 'busybox:test', name: 'from-recipe', command: ['sh', '-c', 'echo recipe ran; sleep 600'], env: { GREETING: 'hi' }, memory: '64m' }, null, 2),
  );
  workbench = await openWorkbench({
    vsix: VSIX,
    folder,
    settings: { 'berth.local.socketPath': socketPath, 'berth.containers.stopTimeout': 1 },
  });
});

after(async () => {
  await workbench?.close();
  if (client) {
    for (const c of await client.call('containers.list', { all: true }).catch(() => [])) {
      await client.call('containers.remove', { container: c.id, force: true }).catch(() => undefined);
    }
    client.close();
  }
  await daemon?.stop();
  tmp.remove();
});

const step = (name: string, body: (wb: Workbench) => Promise<void>) => runStep(workbench!, name, body);

const containersView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Containers"])');
const imagesView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Images"])');
const row = (view: Locator, name: string) => view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });

/** Starts a container from outside the editor: the CLI when it has `run`, else another API client. */
async function runFromOutside(name: string): Promise<void> {
  const cli = await runBerth(['--host', `unix://${socketPath}`, 'run', '-d', '--name', name, 'busybox:test', 'sleep', '600']);
  if (cli.code === 0) return;
  assert.match(cli.stderr, /unknown command "run"/, `berth run failed: ${cli.stderr}`);
  const created = await client!.call('containers.create', { spec: { image: 'busybox:test', cmd: ['sleep', '600'] }, name });
  await client!.call('containers.start', { container: created.id });
}

test('a new user opens Berth: no containers yet, and the image is listed', { timeout: 180_000 }, async () => {
  await step('containers-01-empty-view', async (wb) => {
    const berthItem = wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
    await berthItem.waitFor({ state: 'visible', timeout: 60_000 });
    await berthItem.click();
    await containersView(wb).locator('.welcome-view-content', { hasText: 'No containers yet' }).waitFor({ timeout: 60_000 });
    await row(imagesView(wb), 'busybox:test').waitFor({ timeout: 30_000 });
  });
});

test('a container started from outside appears without any refresh click', { timeout: 120_000 }, async () => {
  await step('containers-02-appears-from-cli', async (wb) => {
    await runFromOutside('from-cli');
    // The extension does not poll: without the event stream the row would never come (the bound only
    // stops a broken build).
    const started = Date.now();
    await row(containersView(wb), 'from-cli').waitFor({ timeout: 60_000 });
    console.log(`from-cli appeared in the tree ${Date.now() - started} ms after it was started`);
    await row(containersView(wb), 'from-cli').locator('.label-description', { hasText: /Running/ }).waitFor({ timeout: 10_000 });
  });
});

test('Stop from the context menu: the row shows it exited', { timeout: 120_000 }, async () => {
  await step('containers-03-stopped-from-context-menu', async (wb) => {
    await contextMenu(wb, row(containersView(wb), 'from-cli'), 'Stop Container');
    await row(containersView(wb), 'from-cli').locator('.label-description', { hasText: /Exited/ }).waitFor({ timeout: 30_000 });
  });
});

test('Remove from the context menu, confirmed: the row leaves the tree', { timeout: 120_000 }, async () => {
  await step('containers-04-removed', async (wb) => {
    await contextMenu(wb, row(containersView(wb), 'from-cli'), 'Remove Container…');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await row(containersView(wb), 'from-cli').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal((await client!.call('containers.list', { all: true })).length, 0);
  });
});

test('Run Image with two Enter presses runs busybox:test and opens its logs', { timeout: 120_000 }, async () => {
  await step('containers-05-run-two-enters', async (wb) => {
    await wb.runCommand('Berth: Run Image…');
    const quick = wb.page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row.focused', { hasText: 'busybox:test' }).waitFor({ timeout: 15_000 });
    await acceptQuickInput(wb);
    await quick.locator('.monaco-list-row.focused', { hasText: 'Run' }).waitFor({ timeout: 15_000 });
    await acceptQuickInput(wb);
    const running = containersView(wb).locator('.monaco-list-row', { has: wb.page.locator('.label-description', { hasText: /^busybox:test · Running/ }) });
    await running.first().waitFor({ timeout: 30_000 });
    const list = await client!.call('containers.list', { all: true });
    assert.equal(list.length, 1);
    assert.equal(list[0].state, 'running');
    assert.equal(list[0].command, 'sleep 600');
  });
});

test('Run through Customize with a command; its logs keep up with fast output in an output view', { timeout: 180_000 }, async () => {
  await step('containers-06-run-customized-logs', async (wb) => {
    await contextMenu(wb, row(imagesView(wb), 'busybox:test'), 'Run Image…');
    const quick = wb.page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row', { hasText: 'Customize' }).click();
    const input = quick.locator('.quick-input-box input');
    // Each answer waits for its step's number in the title ("… (3/13)"): typed into the step before, while
    // the widget is still moving on, it would land in the wrong field.
    let step = 3;
    const answer = async (text: string | undefined) => {
      await quick.locator('.quick-input-title', { hasText: `(${step++}/13)` }).waitFor({ timeout: 15_000 });
      await input.waitFor({ state: 'visible' });
      if (text !== undefined) {
        await input.fill(text);
      }
      await wb.page.keyboard.press('Enter');
    };
    await answer('with-logs'); // name
    // Ten thousand lines at once, then quiet: the view must follow to the end.
    await answer(`sh -c 'echo hello from berth; i=0; while [ $i -lt 10000 ]; do i=$((i+1)); echo line $i; done; sleep 600'`); // command
    for (let i = 0; i < 7; i++) await answer(undefined); // env, volumes, ports, network, memory, cpus, pids
    await answer(undefined); // detached
    await answer(undefined); // keep
    await quick.locator('.monaco-list-row.focused', { hasText: 'with-logs' }).waitFor({ timeout: 15_000 });
    await wb.page.keyboard.press('Enter');
    await row(containersView(wb), 'with-logs').waitFor({ timeout: 30_000 });
    const output = wb.page.locator('.part.panel');
    await output.locator('.view-lines', { hasText: /line\s10000/ }).waitFor({ timeout: 60_000 });
  });
});

test('Inspect opens the container as a read-only JSON document', { timeout: 120_000 }, async () => {
  await step('containers-07-inspect', async (wb) => {
    await contextMenu(wb, row(containersView(wb), 'with-logs'), 'Inspect Container');
    const tab = wb.page.locator('.tabs-container .tab', { hasText: 'with-logs.json' });
    await tab.waitFor({ timeout: 30_000 });
    const editor = wb.page.locator('.editor-group-container.active .monaco-editor .view-lines');
    await editor.filter({ hasText: '"name": "with-logs"' }).waitFor({ timeout: 30_000 });
  });
});

test('Stats shows a live document of CPU, memory and pids', { timeout: 120_000 }, async () => {
  await step('containers-08-stats', async (wb) => {
    await contextMenu(wb, row(containersView(wb), 'with-logs'), 'Show Container Stats');
    const editor = wb.page.locator('.editor-group-container.active .monaco-editor .view-lines');
    await editor.filter({ hasText: /Memory/ }).waitFor({ timeout: 30_000 });
    const first = await editor.innerText();
    await wb.page.waitForFunction(
      (before) => (globalThis as any).document.querySelector('.editor-group-container.active .monaco-editor .view-lines')?.textContent !== before,
      first.replace(/\n/g, ''),
      { timeout: 15_000 },
    );
    assert.match(await editor.innerText(), /PIDs/);
  });
});

test('Open Workspace in Container mounts the workspace at /workspace', { timeout: 120_000 }, async () => {
  await step('containers-09-open-workspace', async (wb) => {
    const before = new Set((await client!.call('containers.list', { all: true })).map((c) => c.id));
    await wb.runCommand('Berth: Open Workspace in Container');
    const quick = wb.page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row.focused', { hasText: 'busybox:test' }).waitFor({ timeout: 15_000 });
    await wb.page.keyboard.press('Enter');
    let created: string | undefined;
    for (let i = 0; i < 100 && !created; i++) {
      created = (await client!.call('containers.list', { all: true })).find((c) => !before.has(c.id) && c.state === 'running')?.id;
      if (!created) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(created, 'a new running container');
    const exec = await client!.openStream('containers.exec', { container: created, cmd: ['ls', '/workspace'] });
    let out = '';
    exec.listen({ data: (bytes) => void (out += bytes.toString()) });
    await exec.done;
    assert.match(out, /README\.md/);
    await row(containersView(wb), (await client!.call('containers.inspect', { container: created })).name).waitFor({ timeout: 10_000 });
  });
});

test('Run Workspace Recipe runs what .berth/run.json says', { timeout: 120_000 }, async () => {
  await step('containers-10-workspace-recipe', async (wb) => {
    // The terminal the previous step opened has the keyboard: give it back to the workbench.
    await wb.page.locator('.editor-group-container.active .monaco-editor .view-lines').click();
    await wb.runCommand('Berth: Run Workspace Recipe (.berth/run.json)');
    await row(containersView(wb), 'from-recipe').locator('.label-description', { hasText: /Running/ }).waitFor({ timeout: 30_000 });
    const inspect = await client!.call('containers.inspect', { container: 'from-recipe' });
    assert.ok(inspect.config.env.includes('GREETING=hi'));
    assert.equal(inspect.resources.memory, 64 * 1024 * 1024);
    // A quiet container's line shows while it runs (the helper sends a lone line within 10 ms).
    await wb.page.locator('.part.panel .view-lines', { hasText: /recipe\sran/ }).waitFor({ timeout: 30_000 });
  });
});

test('Pause and Unpause from the context menu; the row follows', { timeout: 120_000 }, async () => {
  await step('containers-11-paused', async (wb) => {
    await contextMenu(wb, row(containersView(wb), 'from-recipe'), 'Pause Container');
    await row(containersView(wb), 'from-recipe').locator('.label-description', { hasText: /Paused/ }).waitFor({ timeout: 30_000 });
  });
  await step('containers-12-unpaused', async (wb) => {
    await contextMenu(wb, row(containersView(wb), 'from-recipe'), 'Unpause Container');
    await row(containersView(wb), 'from-recipe').locator('.label-description', { hasText: /Running/ }).waitFor({ timeout: 30_000 });
  });
});

test('Rename from the context menu keeps the row and shows the new name', { timeout: 120_000 }, async () => {
  await step('containers-13-renamed', async (wb) => {
    await contextMenu(wb, row(containersView(wb), 'from-recipe'), 'Rename Container…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill('renamed');
    await wb.page.keyboard.press('Enter');
    await row(containersView(wb), 'renamed').waitFor({ timeout: 30_000 });
    assert.equal(await row(containersView(wb), 'from-recipe').count(), 0);
  });
});

test('the status bar shows the active target', { timeout: 60_000 }, async () => {
  await step('containers-14-status-bar', async (wb) => {
    await wb.page.locator('.statusbar-item', { hasText: 'Local' }).first().waitFor({ timeout: 10_000 });
  });
});

test('a failed action says what failed and why, with Show Log', { timeout: 120_000 }, async () => {
  await step('containers-15-error-message', async (wb) => {
    // VS Code shows at most three toasts and queues the rest: toasts left by earlier steps are cleared so
    // that the one this step causes is shown.
    await wb.runCommand('Notifications: Clear All Notifications');
    await wb.runCommand('Berth: Run Image…');
    const quick = wb.page.locator('.quick-input-widget');
    const input = quick.locator('.quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill('nosuch:image');
    await quick.locator('.monaco-list-row.focused', { hasText: 'nosuch:image' }).waitFor({ timeout: 15_000 });
    await acceptQuickInput(wb);
    await quick.locator('.monaco-list-row.focused', { hasText: 'Run' }).waitFor({ timeout: 15_000 });
    await acceptQuickInput(wb);
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: /Berth: .*nosuch/ });
    await toast.first().waitFor({ timeout: 30_000 });
    assert.ok(await toast.first().getByRole('button', { name: 'Show Log' }).isVisible());
  });
});

test('Run File in Container runs the open script with its folder at /work; "with…" changes the interpreter', { timeout: 180_000 }, async () => {
  const script = join(workspaceFolder, 'hello.sh');
  writeFileSync(script, 'echo "script $0 ran in $(pwd)"\n');
  const quick = workbench!.page.locator('.quick-input-widget');
  const input = quick.locator('.quick-input-box input');
  const runs = async () => (await client!.call('containers.list', { all: true })).filter((c) => c.command.includes('/work/hello.sh'));
  await step('containers-16a-run-file', async (wb) => {
    await wb.page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible' });
    await input.fill('hello.sh');
    await quick.locator('.monaco-list-row', { hasText: 'hello.sh' }).first().click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'hello.sh' }).waitFor({ timeout: 15_000 });
    await wb.runCommand('Berth: Run File in Container');
    // Asked once per language: the image, then the interpreter (sh for shell scripts).
    await quick.locator('.monaco-list-row', { hasText: 'busybox:test' }).first().click();
    await quick.locator('.quick-input-title', { hasText: 'Run shellscript files with' }).waitFor({ timeout: 15_000 });
    assert.equal(await input.inputValue(), 'sh');
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.part.panel .view-lines', { hasText: 'script /work/hello.sh ran in /work' }).first().waitFor({ timeout: 60_000 });
    const [run] = await runs();
    assert.ok(run, 'a container ran the script');
    const inspect = await client!.call('containers.inspect', { container: run.id });
    assert.ok(inspect.mounts.some((m) => m.destination === '/work' && m.source === workspaceFolder && m.readOnly), JSON.stringify(inspect.mounts));
  });
  await step('containers-16b-run-file-with', async (wb) => {
    await wb.runCommand('Berth: Run File in Container with…');
    await quick.locator('.monaco-list-row', { hasText: 'busybox:test' }).first().click();
    await quick.locator('.quick-input-title', { hasText: 'Run shellscript files with' }).waitFor({ timeout: 15_000 });
    await input.fill('sh -x');
    await wb.page.keyboard.press('Enter');
    // sh -x traces the command before running it.
    await wb.page.locator('.part.panel .view-lines', { hasText: '+ echo' }).first().waitFor({ timeout: 60_000 });
    assert.equal((await runs()).length, 2);
  });
});

test('several containers selected are removed together, running ones by force; the welcome view returns', { timeout: 120_000 }, async () => {
  await step('containers-16-multi-select-removed', async (wb) => {
    await wb.page.keyboard.press('Escape');
    const rows = containersView(wb).locator('.monaco-list-row[aria-level="2"]');
    const count = await rows.count();
    assert.ok(count >= 3, `expected at least 3 containers, saw ${count}`);
    // Ctrl and Shift clicks select without expanding a row (a plain click would also show its Files node,
    // and a selection holding it offers only what containers and folders have in common).
    await rows.first().click({ modifiers: ['Control'] });
    await rows.last().click({ modifiers: ['Shift'] });
    await contextMenu(wb, rows.last(), 'Remove Container…');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    await dialog.getByRole('button', { name: 'Force Remove', exact: true }).click();
    await containersView(wb).locator('.welcome-view-content', { hasText: 'No containers yet' }).waitFor({ timeout: 60_000 });
    assert.equal((await client!.call('containers.list', { all: true })).length, 0);
  });
});

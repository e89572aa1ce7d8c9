// A container's files as a new user meets them, in a real VS Code (code-server in Chromium) with the packaged
// extension and a real helper on a private socket. In the single-folder window a newcomer has, the Files node
// under the container in the Berth view browses, opens, edits, creates and deletes without any change to the
// workspace (the window is never reloaded: a mark set in the page survives every step), and Open in
// Explorer says that VS Code would reload before doing anything. In a window that is a saved multi-root
// workspace, Open in Explorer adds the container's root as a workspace folder without a reload, and
// removing the container takes that folder out of the Explorer.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { busyboxRootfs } from '../support/bundle';
import { REPO, privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { answerFileDialog, contextMenu, movePointerAway, openWorkbench, runStep, type Workbench } from './workbench';

const VSIX = join(REPO, 'dist', 'berth.vsix');
/** Where runStep keeps its screenshots; the second window's go there too. */
const SCREENSHOTS = join(REPO, 'test-output', 'e2e');
const tmp = privateTempDir('berth-e2e-explorer-');
const socketPath = join(tmp.path, 'run', 'berth.sock');
const rootDir = join(tmp.path, 'root');
const folder = join(tmp.path, 'workspace');
const workspaceFile = join(tmp.path, 'project.code-workspace');
let daemon: DaemonProcess | undefined;
let client: RpcClient | undefined;
let workbench: Workbench | undefined;

const berth = (args: string[]) => runBerth(['--host', `unix://${socketPath}`, ...args]);
const exec = async (script: string) => {
  const result = await berth(['exec', 'web', 'sh', '-c', script]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
};

/** The shared busybox root filesystem, with an /etc/motd for the editing step. */
function withMotd(rootfs: string): string {
  writeFileSync(join(rootfs, 'etc', 'motd'), 'Welcome to the image.\n');
  return rootfs;
}

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  daemon = await startDaemon(socketPath, rootDir);
  client = await daemon.connect();
  const imported = await client.openStream('images.import', { path: withMotd(busyboxRootfs(join(tmp.path, 'rootfs'))), reference: 'busybox:test', changes: ['CMD ["sleep", "600"]'] });
  imported.listen({});
  await imported.done;
  const run = await berth(['run', '-d', '--name', 'web', '--hostname', 'web-host', 'busybox:test', 'sleep', '100000']);
  assert.equal(run.code, 0, run.stderr);
  mkdirSync(folder);
  writeFileSync(join(folder, 'README.md'), '# a project\n');
  // A saved multi-root workspace holding the same project folder, for the Explorer steps.
  writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: folder }] }, null, 2));
  workbench = await openWorkbench({ vsix: VSIX, folder, settings: { 'berth.local.socketPath': socketPath, 'files.autoSave': 'off' } });
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

const exactly = (name: string) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
const rowIn = (view: Locator, name: string): Locator => view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: exactly(name) }) });
const containersView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Containers"])');
const explorer = (wb: Workbench) => wb.page.locator('.explorer-folders-view');
/** A row of the Containers view: a container, its Files node, a folder or file under it. */
const berthRow = (wb: Workbench, name: string) => rowIn(containersView(wb), name).first();
const explorerRow = (wb: Workbench, name: string) => rowIn(explorer(wb), name).first();
const activeEditor = (wb: Workbench) => wb.page.locator('.editor-group-container.active .monaco-editor .view-lines');
const tab = (wb: Workbench, name: string) => wb.page.locator('.tabs-container .tab', { hasText: name });

/** Clicks a row, the pointer first moved off any row whose tooltip could cover it. */
async function clickRow(target: Locator): Promise<void> {
  await movePointerAway(target.page());
  await target.click({ timeout: 10_000 });
}

/**
 * Expands a folder row and waits for `child` below it. A click toggles the row; one landing while the tree
 * re-renders is repeated, and a row that opened empty (VS Code asked for its children while the extension
 * re-read the rows above: "No tree item with id …" in its log) is closed and opened again, as a person
 * would. The pointer first leaves the row above, whose tooltip (after a moment's hover) would cover it.
 */
async function expand(target: Locator, name: string, child: Locator): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`${name} did not expand`);
    await target.waitFor({ timeout: 30_000 });
    if ((await target.getAttribute('aria-expanded').catch(() => null)) === 'true') {
      if (await child.waitFor({ timeout: 10_000 }).then(() => true, () => false)) return;
      await clickRow(target).catch(() => undefined); // closes it, to open it again
    }
    await clickRow(target).catch(() => undefined);
    await target.locator('xpath=self::*[@aria-expanded="true"]').waitFor({ timeout: 5_000 }).catch(() => undefined);
  }
}

/**
 * Runs a container row's menu item. When VS Code re-reads the tree at that moment, the command reaches the
 * extension without its row (VS Code's extension host forgets rows it is re-reading) and asks which
 * container, as from the palette: the test answers as a person would, and says so in its output.
 */
async function containerMenu(wb: Workbench, name: string, item: string): Promise<void> {
  await contextMenu(wb, berthRow(wb, name), item);
  const picker = wb.page.locator('.quick-input-widget', { has: wb.page.locator('.quick-input-box input[placeholder^="Container whose files"]') });
  if (await picker.waitFor({ timeout: 3_000 }).then(() => true, () => false)) {
    console.log(`${item}: the command came without its row (the tree was being re-read); picking ${name}`);
    await picker.locator('.monaco-list-row', { hasText: name }).first().click();
  }
}

/** A mark in the page that a reload of the window would lose. */
const markWindow = (wb: Workbench) => wb.page.evaluate(() => void ((globalThis as { berthMark?: boolean }).berthMark = true));
async function assertNotReloaded(wb: Workbench): Promise<void> {
  assert.equal(await wb.page.evaluate(() => (globalThis as { berthMark?: boolean }).berthMark === true), true, 'the window was reloaded');
}

/** Answers an input box, after it shows. */
async function answerInput(wb: Workbench, text: string): Promise<void> {
  const input = wb.page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(text);
  await wb.page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 15_000 });
}

test('the Files node under a container lists its root in the Berth view, with no change to the workspace', { timeout: 240_000 }, async () => {
  await step('explorer-01-files-node-without-reload', async (wb) => {
    const berthItem = wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
    await berthItem.waitFor({ state: 'visible', timeout: 60_000 });
    await markWindow(wb);
    await berthItem.click();
    // The Containers view gets the side bar's height: the Targets and Images views are folded.
    for (const name of ['Targets', 'Images']) {
      const header = wb.page.locator(`.pane-header[aria-label^="${name}"]`);
      await header.waitFor({ timeout: 30_000 });
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
    await expand(berthRow(wb, 'web'), 'web', berthRow(wb, 'Files'));
    await expand(berthRow(wb, 'Files'), 'Files', berthRow(wb, 'etc'));
    await berthRow(wb, 'etc').waitFor({ timeout: 30_000 });
    await berthRow(wb, 'bin').waitFor({ timeout: 30_000 });
    await assertNotReloaded(wb);
  });
});

test('/etc/hostname opens in an editor from the Files node', { timeout: 120_000 }, async () => {
  await step('explorer-02-open-etc-hostname', async (wb) => {
    await expand(berthRow(wb, 'etc'), 'etc', berthRow(wb, 'hostname'));
    await clickRow(berthRow(wb, 'hostname'));
    await tab(wb, 'hostname').waitFor({ timeout: 30_000 });
    // As the running container sees it: the engine's file bound over the image's, with --hostname's value.
    const expected = (await exec('cat /etc/hostname')).trim();
    assert.equal(expected, 'web-host');
    await activeEditor(wb).filter({ hasText: expected }).waitFor({ timeout: 30_000 });
  });
});

test('/etc/motd edited and saved: exec cat prints the new content', { timeout: 120_000 }, async () => {
  await step('explorer-03-edit-and-save-etc-motd', async (wb) => {
    await clickRow(berthRow(wb, 'motd'));
    await tab(wb, 'motd').waitFor({ timeout: 30_000 });
    await activeEditor(wb).filter({ hasText: 'Welcome to the image.' }).waitFor({ timeout: 30_000 });
    await activeEditor(wb).click();
    await wb.page.keyboard.press('Control+End');
    await wb.page.keyboard.type('Edited in VS Code through Berth.');
    await wb.page.keyboard.press('Control+S');
    await wb.page.locator('.tabs-container .tab.dirty', { hasText: 'motd' }).waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await exec('cat /etc/motd'), 'Welcome to the image.\nEdited in VS Code through Berth.');
    await assertNotReloaded(wb);
  });
});

test('New Folder…, New File… and Delete on the Files node act in the container', { timeout: 180_000 }, async () => {
  await step('explorer-04-folder-created', async (wb) => {
    await contextMenu(wb, berthRow(wb, 'Files'), 'New Folder…');
    await answerInput(wb, 'made-in-vscode');
    await berthRow(wb, 'made-in-vscode').waitFor({ timeout: 30_000 });
    assert.equal((await exec('test -d /made-in-vscode && echo yes')).trim(), 'yes');
  });
  await step('explorer-05-file-created-and-saved', async (wb) => {
    await contextMenu(wb, berthRow(wb, 'made-in-vscode'), 'New File…');
    await answerInput(wb, 'note.txt');
    await tab(wb, 'note.txt').waitFor({ timeout: 30_000 });
    await activeEditor(wb).click();
    await wb.page.keyboard.type('written in a new file');
    await wb.page.keyboard.press('Control+S');
    await wb.page.locator('.tabs-container .tab.dirty', { hasText: 'note.txt' }).waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await exec('cat /made-in-vscode/note.txt'), 'written in a new file');
    await expand(berthRow(wb, 'made-in-vscode'), 'made-in-vscode', berthRow(wb, 'note.txt'));
    await berthRow(wb, 'note.txt').waitFor({ timeout: 30_000 });
  });
  await step('explorer-06-folder-deleted', async (wb) => {
    await contextMenu(wb, berthRow(wb, 'made-in-vscode'), 'Delete');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    assert.match(await dialog.innerText(), /Delete \/made-in-vscode from web\?/);
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await berthRow(wb, 'made-in-vscode').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal((await exec('test -e /made-in-vscode && echo still-there || echo gone')).trim(), 'gone');
    await assertNotReloaded(wb);
  });
});

test('a file created inside the container appears under Files by itself', { timeout: 120_000 }, async () => {
  await step('explorer-07-file-made-inside-appears', async (wb) => {
    await exec('echo from inside > /made-inside.txt');
    const started = Date.now();
    await berthRow(wb, 'made-inside.txt').waitFor({ timeout: 30_000 });
    console.log(`made-inside.txt appeared ${Date.now() - started} ms after exec returned`);
  });
});

test('Go to Path… from a folder under Files opens the path typed, here /etc/passwd', { timeout: 120_000 }, async () => {
  await step('explorer-08-go-to-path', async (wb) => {
    await contextMenu(wb, berthRow(wb, 'etc'), 'Go to Path in Container…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await input.inputValue(), '/etc', 'the box starts at the folder clicked');
    await input.fill('/etc/passwd');
    await wb.page.keyboard.press('Enter');
    await tab(wb, 'passwd').waitFor({ timeout: 30_000 });
    await activeEditor(wb).filter({ hasText: 'root:x:0:0' }).waitFor({ timeout: 30_000 });
  });
});

test('Download… saves a container\'s file on this machine', { timeout: 120_000 }, async () => {
  await step('explorer-09-downloaded', async (wb) => {
    const saved = join(tmp.path, 'downloaded-hostname');
    await contextMenu(wb, berthRow(wb, 'hostname'), 'Download…');
    await answerFileDialog(wb, saved);
    const expected = await exec('cat /etc/hostname');
    // VS Code copies the file after the dialog closes: wait for it (a generous bound on a loaded machine).
    for (let i = 0; i < 300 && !(existsSync(saved) && readFileSync(saved, 'utf8') === expected); i++) await wb.page.waitForTimeout(200);
    assert.equal(readFileSync(saved, 'utf8'), expected);
  });
});

test('Open in Explorer in a single-folder window says first that VS Code would reload, and Cancel leaves the window as it was', { timeout: 120_000 }, async () => {
  await step('explorer-10-open-in-explorer-says-reload', async (wb) => {
    await containerMenu(wb, 'web', 'Open in Explorer');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    const text = await dialog.innerText();
    assert.match(text, /Adding web \(Local\) to the Explorer reloads VS Code/);
    assert.match(text, /single folder/);
    await wb.screenshot('explorer-10-open-in-explorer-says-reload-dialog');
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    await assertNotReloaded(wb);
    await wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label^="Explorer"])').click();
    await explorerRow(wb, 'README.md').waitFor({ timeout: 30_000 });
    assert.equal(await explorerRow(wb, 'web (Local)').count(), 0, 'no container folder was added');
  });
});

test('in a saved multi-root workspace, Open in Explorer adds the container\'s root without a reload; its files open there', { timeout: 240_000 }, async () => {
  await step('explorer-11-open-in-explorer-from-a-workspace', async (wb) => {
    // The user opens the project's saved workspace (a reload the test asks for, before the mark is set).
    await wb.page.goto(`${wb.url}?workspace=${encodeURIComponent(workspaceFile)}`, { waitUntil: 'domcontentloaded' });
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    const berthItem = wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
    await berthItem.waitFor({ state: 'visible', timeout: 60_000 });
    await markWindow(wb);
    await berthItem.click();
    await containerMenu(wb, 'web', 'Open in Explorer');
    await expand(explorerRow(wb, 'web (Local)'), 'web (Local)', explorerRow(wb, 'etc'));
    await explorerRow(wb, 'etc').waitFor({ timeout: 30_000 });
    assert.equal(await wb.page.locator('.monaco-dialog-box').count(), 0, 'no question: nothing reloads');
    await assertNotReloaded(wb);
  });
  await step('explorer-12-explorer-opens-container-file', async (wb) => {
    await expand(explorerRow(wb, 'etc'), 'etc', explorerRow(wb, 'hostname'));
    await clickRow(explorerRow(wb, 'hostname'));
    await tab(wb, 'hostname').waitFor({ timeout: 30_000 });
    await activeEditor(wb).filter({ hasText: 'web-host' }).waitFor({ timeout: 30_000 });
    // One Download entry in the Explorer's menu: VS Code's own, in a browser.
    await explorerRow(wb, 'hostname').click({ button: 'right' });
    const downloads = wb.page.locator('.context-view .monaco-menu .action-item .action-label', { hasText: /^Download/ });
    await downloads.first().waitFor({ timeout: 10_000 });
    assert.equal(await downloads.count(), 1, `Download entries: ${(await downloads.allInnerTexts()).join(', ')}`);
    await wb.page.keyboard.press('Escape');
  });
});

let newWindow: Page | undefined;

test('Open in New Window opens a window on the container\'s root', { timeout: 180_000 }, async () => {
  await step('explorer-13-open-in-new-window', async (wb) => {
    await wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])').click();
    const opened = wb.page.context().waitForEvent('page', { timeout: 60_000 });
    opened.catch(() => undefined); // awaited below, unless the menu fails first
    await containerMenu(wb, 'web', 'Open in New Window');
    newWindow = await opened;
    await newWindow.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    const inNew = newWindow.locator('.explorer-folders-view');
    // The window and its folder are named after the container, not its id.
    await newWindow.locator('.pane-header[aria-label^="Explorer Section: web"]').waitFor({ timeout: 60_000 });
    await rowIn(inNew, 'etc').first().waitFor({ timeout: 60_000 });
    await rowIn(inNew, 'bin').first().waitFor({ timeout: 30_000 });
    await newWindow.screenshot({ path: join(SCREENSHOTS, 'explorer-13-open-in-new-window-the-new-window.png') });
  });
});

test('a removed container\'s folder leaves the Explorer; a window opened on it says the container is gone', { timeout: 120_000 }, async () => {
  await step('explorer-14-removed-container-leaves-explorer', async (wb) => {
    await wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label^="Explorer"])').click();
    await explorerRow(wb, 'web (Local)').waitFor({ timeout: 30_000 });
    const removed = await berth(['rm', '-f', 'web']);
    assert.equal(removed.code, 0, removed.stderr);
    await explorerRow(wb, 'web (Local)').waitFor({ state: 'detached', timeout: 30_000 });
    await explorerRow(wb, 'workspace').waitFor({ timeout: 30_000 });
    await assertNotReloaded(wb);
    if (newWindow) {
      await newWindow.locator('.notification-toast', { hasText: /was removed: its files are gone/ }).waitFor({ timeout: 30_000 });
      await newWindow.screenshot({ path: join(SCREENSHOTS, 'explorer-14-removed-container-the-new-window.png') });
    }
  });
});

// A container's files in VS Code's Explorer as a new user meets them, in a real VS Code (code-server in
// Chromium) with the packaged extension and a real helper on a private socket: Browse Container Files adds
// the running container's root as a workspace folder; /etc/hostname opens; /etc/motd is edited and saved
// and `exec cat` prints the new content; a folder is created and deleted from the Explorer; a file made
// inside the container appears in the tree by itself.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { busyboxRootfs } from '../support/bundle';
import { REPO, privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { answerFileDialog, contextMenu, openWorkbench, runStep, type Workbench } from './workbench';

const VSIX = join(REPO, 'dist', 'berth.vsix');
const tmp = privateTempDir('berth-e2e-explorer-');
const socketPath = join(tmp.path, 'run', 'berth.sock');
const rootDir = join(tmp.path, 'root');
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
  const folder = join(tmp.path, 'workspace');
  mkdirSync(folder);
  writeFileSync(join(folder, 'README.md'), '# a project\n');
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

const explorer = (wb: Workbench) => wb.page.locator('.explorer-folders-view');
const row = (wb: Workbench, name: string): Locator =>
  explorer(wb).locator('.monaco-list-row', { has: wb.page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
const activeEditor = (wb: Workbench) => wb.page.locator('.editor-group-container.active .monaco-editor .view-lines');

/** Expands a folder row; the click is repeated while the tree re-renders under it (the workspace changing). */
async function expand(wb: Workbench, name: string): Promise<void> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const target = row(wb, name).first();
    await target.waitFor({ timeout: 30_000 });
    if ((await target.getAttribute('aria-expanded').catch(() => null)) === 'true') return;
    if (Date.now() > deadline) throw new Error(`${name} did not expand`);
    await target.click().catch(() => undefined);
    await wb.page.waitForTimeout(1000);
  }
}

test('Browse Container Files adds the running container\'s root to the Explorer', { timeout: 240_000 }, async () => {
  await step('explorer-01-container-root-in-explorer', async (wb) => {
    await wb.page.locator('.part.activitybar').waitFor({ timeout: 60_000 });
    await wb.runCommand('Berth: Browse Container Files');
    const quick = wb.page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row', { hasText: 'web' }).first().waitFor({ timeout: 30_000 });
    await quick.locator('.monaco-list-row', { hasText: 'web' }).first().click();
    // Adding a second folder makes the window a multi-root workspace (the workbench may reload).
    await row(wb, 'web (Local)').waitFor({ timeout: 90_000 });
    await expand(wb, 'web (Local)');
    await row(wb, 'etc').waitFor({ timeout: 30_000 });
    await row(wb, 'bin').waitFor({ timeout: 30_000 });
  });
});

test('/etc/hostname opens in an editor', { timeout: 120_000 }, async () => {
  await step('explorer-02-open-etc-hostname', async (wb) => {
    await expand(wb, 'etc');
    await row(wb, 'hostname').click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'hostname' }).waitFor({ timeout: 30_000 });
    // As the running container sees it: the engine's file bound over the image's, with --hostname's value.
    const expected = (await exec('cat /etc/hostname')).trim();
    assert.equal(expected, 'web-host');
    await activeEditor(wb).filter({ hasText: expected }).waitFor({ timeout: 30_000 });
  });
});

test('/etc/motd edited and saved: exec cat prints the new content', { timeout: 120_000 }, async () => {
  await step('explorer-03-edit-and-save-etc-motd', async (wb) => {
    await row(wb, 'motd').click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'motd' }).waitFor({ timeout: 30_000 });
    await activeEditor(wb).filter({ hasText: 'Welcome to the image.' }).waitFor({ timeout: 30_000 });
    await activeEditor(wb).click();
    await wb.page.keyboard.press('Control+End');
    await wb.page.keyboard.type('Edited in VS Code through Berth.');
    await wb.page.keyboard.press('Control+S');
    await wb.page.locator('.tabs-container .tab.dirty', { hasText: 'motd' }).waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await exec('cat /etc/motd'), 'Welcome to the image.\nEdited in VS Code through Berth.');
  });
});

test('a folder created and deleted from the Explorer is created and deleted in the container', { timeout: 120_000 }, async () => {
  await step('explorer-04-folder-created', async (wb) => {
    await row(wb, 'web (Local)').click({ button: 'right' });
    const entry = wb.page.locator('.context-view .monaco-menu .action-item', { has: wb.page.locator('.action-label', { hasText: /^New Folder/ }) });
    await entry.first().click();
    // A click that lands while the menu is still settling only focuses the item: Enter runs it then.
    const input = wb.page.locator('.explorer-folders-view .monaco-inputbox input');
    await input.waitFor({ timeout: 5_000 }).catch(async () => {
      await wb.page.keyboard.press('Enter');
      await input.waitFor({ timeout: 30_000 });
    });
    await wb.page.keyboard.type('made-in-vscode');
    await wb.page.keyboard.press('Enter');
    await row(wb, 'made-in-vscode').waitFor({ timeout: 30_000 });
    assert.equal((await exec('test -d /made-in-vscode && echo yes')).trim(), 'yes');
  });
  await step('explorer-05-folder-deleted', async (wb) => {
    // "Delete Permanently" where VS Code offers no trash for the folder (as in the CI run), else "Delete".
    await contextMenu(wb, row(wb, 'made-in-vscode'), /^Delete( Permanently)?$/);
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    await dialog.getByRole('button', { name: /^Delete$/ }).click();
    await row(wb, 'made-in-vscode').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal((await exec('test -e /made-in-vscode && echo still-there || echo gone')).trim(), 'gone');
  });
});

test('a file created inside the container appears in the Explorer by itself', { timeout: 120_000 }, async () => {
  await step('explorer-06-file-made-inside-appears', async (wb) => {
    await exec('echo from inside > /made-inside.txt');
    const started = Date.now();
    await row(wb, 'made-inside.txt').waitFor({ timeout: 30_000 });
    console.log(`made-inside.txt appeared ${Date.now() - started} ms after exec returned`);
  });
});

test('Go to Path… from a container folder opens the path typed, here /etc/passwd', { timeout: 120_000 }, async () => {
  await step('explorer-07-go-to-path', async (wb) => {
    await contextMenu(wb, row(wb, 'etc').first(), 'Go to Path in Container…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await input.inputValue(), '/etc', 'the box starts at the folder clicked');
    await input.fill('/etc/passwd');
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.tabs-container .tab', { hasText: 'passwd' }).waitFor({ timeout: 30_000 });
    await activeEditor(wb).filter({ hasText: 'root:x:0:0' }).waitFor({ timeout: 30_000 });
  });
});

test('Download… saves a container\'s file on this machine', { timeout: 120_000 }, async () => {
  await step('explorer-08-downloaded', async (wb) => {
    const saved = join(tmp.path, 'downloaded-hostname');
    await contextMenu(wb, row(wb, 'hostname').first(), 'Download…');
    await answerFileDialog(wb, saved);
    for (let i = 0; i < 100 && !existsSync(saved); i++) await wb.page.waitForTimeout(200);
    assert.equal(readFileSync(saved, 'utf8'), await exec('cat /etc/hostname'));
  });
});

// The Images view as a new user meets it, in a real VS Code (code-server in Chromium) with the packaged
// extension and a real helper on a private socket: the welcome view when there are no images, an image
// imported from the command line appears without a refresh, and it is tagged, inspected, its history shown
// and the tag removed from its context menu.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { busyboxRootfs } from '../support/bundle';
import { REPO, privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { startRegistry, type TestRegistry } from '../support/registry';
import { answerFileDialog, contextMenu, openWorkbench, runStep, type Workbench } from './workbench';

const VSIX = join(REPO, 'dist', 'berth.vsix');
const tmp = privateTempDir('berth-e2e-images-');
const socketPath = join(tmp.path, 'run', 'berth.sock');
const rootDir = join(tmp.path, 'root');
let daemon: DaemonProcess | undefined;
let client: RpcClient | undefined;
let workbench: Workbench | undefined;
let registry: TestRegistry | undefined;

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  daemon = await startDaemon(socketPath, rootDir);
  client = await daemon.connect();
  const folder = join(tmp.path, 'workspace');
  mkdirSync(folder);
  workbench = await openWorkbench({ vsix: VSIX, folder, settings: { 'berth.local.socketPath': socketPath } });
});

after(async () => {
  await workbench?.close();
  await registry?.stop();
  client?.close();
  await daemon?.stop();
  tmp.remove();
});

const step = (name: string, body: (wb: Workbench) => Promise<void>) => runStep(workbench!, name, body);

const imagesView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Images"])');
const row = (view: Locator, name: string) => view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });
const activeEditor = (wb: Workbench) => wb.page.locator('.editor-group-container.active .monaco-editor .view-lines');

test('with no images the welcome view offers to pull, import or load one', { timeout: 180_000 }, async () => {
  await step('images-01-empty-view', async (wb) => {
    const berthItem = wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
    await berthItem.waitFor({ state: 'visible', timeout: 60_000 });
    await berthItem.click();
    const welcome = imagesView(wb).locator('.welcome-view-content', { hasText: 'No images yet' });
    await welcome.waitFor({ timeout: 60_000 });
    assert.ok(await welcome.getByRole('button', { name: 'Pull an Image' }).isVisible());
    assert.ok(await welcome.getByRole('button', { name: 'Import a Root Filesystem' }).isVisible());
  });
});

test('an image imported from the command line appears without a refresh, with its size and age', { timeout: 120_000 }, async () => {
  await step('images-02-imported-from-cli', async (wb) => {
    const imported = await runBerth(['--host', `unix://${socketPath}`, 'import', busyboxRootfs(join(tmp.path, 'rootfs')), 'busybox:test']);
    assert.equal(imported.code, 0, imported.stderr);
    await row(imagesView(wb), 'busybox:test').locator('.label-description', { hasText: /^[\d.]+MB · just now · [0-9a-f]{12}$/ }).waitFor({ timeout: 10_000 });
  });
});

test('Tag from the context menu adds a row for the new name', { timeout: 120_000 }, async () => {
  await step('images-03-tagged', async (wb) => {
    await contextMenu(wb, row(imagesView(wb), 'busybox:test'), 'Tag Image…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    assert.equal(await input.inputValue(), 'busybox:test');
    await input.fill('busybox:tagged');
    await wb.page.keyboard.press('Enter');
    await row(imagesView(wb), 'busybox:tagged').waitFor({ timeout: 15_000 });
  });
});

test('Inspect and History open read-only documents', { timeout: 120_000 }, async () => {
  await step('images-04-inspect', async (wb) => {
    await contextMenu(wb, row(imagesView(wb), 'busybox:test'), 'Inspect Image');
    await activeEditor(wb).filter({ hasText: '"architecture"' }).waitFor({ timeout: 30_000 });
  });
  await step('images-05-history', async (wb) => {
    await contextMenu(wb, row(imagesView(wb), 'busybox:test'), 'Show Image History');
    await activeEditor(wb).filter({ hasText: 'CREATED BY' }).waitFor({ timeout: 30_000 });
  });
});

test('Remove from the context menu, confirmed, takes the name off and keeps the other', { timeout: 120_000 }, async () => {
  await step('images-06-tag-removed', async (wb) => {
    await contextMenu(wb, row(imagesView(wb), 'busybox:tagged'), 'Remove Image…');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await row(imagesView(wb), 'busybox:tagged').waitFor({ state: 'detached', timeout: 15_000 });
    assert.ok(await row(imagesView(wb), 'busybox:test').isVisible());
    const images = await client!.call('images.list', {});
    assert.deepEqual(images.flatMap((i) => i.repoTags), ['docker.io/library/busybox:test']);
  });
});

test('Push to a registry from the context menu, then Pull it back with progress', { timeout: 240_000 }, async () => {
  registry = await startRegistry();
  const remote = `${registry.host}/berth/busybox:pushed`;
  await step('images-07-pushed', async (wb) => {
    await contextMenu(wb, row(imagesView(wb), 'busybox:test'), 'Push Image…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(remote);
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.notifications-toasts .notification-toast', { hasText: `Pushed ${remote}` }).waitFor({ timeout: 60_000 });
  });
  await step('images-08-pulled', async (wb) => {
    await wb.runCommand('Berth: Pull Image…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(remote);
    await wb.page.keyboard.press('Enter');
    await row(imagesView(wb), remote.replace(/[.]/g, '\\.')).waitFor({ timeout: 60_000 });
    const images = await client!.call('images.list', {});
    assert.ok(images.some((i) => i.repoTags.includes(remote)), JSON.stringify(images));
  });
});

test('Save to a tarball, Load it back once the name is gone, Import a root filesystem folder', { timeout: 300_000 }, async () => {
  // VS Code shows three toasts at most: the ones earlier steps left would hide the ones looked for here.
  await workbench!.runCommand('Notifications: Clear All Notifications');
  const archive = join(tmp.path, 'saved', 'busybox-test.tar');
  mkdirSync(dirname(archive));
  await step('images-09-saved', async (wb) => {
    await contextMenu(wb, row(imagesView(wb), 'busybox:test'), 'Save Image to Tarball…');
    await answerFileDialog(wb, archive);
    await wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'Saved busybox:test' }).waitFor({ timeout: 60_000 });
    // An archive docker load and podman load take: an OCI layout with Docker's manifest.json beside it.
    const names = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).split('\n');
    assert.ok(names.includes('index.json') && names.includes('manifest.json') && names.includes('oci-layout'), names.join(' '));
  });
  await step('images-10-loaded', async (wb) => {
    await client!.call('images.remove', { image: 'busybox:test' });
    await row(imagesView(wb), 'busybox:test').waitFor({ state: 'detached', timeout: 15_000 });
    await contextMenu(wb, row(imagesView(wb), 'Local'), 'Load Images from Tarball…');
    await answerFileDialog(wb, archive);
    await row(imagesView(wb), 'busybox:test').waitFor({ timeout: 60_000 });
    const images = await client!.call('images.list', {});
    assert.ok(images.some((i) => i.repoTags.includes('docker.io/library/busybox:test')), JSON.stringify(images));
  });
  await step('images-11-imported', async (wb) => {
    await contextMenu(wb, row(imagesView(wb), 'Local'), 'Import Root Filesystem as Image…');
    await answerFileDialog(wb, join(tmp.path, 'rootfs') + '/');
    await wb.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Import ' }).waitFor({ timeout: 15_000 });
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('imported:e2e');
    await wb.page.keyboard.press('Enter');
    await row(imagesView(wb), 'imported:e2e').waitFor({ timeout: 60_000 });
    // The image holds the folder's files: a container from it runs the busybox that was copied there.
    const run = await runBerth(['--host', `unix://${socketPath}`, 'run', '--rm', 'imported:e2e', '/bin/busybox', 'echo', 'from-imported']);
    assert.equal(run.stdout.trim(), 'from-imported', run.stderr);
  });
});

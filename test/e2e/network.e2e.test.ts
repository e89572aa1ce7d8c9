// A published port as a user meets it in a real VS Code: an image run from the run flow with a port shows
// it on the container's row, and Open in Browser opens the server's page (through code-server's own port
// forwarding, as asExternalUri gives it). Fenced: this test's process joins a network namespace of its
// own before it starts anything, so the daemon (with its bridge and rules), code-server, Chromium and
// their traffic all live there; the host's namespace is never touched.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { REPO, privateTempDir } from '../support/daemonProcess';
import { enterNetworkFence, openInBrowser, type NetworkFence } from './networkFence';
import { acceptQuickInput, contextMenu, openWorkbench, runStep, type Workbench } from './workbench';

const VSIX = join(REPO, 'dist', 'berth.vsix');
const tmp = privateTempDir('berth-e2e-network-');
let fence: NetworkFence | undefined;
let client: RpcClient | undefined;
let workbench: Workbench | undefined;

before(async () => {
  fence = await enterNetworkFence(tmp.path);
  client = fence.client;
  const folder = join(tmp.path, 'workspace');
  mkdirSync(folder);
  writeFileSync(join(folder, 'README.md'), '# a project\n');
  workbench = await openWorkbench({ vsix: VSIX, folder, settings: { 'berth.local.socketPath': fence.socketPath, 'berth.containers.stopTimeout': 1 } });
});

after(async () => {
  try {
    await workbench?.close();
  } finally {
    // Whatever failed above, the daemon stops and the namespace's file goes.
    await (fence?.close() ?? Promise.resolve()).finally(() => tmp.remove());
  }
});

const step = (name: string, body: (wb: Workbench) => Promise<void>) => runStep(workbench!, name, body);
const containersView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Containers"])');
const imagesView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Images"])');
const row = (view: Locator, name: string) => view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });

test('a container run with a published port shows it on its row, and Open in Browser reaches its server', { timeout: 240_000 }, async () => {
  await step('network-01-run-with-port', async (wb) => {
    const berthItem = wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
    await berthItem.waitFor({ state: 'visible', timeout: 60_000 });
    await berthItem.click();
    await row(imagesView(wb), 'busybox:test').waitFor({ timeout: 60_000 });
    await contextMenu(wb, row(imagesView(wb), 'busybox:test'), 'Run Image…');
    const quick = wb.page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row', { hasText: 'Customize' }).click();
    const input = quick.locator('.quick-input-box input');
    let number = 3;
    const answer = async (text: string | undefined) => {
      await quick.locator('.quick-input-title', { hasText: `(${number++}/13)` }).waitFor({ timeout: 15_000 });
      await input.waitFor({ state: 'visible' });
      if (text !== undefined) await input.fill(text);
      await wb.page.keyboard.press('Enter');
    };
    await answer('site'); // name
    await answer(`sh -c 'mkdir -p /www && echo served through berth > /www/index.html && exec httpd -f -p 80 -h /www'`); // command
    await answer(undefined); // env
    await answer(undefined); // volumes
    await answer('127.0.0.1:18080:80'); // ports
    for (let i = 0; i < 6; i++) await answer(undefined); // network (the default bridge), memory, cpus, pids, detached, keep
    await quick.locator('.monaco-list-row.focused', { hasText: 'site' }).waitFor({ timeout: 15_000 });
    await acceptQuickInput(wb);
    const site = containersView(wb).locator('.monaco-list-row', {
      has: wb.page.locator('.label-description', { hasText: '127.0.0.1:18080->80/tcp' }),
    });
    await site.waitFor({ timeout: 60_000 });
    const [summary] = await client!.call('containers.list', { filters: { name: ['^site$'] } });
    assert.deepEqual(summary?.ports, [{ hostIp: '127.0.0.1', hostPort: 18080, containerPort: 80, protocol: 'tcp' }]);
    assert.deepEqual(summary?.networks, ['bridge']);
  });
  await step('network-02-open-in-browser', async (wb) => {
    const { url, text } = await openInBrowser(wb, row(containersView(wb), 'site'), /served through berth/, 'network-02-browser-page');
    assert.match(text, /served through berth/, `the opened page (${url}) says: ${text.slice(0, 300)}`);
    // code-server forwards the port under its own origin (asExternalUri): /proxy/18080/.
    assert.match(url, /\/proxy\/18080\/|127\.0\.0\.1:18080/);
  });
});

test('the Networks view: create a network with a subnet, see a container join it, inspect it, remove it', { timeout: 240_000 }, async () => {
  const networksView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Networks"])');
  await step('network-03-create-network', async (wb) => {
    // The view starts collapsed (under Containers and Images): open it by its header.
    const header = networksView(wb).locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await row(networksView(wb), 'bridge').waitFor({ timeout: 30_000 });
    assert.match(await row(networksView(wb), 'bridge').locator('.label-description').innerText(), /^172\.17\.0\.0\/16 · 1 container$/);
    await wb.runCommand('Berth: Create Network…');
    const quick = wb.page.locator('.quick-input-widget');
    const input = quick.locator('.quick-input-box input');
    const answer = async (prompt: string, text: string) => {
      await quick.locator('.quick-input-message', { hasText: prompt }).waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill(text);
      await wb.page.keyboard.press('Enter');
    };
    await answer('Name', 'appnet');
    await answer('Subnet', '10.89.0.0/24');
    await answer('Gateway', '10.89.0.254');
    const appnet = row(networksView(wb), 'appnet');
    await appnet.locator('.label-description', { hasText: '10.89.0.0/24 · 0 containers' }).waitFor({ timeout: 30_000 });
    const created = await client!.call('networks.inspect', { network: 'appnet' });
    assert.deepEqual([created.subnet, created.gateway], ['10.89.0.0/24', '10.89.0.254']);
  });
  await step('network-04-joined-and-inspected', async (wb) => {
    // A container that joins from elsewhere (the API, as the CLI would) shows in the row: events drive it.
    const { id } = await client!.call('containers.create', { name: 'member', spec: { image: 'busybox:test', cmd: ['sleep', '600'], network: 'appnet' } });
    await client!.call('containers.start', { container: id });
    const appnet = row(networksView(wb), 'appnet');
    await appnet.locator('.label-description', { hasText: '10.89.0.0/24 · 1 container' }).waitFor({ timeout: 30_000 });
    await contextMenu(wb, appnet, 'Inspect Network');
    const editor = wb.page.locator('.editor-group-container.active .monaco-editor .view-lines');
    await editor.filter({ hasText: '"subnet": "10.89.0.0/24"' }).waitFor({ timeout: 30_000 });
    await editor.filter({ hasText: '"name": "member"' }).waitFor({ timeout: 15_000 });
    await client!.call('containers.remove', { container: id, force: true });
    await appnet.locator('.label-description', { hasText: '10.89.0.0/24 · 0 containers' }).waitFor({ timeout: 30_000 });
  });
  await step('network-05-removed', async (wb) => {
    const appnet = row(networksView(wb), 'appnet');
    await contextMenu(wb, appnet, 'Remove Network');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await appnet.waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual((await client!.call('networks.list', {})).map((n) => n.name).sort(), ['bridge', 'host', 'none']);
  });
});

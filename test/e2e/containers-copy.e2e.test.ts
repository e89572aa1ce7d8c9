// Copy Into and Copy Out Of a container from its context menu, through VS Code's own file dialogs (the
// simple file dialog in code-server), with a real helper on a private socket.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { busyboxRootfs } from '../support/bundle';
import { REPO, privateTempDir, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { answerFileDialog, contextMenu, openWorkbench, runStep, type Workbench } from './workbench';

const VSIX = join(REPO, 'dist', 'berth.vsix');
const tmp = privateTempDir('berth-e2e-copy-');
const socketPath = join(tmp.path, 'run', 'berth.sock');
const rootDir = join(tmp.path, 'root');
let daemon: DaemonProcess | undefined;
let client: RpcClient | undefined;
let workbench: Workbench | undefined;

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  daemon = await startDaemon(socketPath, rootDir);
  client = await daemon.connect();
  // The image's own command keeps it running, so that two Enter presses give a running container.
  const imported = await client.openStream('images.import', { path: busyboxRootfs(join(tmp.path, 'rootfs')), reference: 'busybox:test', changes: ['CMD ["sleep", "600"]'] });
  imported.listen({});
  await imported.done;
  const folder = join(tmp.path, 'workspace');
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
const row = (view: Locator, name: string) => view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });

async function openBerth(wb: Workbench): Promise<void> {
  const berthItem = wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
  await berthItem.waitFor({ state: 'visible', timeout: 60_000 });
  await berthItem.click();
}

test('Copy Out Of writes the container\'s file into the chosen folder', { timeout: 240_000 }, async () => {
  await step('copy-01-out-of', async (wb) => {
    const created = await client!.call('containers.create', { spec: { image: 'busybox:test', cmd: ['sh', '-c', 'echo copied-out > /tmp/out.txt; sleep 600'] }, name: 'copy-box' });
    await client!.call('containers.start', { container: created.id });
    await openBerth(wb);
    await row(containersView(wb), 'copy-box').waitFor({ timeout: 30_000 });
    await contextMenu(wb, row(containersView(wb), 'copy-box'), 'Copy Out Of Container…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill('/tmp/out.txt');
    await wb.page.keyboard.press('Enter');
    const dest = join(tmp.path, 'copied');
    mkdirSync(dest);
    await answerFileDialog(wb, dest + '/');
    const file = join(dest, 'out.txt');
    for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(readFileSync(file, 'utf8'), 'copied-out\n');
  });
});

test('Copy Into puts a host file into the container', { timeout: 240_000 }, async () => {
  await step('copy-02-into', async (wb) => {
    const source = join(tmp.path, 'into.txt');
    writeFileSync(source, 'copied-in\n');
    await contextMenu(wb, row(containersView(wb), 'copy-box'), 'Copy Into Container…');
    await answerFileDialog(wb, source);
    // The same quick input shows the next question: wait for its title, not just an input.
    await wb.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Copy into copy-box' }).waitFor({ timeout: 15_000 });
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('/tmp');
    await wb.page.keyboard.press('Enter');
    let out = '';
    for (let i = 0; i < 50 && !out.includes('copied-in'); i++) {
      const exec = await client!.openStream('containers.exec', { container: 'copy-box', cmd: ['cat', '/tmp/into.txt'] });
      out = '';
      exec.listen({ data: (bytes) => void (out += bytes.toString()) });
      await exec.done.catch(() => undefined);
      if (!out.includes('copied-in')) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(out, 'copied-in\n');
  });
});

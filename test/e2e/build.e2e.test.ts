// Build Image… as a user meets it, in a real VS Code (code-server in Chromium) with the packaged extension
// and a real helper on a private socket: right-click the workspace's Dockerfile in the Explorer, Build
// Image…, give the tag; the build's steps show in its terminal, the image appears (selected) in the Images
// view, and Run from it runs a container whose output is the one the Dockerfile built in.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { busyboxRootfs } from '../support/bundle';
import { runBerth } from '../support/daemonProcess';
import { openBerthWorkbench, type BerthWorkbench } from './berthWorkbench';
import { acceptQuickInput, contextMenu, runStep, type Workbench } from './workbench';

let fixture: BerthWorkbench | undefined;
const berth = (...args: string[]) => runBerth(['--host', `unix://${fixture!.socketPath}`, ...args], { hangAfterMs: 120_000 });

before(async () => {
  fixture = await openBerthWorkbench('berth-e2e-build-', {
    // The DOM renderer, so that the build terminal's text can be read from .xterm-rows.
    settings: { 'terminal.integrated.gpuAcceleration': 'off' },
    files: {
      'message.txt': 'built in the editor\n',
      Dockerfile: 'FROM busybox:test\nCOPY message.txt /message.txt\nRUN echo "and by a RUN step" >> /message.txt\nCMD ["cat", "/message.txt"]\n',
    },
  });
  const imported = await berth('import', busyboxRootfs(join(fixture.folder, '..', 'rootfs')), 'busybox:test');
  assert.equal(imported.code, 0, imported.stderr);
});

after(async () => {
  if (fixture) for (const id of (await berth('ps', '-a', '-q')).stdout.split('\n').filter(Boolean)) await berth('rm', '-f', id);
  await fixture?.close();
});

const step = (name: string, body: (wb: Workbench) => Promise<void>) => runStep(fixture!.workbench, name, body);
const imagesView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Images"])');
const row = (view: Locator, name: string) => view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });

async function terminalText(wb: Workbench): Promise<string> {
  return (await wb.page.locator('.terminal-wrapper.active .xterm-rows').first().innerText()).replace(/\u00a0/g, ' ');
}

test('right-click a Dockerfile → Build Image…: the steps in its terminal, the image in the Images view, and Run works', { timeout: 300_000 }, async () => {
  await step('build-01-explorer-context-menu', async (wb) => {
    await wb.page.keyboard.press('Control+Shift+E');
    const dockerfile = wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^Dockerfile$/ });
    await dockerfile.first().waitFor({ timeout: 30_000 });
    await contextMenu(wb, dockerfile.first(), 'Build Image…');
    const quick = wb.page.locator('.quick-input-widget');
    const input = quick.locator('.quick-input-box input');
    await quick.locator('.quick-input-title', { hasText: 'Build Dockerfile on local' }).waitFor({ timeout: 30_000 });
    // The tag offered is the workspace folder's name; the user gives another.
    assert.equal(await input.inputValue(), 'workspace:latest');
    await input.fill('e2e-built:1');
    await acceptQuickInput(wb);
  });
  await step('build-02-steps-in-the-terminal', async (wb) => {
    const deadline = Date.now() + 180_000;
    let text = '';
    while (!/Built docker\.io\/library\/e2e-built:1/.test(text)) {
      if (Date.now() > deadline) throw new Error(`the build terminal does not show the result; it shows:\n${text}`);
      await wb.page.waitForTimeout(250);
      text = await terminalText(wb).catch(() => '');
    }
    assert.match(text, /#\d+ \[stage-0 2\/3\] COPY message\.txt \/message\.txt/);
    assert.match(text, /#\d+ \[stage-0 3\/3\] RUN echo "and by a RUN step" >> \/message\.txt/);
    assert.match(text, /#\d+ ✓ done in/);
    await wb.page.locator('.tabs-container .tab, .terminal-tab, .single-terminal-tab', { hasText: 'Build e2e-built:1' }).first().waitFor({ timeout: 10_000 }).catch(() => undefined);
  });
  await step('build-03-selected-in-the-images-view', async (wb) => {
    const image = row(imagesView(wb), 'e2e-built:1');
    await image.waitFor({ timeout: 30_000 });
    await wb.page.waitForFunction((element) => element?.classList.contains('selected'), await image.elementHandle(), { timeout: 15_000 });
  });
  await step('build-04-run-from-the-image', async (wb) => {
    await contextMenu(wb, row(imagesView(wb), 'e2e-built:1'), 'Run Image…');
    const quick = wb.page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row.focused', { hasText: 'Run' }).waitFor({ timeout: 15_000 });
    await acceptQuickInput(wb);
    // The container prints the file the build made, and exits.
    const deadline = Date.now() + 60_000;
    let logs = '';
    for (;;) {
      const id = (await berth('ps', '-a', '-q', '--filter', 'ancestor=e2e-built:1')).stdout.split('\n')[0];
      if (id) logs = (await berth('logs', id)).stdout;
      if (logs === 'built in the editor\nand by a RUN step\n') break;
      if (Date.now() > deadline) throw new Error(`no container of e2e-built:1 printed the built file; last logs: ${JSON.stringify(logs)}`);
      await wb.page.waitForTimeout(500);
    }
  });
});

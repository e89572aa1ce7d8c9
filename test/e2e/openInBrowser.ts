// Open in Browser as the network e2e tests drive it: the context menu's entry on a container's row, the
// page the extension opens (a new tab of the test's Chromium, through code-server's port forwarding), and
// its text once the server answers (reloaded until then: the forward may be a moment behind).
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { REPO } from '../support/daemonProcess';
import { contextMenu, type Workbench } from './workbench';

export async function openInBrowser(wb: Workbench, containerRow: Locator, expected: RegExp, screenshot: string): Promise<{ url: string; text: string }> {
  const opened = wb.page.context().waitForEvent('page', { timeout: 60_000 });
  await contextMenu(wb, containerRow, 'Open in Browser');
  const page = await opened;
  await page.waitForLoadState('domcontentloaded', { timeout: 60_000 });
  // The bound only keeps a broken build from hanging the suite.
  const deadline = Date.now() + 60_000;
  let text = '';
  while (!expected.test(text) && Date.now() < deadline) {
    text = (await page.locator('body').textContent({ timeout: 10_000 }).catch(() => '')) ?? '';
    if (!expected.test(text)) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await page.reload().catch(() => undefined);
    }
  }
  await page.screenshot({ path: join(REPO, 'test-output', 'e2e', `${screenshot}.png`) }).catch(() => undefined);
  const url = page.url();
  await page.close();
  return { url, text };
}

/*
 * Smoke test of the end-to-end harness: a real VS Code workbench (code-server
 * in Chromium) opens a folder and its Explorer lists the folder's file.
 *
 *   node --import tsx --test test/e2e/workbench.e2e.test.ts
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkbench } from './workbench';

test('workbench opens a folder and the Explorer lists its file', { timeout: 15 * 60_000 }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-folder-'));
  fs.writeFileSync(path.join(folder, 'hello.txt'), 'hello from Berth\n');
  const wb = await openWorkbench({ folder });
  try {
    const { page } = wb;

    // The Explorer is the default view for a folder; it lists hello.txt as a row.
    const row = page.locator('.explorer-folders-view .monaco-list-row[aria-label="hello.txt"]');
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await row.count(), 1, 'one Explorer row for hello.txt');
    assert.equal((await row.locator('.label-name').innerText()).trim(), 'hello.txt');

    // The Explorer's own Activity Bar item is there and selected.
    const explorerItem = page.locator('.part.activitybar .action-item:has(a.action-label[aria-label^="Explorer"])');
    assert.equal(await explorerItem.count(), 1, 'one Explorer item in the Activity Bar');
    assert.equal(await explorerItem.getAttribute('aria-selected'), 'true');

    const file = await wb.screenshot('workbench-smoke');
    assert.ok(fs.statSync(file).size > 10_000, `screenshot ${file} looks empty`);
  } catch (err) {
    await wb.screenshot('workbench-smoke-failure').catch(() => undefined);
    console.error(`--- code-server output ---\n${wb.logs()}`);
    throw err;
  } finally {
    await wb.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

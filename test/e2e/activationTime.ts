// Extensions' activation times as VS Code shows them in Running Extensions: the loading of the extension's
// main file plus its activate call (codeLoadingTime + activateCallTime in the extension host). Both are wall
// clock, and the first clock starts before an `await` in VS Code, so on this two-core machine a reading takes
// in whatever else runs then (Chromium, code-server, the built-in extensions starting). Measured from inside
// the extension host (VS Code's performance marks, process.cpuUsage, gc entries) in four windows: Berth's
// file loaded in 6 to 17 ms, its activate call took 2.3 to 62 ms of wall clock for 2.3 to 18 ms of CPU,
// and 3 to 56 ms more fell before VS Code began loading the file; the readings were 38 to 74 ms. Noise only
// adds: the least of several readings is the estimate of what Berth adds, their median is logged beside it.
import type { Page } from 'playwright-core';
import type { Workbench } from './workbench';

/** Every row of the Running Extensions editor, name → ms (the list is virtual: it pages down to see all). */
export async function runningExtensionTimes(page: Page, until = 'Berth'): Promise<Map<string, number>> {
  const rows = page.locator('.runtime-extensions-editor .monaco-list-row');
  await rows.first().waitFor({ timeout: 30_000 });
  await rows.first().click();
  const times = new Map<string, number>();
  for (let pageDown = 0; pageDown < 20; pageDown++) {
    for (const text of await rows.allInnerTexts()) {
      const name = text.split('\n')[0].trim();
      const ms = /Activation: (\d+)\s*ms/.exec(text.replace(/\s+/g, ' '))?.[1];
      if (ms !== undefined) times.set(name, Number(ms));
    }
    if (times.has(until)) break;
    await page.keyboard.press('PageDown');
  }
  return times;
}

const berthItem = (page: Page) => page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
const localTarget = (page: Page) => page.locator('.pane:has(.pane-header[aria-label^="Targets"]) .monaco-list-row', { hasText: 'Local' });

/**
 * Berth's activation time in `samples` extension hosts: in the window's own, Berth is activated by opening
 * its view (it must not be active yet); each next host comes from a window reload (code-server has no
 * "Restart Extension Host"), which restores the open Berth view, so Berth activates during the window's
 * start. Each time the local target is waited for, then Running Extensions read. Returns every extension's
 * times per sample.
 */
export async function activationSamples(wb: Workbench, samples: number): Promise<Map<string, number>[]> {
  const all: Map<string, number>[] = [];
  for (let i = 0; i < samples; i++) {
    if (i === 0) await berthItem(wb.page).click();
    else await wb.page.reload({ waitUntil: 'domcontentloaded', timeout: 90_000 });
    await localTarget(wb.page).waitFor({ timeout: 90_000 });
    let times = new Map<string, number>();
    for (let attempt = 0; attempt < 10 && !times.has('Berth'); attempt++) {
      if (attempt > 0) await wb.page.waitForTimeout(1_000);
      await wb.runCommand('Developer: Show Running Extensions');
      times = await runningExtensionTimes(wb.page);
    }
    if (!times.has('Berth')) throw new Error(`Berth is not among the running extensions: ${[...times.keys()].join(', ')}`);
    all.push(times);
  }
  return all;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// A new user's first minute, in a real VS Code (code-server in Chromium) with the packaged extension:
// the Berth view shows the local target with the helper's version; when the helper goes away the
// welcome view says what to do, and Retry brings the target back.
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { after, before, test } from 'node:test';
import { version } from '../../package.json';
import { startDaemon } from '../support/daemonProcess';
import { openBerthWorkbench, type BerthWorkbench } from './berthWorkbench';
import { runStep, type Workbench } from './workbench';

let berth: BerthWorkbench | undefined;

before(async () => {
  berth = await openBerthWorkbench('berth-e2e-targets-');
});

after(() => berth?.close());

const step = (name: string, body: (wb: Workbench) => Promise<void>) => runStep(berth!.workbench, name, body);

const targetsView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Targets"])');
const localRow = (wb: Workbench) => targetsView(wb).locator('.monaco-list-row', { hasText: 'Local' });

test('the Berth view shows the local target connected, with the helper version and kernel', { timeout: 180_000 }, async () => {
  await step('berth-view-local-target-connected', async (wb) => {
    const berthItem = wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
    await berthItem.waitFor({ state: 'visible', timeout: 60_000 });
    await berthItem.click();
    await localRow(wb).waitFor({ state: 'visible', timeout: 60_000 });
    const description = localRow(wb).locator('.label-description');
    await description.filter({ hasText: 'berth' }).waitFor({ timeout: 30_000 });
    assert.equal((await description.innerText()).trim(), `berth ${version} · Linux ${release()}`);
  });
});

test('when the helper stops, the welcome view explains what to do', { timeout: 120_000 }, async () => {
  await step('berth-view-no-helper', async (wb) => {
    assert.equal(await berth!.daemon!.stop(), 0);
    berth!.daemon = undefined;
    const welcome = targetsView(wb).locator('.welcome-view-content');
    await welcome.filter({ hasText: 'No Berth helper answers' }).waitFor({ timeout: 30_000 });
    assert.equal(await localRow(wb).count(), 0);
    assert.ok(await welcome.getByRole('button', { name: 'Retry' }).isVisible());
  });
});

test('Retry reconnects once a helper serves again', { timeout: 120_000 }, async () => {
  await step('berth-view-reconnected', async (wb) => {
    berth!.daemon = await startDaemon(berth!.socketPath, berth!.rootDir);
    await targetsView(wb).locator('.welcome-view-content').getByRole('button', { name: 'Retry' }).click();
    await localRow(wb).locator('.label-description').filter({ hasText: `berth ${version}` }).waitFor({ timeout: 30_000 });
  });
});

// Berth activates lazily and at a window's start, read as a user sees it in Running Extensions, in a real
// code-server with the packaged extension: Berth is activated by opening its view, then at the start of a
// reloaded window with the view open. No time is asserted here (a reading takes in whatever else the two
// CPUs run then, activationTime.ts): the readings are logged, and activation is measured against another
// build in `npm run bench` (test/bench/extension-activation.bench.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { activationSamples, median } from './activationTime';
import { openBerthWorkbench, type BerthWorkbench } from './berthWorkbench';
import { runStep, type Workbench } from './workbench';

const SAMPLES = 2;
let berth: BerthWorkbench | undefined;

before(async () => {
  berth = await openBerthWorkbench('berth-e2e-activation-');
});

after(() => berth?.close());

const step = (name: string, body: (wb: Workbench) => Promise<void>) => runStep(berth!.workbench, name, body);

test('Berth activates from its view and at a reloaded window\'s start, and shows in Running Extensions', { timeout: 600_000 }, async () => {
  await step('activation-01-running-extensions', async (wb) => {
    const readings = await activationSamples(wb, SAMPLES);
    const samples = readings.map((times) => times.get('Berth'));
    assert.equal(samples.filter((ms) => typeof ms === 'number').length, SAMPLES, 'Berth is listed with an activation time in each window');
    console.log(`Berth's activation: ${samples.join(', ')} ms (a reading, not a measurement: see npm run bench)`);
    const others = [...readings[0].keys()].filter((name) => name !== 'Berth' && readings.every((times) => times.has(name)));
    for (const name of others) console.log(`  ${name}: median ${median(readings.map((times) => times.get(name)!))} ms`);
  });
});

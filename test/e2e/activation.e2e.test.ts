// What Berth's activation adds to VS Code's start, read as the issue asks, from the extension host's
// activation times (Running Extensions), in a real code-server with the packaged extension: Berth is
// activated by opening its view, then at the start of four reloaded windows with the view open. A reading
// takes in whatever else the two CPUs run then (activationTime.ts): the least of the five is checked against
// the 50 ms (the build that compiled the whole bundle at activation read 73 ms at its least and 150
// ms median in test/bench/extension-activation.bench.ts); every reading and the median are logged beside the
// built-in extensions' medians for scale.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { activationSamples, median } from './activationTime';
import { openBerthWorkbench, type BerthWorkbench } from './berthWorkbench';
import { runStep, type Workbench } from './workbench';

const SAMPLES = 5;
let berth: BerthWorkbench | undefined;

before(async () => {
  berth = await openBerthWorkbench('berth-e2e-activation-');
});

after(() => berth?.close());

const step = (name: string, body: (wb: Workbench) => Promise<void>) => runStep(berth!.workbench, name, body);

let samples: number[] = [];
test(`Berth activates from its view and at a window's start; activation is read in ${SAMPLES} extension hosts`, { timeout: 900_000 }, async () => {
  await step('activation-01-running-extensions', async (wb) => {
    const readings = await activationSamples(wb, SAMPLES);
    samples = readings.map((times) => times.get('Berth')!);
    console.log(`Berth's activation: ${samples.join(', ')} ms (least ${Math.min(...samples)}, median ${median(samples)})`);
    const others = [...readings[0].keys()].filter((name) => name !== 'Berth' && readings.every((times) => times.has(name)));
    for (const name of others) console.log(`  ${name}: median ${median(readings.map((times) => times.get(name)!))} ms`);
  });
});

test('activation adds less than 50 ms (the least of the readings)', () => {
  assert.equal(samples.length, SAMPLES);
  assert.ok(Math.min(...samples) < 50, `Berth's activation: ${samples.join(', ')} ms`);
});

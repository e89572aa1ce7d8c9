// Berth's activation time as VS Code reports it (Running Extensions: the loading of extension.js plus the
// activate call), in a real code-server whose Berth view is opened as a user opens it, against another
// build of the extension in the same run, interleaved (for example the VSIX of an earlier commit).
//
//   node --import tsx test/bench/extension-activation.bench.ts [ROUNDS] [OTHER_VSIX]   (default 4 rounds)
//
// Each round opens a fresh code-server (and helper) per VSIX and takes three readings (test/e2e/activationTime.ts: the
// Berth view opened, then two window reloads with it open; each time the local target is waited for and
// Running Extensions read). The built-in extensions that activated in
// the same windows are listed for scale. Without OTHER_VSIX only dist/berth.vsix is measured.
import { join } from 'node:path';
import { activationSamples, median } from '../e2e/activationTime';
import { openBerthWorkbench } from '../e2e/berthWorkbench';
import { reportRow } from '../support/benchStats';
import { REPO } from '../support/daemonProcess';

const ROUNDS = Number(process.argv[2] ?? 4);
const SAMPLES_PER_WINDOW = 3;
const builds = [{ name: 'berth', vsix: join(REPO, 'dist', 'berth.vsix') }];
if (process.argv[3]) builds.push({ name: 'other', vsix: process.argv[3] });

async function main(): Promise<void> {
  const berthTimes = new Map<string, number[]>(builds.map((b) => [b.name, []]));
  const others = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which build goes first, so that neither always meets a colder machine.
    for (const build of round % 2 ? [...builds].reverse() : builds) {
      const berth = await openBerthWorkbench('berth-bench-activation-', { vsix: build.vsix });
      try {
        for (const times of await activationSamples(berth.workbench, SAMPLES_PER_WINDOW)) {
          berthTimes.get(build.name)!.push(times.get('Berth')!);
          for (const [name, ms] of times) if (name !== 'Berth') others.set(name, [...(others.get(name) ?? []), ms]);
        }
        console.log(`round ${round + 1} ${build.name}: ${berthTimes.get(build.name)!.slice(-SAMPLES_PER_WINDOW).join(', ')} ms`);
      } finally {
        await berth.close();
      }
    }
  }
  console.log(`\nBerth's activation (codeLoadingTime + activateCallTime), ${ROUNDS} interleaved rounds of ${SAMPLES_PER_WINDOW}:`);
  for (const [name, values] of berthTimes) console.log(`  ${name}: median ${median(values)} ms, least ${Math.min(...values)} ms  (${values.join(', ')})`);
  if (builds.length === 2) {
    const [berth, other] = [berthTimes.get('berth')!, berthTimes.get('other')!];
    console.log(`  ratio berth/other: median ${(median(berth) / median(other)).toFixed(2)}, least ${(Math.min(...berth) / Math.min(...other)).toFixed(2)}`);
  }
  const berth = berthTimes.get('berth')!;
  const git = others.get('Git');
  // The anchor is VS Code's own Git extension activating in the same windows (another build of Berth when given).
  const other = builds.length === 2 ? berthTimes.get('other')! : git;
  reportRow({ name: 'extension activation in code-server (load + activate)', unit: 'ms', berth: median(berth), anchorName: builds.length === 2 ? 'the other build' : 'built-in Git extension, same windows', anchor: other ? median(other) : undefined, samples: berth.length });
  console.log('Built-in extensions in the same windows (median ms, samples):');
  for (const [name, values] of [...others].sort((a, b) => median(b[1]) - median(a[1]))) console.log(`  ${name}: ${median(values)} (${values.length})`);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});

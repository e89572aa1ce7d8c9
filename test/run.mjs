// Runs test layers with node's test runner and prints one closing line for all of them.
//   node --import tsx test/run.mjs unit|integration|e2e ...
// Each layer's files are test/<layer>/**/*.test.ts. Layers run one after another (integration and e2e
// start real daemons and browsers; two cores do not gain from running them at once).
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

// Daemons the tests start in the host's network namespace give containers --network none: bridges and
// NAT rules are made only by the networking tests, inside network namespaces of their own.
process.env.BERTH_DEFAULT_NETWORK ??= 'none';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const LAYERS = ['unit', 'integration', 'e2e'];
const layers = process.argv.slice(2);
if (layers.length === 0 || layers.some((layer) => !LAYERS.includes(layer))) {
  console.error(`usage: node --import tsx test/run.mjs ${LAYERS.join('|')} ...`);
  process.exit(2);
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

let passed = 0;
let failed = 0;
let skipped = 0;
let todo = 0;
for (const layer of layers) {
  const files = testFiles(join(root, 'test', layer));
  console.log(`\n== ${layer}: ${files.length} files ==`);
  if (files.length === 0) {
    console.error(`no test files in test/${layer}`);
    failed++;
    continue;
  }
  const stream = run({ files, concurrency: layer === 'unit' ? true : 1, timeout: 15 * 60_000 });
  // Count leaf tests only: a suite's own pass/fail event would count its tests twice.
  stream.on('test:pass', (event) => {
    if (event.details.type === 'suite') return;
    if (event.skip || event.todo) skipped++;
    else passed++;
  });
  stream.on('test:fail', (event) => {
    if (event.details.type === 'suite') return;
    // A todo test states a requirement not met yet: it is reported (and listed by the spec reporter),
    // and does not fail the run.
    if (event.todo) todo++;
    else failed++;
  });
  await new Promise((resolve, reject) => {
    const out = stream.compose(spec);
    out.on('data', (chunk) => process.stdout.write(chunk));
    out.on('end', resolve);
    out.on('error', reject);
  });
  console.log(`(${layer} files: ${files.map((f) => relative(root, f)).join(', ')})`);
}

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${todo ? `, ${todo} todo not met` : ''}`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;

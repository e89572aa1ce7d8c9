// `npm run bench`: runs every benchmark in test/bench/ one after another (each alone on the machine), and
// prints one table of their rows: Berth's median beside the anchor's, measured interleaved in the same run,
// and their ratio, with the machine it ran on. Writes the table as Markdown and JSON under bench-results/.
//   npm run bench [-- NAME ...]   (NAME: a bench file's name without .bench.ts, to run only those)
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_ROWS_ENV, formatValue, type BenchRow } from '../support/benchStats';

const REPO = join(__dirname, '..', '..');
const only = process.argv.slice(2);
const files = readdirSync(__dirname)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.includes(name.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) {
  console.error(`no bench file matches ${only.join(', ')}`);
  process.exit(2);
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  startedAt: new Date().toISOString(),
  loadAverageAtStart: loadavg().map((l) => l.toFixed(2)).join(' '),
};

interface FileResult {
  file: string;
  rows: BenchRow[];
  exitCode: number | null;
  seconds: number;
}

const scratch = mkdtempSync(join(tmpdir(), 'berth-bench-rows-'));
const results: FileResult[] = [];
try {
  for (const file of files) {
    const rowsFile = join(scratch, `${file}.jsonl`);
    console.log(`\n== ${file} ==`);
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, file)], {
      cwd: REPO,
      stdio: 'inherit',
      env: { ...process.env, [BENCH_ROWS_ENV]: rowsFile },
    });
    const rows = existsSync(rowsFile)
      ? readFileSync(rowsFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as BenchRow)
      : [];
    results.push({ file, rows, exitCode: run.status, seconds: Math.round((Date.now() - started) / 1000) });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const cell = (text: string) => text.replace(/\|/g, '\\|');
const lines = [
  `# Berth benchmarks, ${machine.startedAt}`,
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node.js ${machine.node}; load average at start ${machine.loadAverageAtStart}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`,
  'Each row: medians of samples taken interleaved in this run; ratio = Berth / anchor (below 1: Berth is faster or smaller).',
  '',
  '| bench | what | Berth | anchor | anchor value | ratio | samples | note |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const result of results) {
  const bench = result.file.replace(/\.bench\.ts$/, '');
  if (result.rows.length === 0 || result.exitCode !== 0) {
    lines.push(`| ${bench} | ${result.exitCode === 0 ? 'reported no row' : `FAILED (exit ${result.exitCode})`} | | | | | | after ${result.seconds} s |`);
  }
  for (const row of result.rows) {
    const ratio = row.anchor ? (row.berth / row.anchor).toFixed(2) : '';
    lines.push(
      `| ${bench} | ${cell(row.name)} | ${formatValue(row.berth)} ${row.unit} | ${cell(row.anchorName ?? '')} | ${row.anchor === undefined ? '' : `${formatValue(row.anchor)} ${row.unit}`} | ${ratio} | ${row.samples ?? ''} | ${cell(row.note ?? '')} |`,
    );
  }
}
const markdown = `${lines.join('\n')}\n`;
const outDir = join(REPO, 'bench-results');
mkdirSync(outDir, { recursive: true });
const stamp = machine.startedAt.replace(/[:.]/g, '-');
writeFileSync(join(outDir, `${stamp}.md`), markdown);
writeFileSync(join(outDir, `${stamp}.json`), `${JSON.stringify({ machine, results }, null, 2)}\n`);
console.log(`\n${markdown}`);
console.log(`written to bench-results/${stamp}.md and .json`);
process.exitCode = results.some((result) => result.exitCode !== 0) ? 1 : 0;

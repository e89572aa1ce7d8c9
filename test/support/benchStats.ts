// What the benchmarks print and report: medians of interleaved samples, with their spread, and one row per
// comparison for `npm run bench` (test/bench/run.ts), which gathers every bench file's rows into one table.
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds one run of a command takes (its output dropped); throws, with its stderr, when it fails. */
export function timedCommand(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

/** "median 12.3 ms (min 10.1, max 20.4)" */
export function summary(values: number[]): string {
  return `median ${median(values).toFixed(1)} ms (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;
}

/** One line of the benchmark table: Berth's median beside the anchor's, measured in the same run. */
export interface BenchRow {
  /** What is measured, for example "start to exit through the API (busybox true)". */
  name: string;
  /** ms, MiB, KiB, MiB/s … the unit of both medians. */
  unit: string;
  berth: number;
  /** The real alternative it is compared with, for example "runc run". */
  anchorName?: string;
  anchor?: number;
  /** Samples on each side (interleaved rounds). */
  samples?: number;
  note?: string;
}

/** The environment variable through which `npm run bench` asks each bench file for its rows (JSON lines). */
export const BENCH_ROWS_ENV = 'BERTH_BENCH_ROWS';

/** Prints the row, and hands it to `npm run bench` when that runs the file. */
export function reportRow(row: BenchRow): void {
  const out = process.env[BENCH_ROWS_ENV];
  if (out) appendFileSync(out, `${JSON.stringify(row)}\n`);
  const ratio = row.anchor ? ` | ${row.anchorName ?? 'anchor'} ${formatValue(row.anchor)} ${row.unit} | ratio ${(row.berth / row.anchor).toFixed(2)}` : '';
  console.log(`ROW ${row.name}: berth ${formatValue(row.berth)} ${row.unit}${ratio}${row.note ? ` (${row.note})` : ''}`);
}

export function formatValue(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

// The Stats view's text: the latest sample of CPU, memory, pids, block and network I/O, with a short
// history of CPU and memory drawn in block characters. Pure: unit-tested.
import type { ContainerStats } from '../../../helper/src/protocol';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of values between 0 and max. */
export function sparkline(values: readonly number[], max: number): string {
  return values
    .map((v) => BARS[Math.max(0, Math.min(BARS.length - 1, Math.round((max > 0 ? v / max : 0) * (BARS.length - 1))))])
    .join('');
}

export const HISTORY = 60;

export class StatsHistory {
  readonly samples: ContainerStats[] = [];

  add(sample: ContainerStats): void {
    this.samples.push(sample);
    if (this.samples.length > HISTORY) this.samples.shift();
  }

  get latest(): ContainerStats | undefined {
    return this.samples[this.samples.length - 1];
  }
}

export function statsText(name: string, history: StatsHistory, ended?: string): string {
  const s = history.latest;
  if (!s) return `${name}\n\n${ended ?? 'waiting for the first sample…'}\n`;
  const cpuMax = Math.max(100, ...history.samples.map((x) => x.cpuPercent));
  const lines = [
    `${name}  (${s.id.slice(0, 12)})   sampled ${s.read}`,
    '',
    `CPU       ${s.cpuPercent.toFixed(1).padStart(7)} %     ${sparkline(history.samples.map((x) => x.cpuPercent), cpuMax)}`,
    `Memory    ${formatBytes(s.memoryUsage).padStart(11)} / ${formatBytes(s.memoryLimit)} (${s.memoryPercent.toFixed(1)} %)   ${sparkline(history.samples.map((x) => x.memoryPercent), 100)}`,
    `PIDs      ${String(s.pids).padStart(7)}`,
    `Block I/O ${formatBytes(s.blockRead).padStart(11)} read, ${formatBytes(s.blockWrite)} written`,
    `Net I/O   ${formatBytes(s.netRx).padStart(11)} received, ${formatBytes(s.netTx)} sent`,
  ];
  if (ended) lines.push('', ended);
  return lines.join('\n') + '\n';
}

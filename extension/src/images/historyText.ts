// An image's history as `docker history` shows it. Pure: unit-tested.
import type { ImageHistoryEntry } from '../../../helper/src/protocol';
import { formatImageSize } from './imageRows';

export function historyText(reference: string, entries: readonly ImageHistoryEntry[]): string {
  const rows = entries.map((e) => [
    e.id === '<missing>' ? '<missing>' : e.id.replace(/^sha256:/, '').slice(0, 12),
    e.created ?? '',
    e.emptyLayer ? '0B' : formatImageSize(e.size),
    e.createdBy.replace(/\s+/g, ' '),
    e.comment,
  ]);
  const header = ['LAYER', 'CREATED', 'SIZE', 'CREATED BY', 'COMMENT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 3 ? Math.min(r[i].length, 80) : r[i].length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 3 && c.length > 80 ? `${c.slice(0, 79)}…` : c).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [`History of ${reference}`, '', line(header), ...rows.map(line)].join('\n') + '\n';
}

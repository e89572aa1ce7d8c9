// One target's images as the tree shows them: a row per name (busybox:test), dangling images (no name
// left) set apart, each with its size and age; and which rows a fresh list changed, so that the tree
// refreshes only those. Pure: unit-tested.
import type { ImageSummary } from '../../../helper/src/protocol';

export interface ImageRow {
  /** Stable within the target: the image id and the name. */
  key: string;
  /** What the user reads and what commands pass on: the short name, or the short id when dangling. */
  reference: string;
  dangling: boolean;
  image: ImageSummary;
}

/** docker.io/library/busybox:latest → busybox:latest; docker.io/user/app:1 → user/app:1. */
export function shortReference(reference: string): string {
  return reference.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function imageRows(images: readonly ImageSummary[]): { tagged: ImageRow[]; dangling: ImageRow[] } {
  const tagged: ImageRow[] = [];
  const dangling: ImageRow[] = [];
  for (const image of images) {
    if (image.repoTags.length === 0) {
      dangling.push({ key: image.id, reference: shortId(image.id), dangling: true, image });
      continue;
    }
    for (const tag of image.repoTags) tagged.push({ key: `${image.id}/${tag}`, reference: shortReference(tag), dangling: false, image });
  }
  tagged.sort((a, b) => a.reference.localeCompare(b.reference));
  dangling.sort((a, b) => (b.image.created ?? '').localeCompare(a.image.created ?? '') || a.key.localeCompare(b.key));
  return { tagged, dangling };
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Sizes as `docker images` shows them (decimal units). */
export function formatImageSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)}${UNITS[unit]}`;
}

/** "3 days ago", "just now"; undefined when the image does not say when it was made. */
export function formatAge(created: string | undefined, now: number): string | undefined {
  if (!created) return undefined;
  const then = Date.parse(created);
  if (Number.isNaN(then)) return undefined;
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  const steps: Array<[number, string]> = [
    [60 * 60 * 24 * 365, 'year'],
    [60 * 60 * 24 * 30, 'month'],
    [60 * 60 * 24 * 7, 'week'],
    [60 * 60 * 24, 'day'],
    [60 * 60, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of steps) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

export function imageDescription(row: ImageRow, now: number): string {
  return [formatImageSize(row.image.size), formatAge(row.image.created, now), row.dangling ? undefined : shortId(row.image.id)]
    .filter((part): part is string => part !== undefined)
    .join(' · ');
}

export type RowsChange = { kind: 'none' } | { kind: 'rows'; keys: string[] } | { kind: 'list' };

/** What replacing `before` by `after` changes: nothing, some rows' content, or the rows themselves. */
export function diffRows(before: ReturnType<typeof imageRows>, after: ReturnType<typeof imageRows>): RowsChange {
  const keys = (rows: ReturnType<typeof imageRows>) => [...rows.tagged, ...rows.dangling].map((r) => r.key).join('\n');
  if (keys(before) !== keys(after) || before.dangling.length !== after.dangling.length) return { kind: 'list' };
  const old = new Map([...before.tagged, ...before.dangling].map((r) => [r.key, JSON.stringify(r)]));
  const changed = [...after.tagged, ...after.dangling].filter((r) => old.get(r.key) !== JSON.stringify(r)).map((r) => r.key);
  return changed.length === 0 ? { kind: 'none' } : { kind: 'rows', keys: changed };
}

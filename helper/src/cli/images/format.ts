// Docker's way of showing images: a padded table, short ids, sizes in SI units, "3 hours ago".
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! + 3))).join('').trimEnd() + '\n').join('');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value}${units[unit]}` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)}${units[unit]}`;
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'N/A';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const steps: [number, string][] = [
    [60 * 60 * 24 * 365, 'year'],
    [60 * 60 * 24 * 30, 'month'],
    [60 * 60 * 24 * 7, 'week'],
    [60 * 60 * 24, 'day'],
    [60 * 60, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of steps) {
    const count = Math.floor(seconds / size);
    if (count >= 1) return `${count === 1 ? (name === 'hour' ? 'About an' : 'a') : count} ${name}${count === 1 ? '' : 's'} ago`;
  }
  return seconds < 1 ? 'Less than a second ago' : `${seconds} seconds ago`;
}

/** docker.io/library/busybox:latest → [busybox, latest] */
export function repositoryAndTag(full: string): [string, string] {
  const short = full.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
  const colon = short.lastIndexOf(':');
  return colon > short.lastIndexOf('/') ? [short.slice(0, colon), short.slice(colon + 1)] : [short, '<none>'];
}

// The Containers view's grouping within each target (berth.containers.groupBy): none, by image or by
// state. Pure: unit-tested.

export type ContainerGrouping = 'none' | 'image' | 'state';

/** States in the order their groups show: what runs first, as the default sort does for rows. */
const STATE_ORDER = ['running', 'restarting', 'paused', 'created', 'exited', 'dead', 'removing'];

export interface ContainerSubgroup<T> {
  /** The image reference or the state. */
  key: string;
  /** The containers in it, in the order they came (the view's sort). */
  members: T[];
}

/** Splits the (sorted) containers into subgroups: by image alphabetically, by state in STATE_ORDER. */
export function groupContainers<T extends { image: string; state: string }>(sorted: readonly T[], by: 'image' | 'state'): Array<ContainerSubgroup<T>> {
  const groups = new Map<string, T[]>();
  for (const container of sorted) {
    const key = by === 'image' ? container.image : container.state;
    const members = groups.get(key);
    if (members) members.push(container);
    else groups.set(key, [container]);
  }
  const rank = (key: string) => (by === 'state' ? (STATE_ORDER.indexOf(key) + 1 || STATE_ORDER.length + 1) : 0);
  return [...groups]
    .map(([key, members]) => ({ key, members }))
    .sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
}

/** A subgroup's label: the image as written, a state capitalised as the rows' status is. */
export function subgroupLabel(by: 'image' | 'state', key: string): string {
  return by === 'state' ? key.charAt(0).toUpperCase() + key.slice(1) : key;
}

// One target's containers as the tree shows them, and what each change means for the tree: nothing, one
// row's content (refresh that row only), or the list's membership or order (refresh the group, whose
// rows keep their ids and so the user's selection). No vscode here: unit-tested on its own.
import type { ContainerStatus, ContainerSummary } from '../../../helper/src/protocol';

export type SetChange = 'none' | 'item' | 'list';

/** Running ones first (paused and restarting count as running), then the rest; by name within each. */
const STATE_RANK: Record<ContainerStatus, number> = {
  running: 0,
  restarting: 0,
  paused: 1,
  created: 2,
  removing: 2,
  exited: 2,
  dead: 3,
};

/** The setting berth.containers.sortBy: running first (then by name), by name, or newest first. */
export type ContainerSort = 'state' | 'name' | 'created';

export function compareContainers(a: ContainerSummary, b: ContainerSummary, sort: ContainerSort = 'state'): number {
  const byName = a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  if (sort === 'name') return byName;
  if (sort === 'created') return b.created.localeCompare(a.created) || byName;
  return STATE_RANK[a.state] - STATE_RANK[b.state] || byName;
}

export class ContainerSet {
  private readonly byId = new Map<string, ContainerSummary>();
  private order: string[] = [];

  constructor(private readonly sort: () => ContainerSort = () => 'state') {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): ContainerSummary | undefined {
    return this.byId.get(id);
  }

  /** In the tree's order. */
  sorted(): ContainerSummary[] {
    return this.order.map((id) => this.byId.get(id)!);
  }

  /** Replaces everything (a fresh list after (re)subscribing). */
  replaceAll(list: readonly ContainerSummary[]): SetChange {
    const before = this.order.join('\n');
    const contentBefore = JSON.stringify(this.sorted());
    this.byId.clear();
    for (const summary of list) this.byId.set(summary.id, summary);
    this.reorder();
    if (this.order.join('\n') !== before) return 'list';
    return JSON.stringify(this.sorted()) === contentBefore ? 'none' : 'list';
  }

  /** Adds or updates one container. */
  upsert(summary: ContainerSummary): SetChange {
    const previous = this.byId.get(summary.id);
    if (previous && sameSummary(previous, summary)) return 'none';
    this.byId.set(summary.id, summary);
    const orderBefore = this.order.join('\n');
    this.reorder();
    return previous && this.order.join('\n') === orderBefore ? 'item' : 'list';
  }

  remove(id: string): SetChange {
    if (!this.byId.delete(id)) return 'none';
    this.order = this.order.filter((other) => other !== id);
    return 'list';
  }

  /** Sorts again (the sort setting changed). */
  resort(): SetChange {
    const before = this.order.join('\n');
    this.reorder();
    return this.order.join('\n') === before ? 'none' : 'list';
  }

  clear(): SetChange {
    if (this.byId.size === 0) return 'none';
    this.byId.clear();
    this.order = [];
    return 'list';
  }

  private reorder(): void {
    const sort = this.sort();
    this.order = [...this.byId.values()].sort((a, b) => compareContainers(a, b, sort)).map((summary) => summary.id);
  }
}

function sameSummary(a: ContainerSummary, b: ContainerSummary): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

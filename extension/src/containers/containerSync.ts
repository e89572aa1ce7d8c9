// Keeps one target's ContainerSet in step with its helper from the event stream alone (no polling):
// subscribe first, then list, so nothing that happens in between is lost; each container event re-reads
// only that container (coalesced: while one read is in flight, further events for it ask for one more).
// No vscode here: the helper is reached through the small ContainerSource interface, faked in tests.
import type { BerthEvent, ContainerSummary } from '../../../helper/src/protocol';
import { ContainerSet, type ContainerSort, type SetChange } from './containerSet';

export interface ContainerSource {
  /** Every container (all: true). */
  list(): Promise<ContainerSummary[]>;
  /** One container by full id, or undefined once it is gone. */
  get(id: string): Promise<ContainerSummary | undefined>;
}

export interface SyncListener {
  /** What changed; `id` names the one container for an 'item' change. */
  (change: Exclude<SetChange, 'none'>, id?: string): void;
}

export class ContainerSync {
  readonly set: ContainerSet;
  private listed = false;
  /** Events that arrived before the first list answered: their containers are re-read after it. */
  private readonly early = new Set<string>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private disposed = false;

  constructor(
    private readonly source: ContainerSource,
    private readonly listener: SyncListener,
    private readonly onError: (error: unknown) => void = () => undefined,
    sort: () => ContainerSort = () => 'state',
  ) {
    this.set = new ContainerSet(sort);
  }

  /** The first list (call once the event subscription is open). */
  async start(): Promise<void> {
    const list = await this.source.list();
    if (this.disposed) return;
    this.listed = true;
    this.emit(this.set.replaceAll(list));
    const early = [...this.early];
    this.early.clear();
    await Promise.all(early.map((id) => this.refresh(id)));
  }

  /** One event from the stream. */
  onEvent(event: BerthEvent): void {
    if (event.type !== 'container' || this.disposed) return;
    if (!this.listed) {
      this.early.add(event.id);
      return;
    }
    if (event.action === 'destroy') {
      this.again.delete(event.id);
      this.emit(this.set.remove(event.id), event.id);
      return;
    }
    void this.refresh(event.id);
  }

  /** Re-reads one container (what an event or a finished command asks for). */
  refresh(id: string): Promise<void> {
    const inFlight = this.reading.get(id);
    if (inFlight) {
      this.again.add(id);
      return inFlight;
    }
    const read = (async () => {
      try {
        do {
          this.again.delete(id);
          const summary = await this.source.get(id);
          if (this.disposed) return;
          this.emit(summary ? this.set.upsert(summary) : this.set.remove(id), id);
        } while (this.again.has(id));
      } catch (error) {
        this.onError(error);
      } finally {
        this.reading.delete(id);
      }
    })();
    this.reading.set(id, read);
    return read;
  }

  dispose(): void {
    this.disposed = true;
  }

  private emit(change: SetChange, id?: string): void {
    if (change !== 'none') this.listener(change, id);
  }
}

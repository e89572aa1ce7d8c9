// A pull's or push's progress items (ImageProgress) folded into what a progress notification shows: one
// line about the layers and how far the bytes are, and the fraction done. Pure: unit-tested.
import { schemas } from '../../../helper/src/protocol/schemas';
import { formatImageSize } from './imageRows';

interface Layer {
  phase: string;
  current: number;
  total: number;
}

export class TransferProgress {
  private readonly layers = new Map<string, Layer>();
  private status = '';

  /** Folds items in; returns how much of the whole (0…1) this moved it, for Progress.report's increment. */
  add(items: readonly unknown[]): number {
    const before = this.fraction;
    for (const raw of items) {
      const parsed = schemas().ImageProgress.safeParse(raw);
      if (!parsed.success) continue;
      const item = parsed.data;
      if (!item.digest) {
        if (item.message) this.status = item.message;
        else this.status = item.phase;
        continue;
      }
      this.status = ''; // a layer's news is newer than the last general word
      const layer = this.layers.get(item.digest) ?? { phase: item.phase, current: 0, total: 0 };
      layer.phase = item.phase;
      if (item.total !== undefined) layer.total = item.total;
      if (item.current !== undefined) layer.current = item.current;
      if (['exists', 'done', 'verify', 'unpack'].includes(item.phase) && layer.total > 0) layer.current = layer.total;
      this.layers.set(item.digest, layer);
    }
    return Math.max(0, this.fraction - before);
  }

  get fraction(): number {
    let current = 0;
    let total = 0;
    for (const layer of this.layers.values()) {
      current += Math.min(layer.current, layer.total);
      total += layer.total;
    }
    return total > 0 ? current / total : 0;
  }

  /** "2 of 3 layers done · 12.3MB of 40.1MB · downloading" */
  message(): string {
    const layers = [...this.layers.values()];
    if (layers.length === 0) return this.status;
    const done = layers.filter((l) => ['exists', 'done'].includes(l.phase) || (l.total > 0 && l.current >= l.total)).length;
    const current = layers.reduce((sum, l) => sum + Math.min(l.current, l.total), 0);
    const total = layers.reduce((sum, l) => sum + l.total, 0);
    const active = layers.find((l) => !['exists', 'done'].includes(l.phase) && !(l.total > 0 && l.current >= l.total));
    return [
      `${done} of ${layers.length} layer${layers.length === 1 ? '' : 's'} done`,
      total > 0 ? `${formatImageSize(current)} of ${formatImageSize(total)}` : undefined,
      active?.phase ?? this.status,
    ]
      .filter((part) => part)
      .join(' · ');
  }
}

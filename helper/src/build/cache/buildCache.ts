// The build cache: for each step a build has made, keyed by everything the step's result depends on (the
// key of the step before it, the instruction, the values it expanded, the content of the files it read),
// the layer it produced (none for a step that changed no file) and when it was made. A later build whose
// step has the same key reuses both, so a fully cached build gives the very same image. The cache keeps
// its layers and blobs from the image store's collection until `berth builder prune` clears it.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../fs/writeFileAtomic';
import type { LayerRef } from '../imageState';

export interface CacheEntry {
  layer?: LayerRef;
  /** ISO time the step was first made: its history entry's time, reused on every hit. */
  created: string;
  /** ISO time of the last build that used it. */
  lastUsed: string;
}

interface CacheFile {
  version: 1;
  entries: Record<string, CacheEntry>;
}

export class BuildCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    if (!existsSync(file)) return;
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
      for (const [key, entry] of Object.entries(data.entries ?? {})) this.entries.set(key, entry);
    } catch {
      // A cache that cannot be read is only a slower next build; it is rewritten by the next step.
    }
  }

  get(key: string): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (entry) entry.lastUsed = new Date().toISOString();
    return entry;
  }

  put(key: string, entry: Omit<CacheEntry, 'lastUsed'>): void {
    this.entries.set(key, { ...entry, lastUsed: new Date().toISOString() });
    this.save();
  }

  /** Saves the times the last build used (once per build, not per hit). */
  flush(): void {
    this.save();
  }

  get size(): number {
    return this.entries.size;
  }

  /** What the cache keeps from the image store's collection. */
  roots(): { blobs: string[]; layers: string[] } {
    const layers = [...this.entries.values()].flatMap((entry) => (entry.layer ? [entry.layer] : []));
    return { blobs: layers.map((layer) => layer.digest), layers: layers.map((layer) => layer.diffId) };
  }

  /** Forgets every entry (`all`), or those not used for `olderThanMs`; how many went. */
  prune(olderThanMs?: number): number {
    const before = this.entries.size;
    const limit = olderThanMs === undefined ? Infinity : Date.now() - olderThanMs;
    for (const [key, entry] of this.entries) {
      if (olderThanMs === undefined || Date.parse(entry.lastUsed) < limit) this.entries.delete(key);
    }
    const removed = before - this.entries.size;
    if (removed > 0) this.save();
    return removed;
  }

  private save(): void {
    const data: CacheFile = { version: 1, entries: Object.fromEntries(this.entries) };
    writeFileAtomic(this.file, `${JSON.stringify(data)}\n`, 0o600);
  }
}

// The store's list of images: one JSON file (`images.json`), rewritten whole and atomically (temp file,
// fsync, rename) on every change, held in memory so that lookups are synchronous. An image is listed
// only once every blob and unpacked layer it needs is in place, so a crash mid-pull lists nothing half.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../fs/writeFileAtomic';
import { formatReference, parseReference, ReferenceError } from './reference';

export interface StoredLayer {
  /** The blob's digest (compressed as it came). */
  digest: string;
  mediaType: string;
  size: number;
  /** Digest of the uncompressed tar: names the unpacked directory. */
  diffId: string;
}

export interface ImageRecord {
  /** sha256 of the config blob. */
  id: string;
  manifestDigest: string;
  manifestMediaType: string;
  /** Full names with tags: docker.io/library/busybox:latest. */
  references: string[];
  /** name@sha256:… of the manifest in each repository it came from. */
  repoDigests: string[];
  layers: StoredLayer[];
  /** The config's "config" object. */
  config: Record<string, unknown>;
  created?: string;
  os: string;
  architecture: string;
  variant?: string;
  /** Bytes of file content in its layers, unpacked. */
  size: number;
  /** When it came into this store. */
  added: string;
  /** Who uses it (container ids): it cannot be removed without force while any does. */
  holders: string[];
}

interface IndexFile {
  version: 1;
  images: ImageRecord[];
}

export class ImageNotFoundError extends Error {
  constructor(reference: string) {
    super(`No such image: ${reference}`);
    this.name = 'ImageNotFoundError';
  }
}

export class AmbiguousImageError extends Error {}

const FULL_ID = /^(?:sha256:)?([0-9a-f]{64})$/;
const ID_PREFIX = /^(?:sha256:)?([0-9a-f]{4,63})$/;

export class ImageIndex {
  private readonly images = new Map<string, ImageRecord>();

  constructor(private readonly file: string) {
    if (!existsSync(file)) return;
    const data = JSON.parse(readFileSync(file, 'utf8')) as IndexFile;
    for (const record of data.images) this.images.set(record.id, record);
  }

  all(): ImageRecord[] {
    return [...this.images.values()];
  }

  get(id: string): ImageRecord | undefined {
    return this.images.get(id);
  }

  /**
   * Like Docker: a full id; else a name (name:tag, name@digest); else an unambiguous id prefix of at
   * least 4 hex digits. Throws ImageNotFoundError.
   */
  find(reference: string): ImageRecord {
    const full = FULL_ID.exec(reference);
    if (full) {
      const record = this.images.get(`sha256:${full[1]}`);
      if (record) return record;
    }
    let parsed;
    try {
      parsed = parseReference(reference);
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
    }
    if (parsed) {
      const name = formatReference(parsed);
      for (const record of this.images.values()) {
        if (parsed.digest !== undefined) {
          const repoDigest = `${parsed.domain}/${parsed.path}@${parsed.digest}`;
          if (record.repoDigests.includes(repoDigest)) return record;
        } else if (record.references.includes(name)) return record;
      }
    }
    const prefix = ID_PREFIX.exec(reference);
    if (prefix) {
      const matches = this.all().filter((record) => record.id.startsWith(`sha256:${prefix[1]}`));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw new AmbiguousImageError(`the id prefix ${reference} matches ${matches.length} images; give more of it`);
    }
    throw new ImageNotFoundError(reference);
  }

  /** Adds an image, or merges names into the one with the same id. Moves each tag off any other image. */
  put(record: ImageRecord): ImageRecord {
    const existing = this.images.get(record.id);
    const merged = existing
      ? {
          ...existing,
          repoDigests: [...new Set([...existing.repoDigests, ...record.repoDigests])],
        }
      : record;
    this.images.set(merged.id, merged);
    for (const name of record.references) this.tagInMemory(merged.id, name);
    this.save();
    return merged;
  }

  /** Points `name` (full form) at the image, taking it off another; returns the image that lost it. */
  tag(id: string, name: string): ImageRecord | undefined {
    const previous = this.tagInMemory(id, name);
    this.save();
    return previous;
  }

  untag(id: string, name: string): void {
    const record = this.images.get(id);
    if (!record) return;
    record.references = record.references.filter((r) => r !== name);
    const repo = repositoryOf(name);
    if (!record.references.some((r) => repositoryOf(r) === repo)) record.repoDigests = record.repoDigests.filter((d) => repositoryOf(d) !== repo);
    this.save();
  }

  addRepoDigest(id: string, repoDigest: string): void {
    const record = this.images.get(id);
    if (!record || record.repoDigests.includes(repoDigest)) return;
    record.repoDigests.push(repoDigest);
    this.save();
  }

  remove(id: string): void {
    if (this.images.delete(id)) this.save();
  }

  retain(id: string, holder: string): void {
    const record = this.images.get(id);
    if (!record) throw new ImageNotFoundError(id);
    if (!record.holders.includes(holder)) {
      record.holders.push(holder);
      this.save();
    }
  }

  release(id: string, holder: string): void {
    const record = this.images.get(id);
    if (!record || !record.holders.includes(holder)) return;
    record.holders = record.holders.filter((h) => h !== holder);
    this.save();
  }

  private tagInMemory(id: string, name: string): ImageRecord | undefined {
    let previous: ImageRecord | undefined;
    for (const record of this.images.values()) {
      if (record.id !== id && record.references.includes(name)) {
        record.references = record.references.filter((r) => r !== name);
        previous = record;
      }
    }
    const record = this.images.get(id)!;
    if (!record.references.includes(name)) record.references.push(name);
    return previous;
  }

  private save(): void {
    const data: IndexFile = { version: 1, images: this.all() };
    writeFileAtomic(this.file, `${JSON.stringify(data, null, 1)}\n`, 0o600);
  }
}

/** docker.io/library/busybox of docker.io/library/busybox:latest or …@sha256:… */
export function repositoryOf(name: string): string {
  const at = name.indexOf('@');
  const withoutDigest = at === -1 ? name : name.slice(0, at);
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

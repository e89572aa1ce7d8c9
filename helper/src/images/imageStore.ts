// The image store under the daemon's root (`ROOT/images`): blobs by digest (blobStore), unpacked layers
// shared by every image that has them (layerStore), and the list of images by id and name (imageIndex).
// An image is added to the list only after all its blobs and layers are in place, so nothing half is
// ever listed; what a crash leaves (temp files, temp layer dirs) is removed at open, and verified blobs
// are kept so that a pull that is tried again does not fetch them again.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { EventBus } from '../events/eventBus';
import type { Logger } from '../logging/logger';
import { BlobStore } from './blobStore';
import { applyChanges } from './changes';
import { decompressedLayer } from './decompress';
import { ImageIndex, ImageNotFoundError, type ImageRecord, type StoredLayer } from './imageIndex';
import { LayerStore } from './layerStore';
import { hostPlatform, ImageConfigFile, MediaType, parseDocument, type Manifest } from './ociTypes';
import { familiarName, normalizeReference, ReferenceError } from './reference';
import { tarDirectory } from './tarDirectory';
import { DEFAULT_UNPACK_LIMITS, UnpackBudget, type UnpackLimits } from './unpackLimits';

export { ImageNotFoundError } from './imageIndex';
export type { ImageRecord } from './imageIndex';

export interface ResolvedImage {
  /** "sha256:<hex>" of the image config blob. */
  id: string;
  /** Full names: docker.io/library/busybox:latest … */
  references: string[];
  /** The image config's "config" object (Entrypoint, Cmd, Env, …); {} if none. */
  config: Record<string, unknown>;
  /** Absolute paths of the unpacked layer directories, lowest first (empty for a scratch image). */
  layerDirs: string[];
}

export interface ImageStoreOptions {
  logger: Logger;
  events: EventBus;
  /** Guards against decompression bombs, per layer and per image (unpackLimits.ts); defaults for the rest. */
  limits?: Partial<UnpackLimits>;
}

export interface ImportOptions {
  /** name[:tag] to give the image; without one it is listed untagged. */
  reference?: string;
  /** Dockerfile-style changes to its config (CMD, ENV, WORKDIR, …). */
  changes?: string[];
  /** The history entry's comment. */
  message?: string;
}

/** What an image is made of, with every blob already in the blob store. */
export interface NewImage {
  manifest: Buffer;
  manifestMediaType: string;
  config: Buffer;
  layers: Omit<StoredLayer, 'diffId'>[];
  references: string[];
  repoDigests: string[];
}

export class ImageStore {
  private readonly pins = new Map<string, number>();
  /** Images that exist only while a build runs (a stage's state for a step's container): never listed. */
  private readonly transient = new Map<string, ResolvedImage>();
  /** Content kept from collection by something other than the images (the build cache). */
  private readonly roots: Array<() => { blobs: string[]; layers: string[] }> = [];

  private constructor(
    readonly dir: string,
    readonly blobs: BlobStore,
    readonly layers: LayerStore,
    readonly index: ImageIndex,
    readonly logger: Logger,
    readonly events: EventBus,
    readonly limits: UnpackLimits,
  ) {}

  /** A fresh budget for one image's layers (UnpackBudget.forImage), for whoever unpacks them. */
  imageBudget(): UnpackBudget {
    return UnpackBudget.forImage(this.limits);
  }

  static async open(dir: string, options: ImageStoreOptions): Promise<ImageStore> {
    const blobs = await BlobStore.open(dir);
    const limits = { ...DEFAULT_UNPACK_LIMITS, ...options.limits };
    const layers = new LayerStore(join(dir, 'layers'), limits);
    const index = new ImageIndex(join(dir, 'images.json'));
    return new ImageStore(dir, blobs, layers, index, options.logger, options.events, limits);
  }

  /** name[:tag], name@sha256:…, a full id or an unambiguous id prefix (≥ 4 hex digits). */
  resolve(reference: string): ResolvedImage {
    const transient = this.transient.get(reference);
    if (transient) return structuredClone(transient);
    return this.toResolved(this.index.find(reference));
  }

  /**
   * An image made of layers already in the layer store and a config, resolvable by the id returned until
   * released, never listed or saved: what a build's step runs its container from. Its layers are pinned.
   */
  addTransient(config: Record<string, unknown>, diffIds: string[]): { id: string; release(): void } {
    const id = `sha256:${randomBytes(32).toString('hex')}`;
    const unpin = this.pin(diffIds);
    this.transient.set(id, { id, references: [], config: structuredClone(config), layerDirs: this.layerDirsOf(diffIds) });
    return {
      id,
      release: () => {
        if (this.transient.delete(id)) unpin();
      },
    };
  }

  /** Adds content that collection must keep (asked at each collection). */
  addRoots(provider: () => { blobs: string[]; layers: string[] }): void {
    this.roots.push(provider);
  }

  /** Removes every blob and layer that no image, root or running operation uses; bytes freed. */
  async collectUnused(): Promise<number> {
    const blobs = (await this.blobs.list()).map((b) => b.digest);
    const freed = await this.collect({ blobs, layers: this.layers.list() });
    await this.blobs.gc();
    return freed;
  }

  /** The stored record (for inspect, list, save, push). */
  record(reference: string): ImageRecord {
    return this.index.find(reference);
  }

  retain(imageId: string, holder: string): void {
    if (this.transient.has(imageId)) return;
    this.index.retain(imageId, holder);
  }

  release(imageId: string, holder: string): void {
    this.index.release(imageId, holder);
  }

  /** A root filesystem (a directory, or a tar that may be gzip-compressed) as a one-layer image. */
  async importRootfs(source: string, options: ImportOptions = {}): Promise<ResolvedImage> {
    const info = await stat(source);
    const tar = info.isDirectory() ? tarDirectory(source) : await decompressedLayer(createReadStream(source));
    return this.importTar(tar, options, info.isDirectory() ? source : undefined);
  }

  /** A root filesystem tar (uncompressed, or compressed when it is a Readable) as a one-layer image. */
  async importTar(tar: AsyncIterable<Buffer> | Readable, options: ImportOptions = {}, sourceName?: string): Promise<ResolvedImage> {
    const reference = options.reference === undefined ? undefined : normalizeReference(options.reference);
    const now = new Date().toISOString();
    const imageConfig = applyChanges({}, options.changes ?? []);
    const layer = await this.blobs.putStream(tar);
    const unpin = this.pin([layer.digest]);
    try {
      return await this.importLayer(layer, reference, imageConfig, now, options.message, sourceName);
    } finally {
      unpin();
    }
  }

  private async importLayer(
    layer: { digest: string; size: number },
    reference: string | undefined,
    imageConfig: Record<string, unknown>,
    now: string,
    message: string | undefined,
    sourceName: string | undefined,
  ): Promise<ResolvedImage> {
    const platform = hostPlatform();
    const config = {
      created: now,
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: platform.os,
      config: imageConfig,
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
      history: [{ created: now, created_by: 'berth import', ...(message ? { comment: message } : {}) }],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const configBlob = await this.blobs.putBytes(configBytes);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers: [{ mediaType: MediaType.ociLayer, digest: layer.digest, size: layer.size }],
    };
    const record = await this.addImage({
      manifest: Buffer.from(JSON.stringify(manifest)),
      manifestMediaType: MediaType.ociManifest,
      config: configBytes,
      layers: manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
      references: reference === undefined ? [] : [reference],
      repoDigests: [],
    });
    this.logger.info(`imported ${sourceName ?? 'a tar'} as ${record.id}${reference ? ` (${reference})` : ''}`);
    this.events.publish('image', 'import', record.id, reference ? { name: reference } : {});
    return this.toResolved(record);
  }

  /**
   * Lists an image whose manifest, config and layer blobs are in the blob store: stores the manifest and
   * config blobs, unpacks each layer not unpacked yet (checking its diff id), and only then lists it.
   */
  async addImage(image: NewImage): Promise<ImageRecord> {
    const manifestBlob = await this.blobs.putBytes(image.manifest);
    const configBlob = await this.blobs.putBytes(image.config);
    const config = parseDocument(ImageConfigFile, image.config, `image config ${configBlob.digest}`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== image.layers.length) {
      throw new Error(`image config ${configBlob.digest} names ${diffIds.length} layers but its manifest has ${image.layers.length}`);
    }
    let size = 0;
    const layers: StoredLayer[] = [];
    const budget = this.imageBudget();
    for (const [i, layer] of image.layers.entries()) {
      const diffId = diffIds[i]!;
      size += await this.layers.ensure(diffId, () => this.blobs.open(layer.digest), budget);
      layers.push({ ...layer, diffId });
    }
    return this.index.put({
      id: configBlob.digest,
      manifestDigest: manifestBlob.digest,
      manifestMediaType: image.manifestMediaType,
      references: image.references,
      repoDigests: image.repoDigests,
      layers,
      config: config.config ?? {},
      ...(config.created ? { created: config.created } : {}),
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
      size,
      added: new Date().toISOString(),
      holders: [],
    });
  }

  /** Gives the image one more name (full form returned); the name is taken off any other image. */
  tag(reference: string, name: string): string {
    const record = this.index.find(reference);
    const full = normalizeReference(name);
    if (full.includes('@')) throw new ReferenceError(name, 'a tag cannot hold a digest');
    const previous = this.index.tag(record.id, full);
    this.events.publish('image', 'tag', record.id, { name: full });
    if (previous) this.events.publish('image', 'untag', previous.id, { name: full });
    return full;
  }

  /**
   * Docker's rmi: a name that is one of several only loses that name; otherwise the image goes, with the
   * blobs and layers nothing else uses. An image a container holds is refused, or with `force` only loses
   * its names (it stays, untagged, until released and pruned), as Docker does.
   */
  async remove(reference: string, force = false): Promise<{ untagged: string[]; deleted: string[] }> {
    const record = this.index.find(reference);
    const byName = record.references.find((r) => r === tryNormalize(reference));
    const byRepoDigest = record.repoDigests.find((r) => r === tryNormalize(reference));
    if (byName && record.references.length > 1) {
      this.index.untag(record.id, byName);
      this.events.publish('image', 'untag', record.id, { name: byName });
      return { untagged: [byName], deleted: [] };
    }
    if (!byName && !byRepoDigest && record.references.length > 1 && !force) {
      throw new ImageConflictError(
        `unable to delete ${shortId(record.id)} (must be forced): the image is referenced in several repositories (${record.references.map(familiarName).join(', ')})`,
      );
    }
    if (record.holders.length > 0 && !force) {
      throw new ImageConflictError(
        `unable to remove ${reference} (must force): the image ${shortId(record.id)} is being used by container ${record.holders.map((h) => h.slice(0, 12)).join(', ')}`,
      );
    }
    const untagged = [...record.references, ...record.repoDigests];
    for (const name of record.references) {
      this.index.untag(record.id, name);
      this.events.publish('image', 'untag', record.id, { name });
    }
    if (record.holders.length > 0) return { untagged, deleted: [] };
    this.index.remove(record.id);
    this.events.publish('image', 'delete', record.id, {});
    await this.collect(this.contentOf(record));
    return { untagged, deleted: [record.id] };
  }

  /** Removes untagged images (every unused one with `all`), then every blob and layer nothing uses. */
  async prune(all = false): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const deleted: string[] = [];
    for (const record of this.index.all()) {
      if (record.holders.length > 0 || (!all && record.references.length > 0)) continue;
      for (const name of record.references) this.index.untag(record.id, name);
      this.index.remove(record.id);
      this.events.publish('image', 'delete', record.id, {});
      deleted.push(record.id);
    }
    const spaceReclaimed = await this.collectUnused();
    this.events.publish('image', 'prune', '', { reclaimed: String(spaceReclaimed) });
    return { deleted, spaceReclaimed };
  }

  /** Keeps blobs and layers from collection while an operation (a pull, a load) that will list them runs. */
  pin(digests: string[]): () => void {
    for (const d of digests) this.pins.set(d, (this.pins.get(d) ?? 0) + 1);
    return () => {
      for (const d of digests) {
        const n = (this.pins.get(d) ?? 1) - 1;
        if (n <= 0) this.pins.delete(d);
        else this.pins.set(d, n);
      }
    };
  }

  private contentOf(record: ImageRecord): { blobs: string[]; layers: string[] } {
    return { blobs: [record.id, record.manifestDigest, ...record.layers.map((l) => l.digest)], layers: record.layers.map((l) => l.diffId) };
  }

  /** Removes those of the candidates that no listed image and no running operation uses; bytes freed. */
  private async collect(candidates: { blobs: string[]; layers: string[] }): Promise<number> {
    const used = new Set<string>(this.pins.keys());
    for (const roots of this.roots) {
      const kept = roots();
      for (const d of [...kept.blobs, ...kept.layers]) used.add(d);
    }
    for (const record of this.index.all()) {
      const content = this.contentOf(record);
      for (const d of [...content.blobs, ...content.layers]) used.add(d);
    }
    let freed = 0;
    for (const diffId of new Set(candidates.layers)) {
      if (used.has(diffId) || !this.layers.has(diffId)) continue;
      freed += this.layers.size(diffId);
      this.layers.remove(diffId);
    }
    for (const digest of new Set(candidates.blobs)) {
      if (used.has(digest)) continue;
      try {
        freed += (await stat(this.blobs.path(digest))).size;
      } catch {
        continue;
      }
      await this.blobs.remove(digest);
    }
    return freed;
  }

  toResolved(record: ImageRecord): ResolvedImage {
    return {
      id: record.id,
      references: [...record.references],
      config: structuredClone(record.config),
      layerDirs: this.layerDirsOf(record.layers.map((l) => l.diffId)),
    };
  }

  /**
   * A layer that comes twice needs to be a lower directory once, at its highest place: what it brings
   * and hides the second time covers what it did the first time.
   */
  private layerDirsOf(diffIds: string[]): string[] {
    return diffIds.filter((id, i, all) => all.lastIndexOf(id) === i).map((id) => this.layers.path(id));
  }

  /** busybox:latest for docker.io/library/busybox:latest (for messages). */
  static displayName(full: string): string {
    return familiarName(full);
  }
}

/** The operation is not allowed in the image's state (in use, several names). */
export class ImageConflictError extends Error {}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function tryNormalize(reference: string): string | undefined {
  try {
    return normalizeReference(reference);
  } catch {
    return undefined;
  }
}

export function isImageNotFound(error: unknown): error is ImageNotFoundError {
  return error instanceof ImageNotFoundError;
}

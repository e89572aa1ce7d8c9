// `load`: a `docker save` archive (manifest.json, with layer files anywhere in it, in the old layout
// `<id>/layer.tar` or the new `blobs/sha256/…`) or an OCI image layout archive (index.json and
// blobs/sha256/…). Nothing from the archive is written by its own name: a blob goes into the blob store
// (checked against its digest when its name says one), a small JSON file is kept in memory, and any
// other file is stored as a blob and remembered by name, so the archive's paths never reach the disk.
// The images are listed only once every blob and layer they need is in place.
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { posix } from 'node:path';
import { extract, type Header } from 'tar-stream';
import type { ImageRecord } from '../imageIndex';
import type { ImageStore } from '../imageStore';
import { hostPlatform, ImageConfigFile, ImageIndex, INDEX_TYPES, Manifest, MediaType, parseDocument, type Descriptor } from '../ociTypes';
import { choosePlatform } from '../registry/pull';
import { normalizeReference } from '../reference';

const SMALL_FILE = 4 * 1024 * 1024;
const BLOB_NAME = /^blobs\/sha256\/([0-9a-f]{64})$/;

export class LoadError extends Error {}

interface ArchiveContent {
  /** Small JSON files by their clean names. */
  small: Map<string, Buffer>;
  /** Every other file: its clean name → the digest of its content in the blob store. */
  files: Map<string, string>;
  /** Symlinks by clean name → clean target (old docker save links repeated layers). */
  links: Map<string, string>;
}

export async function loadImages(store: ImageStore, archive: Readable | AsyncIterable<Buffer>): Promise<ImageRecord[]> {
  const pins: (() => void)[] = [];
  try {
    const content = await readArchive(store, archive, pins);
    const records = content.small.has('index.json') ? await loadOciLayout(store, content) : await loadDockerArchive(store, content);
    for (const record of records) {
      store.events.publish('image', 'load', record.id, record.references[0] ? { name: record.references[0] } : {});
    }
    return records;
  } finally {
    for (const unpin of pins) unpin();
  }
}

async function readArchive(store: ImageStore, archive: Readable | AsyncIterable<Buffer>, pins: (() => void)[]): Promise<ArchiveContent> {
  const content: ArchiveContent = { small: new Map(), files: new Map(), links: new Map() };
  const entries = extract();
  const source = archive instanceof Readable ? archive : Readable.from(archive);
  const feeding = new Promise<void>((resolve, reject) => {
    source.once('error', (error) => {
      entries.destroy(error);
      reject(error);
    });
    entries.once('error', reject);
    source.pipe(entries as unknown as NodeJS.WritableStream).once('finish', resolve);
  });
  feeding.catch(() => undefined);
  for await (const entry of entries as unknown as AsyncIterable<AsyncIterable<Buffer> & { header: Header; resume(): void }>) {
    const header = entry.header;
    const name = posix.normalize(header.name).replace(/^(\.\/|\/)+/, '').replace(/\/$/, '');
    try {
      if (header.type === 'symlink') {
        content.links.set(name, posix.normalize(posix.join(posix.dirname(name), header.linkname ?? '')));
      } else if (header.type === 'file' || header.type === 'contiguous-file') {
        const blob = BLOB_NAME.exec(name);
        if (blob) {
          const digest = `sha256:${blob[1]}`;
          pins.push(store.pin([digest]));
          await store.blobs.putStream(entry, { digest, size: header.size });
          content.files.set(name, digest);
        } else if ((header.size ?? 0) <= SMALL_FILE && (name.endsWith('.json') || name === 'repositories' || name === 'oci-layout')) {
          const chunks: Buffer[] = [];
          for await (const chunk of entry) chunks.push(chunk);
          content.small.set(name, Buffer.concat(chunks));
        } else {
          const stored = await store.blobs.putStream(entry);
          pins.push(store.pin([stored.digest]));
          content.files.set(name, stored.digest);
        }
      }
    } catch (error) {
      throw new LoadError(`archive entry ${JSON.stringify(header.name)}: ${(error as Error).message}`);
    } finally {
      entry.resume();
    }
  }
  await feeding;
  return content;
}

/** The digest of an archive file, following the archive's own symlinks. */
function fileDigest(content: ArchiveContent, name: string): string {
  let current = posix.normalize(name).replace(/^(\.\/|\/)+/, '');
  for (let hops = 0; hops < 16; hops++) {
    const digest = content.files.get(current);
    if (digest) return digest;
    const target = content.links.get(current);
    if (target === undefined) break;
    current = target;
  }
  throw new LoadError(`the archive names ${name}, which it does not hold`);
}

async function readSmallOrBlob(store: ImageStore, content: ArchiveContent, name: string): Promise<Buffer> {
  const clean = posix.normalize(name).replace(/^(\.\/|\/)+/, '');
  const small = content.small.get(clean);
  if (small) return small;
  const chunks: Buffer[] = [];
  for await (const chunk of await store.blobs.open(fileDigest(content, clean))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function loadOciLayout(store: ImageStore, content: ArchiveContent): Promise<ImageRecord[]> {
  const index = parseDocument(ImageIndex, content.small.get('index.json')!, 'index.json');
  const records: ImageRecord[] = [];
  for (const descriptor of index.manifests) {
    const name = descriptor.annotations?.['io.containerd.image.name'] ?? fullName(descriptor.annotations?.['org.opencontainers.image.ref.name']);
    let manifestDescriptor: Descriptor | undefined = descriptor;
    if (INDEX_TYPES.includes(descriptor.mediaType)) {
      const nested = parseDocument(ImageIndex, await readBlob(store, descriptor.digest), `image index ${descriptor.digest}`);
      manifestDescriptor = choosePlatform(nested.manifests, hostPlatform());
      if (!manifestDescriptor) throw new LoadError(`the index ${descriptor.digest} in the archive has no image for this platform`);
    }
    const manifestBytes = await readBlob(store, manifestDescriptor.digest);
    const manifest = parseDocument(Manifest, manifestBytes, `manifest ${manifestDescriptor.digest}`);
    const configBytes = await readBlob(store, manifest.config.digest);
    records.push(
      await store.addImage({
        manifest: manifestBytes,
        manifestMediaType: manifestDescriptor.mediaType,
        config: configBytes,
        layers: manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
        references: name ? [name] : [],
        repoDigests: [],
      }),
    );
  }
  return records;
}

async function loadDockerArchive(store: ImageStore, content: ArchiveContent): Promise<ImageRecord[]> {
  const manifestJson = content.small.get('manifest.json');
  if (!manifestJson) throw new LoadError('the archive has neither index.json (OCI layout) nor manifest.json (docker save)');
  const entries = JSON.parse(manifestJson.toString()) as { Config: string; RepoTags?: string[] | null; Layers: string[] }[];
  if (!Array.isArray(entries)) throw new LoadError('manifest.json is not a list');
  const records: ImageRecord[] = [];
  for (const item of entries) {
    const configBytes = await readSmallOrBlob(store, content, item.Config);
    const config = parseDocument(ImageConfigFile, configBytes, `image config ${item.Config}`);
    if (config.rootfs.diff_ids.length !== item.Layers.length) {
      throw new LoadError(`${item.Config} names ${config.rootfs.diff_ids.length} layers, manifest.json ${item.Layers.length}`);
    }
    const configBlob = await store.blobs.putBytes(configBytes);
    const layers: Descriptor[] = [];
    for (const layerName of item.Layers) {
      const digest = fileDigest(content, layerName);
      layers.push({ mediaType: await layerMediaType(store, digest), digest, size: (await stat(store.blobs.path(digest))).size });
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers,
    };
    records.push(
      await store.addImage({
        manifest: Buffer.from(JSON.stringify(manifest)),
        manifestMediaType: MediaType.ociManifest,
        config: configBytes,
        layers: layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
        references: (item.RepoTags ?? []).map((tag) => normalizeReference(tag)),
        repoDigests: [],
      }),
    );
  }
  return records;
}

/** A tag alone (`1.0`) names no repository; a full name does. */
function fullName(refName: string | undefined): string | undefined {
  if (refName === undefined || !/[/:]/.test(refName)) return undefined;
  try {
    return normalizeReference(refName);
  } catch {
    return undefined;
  }
}

async function readBlob(store: ImageStore, digest: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.blobs.open(digest)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The media type a layer blob's first bytes call for. */
async function layerMediaType(store: ImageStore, digest: string): Promise<string> {
  const stream = await store.blobs.open(digest);
  let head = Buffer.alloc(0);
  for await (const chunk of stream) {
    head = Buffer.concat([head, chunk as Buffer]);
    if (head.length >= 4) break;
  }
  stream.destroy();
  if (head[0] === 0x1f && head[1] === 0x8b) return MediaType.ociLayerGzip;
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return MediaType.ociLayerZstd;
  return MediaType.ociLayer;
}

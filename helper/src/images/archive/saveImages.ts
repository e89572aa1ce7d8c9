// `save`: images as one tar that is both an OCI image layout (oci-layout, index.json, blobs/sha256/…)
// and a `docker save` archive (manifest.json naming the config and layer files in blobs/), as Docker 25+
// writes it. The blobs are the stored ones, byte for byte, so manifest digests survive a round trip.
import { pack, type Pack } from 'tar-stream';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { ImageRecord } from '../imageIndex';
import type { ImageStore } from '../imageStore';
import { MediaType } from '../ociTypes';
import { familiarName } from '../reference';

const EPOCH = new Date(0);

export interface SavedImage {
  record: ImageRecord;
  /** The names to write for it (full form); empty to write it by id only. */
  names: string[];
}

/** The archive as a byte stream; errors (a blob gone) error the stream. */
export function saveImages(store: ImageStore, images: SavedImage[]): AsyncIterable<Buffer> {
  const packer = pack();
  void (async () => {
    try {
      await writeArchive(store, packer, images);
      packer.finalize();
    } catch (error) {
      packer.destroy(error as Error);
    }
  })();
  return packer as unknown as AsyncIterable<Buffer>;
}

async function writeArchive(store: ImageStore, packer: Pack, images: SavedImage[]): Promise<void> {
  await entry(packer, 'oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  await entry(packer, 'blobs/', undefined);
  await entry(packer, 'blobs/sha256/', undefined);
  const written = new Set<string>();
  const index: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[] = [];
  const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  for (const { record, names } of images) {
    for (const digest of [record.manifestDigest, record.id, ...record.layers.map((l) => l.digest)]) {
      if (written.has(digest)) continue;
      written.add(digest);
      await blobEntry(store, packer, digest);
    }
    const manifestSize = (await stat(store.blobs.path(record.manifestDigest))).size;
    const descriptor = { mediaType: record.manifestMediaType, digest: record.manifestDigest, size: manifestSize };
    if (names.length === 0) index.push(descriptor);
    for (const name of names) {
      const tag = name.slice(name.lastIndexOf(':') + 1);
      index.push({ ...descriptor, annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': tag } });
    }
    dockerManifest.push({
      Config: blobName(record.id),
      RepoTags: names.map(familiarName),
      Layers: record.layers.map((l) => blobName(l.digest)),
    });
  }
  await entry(packer, 'index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: index })));
  await entry(packer, 'manifest.json', Buffer.from(JSON.stringify(dockerManifest)));
}

function blobName(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

function entry(packer: Pack, name: string, body: Buffer | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (body === undefined) packer.entry({ name, type: 'directory', mode: 0o755, mtime: EPOCH }, done);
    else packer.entry({ name, mode: 0o644, mtime: EPOCH }, body, done);
  });
}

async function blobEntry(store: ImageStore, packer: Pack, digest: string): Promise<void> {
  const path = store.blobs.path(digest);
  const size = (await stat(path)).size;
  let sink!: ReturnType<Pack['entry']>;
  const written = new Promise<void>((resolve, reject) => {
    sink = packer.entry({ name: blobName(digest), size, mode: 0o644, mtime: EPOCH }, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
  for await (const chunk of createReadStream(path)) {
    if (!sink.write(chunk as Buffer)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
  }
  (sink as unknown as { end(): void }).end();
  await written;
}

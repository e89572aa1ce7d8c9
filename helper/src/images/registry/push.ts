// Pushing a stored image: each blob the registry lacks is uploaded (config and layers, as stored, so the
// manifest's digest is the same there as here), then the manifest under the tag.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ImageProgress } from '../../protocol';
import type { ImageStore } from '../imageStore';
import { formatReference, parseReference } from '../reference';
import { credentialsFor, type Credentials } from './credentials';
import { RegistryClient } from './registryClient';

export interface PushOptions {
  credentials?: Credentials;
  insecure?: boolean;
  onProgress?: (item: ImageProgress) => void;
}

/** Pushes the image `image` names to `target` (default: that name); resolves with the manifest digest. */
export async function pushImage(store: ImageStore, image: string, target: string | undefined, options: PushOptions = {}): Promise<string> {
  const record = store.record(image);
  const ref = parseReference(target ?? image);
  if (ref.digest !== undefined) throw new Error(`push to ${target ?? image}: give a tag, not a digest`);
  const progress = options.onProgress ?? (() => undefined);
  const client = new RegistryClient(ref.domain, { credentials: options.credentials ?? credentialsFor(ref.domain), insecure: options.insecure });
  const blobs = [...record.layers.map((l) => l.digest), record.id];
  for (const digest of [...new Set(blobs)]) {
    const size = (await stat(store.blobs.path(digest))).size;
    if (await client.hasBlob(ref.path, digest)) {
      progress({ phase: 'exists', digest, total: size });
      continue;
    }
    progress({ phase: 'upload', digest, current: 0, total: size });
    await client.pushBlob(ref.path, digest, size, () => createReadStream(store.blobs.path(digest)));
    progress({ phase: 'pushed', digest, current: size, total: size });
  }
  const manifest = await readFile(store.blobs.path(record.manifestDigest));
  const reported = await client.pushManifest(ref.path, ref.tag!, manifest, record.manifestMediaType);
  if (reported !== undefined && reported !== record.manifestDigest) {
    throw new Error(`the registry stored the manifest as ${reported}, not ${record.manifestDigest}`);
  }
  store.index.addRepoDigest(record.id, `${ref.domain}/${ref.path}@${record.manifestDigest}`);
  store.events.publish('image', 'push', record.id, { name: formatReference(ref) });
  store.logger.info(`pushed ${record.id} to ${formatReference(ref)}`);
  progress({ phase: 'status', message: `${ref.tag}: digest: ${record.manifestDigest} size: ${manifest.length}` });
  return record.manifestDigest;
}

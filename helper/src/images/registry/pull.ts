// Pulling an image: the manifest (through an index or manifest list to the one for the wanted platform),
// its config and layers, each blob verified against its digest as it arrives and kept only then. Layers
// come a few at a time, each as one pipeline: the bytes, as they arrive, go both to the blob store (hashed
// against the layer's digest) and to the unpacker (decompressed on the thread pool, hashed against the
// config's diff id, unpacked into a temporary directory renamed into place once it checks out), so a
// layer's download and unpack overlap instead of following each other. Blobs and layers the store
// already has are not fetched again, which is what makes a pull that was interrupted resume. A request
// that fails for a reason another attempt may fix (a dropped connection, a timeout, a 5xx, a 429) is
// tried again after a backoff, a few times, as Docker does for each layer. The image is listed last,
// when everything it needs is in place.
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { withRetries, type ImageProgress, type RetryOptions } from '../../protocol';
import type { ImageRecord } from '../imageIndex';
import type { ImageStore } from '../imageStore';
import {
  hostPlatform,
  ImageConfigFile,
  ImageIndex,
  INDEX_TYPES,
  LAYER_TYPES,
  Manifest,
  MANIFEST_TYPES,
  parseDocument,
  type Descriptor,
} from '../ociTypes';
import { formatReference, parseReference, repositoryName } from '../reference';
import type { UnpackBudget } from '../unpackLimits';
import { credentialsFor, type Credentials } from './credentials';
import { RegistryClient, RegistryError } from './registryClient';

export interface PullOptions {
  /** os/arch[/variant]; default: the daemon's own. */
  platform?: string;
  credentials?: Credentials;
  insecure?: boolean;
  signal?: AbortSignal;
  onProgress?: (item: ImageProgress) => void;
  /** Layers downloaded at once. */
  concurrency?: number;
  /** Attempts per request and the backoff between them (tests make it short). */
  retry?: Pick<RetryOptions, 'attempts' | 'firstMs' | 'maxMs'>;
}

/** Per request: the first try and four more, waiting 0.5, 1, 2 and 4 s between them. */
const DEFAULT_RETRY = { attempts: 5, firstMs: 500, maxMs: 8_000 };

const PROGRESS_INTERVAL_MS = 200;

export class PullError extends Error {}

export async function pullImage(store: ImageStore, reference: string, options: PullOptions = {}): Promise<ImageRecord> {
  const ref = parseReference(reference);
  const repository = repositoryName(ref);
  const progress = options.onProgress ?? (() => undefined);
  const client = new RegistryClient(ref.domain, {
    credentials: options.credentials ?? credentialsFor(ref.domain),
    insecure: options.insecure,
  });
  const wanted = parsePlatform(options.platform);

  const retrying = <T>(what: string, work: () => Promise<T>) =>
    withRetries(work, {
      ...DEFAULT_RETRY,
      ...options.retry,
      retryable: isTransient,
      signal: options.signal,
      onRetry: (error, attempt, delayMs) => {
        store.logger.warn(`pulling ${formatReference(ref)}: ${what}: ${(error as Error).message}; attempt ${attempt} in ${delayMs} ms`);
        progress({ phase: 'status', message: `${what}: ${(error as Error).message}; retrying in ${Math.ceil(delayMs / 1000)} s` });
      },
    });

  progress({ phase: 'resolve', message: `resolving ${formatReference(ref)}` });
  const top = await retrying('manifest', () => fetchManifest(client, ref.path, ref.digest ?? ref.tag!, ref.digest, options.signal));
  let manifestBytes = top.bytes;
  let manifestType = top.mediaType;
  if (INDEX_TYPES.includes(top.mediaType)) {
    const index = parseDocument(ImageIndex, top.bytes, `image index ${top.digest}`);
    const chosen = choosePlatform(index.manifests, wanted);
    if (!chosen) {
      const offered = index.manifests.map((m) => (m.platform ? platformText(m.platform) : 'unknown')).join(', ');
      throw new PullError(`${formatReference(ref)} has no image for ${platformText(wanted)} (it has ${offered})`);
    }
    const inner = await retrying('manifest', () => fetchManifest(client, ref.path, chosen.digest, chosen.digest, options.signal));
    manifestBytes = inner.bytes;
    manifestType = inner.mediaType;
  }
  if (!MANIFEST_TYPES.includes(manifestType)) throw new PullError(`${formatReference(ref)}: unsupported manifest type ${manifestType || '(none)'}`);
  const manifest = parseDocument(Manifest, manifestBytes, `manifest of ${formatReference(ref)}`);
  for (const layer of manifest.layers) {
    if (!LAYER_TYPES.includes(layer.mediaType)) throw new PullError(`${formatReference(ref)}: layer ${layer.digest} has media type ${layer.mediaType}, which is not an image layer`);
  }

  const digests = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
  const unpin = store.pin(digests);
  try {
    await retrying('image config', () => fetchBlob(store, client, ref.path, manifest.config, options.signal));
    const configBytes = await readBlob(store, manifest.config.digest);
    const config = parseDocument(ImageConfigFile, configBytes, `image config ${manifest.config.digest}`);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new PullError(`${formatReference(ref)}: the config names ${config.rootfs.diff_ids.length} layers, the manifest ${manifest.layers.length}`);
    }
    if (options.platform !== undefined && (config.os !== wanted.os || config.architecture !== wanted.architecture)) {
      throw new PullError(`${formatReference(ref)} is for ${config.os}/${config.architecture}, not ${platformText(wanted)}`);
    }
    // Layers unpack concurrently; the image's limits count them all as they go.
    const budget = store.imageBudget();
    await eachLimited(manifest.layers, options.concurrency ?? 3, async (layer, i) => {
      const diffId = config.rootfs.diff_ids[i]!;
      if ((await store.blobs.has(layer.digest)) && store.layers.has(diffId)) {
        progress({ phase: 'exists', digest: layer.digest, total: layer.size });
        return;
      }
      await retrying(`layer ${layer.digest}`, async () => {
        const present = await store.blobs.has(layer.digest);
        // One download feeds both the blob store and the unpacker, unless the layer is there or another
        // pull is unpacking it (which this one then waits for below).
        if (!present && !store.layers.has(diffId) && !store.layers.isUnpacking(diffId)) {
          return fetchLayer(store, client, ref.path, layer, diffId, budget, options.signal, progress);
        }
        if (!present) await fetchBlob(store, client, ref.path, layer, options.signal, progress);
        if (!store.layers.has(diffId)) {
          progress({ phase: 'unpack', digest: layer.digest });
          await store.layers.ensure(diffId, () => store.blobs.open(layer.digest), budget);
        }
      });
      progress({ phase: 'done', digest: layer.digest, current: layer.size, total: layer.size });
    });
    const manifestDigest = top.digest;
    const record = await store.addImage({
      manifest: manifestBytes,
      manifestMediaType: manifestType,
      config: configBytes,
      layers: manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
      references: ref.tag !== undefined ? [`${repository}:${ref.tag}`] : [],
      repoDigests: [`${repository}@${manifestDigest}`],
    });
    store.events.publish('image', 'pull', record.id, { name: formatReference(ref) });
    store.logger.info(`pulled ${formatReference(ref)} (${record.id})`);
    progress({ phase: 'status', message: `Digest: ${manifestDigest}` });
    return record;
  } finally {
    unpin();
  }
}

/** A manifest or index, its digest computed here; by digest, it must match. */
async function fetchManifest(client: RegistryClient, repository: string, reference: string, expected: string | undefined, signal?: AbortSignal) {
  const fetched = await client.manifest(repository, reference, signal);
  const digest = `sha256:${createHash('sha256').update(fetched.bytes).digest('hex')}`;
  if (expected !== undefined && digest !== expected) {
    throw new PullError(`manifest ${expected} from ${client.domain}/${repository} has digest ${digest}: refused`);
  }
  let mediaType = fetched.mediaType;
  if (!MANIFEST_TYPES.includes(mediaType) && !INDEX_TYPES.includes(mediaType)) {
    // Some registries answer application/json; the document says what it is.
    try {
      const declared = (JSON.parse(fetched.bytes.toString()) as { mediaType?: string; manifests?: unknown }).mediaType;
      if (declared) mediaType = declared;
      else if ((JSON.parse(fetched.bytes.toString()) as { manifests?: unknown }).manifests) mediaType = INDEX_TYPES[0]!;
      else mediaType = MANIFEST_TYPES[0]!;
    } catch {
      throw new PullError(`manifest ${reference} from ${client.domain}/${repository} is not JSON`);
    }
  }
  return { bytes: fetched.bytes, mediaType, digest };
}

/** Downloads one blob into the store, verified against its descriptor; a no-op when it is there. */
async function fetchBlob(
  store: ImageStore,
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
  signal?: AbortSignal,
  progress?: (item: ImageProgress) => void,
): Promise<void> {
  if (await store.blobs.has(descriptor.digest)) return;
  const { body, counted } = await download(client, repository, descriptor, signal, progress);
  try {
    await store.blobs.putStream(counted, { digest: descriptor.digest, size: descriptor.size });
  } catch (error) {
    body.destroy();
    throw blobError(error, client, repository, descriptor);
  }
  progress?.({ phase: 'verify', digest: descriptor.digest, current: descriptor.size, total: descriptor.size });
}

/**
 * Downloads a layer into the blob store and unpacks it at the same time: the one stream of bytes goes to
 * both, each at its own pace (the download waits for the slower). The blob is kept only when its digest
 * matches, the layer only when its diff id does. A failed download stops both; a failed unpack lets the
 * download finish, so that the blob's own verdict (a digest mismatch says more than the gzip error that
 * corrupt bytes cause) is what the pull reports, and a sound blob is kept for the next attempt.
 */
async function fetchLayer(
  store: ImageStore,
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
  diffId: string,
  budget: UnpackBudget,
  signal: AbortSignal | undefined,
  progress: (item: ImageProgress) => void,
): Promise<void> {
  const { body, counted } = await download(client, repository, descriptor, signal, progress);
  const toBlob = new PassThrough({ highWaterMark: PIPELINE_BUFFER_BYTES });
  const toLayer = new PassThrough({ highWaterMark: PIPELINE_BUFFER_BYTES });
  // A cut can come before the blob store and the unpacker read their branch (the blob store opens its
  // file first): the error stays on the stream for them to find, instead of an 'error' event nobody
  // listens to yet, which would end the daemon.
  toBlob.on('error', () => undefined);
  toLayer.on('error', () => undefined);
  counted.once('error', (error) => {
    toBlob.destroy(error);
    toLayer.destroy(error);
  });
  counted.pipe(toBlob);
  counted.pipe(toLayer);
  progress({ phase: 'unpack', digest: descriptor.digest });
  const stored = store.blobs.putStream(toBlob, { digest: descriptor.digest, size: descriptor.size }).catch((error: unknown) => {
    body.destroy();
    toLayer.destroy(error instanceof Error ? error : undefined);
    throw blobError(error, client, repository, descriptor);
  });
  const unpacked = store.layers.ensure(diffId, () => Promise.resolve(toLayer), budget).catch((error: unknown) => {
    // The bytes go on to the blob alone.
    counted.unpipe(toLayer);
    toLayer.destroy();
    throw error;
  });
  const [blob, layer] = await Promise.allSettled([stored, unpacked]);
  if (blob.status === 'rejected') throw blob.reason;
  if (layer.status === 'rejected') throw layer.reason;
  progress({ phase: 'verify', digest: descriptor.digest, current: descriptor.size, total: descriptor.size });
}

/** What a pipeline branch may hold ahead of the other before the download waits. */
const PIPELINE_BUFFER_BYTES = 1024 * 1024;

/** The blob's body, and the same bytes counted for progress. */
async function download(
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
  signal?: AbortSignal,
  progress?: (item: ImageProgress) => void,
): Promise<{ body: Readable; counted: Readable }> {
  if (descriptor.urls?.length) throw new PullError(`blob ${descriptor.digest} is a foreign layer (${descriptor.urls[0]}), which Berth does not fetch`);
  const { body } = await client.blob(repository, descriptor.digest, signal);
  let current = 0;
  let last = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      current += chunk.length;
      const now = Date.now();
      if (progress && now - last >= PROGRESS_INTERVAL_MS) {
        last = now;
        progress({ phase: 'download', digest: descriptor.digest, current, total: descriptor.size });
      }
      callback(null, chunk);
    },
  });
  // Whoever reads `counted` finds its error then (it may start reading only after an await).
  counted.on('error', () => undefined);
  body.on('error', (error) => counted.destroy(error));
  // A connection that closes before the body's end is a cut download, not a short blob.
  body.once('aborted', () => counted.destroy(new CutDownloadError(`the download of ${descriptor.digest} was cut after ${current} bytes`)));
  return { body, counted: body.pipe(counted) };
}

function blobError(error: unknown, client: RegistryClient, repository: string, descriptor: Descriptor): unknown {
  if (error instanceof Error && error.name === 'BlobMismatchError') {
    return new PullError(`blob ${descriptor.digest} from ${client.domain}/${repository}: ${error.message}`);
  }
  return error;
}

class CutDownloadError extends Error {}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * Whether another attempt may succeed: a dropped or cut connection, a timeout, a registry that is busy or
 * failing (408, 429, 5xx). Not: a refusal (401, 403, 404), content that does not match its digest, a
 * name that does not resolve, or anything Berth itself refuses.
 */
export function isTransient(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof CutDownloadError) return true;
    if (cause instanceof RegistryError && cause.status !== 0) return cause.status === 408 || cause.status === 429 || cause.status >= 500;
    if (cause instanceof PullError || cause.name === 'BlobMismatchError' || cause.name === 'LayerDigestError') return false;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
    if (/no answer within|socket hang up|aborted/i.test(cause.message)) return true;
  }
  return false;
}

async function readBlob(store: ImageStore, digest: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.blobs.open(digest)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface WantedPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(text: string | undefined): WantedPlatform {
  if (text === undefined) return hostPlatform();
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) throw new RegistryError(`platform ${JSON.stringify(text)} must look like linux/amd64 or linux/arm/v7`, 0);
  const arch = architecture === 'x86_64' ? 'amd64' : architecture === 'aarch64' ? 'arm64' : architecture;
  return { os, architecture: arch, ...(variant ? { variant } : {}) };
}

function platformText(platform: { os: string; architecture: string; variant?: string }): string {
  return `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
}

/** The index entry for the platform: os and architecture must match; an exact variant is preferred. */
export function choosePlatform(manifests: Descriptor[], wanted: WantedPlatform): Descriptor | undefined {
  const candidates = manifests.filter(
    (m) => m.platform && m.platform.os === wanted.os && m.platform.architecture === wanted.architecture && MANIFEST_TYPES.includes(m.mediaType),
  );
  if (wanted.variant === undefined) return candidates.find((m) => !m.platform!.variant) ?? candidates[0];
  const exact = candidates.find((m) => m.platform!.variant === wanted.variant);
  if (exact) return exact;
  // arm64 images often carry no variant (v8 is implied); arm v7 hosts can run v6 and v5 images.
  if (wanted.architecture === 'arm64') return candidates.find((m) => !m.platform!.variant || m.platform!.variant === 'v8');
  if (wanted.architecture === 'arm') {
    const order = ['v7', 'v6', 'v5'].slice(['v7', 'v6', 'v5'].indexOf(wanted.variant));
    for (const variant of order) {
      const found = candidates.find((m) => m.platform!.variant === variant);
      if (found) return found;
    }
  }
  return undefined;
}

async function eachLimited<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try {
        await work(items[i]!, i);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

// images.*: the image store's operations. Long ones run after the call has answered with a stream id,
// and report through that stream; every store error becomes an RpcError with the right code.
import { createReadStream } from 'node:fs';
import { isAbsolute } from 'node:path';
import { PassThrough } from 'node:stream';
import { AmbiguousImageError, ImageNotFoundError } from '../../images/imageIndex';
import { ImageConflictError, type ImageStore } from '../../images/imageStore';
import { imageDetails, imageHistory, imageSummary } from '../../images/imageViews';
import { decompressedLayer } from '../../images/decompress';
import { ChangeError } from '../../images/changes';
import { normalizeReference, ReferenceError } from '../../images/reference';
import { loadImages, LoadError } from '../../images/archive/loadImages';
import { saveImages } from '../../images/archive/saveImages';
import { pushImage } from '../../images/registry/push';
import { DEFAULT_IMAGE, DefaultImageError, ensureDefaultImage } from '../../images/defaultImage';
import { pullImage } from '../../images/registry/pull';
import { RegistryError } from '../../images/registry/registryClient';
import { ErrorCode, RpcError, type ImageProgress, type imageMethods } from '../../protocol';
import type { ServerStream } from '../streams';
import type { HandlersFor } from '../dispatcher';
import type { DaemonServices } from '../services';

export function imageHandlers(services: DaemonServices): HandlersFor<typeof imageMethods> {
  const store = (): ImageStore => services.images;
  return {
    'images.list': ({ all, dangling, reference }) => {
      let records = store().index.all();
      if (dangling !== undefined) records = records.filter((r) => (r.references.length === 0) === dangling);
      if (reference !== undefined) records = records.filter((r) => r.references.some((name) => matchesReference(name, reference)));
      void all;
      const sorted = records.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '')).map(imageSummary);
      // With a reference, as `docker images NAME`: only the names that match it.
      return reference === undefined ? sorted : sorted.map((image) => ({ ...image, repoTags: image.repoTags.filter((name) => matchesReference(name, reference)) }));
    },
    'images.inspect': ({ image }) => rpc(() => imageDetails(store(), store().record(image))),
    'images.history': ({ image }) => rpcAsync(() => imageHistory(store(), store().record(image))),
    'images.tag': ({ image, reference }) =>
      rpc(() => {
        store().tag(image, reference);
        return {};
      }),
    'images.remove': ({ image, force }) => rpcAsync(() => store().remove(image, force ?? false)),
    'images.prune': ({ all }) => rpcAsync(() => store().prune(all ?? false)),
    'images.import': (params, { streams }) => {
      if (params.path !== undefined && !isAbsolute(params.path)) throw new RpcError(ErrorCode.InvalidParams, `path ${params.path} must be absolute`);
      const input = params.path === undefined ? new PassThrough() : undefined;
      const stream = streams.open(input ? inputControls(input) : {});
      stream.signal.addEventListener('abort', () => input?.destroy(new Error('the import was cancelled')), { once: true });
      const options = { reference: params.reference, changes: params.changes, message: params.message };
      runInStream(stream, async () => {
        const image = input
          ? await store().importTar(await decompressedLayer(input), options)
          : await store().importRootfs(params.path!, options);
        return { id: image.id, references: image.references };
      });
      return { stream: stream.id };
    },
    'images.pull': (params, { streams }) => {
      const stream = streams.open();
      const sender = progressSender(stream, sameDownload);
      runInStream(stream, async () => {
        let record;
        try {
          record = await pullImage(store(), params.reference, {
            platform: params.platform,
            credentials: params.auth,
            insecure: params.insecure,
            signal: stream.signal,
            onProgress: sender.send,
          });
        } catch (error) {
          // busybox:latest with no registry reachable: the default image, made from the host's busybox-static.
          if (!(error instanceof RegistryError && error.status === 0 && tryFullName(params.reference) === DEFAULT_IMAGE)) throw error;
          const image = await ensureDefaultImage(store());
          sender.send({ phase: 'status', message: `${error.message}; made ${DEFAULT_IMAGE} from this machine's busybox-static instead` });
          record = store().record(image.id);
        }
        await sender.flushed();
        return { id: record.id, references: record.references };
      });
      return { stream: stream.id };
    },
    'images.push': (params, { streams }) => {
      store().record(params.image); // a missing image fails the call itself
      const stream = streams.open();
      const sender = progressSender<ImageProgress>(stream);
      runInStream(stream, async () => {
        const digest = await pushImage(store(), params.image, params.reference, { credentials: params.auth, insecure: params.insecure, onProgress: sender.send });
        await sender.flushed();
        return { digest };
      });
      return { stream: stream.id };
    },
    'images.load': (params, { streams }) => {
      if (params.path !== undefined && !isAbsolute(params.path)) throw new RpcError(ErrorCode.InvalidParams, `path ${params.path} must be absolute`);
      const input = params.path === undefined ? new PassThrough() : undefined;
      const stream = streams.open(input ? inputControls(input) : {});
      stream.signal.addEventListener('abort', () => input?.destroy(new Error('the load was cancelled')), { once: true });
      runInStream(stream, async () => {
        const records = await loadImages(store(), input ?? createReadStream(params.path!));
        return { images: records.map((r) => ({ id: r.id, references: r.references })) };
      });
      return { stream: stream.id };
    },
    'images.save': (params, { streams }) => {
      const images = params.images.map((name) => {
        const record = rpc(() => store().record(name));
        const full = tryFullName(name);
        // Saved by name: that name; by id: every name it has, as docker save does.
        return { record, names: full && record.references.includes(full) ? [full] : record.references };
      });
      const stream = streams.open();
      runInStream(stream, async () => {
        for await (const chunk of saveImages(store(), images)) await stream.writeBytes(chunk);
        for (const { record } of images) services.events.publish('image', 'save', record.id, {});
        return {};
      });
      return { stream: stream.id };
    },
  };
}

function tryFullName(name: string): string | undefined {
  try {
    return normalizeReference(name);
  } catch {
    return undefined;
  }
}

/**
 * Items to a stream without waiting in the operation: items queue while the client is behind, and an item
 * that `supersedes` an unsent one replaces it (a pull's download progress for the same layer), so a slow
 * client bounds the queue.
 */
export function progressSender<T>(stream: ServerStream, supersedes: (queued: T, item: T) => boolean = () => false) {
  const queue: T[] = [];
  let sending: Promise<void> | undefined;
  const flush = async () => {
    try {
      while (queue.length > 0 && !stream.closed) await stream.pushItems(queue.splice(0, 50));
    } catch {
      // The stream closed; the operation learns it from the stream's signal.
    } finally {
      sending = undefined;
    }
  };
  return {
    send(item: T) {
      const last = queue.findIndex((queued) => supersedes(queued, item));
      if (last !== -1) queue[last] = item;
      else queue.push(item);
      sending ??= flush();
    },
    async flushed() {
      while (sending) await sending;
    },
  };
}

/** A pull's download item for a layer replaces the unsent one before it. */
const sameDownload = (queued: ImageProgress, item: ImageProgress) => queued.phase === 'download' && item.phase === 'download' && queued.digest === item.digest;

/** Stream input (a tar's bytes) into `input`, pausing the writer while the consumer is behind. */
export function inputControls(input: PassThrough) {
  return {
    onWrite: async (bytes: Buffer) => {
      if (input.write(bytes) || input.destroyed) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          input.off('drain', done).off('close', done);
          resolve();
        };
        input.on('drain', done).on('close', done);
      });
    },
    onCloseInput: () => void input.end(),
  };
}

/** Runs `work` after the call has answered, ending the stream with its result or its error. */
export function runInStream(stream: ServerStream, work: () => Promise<unknown>): void {
  void (async () => {
    try {
      const result = await work();
      stream.end(result);
    } catch (error) {
      stream.fail(toRpcError(error));
    }
  })();
}

export function toRpcError(error: unknown): unknown {
  if (error instanceof RpcError) return error;
  if (error instanceof ImageNotFoundError || error instanceof DefaultImageError) return new RpcError(ErrorCode.NotFound, error.message);
  if (error instanceof AmbiguousImageError || error instanceof ImageConflictError) return new RpcError(ErrorCode.Conflict, error.message);
  if (error instanceof ReferenceError || error instanceof ChangeError || error instanceof LoadError) return new RpcError(ErrorCode.InvalidParams, error.message);
  if (error instanceof RegistryError) return new RpcError(error.status === 404 ? ErrorCode.NotFound : ErrorCode.InternalError, error.message);
  if ((error as NodeJS.ErrnoException)?.code === 'ENOENT') return new RpcError(ErrorCode.NotFound, (error as Error).message);
  return error;
}

function rpc<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw toRpcError(error);
  }
}

async function rpcAsync<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toRpcError(error);
  }
}

/** `docker images busybox`: a name without a tag matches every tag of the repository. */
function matchesReference(full: string, wanted: string): boolean {
  const short = full.replace(/^docker\.io\/(library\/)?/, '');
  if (wanted.includes(':') && !wanted.endsWith(':')) return full === wanted || short === wanted;
  const repo = full.slice(0, full.lastIndexOf(':'));
  const shortRepo = short.slice(0, short.lastIndexOf(':'));
  return repo === wanted || shortRepo === wanted;
}

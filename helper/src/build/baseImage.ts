// FROM an image: the store's copy, or pulled when the store lacks it (always with --pull), with the pull's
// progress on the FROM step. busybox:latest with no registry reachable is made from the machine's own
// busybox-static, as `berth pull` does. The stage starts from the image's layers, config and history.
import { ensureDefaultImage, DEFAULT_IMAGE } from '../images/defaultImage';
import { ImageNotFoundError, type ImageRecord } from '../images/imageIndex';
import type { ImageStore } from '../images/imageStore';
import { imageConfigFile } from '../images/imageViews';
import { MediaType } from '../images/ociTypes';
import { normalizeReference } from '../images/reference';
import { pullImage } from '../images/registry/pull';
import { RegistryError } from '../images/registry/registryClient';
import type { ImageState, LayerRef } from './imageState';
import type { ProgressStep } from './progress';

/** Docker's layer media types as their OCI names: the image Berth writes has an OCI manifest. */
const OCI_LAYER_TYPES: Record<string, string> = {
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  [MediaType.dockerForeignLayerGzip]: MediaType.ociLayerNondistributableGzip,
};

export async function baseImage(images: ImageStore, reference: string, options: { pull: boolean; platform?: string; signal: AbortSignal; progress: ProgressStep }): Promise<ImageRecord> {
  if (!options.pull) {
    try {
      return images.record(reference);
    } catch (error) {
      if (!(error instanceof ImageNotFoundError)) throw error;
    }
  }
  let lastMessage = '';
  const report = (message: string) => {
    if (message !== lastMessage) options.progress.status(message);
    lastMessage = message;
  };
  try {
    return await pullImage(images, reference, {
      ...(options.platform ? { platform: options.platform } : {}),
      signal: options.signal,
      onProgress: (item) => {
        if (item.message) report(item.message);
        else if (item.phase === 'done' && item.digest) report(`${item.digest.slice(7, 19)}: pull complete`);
      },
    });
  } catch (error) {
    const offline = error instanceof RegistryError && error.status === 0;
    if (!offline || normalizeReference(reference) !== DEFAULT_IMAGE) throw error;
    const made = await ensureDefaultImage(images);
    report(`${error.message}; made ${DEFAULT_IMAGE} from this machine's busybox-static instead`);
    return images.record(made.id);
  }
}

/** The state a stage starts from: the image's layers, config and history. */
export async function stateOfImage(images: ImageStore, record: ImageRecord): Promise<ImageState> {
  const file = await imageConfigFile(images, record);
  const layers: LayerRef[] = record.layers.map((layer) => ({
    digest: layer.digest,
    diffId: layer.diffId,
    size: layer.size,
    mediaType: OCI_LAYER_TYPES[layer.mediaType] ?? layer.mediaType,
  }));
  return {
    layers,
    config: structuredClone(record.config),
    history: file.history ?? [],
    os: record.os,
    architecture: record.architecture,
    ...(record.variant ? { variant: record.variant } : {}),
    ...(file.author ? { author: file.author } : {}),
  };
}

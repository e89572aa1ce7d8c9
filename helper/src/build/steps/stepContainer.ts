// Each step that changes files runs in an ordinary engine container made from the stage's state: RUN
// starts it (same isolation, limits and network rules as any container), COPY and WORKDIR only create it
// (its overlay root is mounted at create) and write into its root. Either way the step's layer is the
// container's overlay upper directory, captured before the container is removed; nothing of the container
// outlives the step, whatever happens in it.
import type { Engine } from '../../engine/engine';
import { NETWORK_FILES } from '../../engine/config/mounts';
import { defaultMounts } from '../../engine/config/dockerDefaults';
import type { ImageStore } from '../../images/imageStore';
import { MediaType } from '../../images/ociTypes';
import type { Logger } from '../../logging/logger';
import type { ContainerSpec } from '../../protocol';
import { captureUpper } from '../layers/captureUpper';
import type { ImageState, LayerRef } from '../imageState';

/** The label every build container carries (its value: the build's id), so that leftovers can be found. */
export const BUILD_LABEL = 'berth.build';

/** Where the runtime mounts over a container's root: never part of a layer. */
const MOUNT_POINTS = [...defaultMounts().map((mount) => mount.destination), ...NETWORK_FILES.map((file) => file.destination), '/dev/init'];

export interface StepServices {
  engine: Engine;
  images: ImageStore;
  logger: Logger;
  /** Keeps a new layer's blob from collection until the build ends (the cache or the image then keep it). */
  pin(digest: string): void;
}

export interface StepContainer {
  id: string;
  /** The container's merged root on the host (mounted). */
  rootfs: string;
}

export async function withStepContainer<T>(
  services: StepServices,
  state: ImageState,
  spec: Omit<ContainerSpec, 'image' | 'labels'>,
  build: { id: string; name: string },
  work: (container: StepContainer) => Promise<T>,
): Promise<T> {
  const { engine, images } = services;
  const image = images.addTransient(state.config, state.layers.map((layer) => layer.diffId));
  try {
    const created = await engine.create({ spec: { ...spec, image: image.id, labels: { [BUILD_LABEL]: build.id } }, name: build.name });
    try {
      return await work({ id: created.id, rootfs: engine.rootfs(created.id) });
    } finally {
      await engine.remove(created.id, true).catch((error: Error) => services.logger.warn(`removing build container ${build.name}: ${error.message}`));
    }
  } finally {
    image.release();
  }
}

/** The step's changes as a layer in the store (plain tar, digest computed while it is written), or undefined when there are none. */
export async function captureLayer(services: StepServices, container: StepContainer, state: ImageState): Promise<LayerRef | undefined> {
  const { engine, images } = services;
  const inspect = engine.inspect(container.id);
  if (inspect.storageDriver !== 'overlay') {
    throw new Error('building needs overlayfs for the steps\' containers (this machine\'s containers use copies of their images)');
  }
  const capture = captureUpper({
    upper: engine.changesDir(container.id),
    merged: container.rootfs,
    lowerDirs: state.layers.map((layer) => images.layers.path(layer.diffId)),
    mountPoints: MOUNT_POINTS,
  });
  if (!capture) return undefined;
  const blob = await images.blobs.putStream(capture.tar);
  services.pin(blob.digest);
  await images.layers.ensure(blob.digest, () => images.blobs.open(blob.digest));
  return { digest: blob.digest, diffId: blob.digest, size: blob.size, mediaType: MediaType.ociLayer };
}

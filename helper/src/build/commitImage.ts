// The target stage's last state as an image in the store: an OCI image config (with the history of every
// step) and manifest, the build's layers as plain tar blobs beside the base image's own, listed under the
// build's names (taken off any image that had them, as docker build does).
import { createHash } from 'node:crypto';
import type { ImageRecord } from '../images/imageIndex';
import type { ImageStore } from '../images/imageStore';
import { MediaType, type Manifest } from '../images/ociTypes';
import type { ImageState } from './imageState';

export async function commitImage(images: ImageStore, state: ImageState, references: string[], labels: Record<string, string>): Promise<ImageRecord> {
  const config = structuredClone(state.config);
  if (Object.keys(labels).length > 0) config.Labels = { ...((config.Labels as Record<string, string> | null) ?? {}), ...labels };
  // The newest step's time: a fully cached build gives the same config, and so the same image id.
  const created = [...state.history].reverse().find((entry) => entry.created)?.created ?? new Date().toISOString();
  const configFile = {
    created,
    ...(state.author ? { author: state.author } : {}),
    architecture: state.architecture,
    ...(state.variant ? { variant: state.variant } : {}),
    os: state.os,
    config,
    rootfs: { type: 'layers', diff_ids: state.layers.map((layer) => layer.diffId) },
    history: state.history,
  };
  const configBytes = Buffer.from(JSON.stringify(configFile));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: `sha256:${createHash('sha256').update(configBytes).digest('hex')}`, size: configBytes.length },
    layers: state.layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
  };
  return images.addImage({
    manifest: Buffer.from(JSON.stringify(manifest)),
    manifestMediaType: MediaType.ociManifest,
    config: configBytes,
    layers: manifest.layers.map((layer) => ({ digest: layer.digest, mediaType: layer.mediaType, size: layer.size })),
    references,
    repoDigests: [],
  });
}

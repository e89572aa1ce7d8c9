// What a build stage is at one step: its layers, its image config and its history, as the image it would
// be if the build stopped there. Steps change it; the last state of the target stage becomes the image.
import { createHash } from 'node:crypto';
import type { HistoryEntry } from '../images/ociTypes';

export interface LayerRef {
  /** The blob's digest (compressed or not, as the base image had it; build layers are plain tar). */
  digest: string;
  /** The digest of the uncompressed tar (the image config's rootfs.diff_ids). */
  diffId: string;
  size: number;
  mediaType: string;
}

export type ImageConfigObject = Record<string, unknown>;

export interface ImageState {
  layers: LayerRef[];
  config: ImageConfigObject;
  history: HistoryEntry[];
  os: string;
  architecture: string;
  variant?: string;
  author?: string;
}

export function cloneState(state: ImageState): ImageState {
  return structuredClone(state);
}

/** sha256 of the parts, each length-prefixed so that no two lists of parts give the same input. */
export function chainKey(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:${part}`);
  return hash.digest('hex');
}

/** JSON with object keys sorted, so that equal values always give equal text (cache keys). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

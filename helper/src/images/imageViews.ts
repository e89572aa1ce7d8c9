// How stored images are shown through the API: list rows, inspect details and history, from the index
// record and (for history) the config blob.
import { readFile } from 'node:fs/promises';
import type { ImageDetails, ImageHistoryEntry, ImageSummary } from '../protocol';
import type { ImageRecord } from './imageIndex';
import type { ImageStore } from './imageStore';
import { ImageConfigFile, parseDocument, type ImageConfigFile as ConfigFile } from './ociTypes';

export function imageSummary(record: ImageRecord): ImageSummary {
  return {
    id: record.id,
    repoTags: [...record.references],
    repoDigests: [...record.repoDigests],
    ...(record.created ? { created: record.created } : {}),
    size: record.size,
    containers: record.holders.length,
  };
}

export function imageDetails(store: ImageStore, record: ImageRecord): ImageDetails {
  return {
    ...imageSummary(record),
    manifestDigest: record.manifestDigest,
    manifestMediaType: record.manifestMediaType,
    os: record.os,
    architecture: record.architecture,
    ...(record.variant ? { variant: record.variant } : {}),
    config: structuredClone(record.config),
    layers: record.layers.map((l) => ({ ...l })),
    layerDirs: store.toResolved(record).layerDirs,
    holders: [...record.holders],
  };
}

export async function imageConfigFile(store: ImageStore, record: ImageRecord): Promise<ConfigFile> {
  return parseDocument(ImageConfigFile, await readFile(store.blobs.path(record.id)), `image config ${record.id}`);
}

/** Newest first, as `docker history` shows it; entries marked empty_layer have no layer. */
export async function imageHistory(store: ImageStore, record: ImageRecord): Promise<ImageHistoryEntry[]> {
  const config = await imageConfigFile(store, record);
  const history = config.history ?? [];
  const entries: ImageHistoryEntry[] = [];
  let layer = 0;
  for (const item of history) {
    const empty = item.empty_layer === true;
    const stored = empty ? undefined : record.layers[layer++];
    entries.push({
      id: stored?.diffId ?? '<missing>',
      ...(item.created ? { created: item.created } : {}),
      createdBy: item.created_by ?? '',
      size: stored ? store.layers.size(stored.diffId) : 0,
      comment: item.comment ?? '',
      emptyLayer: empty,
    });
  }
  // Layers the history does not mention (images built without it) still show.
  for (; layer < record.layers.length; layer++) {
    const stored = record.layers[layer]!;
    entries.push({ id: stored.diffId, createdBy: '', size: store.layers.size(stored.diffId), comment: '', emptyLayer: false });
  }
  if (entries.length > 0) entries[entries.length - 1]!.id = record.id;
  return entries.reverse();
}

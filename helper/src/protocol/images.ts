// images.*: the image store's operations as Docker users know them (pull, push, list, inspect, history,
// tag, remove, prune, load, save, import). Long operations open a stream (streams.ts): pull and push send
// progress items (ImageProgress) and end with their result; save sends the archive's bytes; load and
// import (without a path) take the archive's bytes as stream input (stream.write, then stream.closeInput).
import * as z from 'zod';
import type { MethodTable } from './methodTable';
import { OpenedStream } from './streams';

const Reference = z.string().min(1).max(1024);

/** Credentials for one registry, given by the client (else the daemon reads a Docker-style config.json). */
export const RegistryAuth = z
  .object({
    username: z.string().optional(),
    password: z.string().optional(),
    /** An identity token / bearer token given instead of a password. */
    identityToken: z.string().optional(),
  })
  .strict();
export type RegistryAuth = z.infer<typeof RegistryAuth>;

/** One item of a pull's or push's progress stream. */
export const ImageProgress = z.object({
  /** resolve, exists, download, verify, unpack, done, upload, manifest, status */
  phase: z.string(),
  /** The layer's digest, when the item is about one. */
  digest: z.string().optional(),
  /** Bytes done and the total, when known. */
  current: z.number().optional(),
  total: z.number().optional(),
  message: z.string().optional(),
});
export type ImageProgress = z.infer<typeof ImageProgress>;

export const ImageSummary = z.object({
  id: z.string(),
  /** Full names with tags (docker.io/library/busybox:latest). */
  repoTags: z.array(z.string()),
  repoDigests: z.array(z.string()),
  /** ISO 8601 from the image config, when it says. */
  created: z.string().optional(),
  /** Bytes of the unpacked layers' file content. */
  size: z.number(),
  /** Containers holding the image. */
  containers: z.number(),
});
export type ImageSummary = z.infer<typeof ImageSummary>;

export const ImageLayerInfo = z.object({ digest: z.string(), diffId: z.string(), mediaType: z.string(), size: z.number() });

export const ImageDetails = ImageSummary.extend({
  manifestDigest: z.string(),
  manifestMediaType: z.string(),
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
  author: z.string().optional(),
  /** The image config's "config" object (Entrypoint, Cmd, Env, WorkingDir, …). */
  config: z.record(z.string(), z.unknown()),
  layers: z.array(ImageLayerInfo),
  /** Host paths of the unpacked layers, lowest first. */
  layerDirs: z.array(z.string()),
  holders: z.array(z.string()),
});
export type ImageDetails = z.infer<typeof ImageDetails>;

export const ImageHistoryEntry = z.object({
  /** The layer's diff id, or "<missing>" for an entry without a layer. */
  id: z.string(),
  created: z.string().optional(),
  createdBy: z.string(),
  size: z.number(),
  comment: z.string(),
  emptyLayer: z.boolean(),
});
export type ImageHistoryEntry = z.infer<typeof ImageHistoryEntry>;

/** What pull, load and import end with (as the stream's result). */
export const ImageAdded = z.object({ id: z.string(), references: z.array(z.string()) });
export type ImageAdded = z.infer<typeof ImageAdded>;
export const ImagesLoaded = z.object({ images: z.array(ImageAdded) });

export const ImageRemoved = z.object({
  /** Names taken off. */
  untagged: z.array(z.string()),
  /** Image ids removed. */
  deleted: z.array(z.string()),
});
export type ImageRemoved = z.infer<typeof ImageRemoved>;

export const ImagesPruned = z.object({ deleted: z.array(z.string()), spaceReclaimed: z.number() });

export const imageMethods = {
  'images.list': {
    params: z.object({ all: z.boolean().optional(), dangling: z.boolean().optional(), reference: z.string().optional() }).strict(),
    result: z.array(ImageSummary),
  },
  'images.inspect': { params: z.object({ image: Reference }).strict(), result: ImageDetails },
  'images.history': { params: z.object({ image: Reference }).strict(), result: z.array(ImageHistoryEntry) },
  /** Opens a stream of ImageProgress items; ends with ImageAdded. */
  'images.pull': {
    params: z
      .object({
        reference: Reference,
        /** os/arch[/variant]; default: the daemon's. */
        platform: z.string().optional(),
        auth: RegistryAuth.optional(),
        /** Allow plain HTTP and unverified TLS for this registry (loopback registries always may use HTTP). */
        insecure: z.boolean().optional(),
      })
      .strict(),
    result: OpenedStream,
  },
  /** Opens a stream of ImageProgress items; ends with { digest } of the manifest pushed. */
  'images.push': {
    params: z.object({ image: Reference, reference: Reference.optional(), auth: RegistryAuth.optional(), insecure: z.boolean().optional() }).strict(),
    result: OpenedStream,
  },
  'images.tag': { params: z.object({ image: Reference, reference: Reference }).strict(), result: z.object({}) },
  'images.remove': {
    params: z.object({ image: Reference, force: z.boolean().optional(), noPrune: z.boolean().optional() }).strict(),
    result: ImageRemoved,
  },
  /** Removes untagged images (all unused ones with `all`) and then every blob and layer nothing uses. */
  'images.prune': { params: z.object({ all: z.boolean().optional() }).strict(), result: ImagesPruned },
  /** Opens a stream that takes a docker-save or OCI-layout tar as input; ends with ImagesLoaded. */
  'images.load': { params: z.object({ path: z.string().optional() }).strict(), result: OpenedStream },
  /** Opens a stream of the archive's bytes (docker-save format, which is also an OCI layout); ends with {}. */
  'images.save': {
    params: z.object({ images: z.array(Reference).min(1), format: z.enum(['docker', 'oci']).optional() }).strict(),
    result: OpenedStream,
  },
  /**
   * A root filesystem as a one-layer image: from `path` on the daemon's machine (a directory or a tar,
   * maybe gzip'd), or, without `path`, from the tar bytes written to the stream it opens. Ends with ImageAdded.
   */
  'images.import': {
    params: z
      .object({
        path: z.string().optional(),
        reference: Reference.optional(),
        changes: z.array(z.string()).optional(),
        message: z.string().optional(),
      })
      .strict(),
    result: OpenedStream,
  },
} as const satisfies MethodTable;

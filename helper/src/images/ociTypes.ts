// The JSON documents of OCI images and Docker's v2 schema 2, as the store writes them and as registries
// and archives send them. Parsed with zod so that a malformed document is refused with the field named,
// before any digest in it reaches a path.
import * as z from 'zod';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export const MANIFEST_TYPES: readonly string[] = [MediaType.ociManifest, MediaType.dockerManifest];
export const INDEX_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerManifestList];
export const LAYER_TYPES: readonly string[] = [
  MediaType.ociLayer,
  MediaType.ociLayerGzip,
  MediaType.ociLayerZstd,
  MediaType.ociLayerNondistributableGzip,
  MediaType.dockerLayerGzip,
  MediaType.dockerForeignLayerGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
];

export const Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a sha256 digest (sha256: and 64 lowercase hex digits)');

export const Platform = z
  .object({
    architecture: z.string(),
    os: z.string(),
    'os.version': z.string().optional(),
    'os.features': z.array(z.string()).optional(),
    variant: z.string().optional(),
  })
  .passthrough();
export type Platform = z.infer<typeof Platform>;

export const Descriptor = z
  .object({
    mediaType: z.string(),
    digest: Digest,
    size: z.number().int().nonnegative(),
    urls: z.array(z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    platform: Platform.optional(),
  })
  .passthrough();
export type Descriptor = z.infer<typeof Descriptor>;

export const Manifest = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    config: Descriptor,
    layers: z.array(Descriptor),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();
export type Manifest = z.infer<typeof Manifest>;

export const ImageIndex = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    manifests: z.array(Descriptor),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();
export type ImageIndex = z.infer<typeof ImageIndex>;

export const HistoryEntry = z
  .object({
    created: z.string().optional(),
    created_by: z.string().optional(),
    author: z.string().optional(),
    comment: z.string().optional(),
    empty_layer: z.boolean().optional(),
  })
  .passthrough();
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const ImageConfigFile = z
  .object({
    created: z.string().optional(),
    author: z.string().optional(),
    architecture: z.string(),
    os: z.string(),
    variant: z.string().optional(),
    config: z.record(z.string(), z.unknown()).nullish(),
    rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(Digest) }).passthrough(),
    history: z.array(HistoryEntry).optional(),
  })
  .passthrough();
export type ImageConfigFile = z.infer<typeof ImageConfigFile>;

/** Parses JSON bytes against a schema; the error names what (`manifest sha256:…`) and the first bad field. */
export function parseDocument<T extends z.ZodType>(schema: T, bytes: Buffer | string, what: string): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString());
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`${what} is malformed: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
}

/** The platform this helper runs on, in OCI's (Go's) names. */
export function hostPlatform(): { os: string; architecture: string; variant?: string } {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  const architecture = arch[process.arch] ?? process.arch;
  if (architecture === 'arm64') return { os: 'linux', architecture, variant: 'v8' };
  if (architecture === 'arm') return { os: 'linux', architecture, variant: `v${(process.config.variables as { arm_version?: string }).arm_version ?? '7'}` };
  return { os: 'linux', architecture };
}

// The engine's own description of a container (what a Docker user asks for with `docker run` options),
// and the part of an OCI image's config that shapes a container. Both are zod schemas: parsing gives
// typed values, or a ContainerConfigError that names the field (`mounts[0].target: must be an absolute path`).
import * as z from 'zod';
import { ContainerConfigError } from './errors';

const nonNegativeInt = z.number().int().min(0);

export const MountSpec = z
  .object({
    type: z.enum(['bind', 'volume', 'tmpfs']),
    source: z.string().min(1).optional(),
    target: z.string().min(1),
    readOnly: z.boolean().optional(),
    options: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type MountSpec = z.infer<typeof MountSpec>;

export const ResourcesSpec = z
  .object({
    /** Bytes. */
    memory: z.number().int().positive().optional(),
    /** Bytes of memory plus swap, as Docker's --memory-swap: -1 is unlimited, unset is twice memory. */
    memorySwap: z.number().int().min(-1).optional(),
    /** CPUs as a decimal (1.5): becomes a CFS quota over a 100 ms period. */
    cpus: z.number().positive().optional(),
    cpuShares: nonNegativeInt.optional(),
    /** 0 or less is unlimited, as in Docker. */
    pidsLimit: z.number().int().optional(),
    cpusetCpus: z
      .string()
      .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'CPU lists look like 0-3 or 0,2')
      .optional(),
  })
  .strict();
export type ResourcesSpec = z.infer<typeof ResourcesSpec>;

export const UlimitSpec = z
  .object({
    name: z.string().min(1),
    soft: z.number().int().min(0, 'must be 0 or more (unlimited, -1, is not supported yet)'),
    hard: z.number().int().min(0, 'must be 0 or more (unlimited, -1, is not supported yet)'),
  })
  .strict();
export type UlimitSpec = z.infer<typeof UlimitSpec>;

export const NetworkMode = z.enum(['none', 'host', 'private']);
export type NetworkMode = z.infer<typeof NetworkMode>;

export const ContainerSpec = z
  .object({
    /** The image reference, as the user gave it; the engine resolves it, the config builder does not read it. */
    image: z.string().min(1),
    entrypoint: z.array(z.string()).optional(),
    cmd: z.array(z.string()).optional(),
    env: z.array(z.string().regex(/^[^=]+=/, 'entries look like NAME=value')).optional(),
    workdir: z.string().optional(),
    /** "uid", "uid:gid", "name", "name:group" (names looked up in the image's /etc/passwd and /etc/group). */
    user: z.string().regex(/^[^:]+(:[^:]+)?$/, 'looks like uid, uid:gid, name or name:group').optional(),
    /** A terminal for the process (process.terminal, and TERM=xterm). */
    tty: z.boolean().optional(),
    /** Keep stdin open (-i): the engine's business when it attaches; nothing in the runtime config. */
    openStdin: z.boolean().optional(),
    hostname: z
      .string()
      .max(64, 'at most 64 characters (the kernel\'s limit)')
      .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/, 'must be a valid hostname (RFC 1123: letters, digits and hyphens, labels separated by dots)')
      .optional(),
    /** The engine's metadata (filters, inspect); not OCI annotations, as in Docker. */
    labels: z.record(z.string(), z.string()).optional(),
    mounts: z.array(MountSpec).optional(),
    resources: ResourcesSpec.optional(),
    /** private: a network namespace of its own with only loopback, for now. Docker's default is a bridge. */
    network: NetworkMode.optional(),
    capAdd: z.array(z.string().min(1)).optional(),
    capDrop: z.array(z.string().min(1)).optional(),
    privileged: z.boolean().optional(),
    readOnlyRootfs: z.boolean().optional(),
    securityOpt: z.array(z.string().min(1)).optional(),
    ulimits: z.array(UlimitSpec).optional(),
    sysctls: z.record(z.string(), z.string()).optional(),
    /** Docker's --init (a small PID 1 that reaps zombies): not supported yet, refused when true. */
    init: z.boolean().optional(),
  })
  .strict();
export type ContainerSpec = z.infer<typeof ContainerSpec>;

/**
 * The "config" object of an OCI image configuration (Docker's ContainerConfig subset that images carry).
 * Registries write null for empty fields, so every field is nullish; fields not listed are kept unread.
 */
export const ImageConfig = z
  .object({
    User: z.string().nullish(),
    ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
    Env: z.array(z.string()).nullish(),
    Entrypoint: z.array(z.string()).nullish(),
    Cmd: z.array(z.string()).nullish(),
    /**
     * Docker makes an anonymous volume for each; Berth has no volumes yet, so these paths stay in the
     * container's own writable layer (as Podman's --image-volume ignore).
     */
    Volumes: z.record(z.string(), z.unknown()).nullish(),
    WorkingDir: z.string().nullish(),
    Labels: z.record(z.string(), z.string()).nullish(),
    StopSignal: z.string().nullish(),
  })
  .passthrough();
export type ImageConfig = z.infer<typeof ImageConfig>;

function fieldPath(path: readonly PropertyKey[], prefix: string): string {
  let result = prefix;
  for (const part of path) {
    if (typeof part === 'number') result += `[${part}]`;
    else result += result ? `.${String(part)}` : String(part);
  }
  return result;
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  // An unknown key reports the object's path; name the key itself.
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const field = fieldPath(keys.length === 1 ? [...issue.path, keys[0]!] : issue.path, prefix);
  const detail = issue.code === 'unrecognized_keys' ? (keys.length === 1 ? 'unknown field' : `unknown fields ${keys.join(', ')}`) : issue.message;
  throw new ContainerConfigError(field || prefix || 'spec', detail);
}

/** A container spec from untrusted input (an API call), or a ContainerConfigError naming the first bad field. */
export function parseContainerSpec(value: unknown): ContainerSpec {
  return parseWith(ContainerSpec, value, '');
}

/** An image's config; errors are named `image.Env[2]` and so on. */
export function parseImageConfig(value: unknown): ImageConfig {
  return parseWith(ImageConfig, value ?? {}, 'image');
}

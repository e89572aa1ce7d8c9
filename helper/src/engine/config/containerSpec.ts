// The engine's own description of a container (what a Docker user asks for with `docker run` options),
// and the part of an OCI image's config that shapes a container. Both are zod schemas: parsing gives
// typed values, or a ContainerConfigError that names the field (`mounts[0].target: must be an absolute path`).
import type * as z from 'zod';
import { ContainerSpec, ImageConfig } from '../../protocol/containers';
import { ContainerConfigError } from './errors';

export { ContainerSpec, ImageConfig, MountSpec, NetworkMode, ResourcesSpec, UlimitSpec } from '../../protocol/containers';

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

// Image references in Docker's syntax (distribution/reference): `busybox`, `library/busybox:1.36`,
// `ghcr.io/org/app@sha256:…`, `localhost:5000/x`. Parsed strictly, so that a name which reaches a
// registry URL or the store's index has exactly one spelling: docker.io/library/busybox:latest.

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const NAME_MAX = 255;

export const DOCKER_HUB = 'docker.io';

export interface ImageReference {
  /** docker.io, ghcr.io, localhost:5000 */
  domain: string;
  /** library/busybox, org/app */
  path: string;
  tag?: string;
  digest?: string;
}

export class ReferenceError extends Error {
  constructor(reference: string, reason: string) {
    super(`invalid reference format ${JSON.stringify(reference)}: ${reason}`);
    this.name = 'ReferenceError';
  }
}

/**
 * Parses a reference; a missing tag becomes `latest` only when there is no digest (and `defaultTag` is
 * true). Throws a ReferenceError that says what is wrong.
 */
export function parseReference(reference: string, defaultTag = true): ImageReference {
  const text = reference;
  if (text === '' || /\s/.test(text)) throw new ReferenceError(reference, 'empty or contains whitespace');
  const at = text.indexOf('@');
  let name = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? undefined : text.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) throw new ReferenceError(reference, 'the digest must be sha256: and 64 lowercase hex digits');
  let tag: string | undefined;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(reference, `bad tag ${JSON.stringify(tag)}`);
  }
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const hasDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let domain = hasDomain ? first : DOCKER_HUB;
  let path = hasDomain ? name.slice(slash + 1) : name;
  if (hasDomain && !DOMAIN_RE.test(domain)) throw new ReferenceError(reference, `bad registry name ${JSON.stringify(domain)}`);
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (path !== path.toLowerCase()) throw new ReferenceError(reference, 'repository name must be lowercase');
  if (!PATH_RE.test(path)) throw new ReferenceError(reference, `bad repository name ${JSON.stringify(path)}`);
  if (domain.length + 1 + path.length > NAME_MAX) throw new ReferenceError(reference, `the name is longer than ${NAME_MAX} characters`);
  if (tag === undefined && digest === undefined && defaultTag) tag = 'latest';
  return { domain, path, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** `docker.io/library/busybox` */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full form: docker.io/library/busybox:latest, or …@sha256:… (with the tag too when both were given). */
export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The full form of a reference string, or a ReferenceError. */
export function normalizeReference(reference: string): string {
  return formatReference(parseReference(reference));
}

/** The short form people write: busybox:latest for docker.io/library/busybox:latest. */
export function familiarName(full: string): string {
  if (full.startsWith(`${DOCKER_HUB}/library/`)) return full.slice(`${DOCKER_HUB}/library/`.length);
  if (full.startsWith(`${DOCKER_HUB}/`)) return full.slice(`${DOCKER_HUB}/`.length);
  return full;
}

/** The host to talk to for a domain: Docker Hub's API lives at registry-1.docker.io. */
export function registryHost(domain: string): string {
  return domain === DOCKER_HUB ? 'registry-1.docker.io' : domain;
}

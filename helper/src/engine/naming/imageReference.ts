/**
 * An image reference in its full form, so that the names people write compare equal to the stored one:
 * busybox, library/busybox, docker.io/library/busybox and index.docker.io/library/busybox:latest are all
 * docker.io/library/busybox:latest. A reference with a digest keeps it. Null for what is not a reference.
 */
export function normalizeImageReference(reference: string): string | null {
  const text = reference.trim();
  if (text === '' || /\s/.test(text)) return null;
  const at = text.indexOf('@');
  const name = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? '' : text.slice(at);
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const hasDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let domain = hasDomain ? first : 'docker.io';
  let path = hasDomain ? name.slice(slash + 1) : name;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const lastComponent = path.slice(path.lastIndexOf('/') + 1);
  if (!lastComponent.includes(':') && digest === '') path += ':latest';
  if (path.startsWith(':') || path.includes('//')) return null;
  return `${domain}/${path}${digest}`;
}

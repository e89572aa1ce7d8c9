import { NamingError } from './errors';

export interface NamedContainer {
  readonly id: string;
  /** The container's names, with or without Docker's leading "/". */
  readonly names: readonly string[];
}

/** Ids listed in an ambiguity error before it says "and N more". */
const SHOWN_MATCHES = 5;

/**
 * The container `ref` designates, in Docker's order: the full id, then a name (with or without the
 * leading "/"), then a unique prefix of an id. A prefix shared by several ids is refused (kind
 * `ambiguous`) with the ids it fits; nothing found is kind `notFound`, as `No such container` in Docker.
 */
export function resolveContainer<T extends NamedContainer>(ref: string, containers: Iterable<T>): T {
  if (ref === '' || ref === '/') throw new NamingError('no container given: pass a container name or id', 'invalid');
  const all = [...containers];
  const byId = all.find((container) => container.id === ref);
  if (byId) return byId;
  const name = ref.startsWith('/') ? ref.slice(1) : ref;
  const byName = all.find((container) => container.names.some((other) => (other.startsWith('/') ? other.slice(1) : other) === name));
  if (byName) return byName;
  const byPrefix = ref.startsWith('/') ? [] : all.filter((container) => container.id.startsWith(ref));
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) {
    const ids = byPrefix.slice(0, SHOWN_MATCHES).map((container) => container.id.slice(0, 12));
    const more = byPrefix.length > SHOWN_MATCHES ? ` and ${byPrefix.length - SHOWN_MATCHES} more` : '';
    throw new NamingError(
      `container id prefix ${JSON.stringify(ref)} is ambiguous: it matches ${ids.join(', ')}${more}; give more of the id, or the name`,
      'ambiguous',
    );
  }
  throw new NamingError(`no such container: ${ref}`, 'notFound');
}

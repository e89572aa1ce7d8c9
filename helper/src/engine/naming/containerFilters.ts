import { NamingError } from './errors';
import { normalizeImageReference } from './imageReference';
import { compileNamePattern, type NamePattern } from './namePattern';

// `berth ps --filter KEY=VALUE`, with Docker's keys and meanings for the ones Berth keeps:
//   name=PATTERN      a regular expression found anywhere in one of the names (with or without the
//                     leading "/"), or the exact name: web matches web and my-web-1, ^web$ only web
//   id=PATTERN        the same on the full id, so a prefix of the id matches
//   status=STATE      created, restarting, running, removing, paused, exited or dead
//   label=KEY         the label is set; label=KEY=VALUE: it is set to VALUE
//   ancestor=IMAGE    created from IMAGE (busybox is docker.io/library/busybox:latest) or from the
//                     image whose id starts with IMAGE
// Values of one key are ORed and different keys ANDed, except label: like Docker (MatchKVList), every
// label filter must hold. Docker's ancestor also matches containers of images built on IMAGE; that needs
// the image store's parent links, so here it is the image itself.

export const CONTAINER_STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];
export const FILTER_KEYS = ['ancestor', 'id', 'label', 'name', 'status'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface LabelFilter {
  readonly key: string;
  /** Absent: any value. */
  readonly value?: string;
}

export interface ContainerFilters {
  readonly ancestor: readonly string[];
  readonly id: readonly NamePattern[];
  readonly label: readonly LabelFilter[];
  readonly name: readonly NamePattern[];
  readonly status: readonly ContainerState[];
}

export interface FilterableContainer {
  readonly id: string;
  readonly names: readonly string[];
  readonly status: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The image reference the container was created from. */
  readonly image: string;
  /** The image's id (sha256:…), when known: ancestor= also takes the id or a prefix of it. */
  readonly imageId?: string;
}

/**
 * The filters in `KEY=VALUE` strings (as the CLI's --filter gives them; the key is trimmed and
 * lowercased and the value trimmed, as Docker does) or in Docker's API form `{ KEY: [VALUE, …] }`. Throws
 * a NamingError (kind `invalid`) that names the filter for a malformed one, an unknown key, an unknown
 * status or an unusable regular expression.
 */
export function parseFilters(filters: readonly string[] | Readonly<Record<string, readonly string[]>>): ContainerFilters {
  const pairs: [string, string][] = Array.isArray(filters)
    ? (filters as readonly string[]).map(splitFilter)
    : Object.entries(filters as Record<string, readonly string[]>).flatMap(([key, values]) =>
        values.map((value): [string, string] => [key.trim().toLowerCase(), value.trim()]),
      );
  const parsed = { ancestor: [] as string[], id: [] as NamePattern[], label: [] as LabelFilter[], name: [] as NamePattern[], status: [] as ContainerState[] };
  const seen = new Set<string>();
  for (const [key, value] of pairs) {
    const shown = `${key}=${value}`;
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw new NamingError(`invalid filter ${JSON.stringify(key)}: containers are filtered by ${FILTER_KEYS.join(', ')}`, 'invalid');
    }
    if (seen.has(shown)) continue; // Docker keeps a set of values per key
    seen.add(shown);
    switch (key as FilterKey) {
      case 'name':
      case 'id':
        parsed[key as 'name' | 'id'].push(compilePattern(shown, value));
        break;
      case 'status':
        if (!(CONTAINER_STATES as readonly string[]).includes(value)) {
          throw new NamingError(`invalid filter ${JSON.stringify(shown)}: the status is one of ${CONTAINER_STATES.join(', ')}`, 'invalid');
        }
        parsed.status.push(value as ContainerState);
        break;
      case 'label': {
        const equals = value.indexOf('=');
        const labelKey = equals === -1 ? value : value.slice(0, equals);
        if (labelKey === '') {
          throw new NamingError(`invalid filter ${JSON.stringify(shown)}: give a label key, as label=KEY or label=KEY=VALUE`, 'invalid');
        }
        parsed.label.push(equals === -1 ? { key: labelKey } : { key: labelKey, value: value.slice(equals + 1) });
        break;
      }
      case 'ancestor':
        if (value === '') throw new NamingError(`invalid filter ${JSON.stringify(shown)}: give an image name or id`, 'invalid');
        parsed.ancestor.push(value);
        break;
    }
  }
  return parsed;
}

/** Whether `container` passes every filter (see the top of this file for each key's meaning). */
export function matchesFilters(container: FilterableContainer, filters: ContainerFilters): boolean {
  if (filters.name.length > 0) {
    const names = container.names.flatMap((name) => (name.startsWith('/') ? [name, name.slice(1)] : [name, `/${name}`]));
    if (!filters.name.some((pattern) => names.some((name) => patternMatches(pattern, name)))) return false;
  }
  if (filters.id.length > 0 && !filters.id.some((pattern) => patternMatches(pattern, container.id))) return false;
  if (filters.status.length > 0 && !filters.status.includes(container.status as ContainerState)) return false;
  for (const label of filters.label) {
    if (!Object.hasOwn(container.labels, label.key)) return false;
    if (label.value !== undefined && container.labels[label.key] !== label.value) return false;
  }
  if (filters.ancestor.length > 0 && !filters.ancestor.some((image) => isAncestor(image, container))) return false;
  return true;
}

function splitFilter(filter: string): [string, string] {
  const equals = typeof filter === 'string' ? filter.indexOf('=') : -1;
  if (equals === -1) throw new NamingError(`bad format of filter ${JSON.stringify(filter)}: expected KEY=VALUE`, 'invalid');
  return [filter.slice(0, equals).trim().toLowerCase(), filter.slice(equals + 1).trim()];
}

function compilePattern(shown: string, value: string): NamePattern {
  try {
    return compileNamePattern(value);
  } catch (error) {
    throw new NamingError(`invalid filter ${JSON.stringify(shown)}: ${(error as Error).message}`, 'invalid');
  }
}

/** Docker's Args.Match: the exact value, or the regular expression found in the text. */
function patternMatches(pattern: NamePattern, text: string): boolean {
  return text === pattern.source || pattern.test(text);
}

function isAncestor(image: string, container: FilterableContainer): boolean {
  const reference = normalizeImageReference(image);
  if (reference !== null && reference === normalizeImageReference(container.image)) return true;
  if (!container.imageId) return false;
  const wanted = image.replace(/^sha256:/, '');
  return /^[0-9a-f]+$/.test(wanted) && container.imageId.replace(/^sha256:/, '').startsWith(wanted);
}

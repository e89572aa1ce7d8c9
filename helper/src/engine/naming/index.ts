// Container names (Docker's rule, random names), `ps` filters and lookup by id, name or id prefix.
export { NamingError } from './errors';
export { NAME_PATTERN, validateName } from './validateName';
export { randomName, type RandomNameOptions } from './randomName';
export { ADJECTIVES, SURNAMES } from './words';
export {
  CONTAINER_STATES,
  FILTER_KEYS,
  matchesFilters,
  parseFilters,
  type ContainerFilters,
  type ContainerState,
  type FilterableContainer,
  type FilterKey,
  type LabelFilter,
} from './containerFilters';
export { compileNamePattern, type NamePattern } from './namePattern';
export { normalizeImageReference } from './imageReference';
export { resolveContainer, type NamedContainer } from './resolveContainer';

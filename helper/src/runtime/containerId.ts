import { RuntimeError } from './errors';

// runc's rule: ids become directory names under the root, so no slashes, no dots-only names.
const VALID_ID = /^[\w+\-.]+$/;

export function checkContainerId(id: string): string {
  if (!VALID_ID.test(id) || id === '.' || id === '..') {
    throw new RuntimeError(`invalid container id "${id}": use letters, digits, and + - . _`, 'invalid');
  }
  if (id.length > 1024) throw new RuntimeError('invalid container id: longer than 1024 characters', 'invalid');
  return id;
}

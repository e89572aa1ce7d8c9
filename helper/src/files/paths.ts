// Paths inside a container as the API takes them: absolute, normalised lexically (as VS Code does), and
// split into the parent directory and one last name for the operations that must not follow it.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';

export function normalisePath(path: string): string {
  const normalised = posix.normalize(`/${path}`);
  return normalised.length > 1 && normalised.endsWith('/') ? normalised.slice(0, -1) : normalised;
}

/** `/a/b/c` → `{ parent: '/a/b', name: 'c' }`; undefined for the root, which has no parent in the container. */
export function splitPath(path: string): { parent: string; name: string } | undefined {
  const normalised = normalisePath(path);
  if (normalised === '/') return undefined;
  return { parent: posix.dirname(normalised), name: posix.basename(normalised) };
}

/** Whether `inner` is `outer` or below it. */
export function isWithin(inner: string, outer: string): boolean {
  const a = normalisePath(inner);
  const b = normalisePath(outer);
  return a === b || a.startsWith(b === '/' ? '/' : `${b}/`);
}

/** A hidden name beside `name` for content on its way in: unique, and recognisable as Berth's. */
export function temporaryName(name: string, purpose: 'write' | 'copy'): string {
  // A name is at most 255 bytes: keep the tail short enough for any base name.
  const base = Buffer.from(name).length > 200 ? 'file' : name;
  return `.${base}.berth-${purpose}-${randomBytes(6).toString('hex')}`;
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

// Paths as Go's filepath.Clean leaves them, which is how Docker compares and stores them.
import { posix } from 'node:path';

/** "/a/../b/" -> "/b"; "/" stays "/". */
export function cleanPath(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

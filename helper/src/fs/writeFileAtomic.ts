import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

/** Writes a whole file or nothing: a temporary file beside it, fsync'd, then renamed into place. */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

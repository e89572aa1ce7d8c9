// Temporary folders for one test file, all removed once its tests are done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export interface TempDirs {
  /** A fresh folder under the system's temporary folder, named from `prefix`. */
  (prefix: string): string;
  /** Removes `path` too (a file or folder made some other way) after the file's tests. */
  removeAfter(path: string): void;
}

/** A maker of temporary folders, each removed (with whatever else it is given) after the file's tests. */
export function tempDirsOfThisFile(): TempDirs {
  const made: string[] = [];
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  const make = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
  return Object.assign(make, { removeAfter: (path: string) => void made.push(path) });
}

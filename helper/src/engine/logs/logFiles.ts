import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

// A container's log directory holds container.log (being written) and the rotated container.log.1 (the
// newest) … container.log.N (the oldest). Readers work on open handles, so a rotation that renames or
// deletes a file under them never loses what they already opened.

export const CURRENT_LOG = 'container.log';

export function logFileName(index: number): string {
  return index === 0 ? CURRENT_LOG : `${CURRENT_LOG}.${index}`;
}

export interface OpenLogFile {
  readonly handle: FileHandle;
  readonly ino: number;
  /** The size when opened. */
  readonly size: number;
  /** The file's index when opened (0 for container.log). */
  readonly index: number;
}

/** The indexes of the log files present in `dir`, oldest (highest) first; none when `dir` is missing. */
export async function logFileIndexes(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const indexes: number[] = [];
  for (const name of names) {
    const match = /^container\.log(?:\.([1-9]\d{0,5}))?$/.exec(name);
    if (match) indexes.push(match[1] ? Number(match[1]) : 0);
  }
  return indexes.sort((a, b) => b - a);
}

/** Snapshots taken before a reader under a rotation storm settles for the newest file alone. */
const SNAPSHOT_ATTEMPTS = 20;

/**
 * Every log file opened, oldest first, as one contiguous run: opened newest first and taken again if
 * container.log was replaced meanwhile (a rotation between two opens could otherwise skip, repeat or
 * misorder one). If rotations never let a snapshot settle, only the newest file is returned: older
 * records are skipped rather than given out of order.
 */
export async function openLogFiles(dir: string): Promise<OpenLogFile[]> {
  for (let attempt = 1; ; attempt++) {
    const newestFirst: OpenLogFile[] = [];
    for (const index of (await logFileIndexes(dir)).reverse()) {
      const file = await openLogFile(dir, index);
      if (!file) continue;
      if (newestFirst.some((other) => other.ino === file.ino)) await file.handle.close();
      else newestFirst.push(file);
    }
    const newest = newestFirst[0];
    const stable = newest?.index !== 0 || (await inodeOf(join(dir, CURRENT_LOG))) === newest.ino;
    if (stable) return newestFirst.reverse();
    if (attempt === SNAPSHOT_ATTEMPTS) {
      await closeAll(newestFirst.slice(1));
      return [newest!];
    }
    await closeAll(newestFirst);
  }
}

/** The file that follows the one with inode `ino` (the oldest when that one is gone), or null if none yet. */
export async function openNextLogFile(dir: string, ino: number | null): Promise<OpenLogFile | null> {
  const files = await openLogFiles(dir);
  const at = ino === null ? -1 : files.findIndex((file) => file.ino === ino);
  const next = files[at + 1] ?? null;
  await closeAll(files.filter((file) => file !== next));
  return next;
}

export async function inodeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).ino;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

export async function closeAll(files: readonly OpenLogFile[]): Promise<void> {
  await Promise.all(files.map((file) => file.handle.close().catch(() => undefined)));
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

async function openLogFile(dir: string, index: number): Promise<OpenLogFile | null> {
  let handle: FileHandle;
  try {
    handle = await open(join(dir, logFileName(index)), 'r');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  try {
    const info = await handle.stat();
    return { handle, ino: info.ino, size: info.size, index };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

// The engine's identity: a random id made once per helper root and kept in ROOT/engine-id, so that a
// client reaching the same engine by two ways (the local socket and an SSH target to the same machine,
// two SSH aliases) can tell that it is one engine, while two daemons with their own roots stay two.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'engine-id';
const WELL_FORMED = /^[0-9a-f]{32}$/;

/** Reads ROOT/engine-id, creating it when missing (the root is the daemon's, under its lock). */
export function engineIdOf(rootDir: string): string {
  const path = join(rootDir, FILE);
  try {
    const id = readFileSync(path, 'utf8').trim();
    if (WELL_FORMED.test(id)) return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Missing or damaged: a new id, written whole or not at all.
  const id = randomBytes(16).toString('hex');
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    writeSync(fd, `${id}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (error) {
    unlinkSync(tmp);
    throw error;
  }
  return id;
}

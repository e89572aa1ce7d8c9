// Reading and writing cgroup interface files, with errors that name the file, the value and the errno.
// Writes open the file without O_CREAT: on cgroupfs a missing file means a missing controller, and in a
// test's fake tree creating it would hide exactly that. Each value goes out in one write(2), because the
// kernel parses each write on its own (one device rule, one "+controller" list).
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupError } from './errors';

/** "ENOENT (no such file or directory, open '/x')" from a node:fs error, or the message of anything else. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code} (${err.message})` : err.message;
  }
  return String(err);
}

export function errorCode(err: unknown): string | undefined {
  return err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
}

export function readCgroupFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CgroupError(`reading ${file} failed: ${describeError(err)}`);
  }
}

/** The file's text, or undefined when it does not exist (a controller or kernel feature that is absent). */
export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw new CgroupError(`reading ${file} failed: ${describeError(err)}`);
  }
}

/** Writes one value; `what` says why ("linux.resources.memory.limit", "adding pid 42"). */
export function writeCgroupFile(file: string, value: string, what: string): void {
  let fd: number;
  try {
    // O_TRUNC is meaningless on cgroupfs but keeps a fake tree's file equal to the last value written.
    fd = openSync(file, constants.O_WRONLY | constants.O_TRUNC);
  } catch (err) {
    throw new CgroupError(`${what}: cannot open ${file} to write "${value}": ${describeError(err)}`);
  }
  try {
    const bytes = Buffer.from(value);
    const written = writeSync(fd, bytes, 0, bytes.length);
    if (written !== bytes.length) throw new Error(`short write (${written} of ${bytes.length} bytes)`);
  } catch (err) {
    throw new CgroupError(`${what}: writing "${value}" to ${file} failed: ${describeError(err)}`);
  } finally {
    closeSync(fd);
  }
}

/** The path of an interface file that must exist for `field` to be honoured; `why` explains its absence. */
export function requireFile(dir: string, name: string, field: string, why: string): string {
  const file = join(dir, name);
  if (!existsSync(file)) throw new CgroupError(`${field}: ${file} does not exist: ${why}`);
  return file;
}

export function parseNumber(text: string, file: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new CgroupError(`${file}: expected a number, found ${JSON.stringify(text.trim())}`);
  }
  return value;
}

// v1 reports "no limit" as the largest page-aligned int64 (9223372036854771712), v2 as "max".
const UNLIMITED_FROM = 2 ** 62;

/** A limit as a number, or null for "max" and v1's huge "unlimited" values. */
export function parseLimit(text: string, file: string): number | null {
  if (text.trim() === 'max') return null;
  const value = parseNumber(text, file);
  return value >= UNLIMITED_FROM ? null : value;
}

/** "key value" lines (memory.events, cgroup.events, cpu.stat, memory.oom_control) as a map. */
export function parseKeyedLines(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) values.set(key, value);
  }
  return values;
}

/** A numeric field of a keyed file, 0 when the file or the key is absent (older kernels lack some keys). */
export function keyedNumber(file: string, key: string): number {
  const text = readIfExists(file);
  const value = text === undefined ? undefined : parseKeyedLines(text).get(key);
  return value === undefined ? 0 : parseNumber(value, `${file} (${key})`);
}

/** A file holding one number, 0 when absent. */
export function numberOrZero(file: string): number {
  const text = readIfExists(file);
  return text === undefined ? 0 : parseNumber(text, file);
}

/** A file holding one limit, null when absent or unlimited. */
export function limitOrNull(file: string): number | null {
  const text = readIfExists(file);
  return text === undefined ? null : parseLimit(text, file);
}

/** Whitespace-separated words (cgroup.controllers, cgroup.subtree_control). */
export function words(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean);
}

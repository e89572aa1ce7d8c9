// Host-key verification against an OpenSSH known_hosts file: plain and hashed (`|1|salt|hash`) entries,
// `[host]:port` for non-default ports, pattern lists with `*`, `?` and `!`, and the @revoked marker.
// Pure logic plus one atomic append; no VS Code, so node tests drive it directly.
import { createHash, createHmac } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  /** The host field as written: a pattern list or a hashed name. */
  readonly hosts: string;
  readonly keyType: string;
  readonly key: Buffer;
  readonly marker?: 'revoked' | 'cert-authority';
  /** 1-based line in the file, for messages. */
  readonly line: number;
}

export type HostKeyVerdict =
  /** A line for this host carries exactly this key. */
  | { readonly kind: 'known'; readonly line: number }
  /** No key of this type is recorded for this host (other types may be: `otherTypes`). */
  | { readonly kind: 'unknown'; readonly otherTypes: readonly string[] }
  /** A different key of the same type is recorded: possibly an attack, never accepted silently. */
  | { readonly kind: 'changed'; readonly knownFingerprint: string; readonly line: number }
  /** The key is listed as @revoked. */
  | { readonly kind: 'revoked'; readonly line: number };

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:` and the unpadded base64 of the key blob's SHA-256, exactly as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH wire-format public key blob (its first string). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('latin1');
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const name = fields.shift()!.slice(1);
      if (name !== 'revoked' && name !== 'cert-authority') return;
      marker = name;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) return;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0) return;
    entries.push({ hosts, keyType, key, marker, line: index + 1 });
  });
  return entries;
}

/** Whether one known_hosts host field names `name` (already in `[host]:port` form when needed). */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    if (globMatches(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** OpenSSH's pattern syntax: `*` any run, `?` one character, case-insensitive (host names are). */
export function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(text.toLowerCase());
}

/** The key types recorded for a host, in file order, for ordering the host-key algorithms we offer. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types: string[] = [];
  for (const entry of entries) {
    if (entry.marker === undefined && hostFieldMatches(entry.hosts, name) && !types.includes(entry.keyType)) {
      types.push(entry.keyType);
    }
  }
  return types;
}

export function verifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const keyType = keyTypeOf(key);
  const matching = entries.filter((entry) => entry.marker !== 'cert-authority' && hostFieldMatches(entry.hosts, name));
  const revoked = entries.find((entry) => entry.marker === 'revoked' && entry.key.equals(key));
  if (revoked) return { kind: 'revoked', line: revoked.line };
  const plain = matching.filter((entry) => entry.marker === undefined);
  const same = plain.find((entry) => entry.key.equals(key));
  if (same) return { kind: 'known', line: same.line };
  const sameType = plain.find((entry) => entry.keyType === keyType);
  if (sameType) return { kind: 'changed', knownFingerprint: fingerprint(sameType.key), line: sameType.line };
  return { kind: 'unknown', otherTypes: [...new Set(plain.map((entry) => entry.keyType))] };
}

/** The line OpenSSH would write for an accepted key (plain, not hashed, so the user can read it). */
export function knownHostsLine(host: string, port: number, key: Buffer): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

export function readKnownHosts(path: string): KnownHostEntry[] {
  try {
    return parseKnownHosts(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Appends a line by writing the whole file anew beside it and renaming it over the old one, so a crash
 * leaves either the old file or the new one, never half a line. Keeps the file's mode (0600 when new)
 * and creates ~/.ssh 0700 when missing.
 */
export function appendKnownHost(path: string, line: string): void {
  let existing = '';
  let mode = 0o600;
  try {
    existing = readFileSync(path, 'utf8');
    mode = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  }
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  const temp = `${path}.berth-${process.pid}-${Date.now()}`;
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, `${existing}${separator}${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** The text shown when a host's key changed: both fingerprints and the command that clears the old one. */
export function changedKeyMessage(
  host: string,
  port: number,
  knownHostsPath: string,
  verdict: { knownFingerprint: string; line: number },
  offered: Buffer,
): string {
  const name = knownHostsName(host, port);
  return (
    `The host key of ${name} has changed: it offered ${keyTypeOf(offered)} ${fingerprint(offered)}, but ` +
    `${knownHostsPath}:${verdict.line} records ${verdict.knownFingerprint}. Someone could be intercepting the ` +
    `connection (or the host was reinstalled). Berth refuses to connect. If the change is expected, remove the ` +
    `old key with: ssh-keygen -R '${name}' -f '${knownHostsPath}', then connect again.`
  );
}

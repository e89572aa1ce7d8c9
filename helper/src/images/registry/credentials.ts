// Registry credentials from a Docker-style config.json ($DOCKER_CONFIG/config.json, else
// ~/.docker/config.json of the daemon's user): `auths` entries with `auth` (base64 user:password) or
// `username`/`password`, or `identitytoken`. Credential helpers (credsStore, credHelpers) are programs
// Berth does not run; an entry that needs one is reported as missing.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_HUB } from '../reference';

export interface Credentials {
  username?: string;
  password?: string;
  identityToken?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export function dockerConfigPath(): string {
  return join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** The credentials config.json holds for `domain`, or undefined. */
export function credentialsFor(domain: string, configPath = dockerConfigPath()): Credentials | undefined {
  let config: { auths?: Record<string, AuthEntry> };
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as typeof config;
  } catch {
    return undefined;
  }
  const keys = domain === DOCKER_HUB ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'] : [domain];
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (!keys.includes(key) && !keys.includes(host)) continue;
    if (entry.identitytoken) return { identityToken: entry.identitytoken };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username !== undefined) return { username: entry.username, password: entry.password ?? '' };
  }
  return undefined;
}

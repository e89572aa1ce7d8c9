// `--change` instructions of `docker import` / `docker commit`: the Dockerfile instructions that set the
// image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR), applied
// in order to the config's "config" object. Anything else is refused by name.
import { posix } from 'node:path';

export type ImageConfigObject = Record<string, unknown>;

export class ChangeError extends Error {
  constructor(change: string, reason: string) {
    super(`--change ${JSON.stringify(change)}: ${reason}`);
    this.name = 'ChangeError';
  }
}

/** A copy of `config` with every change applied. */
export function applyChanges(config: ImageConfigObject, changes: string[]): ImageConfigObject {
  const result: ImageConfigObject = structuredClone(config);
  for (const change of changes) applyChange(result, change);
  return result;
}

function applyChange(config: ImageConfigObject, change: string): void {
  const match = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(change);
  if (!match) throw new ChangeError(change, 'expected an instruction such as CMD, ENV or WORKDIR followed by its arguments');
  const instruction = match[1]!.toUpperCase();
  const rest = (match[2] ?? '').trim();
  if (rest === '') throw new ChangeError(change, `${instruction} needs arguments`);
  switch (instruction) {
    case 'CMD':
      config.Cmd = commandForm(change, rest);
      break;
    case 'ENTRYPOINT':
      config.Entrypoint = commandForm(change, rest);
      break;
    case 'ENV':
      setEnv(config, keyValues(change, rest, true));
      break;
    case 'LABEL':
      config.Labels = { ...((config.Labels as Record<string, string> | null) ?? {}), ...Object.fromEntries(keyValues(change, rest, false)) };
      break;
    case 'EXPOSE': {
      const ports = { ...((config.ExposedPorts as Record<string, unknown> | null) ?? {}) };
      for (const word of rest.split(/\s+/)) {
        if (!/^\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp|sctp))?$/i.test(word)) throw new ChangeError(change, `bad port ${JSON.stringify(word)}`);
        ports[word.includes('/') ? word.toLowerCase() : `${word}/tcp`] = {};
      }
      config.ExposedPorts = ports;
      break;
    }
    case 'VOLUME': {
      const volumes = { ...((config.Volumes as Record<string, unknown> | null) ?? {}) };
      const paths = rest.startsWith('[') ? jsonArray(change, rest) : rest.split(/\s+/);
      for (const path of paths) volumes[path] = {};
      config.Volumes = volumes;
      break;
    }
    case 'WORKDIR': {
      const previous = typeof config.WorkingDir === 'string' && config.WorkingDir !== '' ? config.WorkingDir : '/';
      config.WorkingDir = posix.resolve(previous, rest);
      break;
    }
    case 'USER':
      config.User = rest;
      break;
    case 'STOPSIGNAL':
      config.StopSignal = rest;
      break;
    case 'ONBUILD':
      config.OnBuild = [...((config.OnBuild as string[] | null) ?? []), rest];
      break;
    default:
      throw new ChangeError(change, `${instruction} cannot be applied to an image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)`);
  }
}

/** The exec form (a JSON array) as it is; the shell form wrapped in /bin/sh -c, as Docker does. */
function commandForm(change: string, rest: string): string[] {
  if (rest.startsWith('[')) {
    try {
      return jsonArray(change, rest);
    } catch {
      // Not valid JSON: Docker then takes it as the shell form.
    }
  }
  return ['/bin/sh', '-c', rest];
}

function jsonArray(change: string, text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ChangeError(change, 'not a valid JSON array');
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new ChangeError(change, 'expected a JSON array of strings');
  return value;
}

function setEnv(config: ImageConfigObject, pairs: [string, string][]): void {
  const env = [...((config.Env as string[] | null) ?? [])];
  for (const [key, value] of pairs) {
    const index = env.findIndex((entry) => entry.split('=', 1)[0] === key);
    if (index === -1) env.push(`${key}=${value}`);
    else env[index] = `${key}=${value}`;
  }
  config.Env = env;
}

/** `K=V K2="v 2"`, or the legacy `K value with spaces` (only when `legacy`, as ENV allows). */
function keyValues(change: string, rest: string, legacy: boolean): [string, string][] {
  const words = splitWords(change, rest);
  if (!words[0]!.includes('=')) {
    if (!legacy) throw new ChangeError(change, 'expected KEY=VALUE');
    const space = rest.search(/\s/);
    if (space === -1) throw new ChangeError(change, 'expected KEY=VALUE or KEY VALUE');
    return [[rest.slice(0, space), rest.slice(space).trim()]];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new ChangeError(change, `expected KEY=VALUE, got ${JSON.stringify(word)}`);
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}

/** Words separated by whitespace, with double or single quotes and backslash escapes removed as a shell would. */
function splitWords(change: string, text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new ChangeError(change, 'unterminated quote');
  if (inWord) words.push(current);
  return words;
}

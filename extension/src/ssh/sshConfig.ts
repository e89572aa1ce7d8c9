// ~/.ssh/config, the part Berth honours: Host blocks (patterns with `*`, `?`, `!`), Include, and the
// keywords HostName, Port, User, IdentityFile, IdentitiesOnly, IdentityAgent, ProxyJump. As in OpenSSH the first value
// obtained for a keyword wins, except IdentityFile, which accumulates. Match blocks are skipped (their
// keywords never apply), and reported so the log can say so.
import { readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { globMatches } from './knownHosts';

interface Directive {
  readonly keyword: string;
  readonly args: readonly string[];
}

interface Block {
  /** Host patterns; undefined for the lines before the first Host (they apply to every host). */
  readonly patterns?: readonly string[];
  /** A Match block: never applied. */
  readonly match?: boolean;
  readonly directives: Directive[];
}

export interface SshConfig {
  readonly blocks: readonly Block[];
  /** Lines Berth did not understand or chose to skip, for the log. */
  readonly notes: readonly string[];
}

export interface ResolvedHost {
  /** The alias the user gave. */
  readonly alias: string;
  readonly hostName: string;
  readonly port: number;
  readonly user?: string;
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** Jump hosts in order, each `[user@]host[:port]`; empty for a direct connection. */
  readonly proxyJump: readonly string[];
  /** IdentityAgent: the agent's socket, or false for `none`; undefined: SSH_AUTH_SOCK. */
  readonly identityAgent?: string | false;
  /** Keywords that apply to this host but that Berth does not honour, for the log. */
  readonly unsupported: readonly string[];
}

const KEYWORDS = new Set(['hostname', 'port', 'user', 'identityfile', 'identitiesonly', 'identityagent', 'proxyjump']);
/** Keywords that change how the connection is made: ignoring them silently would mislead. */
const NOTED = new Map([
  ['proxycommand', 'ProxyCommand'],
  ['hostkeyalias', 'HostKeyAlias'],
  ['certificatefile', 'CertificateFile'],
  ['pkcs11provider', 'PKCS11Provider'],
  ['securitykeyprovider', 'SecurityKeyProvider'],
]);

/** Splits a line into words the way OpenSSH does: whitespace or one `=` separates, double quotes group. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quoted = false;
  let inWord = false;
  for (const char of line) {
    if (char === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

export function parseSshConfig(text: string, options: { path?: string; readInclude?: (pattern: string) => string[] } = {}): SshConfig {
  const blocks: Block[] = [{ directives: [] }];
  const notes: string[] = [];
  const add = (text: string, from: string, depth: number) => {
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      // `Keyword=value` and `Keyword = value` are the same as `Keyword value`.
      const match = /^(\S+?)\s*(?:=\s*|\s+)(.*)$/.exec(line);
      if (!match) return;
      const keyword = match[1]!.toLowerCase();
      const args = splitWords(match[2]!);
      if (keyword === 'host') {
        blocks.push({ patterns: args, directives: [] });
      } else if (keyword === 'match') {
        notes.push(`${from}:${index + 1}: Match blocks are not supported; their settings are ignored`);
        blocks.push({ match: true, directives: [] });
      } else if (keyword === 'include') {
        if (depth >= 16 || !options.readInclude) return;
        for (const pattern of args) {
          for (const included of options.readInclude(pattern)) add(included, pattern, depth + 1);
        }
      } else {
        blocks[blocks.length - 1]!.directives.push({ keyword, args });
      }
    });
  };
  add(text, options.path ?? 'ssh config', 0);
  return { blocks, notes };
}

/** Reads ~/.ssh/config (or `path`), following Include with `*` in file names. Missing file: empty config. */
export function readSshConfig(path = join(homedir(), '.ssh', 'config')): SshConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { blocks: [], notes: [] };
  }
  const sshDir = dirname(path);
  const readInclude = (pattern: string): string[] => {
    const expanded = expandTilde(pattern);
    const full = isAbsolute(expanded) ? expanded : join(sshDir, expanded);
    const dir = dirname(full);
    const namePattern = basename(full);
    let names: string[];
    try {
      names = /[*?]/.test(namePattern) ? readdirSync(dir).filter((name) => globMatches(namePattern, name)).sort() : [namePattern];
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      try {
        return [readFileSync(join(dir, name), 'utf8')];
      } catch {
        return [];
      }
    });
  };
  return parseSshConfig(text, { path, readInclude });
}

function blockApplies(block: Block, alias: string): boolean {
  if (block.match) return false;
  if (!block.patterns) return true;
  let matched = false;
  for (const pattern of block.patterns) {
    const negated = pattern.startsWith('!');
    if (globMatches(negated ? pattern.slice(1) : pattern, alias)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export function expandTilde(path: string, home = homedir()): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** The settings for `alias`, with OpenSSH's defaults and its % tokens (%h %p %r %u %d %%) expanded. */
export function resolveHost(config: SshConfig, alias: string, home = homedir()): ResolvedHost {
  const first = new Map<string, readonly string[]>();
  const identityFiles: string[] = [];
  const unsupported: string[] = [];
  for (const block of config.blocks) {
    if (!blockApplies(block, alias)) continue;
    for (const { keyword, args } of block.directives) {
      const noted = NOTED.get(keyword);
      if (noted && args[0]?.toLowerCase() !== 'none' && !unsupported.includes(noted)) unsupported.push(noted);
      if (!KEYWORDS.has(keyword) || args.length === 0) continue;
      if (keyword === 'identityfile') identityFiles.push(args[0]!);
      else if (!first.has(keyword)) first.set(keyword, args);
    }
  }
  const hostName = (first.get('hostname')?.[0] ?? alias).replace(/%h/g, alias);
  const port = Number(first.get('port')?.[0] ?? 22);
  const user = first.get('user')?.[0];
  const localUser = safeLocalUser();
  const expand = (value: string) =>
    expandTilde(value, home).replace(/%(.)/g, (whole, token: string) => {
      switch (token) {
        case 'h': return hostName;
        case 'p': return String(port);
        case 'r': return user ?? localUser;
        case 'u': return localUser;
        case 'd': return home;
        case '%': return '%';
        default: return whole;
      }
    });
  const jump = first.get('proxyjump')?.[0];
  const agent = first.get('identityagent')?.[0];
  return {
    alias,
    hostName,
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 22,
    user,
    identityFiles: identityFiles.map(expand),
    identitiesOnly: first.get('identitiesonly')?.[0]?.toLowerCase() === 'yes',
    proxyJump: jump && jump.toLowerCase() !== 'none' ? jump.split(',').map((hop) => hop.trim()).filter(Boolean) : [],
    identityAgent:
      agent === undefined ? undefined : agent.toLowerCase() === 'none' ? false : agent === 'SSH_AUTH_SOCK' ? undefined : expand(agent.replace(/^\$\{?SSH_AUTH_SOCK\}?$/, process.env.SSH_AUTH_SOCK ?? '')),
    unsupported,
  };
}

/** Host aliases the user can pick as targets: Host patterns without wildcards or negation. */
export function listHostAliases(config: SshConfig): string[] {
  const aliases: string[] = [];
  for (const block of config.blocks) {
    for (const pattern of block.patterns ?? []) {
      if (!/[*?!]/.test(pattern) && !aliases.includes(pattern)) aliases.push(pattern);
    }
  }
  return aliases;
}

/** `[user@]host[:port]` (also `[v6]:port`), as ProxyJump and the add-target box take it. */
export function parseHostSpec(spec: string): { user?: string; host: string; port?: number } {
  let rest = spec.trim();
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    rest = bracketed[1]!;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else {
    const colon = /^([^:]+):(\d+)$/.exec(rest);
    if (colon) {
      rest = colon[1]!;
      port = Number(colon[2]);
    }
  }
  return { user: user || undefined, host: rest, port };
}

function safeLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

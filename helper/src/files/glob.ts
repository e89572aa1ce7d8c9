// The glob patterns VS Code sends as a watch's excludes (files.watcherExclude: `**/.git/objects/**`,
// `**/node_modules/*/**`): `*` and `?` within one path segment, `**` across segments, `{a,b}`, `[…]`.
// Hand-written on purpose: VS Code's own glob semantics, which picomatch 4 and minimatch 10 do not give
// (both fail `[!ab]` or a trailing `/**` matching the folder itself, as `**/.git/objects/**` must; checked
// against the cases in test/unit/files-glob.test.ts).

/** A matcher for one pattern; matches a path without a leading slash (`a/b/c`). */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${translate(pattern.replace(/^\/+/, ''))}$`);
}

function translate(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const atStart = i === 0 || pattern[i - 1] === '/';
        const slashAfter = pattern[i + 2] === '/';
        if (atStart && slashAfter) {
          out += '(?:.*/)?'; // `**/`: any number of whole segments, none included
          i += 2;
        } else if (atStart && i + 2 === pattern.length && i > 0) {
          out = out.slice(0, -1) + '(?:/.*)?'; // `/**` at the end: the folder itself and everything under it
          i += 1;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '{') {
      const close = pattern.indexOf('}', i);
      if (close === -1) out += '\\{';
      else {
        out += `(?:${pattern.slice(i + 1, close).split(',').map(translate).join('|')})`;
        i = close;
      }
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close === -1) out += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else out += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return out;
}

/** Whether a path (absolute in the container, and relative to the watched folder) is excluded. */
export class Excludes {
  private readonly patterns: RegExp[];

  constructor(globs: readonly string[]) {
    this.patterns = globs.filter((glob) => glob.trim() !== '').map(globToRegExp);
  }

  matches(absolute: string, relative: string): boolean {
    if (this.patterns.length === 0) return false;
    const bare = absolute.replace(/^\/+/, '');
    return this.patterns.some((pattern) => pattern.test(bare) || (relative !== '' && pattern.test(relative)));
  }
}

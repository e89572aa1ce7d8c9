// Go's filepath.Match for one path component, which COPY and ADD sources use: `*` any run of characters,
// `?` one character, `[…]` a class (`^` or `!` negates, `a-z` ranges), the escape character quotes the
// next one. Wildcards never match `/` (each component is matched on its own).

export function hasWildcards(component: string): boolean {
  return /[*?[\\]/.test(component);
}

export function matchName(pattern: string, name: string): boolean {
  return toRegExp(pattern).test(name);
}

const cache = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let cached = cache.get(pattern);
  if (cached) return cached;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) throw new Error(`syntax error in pattern ${JSON.stringify(pattern)}: unclosed [`);
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('^') || body.startsWith('!');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^' : ''}${body.replace(/\\(.)/g, '$1').replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else source += escapeRegExp(c);
  }
  cached = new RegExp(`^${source}$`, 's');
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, cached);
  return cached;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

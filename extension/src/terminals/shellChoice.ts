// Which shell "Open Shell" starts: the user's choice for the container's image (the setting
// berth.terminal.shells, keyed by image reference or a pattern with *), else bash where the image has
// it, else sh. Whether bash is there is asked of the container itself with a tiny sh script, the one
// program every image with a shell has.

/** Prints "bash" when bash is on the container's PATH, else "sh". */
export const SHELL_PROBE = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then echo bash; else echo sh; fi'];

/** The configured shell for an image, as argv; undefined when none matches. */
export function configuredShell(image: string, shells: Readonly<Record<string, unknown>> | undefined): string[] | undefined {
  if (!shells) return undefined;
  const candidates = [image, withoutTag(image)];
  // Exact keys first, then patterns, each in the order the user wrote them.
  for (const key of Object.keys(shells)) if (candidates.includes(key)) return toArgv(shells[key]);
  for (const key of Object.keys(shells)) {
    if (key.includes('*') && candidates.some((name) => globMatches(key, name))) return toArgv(shells[key]);
  }
  return undefined;
}

/** The shell the probe's output names. */
export function shellFromProbe(output: string): string[] {
  return output.trim().split('\n').pop()?.trim() === 'bash' ? ['bash'] : ['sh'];
}

/** A display name for a command: its program's base name ("/bin/bash -l" → "bash"). */
export function processLabel(argv: readonly string[]): string {
  const program = argv[0] ?? '';
  return program.slice(program.lastIndexOf('/') + 1) || program;
}

/** Splits a command line on blanks, honouring single and double quotes (no other shell syntax). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = undefined;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function toArgv(value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    const argv = splitCommandLine(value);
    return argv.length > 0 ? argv : undefined;
  }
  if (Array.isArray(value) && value.length > 0 && value.every((part) => typeof part === 'string')) return [...value];
  return undefined;
}

/** "busybox:test" → "busybox"; "registry:5000/app@sha256:…" → "registry:5000/app". */
function withoutTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

function globMatches(pattern: string, name: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`).test(name);
}

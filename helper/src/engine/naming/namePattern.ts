// Regular expressions for the name and id filters, with Go's regexp semantics (what Docker's filters use) and
// time linear in the text: re2js is a port of RE2/J. JavaScript's own RegExp backtracks, so a pattern such as
// (a+)+$ sent by any client would hang the daemon. A pattern RE2 refuses (backreferences, lookaround, a
// repeat count over 1000) is refused with Go's own message.
import type { RE2JS } from 're2js';
import { NamingError } from './errors';

export interface NamePattern {
  readonly source: string;
  /** Whether the pattern matches anywhere in `text` (unanchored, as Go's regexp.MatchString). */
  test(text: string): boolean;
}

// Loaded on first use: most commands never filter by name, and the CLI's start should not pay for it.
let re2: typeof RE2JS | undefined;

export function compileNamePattern(source: string): NamePattern {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  re2 ??= (require('re2js') as typeof import('re2js')).RE2JS;
  let compiled: RE2JS;
  try {
    compiled = re2.compile(source);
  } catch (error) {
    throw new NamingError(`regular expression ${JSON.stringify(source)}: ${(error as Error).message}`, 'invalid');
  }
  return { source, test: (text) => compiled.matcher(text).find() };
}

import { NamingError } from './errors';

/** Docker's container name rule (moby's RestrictedNamePattern), applied after one leading slash is removed. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * The container name without Docker's optional leading slash, or a NamingError naming the rule: a letter
 * or digit, then at least one more letter, digit, underscore, period or hyphen. Like Docker, no length
 * limit beyond that.
 */
export function validateName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_PATTERN.test(bare)) {
    throw new NamingError(
      `invalid container name ${JSON.stringify(name)}: a name must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ ` +
        '(a letter or digit, then at least one more letter, digit, "_", "." or "-"), optionally after one "/"',
      'invalid',
    );
  }
  return bare;
}

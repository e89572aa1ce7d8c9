import { NamingError } from './errors';
import { ADJECTIVES, SURNAMES } from './words';

export interface RandomNameOptions {
  /** A number in [0, 1), as Math.random gives (tests pass their own). */
  random?: () => number;
}

/** Attempts with one random digit appended, as Docker makes before it falls back to the short id. */
const DOCKER_ATTEMPTS = 6;
const MORE_ATTEMPTS = 60;

/**
 * A free Docker-style name, `adjective_surname`. Like Docker, the first attempt has no suffix and the
 * next five append one random digit (`brave_turing7`), each with a fresh random pair; Docker then uses
 * the container's short id, which Berth leaves to the caller: it goes on with longer numbers and throws
 * (kind `exhausted`) only if all of those are taken too.
 */
export function randomName(taken: (name: string) => boolean, options: RandomNameOptions = {}): string {
  const random = options.random ?? Math.random;
  const pick = (words: readonly string[]) => words[Math.floor(random() * words.length)]!;
  for (let attempt = 0; attempt < DOCKER_ATTEMPTS + MORE_ATTEMPTS; attempt++) {
    let name = `${pick(ADJECTIVES)}_${pick(SURNAMES)}`;
    if (attempt > 0) {
      const digits = attempt < DOCKER_ATTEMPTS ? 1 : 2 + Math.floor((attempt - DOCKER_ATTEMPTS) / 10);
      name += String(Math.floor(random() * 10 ** digits));
    }
    if (!taken(name)) return name;
  }
  throw new NamingError('no free random container name found; give the container a name', 'exhausted');
}

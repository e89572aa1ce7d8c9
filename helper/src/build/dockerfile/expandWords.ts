// Variable expansion and quote removal in Dockerfile arguments, by the rules of moby's shell lexer
// (frontend/dockerfile/shell/lex.go): `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`,
// `${NAME+word}`, `${NAME:?message}` and `${NAME?message}`; single quotes keep everything literal; in
// double quotes the escape character escapes only `"`, `$` and itself; elsewhere it escapes any character.
// An unset variable expands to nothing. Words split at blanks outside quotes, including blanks that an
// unquoted expansion brings, as the shell does.

export class ExpansionError extends Error {}

export type Lookup = (name: string) => string | undefined;

/** The text as one word, quotes removed and variables expanded (ENV and LABEL values, WORKDIR, USER). */
export function expandWord(text: string, lookup: Lookup, escape = '\\'): string {
  return new Lexer(text, lookup, escape).run().text;
}

/** The text split into words, quotes removed and variables expanded (COPY and ADD paths, EXPOSE). */
export function expandWords(text: string, lookup: Lookup, escape = '\\'): string[] {
  return new Lexer(text, lookup, escape).run().words;
}

/** A lookup over NAME=value entries (the last of a name wins) and then `extra`. */
export function lookupIn(env: readonly string[], extra: ReadonlyMap<string, string | undefined> = new Map()): Lookup {
  const values = new Map<string, string>();
  for (const entry of env) {
    const equals = entry.indexOf('=');
    if (equals > 0) values.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  return (name) => values.get(name) ?? extra.get(name);
}

class Words {
  readonly words: string[] = [];
  private word = '';
  private inWord = false;

  /** A character that splits words when it is blank (unquoted text, unquoted expansions). */
  char(c: string): void {
    if (/\s/.test(c)) {
      if (this.inWord) this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    } else this.raw(c);
  }

  string(text: string): void {
    for (const c of text) this.char(c);
  }

  /** Text that never splits (quoted): even an empty one makes a word. */
  raw(text: string): void {
    this.word += text;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.inWord) this.words.push(this.word);
    return this.words;
  }
}

class Lexer {
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly lookup: Lookup,
    private readonly escape: string,
  ) {}

  run(): { text: string; words: string[] } {
    const words = new Words();
    const text = this.until(undefined, words);
    return { text, words: words.finish() };
  }

  private peek(): string | undefined {
    return this.source[this.pos];
  }

  private next(): string | undefined {
    return this.source[this.pos++];
  }

  /** Reads to `stop` (consumed) or the end; returns the text, and feeds `words` when given. */
  private until(stop: string | undefined, words?: Words): string {
    let text = '';
    for (let c = this.peek(); c !== undefined; c = this.peek()) {
      if (stop !== undefined && c === stop) {
        this.pos++;
        return text;
      }
      if (c === "'" || c === '"') {
        const quoted = c === "'" ? this.singleQuoted() : this.doubleQuoted();
        text += quoted;
        words?.raw(quoted);
      } else if (c === '$') {
        const value = this.dollar();
        text += value;
        words?.string(value);
      } else {
        this.pos++;
        if (c === this.escape) {
          const escaped = this.next();
          if (escaped === undefined) break;
          text += escaped;
          words?.raw(escaped);
        } else {
          text += c;
          words?.char(c);
        }
      }
    }
    if (stop !== undefined) throw new ExpansionError(`missing '${stop}'`);
    return text;
  }

  private singleQuoted(): string {
    this.pos++;
    const end = this.source.indexOf("'", this.pos);
    if (end === -1) throw new ExpansionError('unexpected end of statement while looking for matching single-quote');
    const text = this.source.slice(this.pos, end);
    this.pos = end + 1;
    return text;
  }

  private doubleQuoted(): string {
    this.pos++;
    let text = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new ExpansionError('unexpected end of statement while looking for matching double-quote');
      if (c === '"') {
        this.pos++;
        return text;
      }
      if (c === '$') {
        text += this.dollar();
        continue;
      }
      this.pos++;
      if (c === this.escape) {
        const escaped = this.peek();
        if (escaped === '"' || escaped === '$' || escaped === this.escape) {
          this.pos++;
          text += escaped;
          continue;
        }
      }
      text += c;
    }
  }

  private dollar(): string {
    this.pos++;
    if (this.peek() !== '{') {
      const name = this.name();
      return name === '' ? '$' : (this.lookup(name) ?? '');
    }
    this.pos++;
    const name = this.name();
    if (name === '') throw new ExpansionError('bad substitution: ${} needs a variable name');
    const c = this.next();
    if (c === '}') return this.lookup(name) ?? '';
    const value = this.lookup(name);
    let colon = false;
    let modifier = c;
    if (c === ':') {
      colon = true;
      modifier = this.next();
    }
    if (modifier !== '-' && modifier !== '+' && modifier !== '?') {
      throw new ExpansionError(`unsupported modifier (${colon ? ':' : ''}${modifier ?? 'end of text'}) in substitution of ${name}`);
    }
    const word = this.until('}');
    const set = colon ? value !== undefined && value !== '' : value !== undefined;
    switch (modifier) {
      case '-':
        return set ? value! : word;
      case '+':
        return set ? word : '';
      default:
        if (!set) throw new ExpansionError(`${name}: ${word === '' ? 'is not allowed to be unset' : word}`);
        return value!;
    }
  }

  /** A variable name (letters, digits, `_`), a run of digits, or one special parameter character. */
  private name(): string {
    const c = this.peek();
    if (c === undefined) return '';
    if (/[0-9]/.test(c)) {
      const digits = /^[0-9]+/.exec(this.source.slice(this.pos))![0];
      this.pos += digits.length;
      return digits;
    }
    if ('@*#?-$!'.includes(c)) {
      this.pos++;
      return c;
    }
    const name = /^[A-Za-z0-9_]*/.exec(this.source.slice(this.pos))![0];
    this.pos += name.length;
    return name;
  }
}

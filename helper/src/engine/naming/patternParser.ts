// The parser of name-filter patterns: the regular-expression dialect described in namePattern.ts, turned
// into a tree that namePattern.ts compiles. Whatever it does not support it refuses by name.
import { NamingError } from './errors';

export type CharTest = (code: number) => boolean;
export type Node =
  | { kind: 'char'; test: CharTest }
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'concat'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

const MAX_REPEAT = 1000;

const isDigit: CharTest = (c) => c >= 0x30 && c <= 0x39;
const isWord: CharTest = (c) => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isSpace: CharTest = (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const not =
  (test: CharTest): CharTest =>
  (c) =>
    !test(c);
const CLASS_ESCAPES: Record<string, CharTest> = { d: isDigit, D: not(isDigit), w: isWord, W: not(isWord), s: isSpace, S: not(isSpace) };
const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

export class Parser {
  private at = 0;

  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.at < this.source.length) this.fail(`unmatched ")" at offset ${this.at}`);
    return node;
  }

  private alternation(): Node {
    const options = [this.concatenation()];
    while (this.peek() === '|') {
      this.at++;
      options.push(this.concatenation());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    while (this.at < this.source.length && this.peek() !== '|' && this.peek() !== ')') {
      let node = this.atom();
      for (let quantified = this.quantifier(node); quantified; quantified = this.quantifier(node)) node = quantified;
      items.push(node);
    }
    return { kind: 'concat', items };
  }

  private quantifier(node: Node): Node | null {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.at++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else if (c === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.at));
      if (!match) return null; // a "{" that opens no repetition is a literal, as in RE2
      this.at += match[0].length;
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) || max < min) this.fail(`bad repetition ${match[0]}`);
    } else {
      return null;
    }
    if (node.kind === 'start' || node.kind === 'end') this.fail(`nothing to repeat before offset ${this.at}`);
    if (this.peek() === '?') this.at++; // lazy: the same set of matches
    if (this.peek() === '+') this.fail('possessive quantifiers are not supported');
    return { kind: 'repeat', node, min, max };
  }

  private atom(): Node {
    const c = this.source[this.at++]!;
    switch (c) {
      case '.':
        return { kind: 'char', test: (code) => code !== 0x0a };
      case '^':
        return { kind: 'start' };
      case '$':
        return { kind: 'end' };
      case '(':
        return this.group();
      case '[':
        return { kind: 'char', test: this.characterClass() };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        return this.fail(`nothing to repeat before "${c}" at offset ${this.at - 1}`);
      default:
        return this.literal();
    }
  }

  private literal(): Node {
    // Take a whole astral character (a surrogate pair) as one.
    const code = this.source.codePointAt(this.at - 1)!;
    if (code > 0xffff) this.at++;
    return { kind: 'char', test: (other) => other === code };
  }

  private group(): Node {
    if (this.peek() === '?') {
      const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(this.source.slice(this.at));
      if (named) this.at += named[0].length;
      else if (this.source.startsWith('?:', this.at)) this.at += 2;
      else this.fail('flags, lookaround and other (? groups are not supported');
    }
    const node = this.alternation();
    if (this.source[this.at] !== ')') this.fail('missing ")"');
    this.at++;
    return node;
  }

  private escape(): Node {
    const c = this.source[this.at++];
    if (c === undefined) return this.fail('trailing "\\"');
    if (c === 'A') return { kind: 'start' };
    if (c === 'z') return { kind: 'end' };
    return { kind: 'char', test: this.escapedTest(c) };
  }

  private escapedTest(c: string): CharTest {
    const classTest = CLASS_ESCAPES[c];
    if (classTest) return classTest;
    const control = CONTROL_ESCAPES[c];
    if (control !== undefined) return (code) => code === control;
    if (/[A-Za-z0-9]/.test(c)) this.fail(`the escape \\${c} is not supported`);
    const code = c.charCodeAt(0);
    return (other) => other === code;
  }

  private characterClass(): CharTest {
    const negate = this.peek() === '^';
    if (negate) this.at++;
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = this.source[this.at];
      if (c === undefined) this.fail('missing "]"');
      if (c === ']' && !first) break;
      first = false;
      if (c === '[' && this.source[this.at + 1] === ':') this.fail('POSIX classes such as [:alpha:] are not supported');
      const low = this.classMember();
      if (typeof low === 'function') {
        tests.push(low);
        continue;
      }
      if (this.peek() === '-' && this.source[this.at + 1] !== ']' && this.source[this.at + 1] !== undefined) {
        this.at++;
        const high = this.classMember();
        if (typeof high === 'function' || high < low) this.fail('bad range in a character class');
        tests.push((code) => code >= low && code <= high);
      } else {
        tests.push((code) => code === low);
      }
    }
    this.at++;
    const inClass: CharTest = (code) => tests.some((test) => test(code));
    return negate ? not(inClass) : inClass;
  }

  /** One character of a class: its code point, or the test of a class escape such as \d. */
  private classMember(): number | CharTest {
    const c = this.source[this.at++]!;
    if (c !== '\\') {
      const code = this.source.codePointAt(this.at - 1)!;
      if (code > 0xffff) this.at++;
      return code;
    }
    const escaped = this.source[this.at++];
    if (escaped === undefined) this.fail('trailing "\\"');
    const classTest = CLASS_ESCAPES[escaped!];
    if (classTest) return classTest;
    const control = CONTROL_ESCAPES[escaped!];
    if (control !== undefined) return control;
    if (/[A-Za-z0-9]/.test(escaped!)) this.fail(`the escape \\${escaped} is not supported`);
    return escaped!.charCodeAt(0);
  }

  private peek(): string | undefined {
    return this.source[this.at];
  }

  private fail(reason: string): never {
    throw new NamingError(`regular expression ${JSON.stringify(this.source)}: ${reason}`, 'invalid');
  }
}


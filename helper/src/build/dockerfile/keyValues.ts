// The NAME=value lists of ENV, LABEL and ARG, split as moby's parseNameVal does: words at blanks outside
// quotes (quotes and escapes kept, for the expansion that follows), each word split at its first `=`.
// ENV and LABEL also take the legacy form `NAME value with blanks` (one pair, no `=` in the first word).
import { DockerfileError, type DockerfileInstruction } from './parseDockerfile';

export interface RawPair {
  /** As written (still to be expanded). */
  name: string;
  /** As written; undefined for an ARG without a default. */
  value?: string;
}

/** Words at blanks outside quotes, keeping the quotes and escapes in each word. */
export function splitRawWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === undefined && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    word += c;
    if (c === escape && i + 1 < text.length && quote !== "'") word += text[++i];
    else if (quote === undefined && (c === '"' || c === "'")) quote = c;
    else if (c === quote) quote = undefined;
  }
  if (inWord) words.push(word);
  return words;
}

export function keyValuePairs(instruction: DockerfileInstruction, escape: string, file: string): RawPair[] {
  const { keyword, args, line } = instruction;
  const words = splitRawWords(args, escape);
  if (words.length === 0) throw new DockerfileError(line, `${keyword} requires at least one argument`, file);
  if (keyword === 'ARG') {
    if (words.length !== 1) throw new DockerfileError(line, 'ARG requires exactly one argument (NAME or NAME=default)', file);
    const [name, ...rest] = words[0]!.split('=');
    return [{ name: name!, ...(rest.length > 0 ? { value: rest.join('=') } : {}) }];
  }
  if (!words[0]!.includes('=')) {
    // The legacy form: the first word is the name and the rest of the line, as written, the value.
    const value = args.slice(words[0]!.length).trim();
    if (value === '') throw new DockerfileError(line, `${keyword} ${words[0]} must have two arguments (NAME value) or use NAME=value`, file);
    return [{ name: words[0]!, value }];
  }
  return words.map((word) => {
    const equals = word.indexOf('=');
    if (equals <= 0) throw new DockerfileError(line, `${keyword} names must be followed by =value; got ${JSON.stringify(word)}`, file);
    return { name: word.slice(0, equals), value: word.slice(equals + 1) };
  });
}

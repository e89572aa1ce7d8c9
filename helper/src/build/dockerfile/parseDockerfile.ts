// A Dockerfile as a list of instructions, split by dockerfile-ast (the parser of VS Code's Dockerfile
// language server: parser directives, the escape character, line continuations, heredocs, flags). What
// the library leaves as text, this module turns into what the builder needs: each instruction's flags,
// its arguments with continuation lines joined and the comment lines inside them dropped (as moby's parser
// does; the library keeps them), its exec form when the arguments are a JSON array, and heredoc bodies.
import { DockerfileParser, type Flag, type Heredoc, type Instruction } from 'dockerfile-ast';

export interface DockerfileFlag {
  name: string;
  /** null for a flag given without a value (`--link`). */
  value: string | null;
}

export interface DockerfileHeredoc {
  name: string;
  /** The body with its last newline, as BuildKit gives it; leading tabs removed for `<<-`. */
  content: string;
  /** False when the delimiter was quoted (`<<"EOF"`): no variables are expanded in the body. */
  expand: boolean;
}

export interface DockerfileInstruction {
  /** Upper case: RUN, COPY, … */
  keyword: string;
  /** 1-based line of the keyword. */
  line: number;
  flags: DockerfileFlag[];
  /** The arguments after the flags, on one line (for heredocs: the line that names them). */
  args: string;
  /** The exec form, when the arguments are a JSON array of strings. */
  json?: string[];
  heredocs: DockerfileHeredoc[];
  /** The instruction as the build output and the history show it: keyword, flags and arguments on one line. */
  text: string;
}

export interface ParsedDockerfile {
  escape: string;
  /** The `# syntax=` directive, if any (Berth parses the file itself and only reports it). */
  syntax?: string;
  instructions: DockerfileInstruction[];
}

/** A Dockerfile that cannot be built, naming its line as Docker does (`Dockerfile:3: …`). */
export class DockerfileError extends Error {
  constructor(
    readonly line: number | undefined,
    readonly reason: string,
    file = 'Dockerfile',
  ) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.name = 'DockerfileError';
  }
}

export const KEYWORDS = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

interface Position {
  line: number;
  character: number;
}

export function parseDockerfile(source: string, file = 'Dockerfile'): ParsedDockerfile {
  const text = source.replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  const slice = (start: Position, end: Position): string => {
    if (start.line === end.line) return (lines[start.line] ?? '').slice(start.character, end.character);
    const parts = [(lines[start.line] ?? '').slice(start.character)];
    for (let line = start.line + 1; line < end.line; line++) parts.push(lines[line] ?? '');
    parts.push((lines[end.line] ?? '').slice(0, end.character));
    return parts.join('\n');
  };
  const dockerfile = DockerfileParser.parse(text);
  const escape = dockerfile.getEscapeCharacter();
  const syntax = dockerfile.getDirectives().find((directive) => directive.getName().toLowerCase() === 'syntax')?.getValue();
  const instructions = dockerfile.getInstructions().map((instruction) => toInstruction(instruction, escape, slice, file));
  return { escape, ...(syntax ? { syntax } : {}), instructions };
}

function toInstruction(instruction: Instruction, escape: string, slice: (start: Position, end: Position) => string, file: string): DockerfileInstruction {
  const keyword = instruction.getKeyword().toUpperCase();
  const line = instruction.getRange().start.line + 1;
  if (!KEYWORDS.has(keyword)) throw new DockerfileError(line, `unknown instruction: ${instruction.getInstruction()}`, file);
  const withFlags = instruction as Instruction & { getFlags?(): Flag[]; getHeredocs?(): Heredoc[] };
  const flags = withFlags.getFlags?.() ?? [];
  const heredocs = withFlags.getHeredocs?.() ?? [];
  const end = instruction.getRange().end;
  // The command line ends where the first heredoc's body begins.
  const commandEnd = heredocs.length > 0 ? { line: heredocs[0]!.getStartRange().end.line, character: Number.MAX_SAFE_INTEGER } : end;
  const argsStart = flags.length > 0 ? flags[flags.length - 1]!.getRange().end : instruction.getInstructionRange().end;
  const args = joinContinuations(slice(argsStart, commandEnd), escape).trim();
  const written = joinContinuations(slice(instruction.getInstructionRange().end, commandEnd), escape).trim();
  // The library reads flags only where Docker takes some; moby reads them everywhere (and the instruction
  // refuses those it does not take), so leading --words of the others are flags too.
  const parsedFlags = flags.map((flag) => ({ name: flag.getName(), value: flag.getValue() }));
  let rest = args;
  if (!withFlags.getFlags) {
    for (let match = /^--([A-Za-z0-9-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest); match; match = /^--([A-Za-z0-9-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest)) {
      parsedFlags.push({ name: match[1]!, value: match[2] ?? null });
      rest = rest.slice(match[0].length);
    }
  }
  const result: DockerfileInstruction = {
    keyword,
    line,
    flags: parsedFlags,
    args: rest,
    heredocs: heredocs.map((heredoc) => toHeredoc(heredoc, slice)),
    text: written === '' ? keyword : `${keyword} ${written}`,
  };
  const json = execForm(rest);
  if (json) result.json = json;
  return result;
}

function toHeredoc(heredoc: Heredoc, slice: (start: Position, end: Position) => string): DockerfileHeredoc {
  const opener = slice(heredoc.getStartRange().start, heredoc.getStartRange().end);
  const range = heredoc.getContentRange();
  let content = range ? `${slice(range.start, range.end)}\n` : '';
  if (opener.startsWith('<<-')) content = content.replace(/^\t+/gm, '');
  return { name: heredoc.getName(), content, expand: !/^<<-?["']/.test(opener) };
}

/**
 * One line from the lines of an instruction: an escape character at the end of a line (before optional
 * blanks) continues it, and the empty and comment lines met while continuing are dropped, as moby does.
 */
export function joinContinuations(raw: string, escape: string): string {
  const continuation = new RegExp(`${escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}[ \\t]*$`);
  let result = '';
  raw.split('\n').forEach((line, index) => {
    if (index > 0 && /^[ \t]*(#.*)?$/.test(line)) return;
    result += line.replace(continuation, '');
  });
  return result;
}

/** The exec form: arguments that parse as a JSON array of strings; anything else is the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(args);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  } catch {
    // Not JSON: Docker then takes the text as the shell form.
  }
  return undefined;
}

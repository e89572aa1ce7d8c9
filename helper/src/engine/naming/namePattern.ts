// Regular expressions for the name and id filters, matched in time linear in the text (a Pike VM over a
// compiled program), as Go's RE2 does for Docker. JavaScript's own RegExp backtracks: a pattern such as
// (a+)+$ sent by any client would hang the daemon. The dialect is the common core of RE2 and JavaScript:
// literals, ., [classes] with ranges and negation, \d \w \s (and \D \W \S), ^ $ \A \z, groups (including
// (?: ) and named ones), |, and the quantifiers * + ? {n} {n,} {n,m} (lazy forms accepted). Anything
// else (backreferences, lookaround, \b, flags) is refused with a message, never misread.
import { NamingError } from './errors';
import { Parser, type CharTest, type Node } from './patternParser';

type Inst =
  | { op: 'char'; test: CharTest }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; to: number }
  | { op: 'start' }
  | { op: 'end' }
  | { op: 'match' };

export interface NamePattern {
  readonly source: string;
  /** Whether the pattern matches anywhere in `text` (unanchored, as Go's regexp.MatchString). */
  test(text: string): boolean;
}

const MAX_PROGRAM = 10_000;

export function compileNamePattern(source: string): NamePattern {
  const program: Inst[] = [];
  emit(new Parser(source).parse(), program, source);
  program.push({ op: 'match' });
  return { source, test: (text) => run(program, text) };
}

function emit(node: Node, program: Inst[], source: string): void {
  if (program.length > MAX_PROGRAM) {
    throw new NamingError(`regular expression ${JSON.stringify(source)}: too large once its repetitions are expanded`, 'invalid');
  }
  switch (node.kind) {
    case 'char':
      program.push({ op: 'char', test: node.test });
      return;
    case 'start':
    case 'end':
      program.push({ op: node.kind });
      return;
    case 'concat':
      for (const item of node.items) emit(item, program, source);
      return;
    case 'alt': {
      const jumps: { op: 'jmp'; to: number }[] = [];
      node.options.forEach((option, index) => {
        const last = index === node.options.length - 1;
        const split = { op: 'split' as const, a: program.length + 1, b: -1 };
        if (!last) program.push(split);
        emit(option, program, source);
        if (!last) {
          const jump = { op: 'jmp' as const, to: -1 };
          program.push(jump);
          jumps.push(jump);
          split.b = program.length;
        }
      });
      for (const jump of jumps) jump.to = program.length;
      return;
    }
    case 'repeat': {
      for (let i = 0; i < node.min; i++) emit(node.node, program, source);
      if (node.max === Infinity) {
        const split = { op: 'split' as const, a: program.length + 1, b: -1 };
        const loop = program.length;
        program.push(split);
        emit(node.node, program, source);
        program.push({ op: 'jmp', to: loop });
        split.b = program.length;
        return;
      }
      const splits: { op: 'split'; a: number; b: number }[] = [];
      for (let i = node.min; i < node.max; i++) {
        const split = { op: 'split' as const, a: program.length + 1, b: -1 };
        program.push(split);
        splits.push(split);
        emit(node.node, program, source);
      }
      for (const split of splits) split.b = program.length;
      return;
    }
  }
}

/** Thompson/Pike simulation: every thread advances one character at a time, so time is O(text × program). */
function run(program: readonly Inst[], text: string): boolean {
  const codes = Array.from(text, (c) => c.codePointAt(0)!);
  const seen = new Int32Array(program.length).fill(-1);
  let current: number[] = [];
  let next: number[] = [];
  const stack: number[] = [];

  // Adds the thread at `pc` and everything it reaches without reading a character; true on a match.
  const add = (list: number[], pc: number, position: number): boolean => {
    stack.push(pc);
    while (stack.length > 0) {
      const at = stack.pop()!;
      if (seen[at] === position) continue;
      seen[at] = position;
      const inst = program[at]!;
      switch (inst.op) {
        case 'match':
          stack.length = 0;
          return true;
        case 'jmp':
          stack.push(inst.to);
          break;
        case 'split':
          stack.push(inst.b, inst.a);
          break;
        case 'start':
          if (position === 0) stack.push(at + 1);
          break;
        case 'end':
          if (position === codes.length) stack.push(at + 1);
          break;
        case 'char':
          list.push(at);
          break;
      }
    }
    return false;
  };

  for (let position = 0; position <= codes.length; position++) {
    // Unanchored: a new thread starts at every position.
    if (add(current, 0, position)) return true;
    if (position === codes.length) break;
    const code = codes[position]!;
    next.length = 0;
    for (const pc of current) {
      const inst = program[pc] as { op: 'char'; test: CharTest };
      if (inst.test(code) && add(next, pc + 1, position + 1)) return true;
    }
    [current, next] = [next, current];
  }
  return false;
}

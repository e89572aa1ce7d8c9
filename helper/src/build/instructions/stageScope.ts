// A stage being built: its image state, the ARGs declared in it, and what Docker's rules need to remember
// between instructions (whether CMD was set in this stage, for ENTRYPOINT's reset of an inherited CMD).
import { DockerfileError, type DockerfileInstruction } from '../dockerfile/parseDockerfile';
import { ExpansionError, expandWord, expandWords, lookupIn, type Lookup } from '../dockerfile/expandWords';
import type { ImageState } from '../imageState';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export class StageScope {
  /** ARGs declared in this stage; undefined: declared without a value. */
  readonly args = new Map<string, string | undefined>();
  cmdSet = false;

  constructor(
    public state: ImageState,
    readonly escape: string,
    readonly file: string,
    /** The stage's index in the Dockerfile (COPY --from may name only the stages before it). */
    readonly stage: number,
  ) {}

  get env(): string[] {
    return (this.state.config.Env as string[] | null | undefined) ?? [];
  }

  get shell(): string[] {
    const shell = this.state.config.Shell as string[] | null | undefined;
    return shell && shell.length > 0 ? shell : DEFAULT_SHELL;
  }

  /** ENV values first, then the stage's ARGs, as Docker resolves a name. */
  lookup(): Lookup {
    return lookupIn(this.env, this.args);
  }

  /** ARG values as NAME=value (for RUN's environment), leaving out names an ENV sets. */
  argEnv(): string[] {
    const envNames = new Set(this.env.map((entry) => entry.split('=', 1)[0]));
    return [...this.args].filter(([name, value]) => value !== undefined && !envNames.has(name)).map(([name, value]) => `${name}=${value}`);
  }

  word(instruction: DockerfileInstruction, text: string): string {
    return this.expanding(instruction, () => expandWord(text, this.lookup(), this.escape));
  }

  words(instruction: DockerfileInstruction, text: string): string[] {
    return this.expanding(instruction, () => expandWords(text, this.lookup(), this.escape));
  }

  fail(instruction: DockerfileInstruction, reason: string): never {
    throw new DockerfileError(instruction.line, reason, this.file);
  }

  private expanding<T>(instruction: DockerfileInstruction, work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof ExpansionError) this.fail(instruction, `${instruction.keyword}: ${error.message}`);
      throw error;
    }
  }
}

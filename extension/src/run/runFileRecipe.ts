// The recipe Run File in Container runs, and a first guess at each language's interpreter. Pure.
import { splitCommandLine, type RunRecipe } from './runOptions';

export interface FileRunner {
  image: string;
  /** A command line; the file's path in the container is appended. */
  interpreter: string;
}

const INTERPRETERS: Record<string, string> = {
  python: 'python3',
  javascript: 'node',
  typescript: 'npx tsx',
  shellscript: 'sh',
  ruby: 'ruby',
  perl: 'perl',
  php: 'php',
  lua: 'lua',
  r: 'Rscript',
  go: 'go run',
  java: 'java',
};

export function defaultInterpreter(languageId: string): string {
  return INTERPRETERS[languageId] ?? 'sh';
}

export function runFileRecipe(runner: FileRunner, folder: string, file: string): RunRecipe {
  return {
    image: runner.image,
    command: [...splitCommandLine(runner.interpreter), `/work/${file}`],
    volumes: [`${folder}:/work:ro`],
    workdir: '/work',
    open: 'logs' as const,
  };
}

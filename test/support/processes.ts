// Processes from tests: finding what is still running after a test that should have left nothing, and
// running a program to completion.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Pids of the processes whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

export interface ProgramResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to completion, with `input` on its stdin. Its stdout and stderr go to files read when it
 * exits: a program that leaves a process behind holding them (`runc create`, `run -d`) would keep pipes
 * open forever. The kill after `hangAfterMs` only keeps a broken build from hanging the suite: it is not
 * a timing assertion, and a test that hits it fails.
 */
export function runProgram(
  command: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; hangAfterMs?: number } = {},
): Promise<ProgramResult> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-program-'));
  const outFile = join(dir, 'stdout');
  const errFile = join(dir, 'stderr');
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ['pipe', out, err], env: options.env ?? process.env });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    let note = '';
    const limit = options.hangAfterMs ?? 120_000;
    const guard = setTimeout(() => {
      note += `\n[test harness: killed after ${limit} ms]`;
      child.kill('SIGKILL');
    }, limit);
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
    child.on('error', (error) => (note += `\n[test harness: ${error.message}]`));
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      const result = { code, signal, stdout: readFileSync(outFile, 'utf8'), stderr: readFileSync(errFile, 'utf8') + note };
      rmSync(dir, { recursive: true, force: true });
      resolve(result);
    });
  });
}

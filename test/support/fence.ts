// A fence for tests that try to harm the host: a shell script run in a throwaway mount namespace in which
// copies of the real files a broken defence would let a container write are bind-mounted over them.
// Whatever the script starts inherits the namespace, so even a defence that fails writes only into a
// copy (in a scratch directory of its own), which the test reads afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FencedResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sh -c script` behind the fence. `copies` are real files to stand in for; the script finds each
 * copy's path in $COPY_0, $COPY_1, … (the same paths the host-side test can read, under `scratch`) and
 * the real paths already show the copies. `env` adds variables. The kill after `hangAfterMs` only keeps a
 * broken build from hanging the suite.
 */
export function runFenced(
  script: string,
  options: { copies?: string[]; env?: Record<string, string>; hangAfterMs?: number } = {},
): Promise<FencedResult & { copies: string[] }> {
  // mkdtemp makes it 0700: no other user reaches the copies.
  const scratch = mkdtempSync(join(tmpdir(), 'berth-fence-'));
  const copies = (options.copies ?? []).map((_, index) => join(scratch, `copy-${index}`));
  const stand = (options.copies ?? [])
    .map((real, index) => `cp -p '${real}' "$COPY_${index}" && mount --bind "$COPY_${index}" '${real}'`)
    .join(' && ');
  // The copies live on the host's /tmp (the test reads them afterwards); the binds exist only inside.
  const whole = `set -e\n${stand || 'true'}\nset +e\n${script}`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  copies.forEach((path, index) => (env[`COPY_${index}`] = path));
  return new Promise((resolve) => {
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', whole], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => {
      stderr += `\n[fence: killed after ${options.hangAfterMs ?? 120_000} ms]`;
      child.kill('SIGKILL');
    }, options.hangAfterMs ?? 120_000);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, copies });
    });
  });
}

/** Removes the scratch directory runFenced left with the copies in it. */
export function removeFenceCopies(copies: string[]): void {
  for (const path of copies) rmSync(join(path, '..'), { recursive: true, force: true });
}

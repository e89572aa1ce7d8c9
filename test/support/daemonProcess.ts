// Starts real `helper/bin/berth daemon` processes for tests, each with its own socket and root under a
// fresh temporary directory, and stops them at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient } from '../../extension/src/client/rpcClient';

export const REPO = join(__dirname, '..', '..');
export const BERTH = join(REPO, 'helper', 'bin', 'berth');

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly socketPath: string;
  readonly rootDir: string;
  output(): string;
  connect(): Promise<RpcClient>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** A temporary directory only root can write to, as the daemon requires for its socket's parent. */
export function privateTempDir(prefix = 'berth-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Starts a daemon. Without `netns` it runs in the host's network namespace, where containers default to
 * --network none (BERTH_DEFAULT_NETWORK), so that no test makes a bridge or a NAT rule on the host; with
 * `netns` (a namespace file of the test's own, testNetns.ts) it runs inside it with Docker's default bridge.
 * `berth`: the command to start (default the repository's helper/bin/berth; a copy's bin/berth, say).
 */
export async function startDaemon(socketPath: string, rootDir: string, extraArgs: string[] = [], options: { netns?: string; berth?: string } = {}): Promise<DaemonProcess> {
  const argv = [options.berth ?? BERTH, 'daemon', '--socket', socketPath, '--root', rootDir, ...extraArgs];
  const [program, ...args] = options.netns ? ['nsenter', `--net=${options.netns}`, '--', ...argv] : argv;
  const child = spawn(program!, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BERTH_DEFAULT_NETWORK: options.netns ? 'bridge' : 'none' },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const daemon: DaemonProcess = {
    child,
    socketPath,
    rootDir,
    output: () => output,
    connect: () => RpcClient.connectUnix(socketPath, { timeoutMs: 5000 }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited(child);
    },
  };
  // Ready when the log says it serves; a daemon that exits first failed to start.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start within 15 s:\n${output}`)), 15_000);
    const check = () => {
      if (output.includes(' serving ')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before serving:\n${output}`));
    });
  });
  return daemon;
}

/**
 * Runs `berth ARGS…` to completion. The kill after `hangAfterMs` only keeps a broken build from hanging
 * the suite: it is not a timing assertion, and a test that hits it fails.
 */
export function runBerth(
  args: string[],
  options: { hangAfterMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(BERTH, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => {
      stderr += `\n[test harness: killed after ${options.hangAfterMs ?? 60_000} ms]`;
      child.kill('SIGKILL');
    }, options.hangAfterMs ?? 60_000);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

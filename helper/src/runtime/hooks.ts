// OCI lifecycle hooks: each hook is a program run with the container's state as JSON on its stdin, its
// own args and env, and an optional timeout in seconds. The runtime-namespace hooks (prestart,
// createRuntime, poststart, poststop) run from the runtime process; the container-namespace ones
// (createContainer, startContainer) from the init, synchronously, so they inherit its namespaces.
import { spawn, spawnSync } from 'node:child_process';
import type { Hook, Hooks } from './spec/config';

export type HookKind = keyof Hooks;

function describe(kind: HookKind, index: number, hook: Hook): string {
  return `hooks.${kind}[${index}] (${hook.path})`;
}

function failure(where: string, code: number | null, signal: string | null, stderr: string, timedOut: boolean, timeout?: number): Error {
  const why = timedOut ? `timed out after ${timeout} s` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const tail = stderr.trim().split('\n').slice(-3).join(' / ');
  return new Error(`${where} ${why}${tail ? `: ${tail}` : ''}`);
}

/** Runs the hooks of one kind in order; the first that fails stops the rest and throws. */
export async function runHooks(kind: HookKind, hooks: Hooks | undefined, state: object): Promise<void> {
  for (const [index, hook] of (hooks?.[kind] ?? []).entries()) {
    const where = describe(kind, index, hook);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(hook.path, (hook.args ?? [hook.path]).slice(1), {
        argv0: hook.args?.[0] ?? hook.path,
        env: envOf(hook),
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      let stderr = '';
      let timedOut = false;
      const timer = hook.timeout
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, hook.timeout * 1000)
        : undefined;
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(JSON.stringify(state));
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${where} could not be started: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0 && !timedOut) resolve();
        else reject(failure(where, code, signal, stderr, timedOut, hook.timeout));
      });
    });
  }
}

/** The same, blocking: for the init, whose main thread must not return to the event loop. */
export function runHooksSync(kind: HookKind, hooks: Hooks | undefined, state: object): void {
  for (const [index, hook] of (hooks?.[kind] ?? []).entries()) {
    const where = describe(kind, index, hook);
    const result = spawnSync(hook.path, (hook.args ?? [hook.path]).slice(1), {
      argv0: hook.args?.[0] ?? hook.path,
      env: envOf(hook),
      input: JSON.stringify(state),
      stdio: ['pipe', 'ignore', 'pipe'],
      timeout: hook.timeout ? hook.timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
    });
    if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') {
      throw new Error(`${where} could not be started: ${result.error.message}`);
    }
    const timedOut = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    if (result.status !== 0 || timedOut) throw failure(where, result.status, result.signal, result.stderr?.toString() ?? '', timedOut, hook.timeout);
  }
}

/** A hook gets exactly the environment the config gives it, nothing of the runtime's. */
function envOf(hook: Hook): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of hook.env ?? []) {
    const equals = entry.indexOf('=');
    env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}

// Running a shell script as root on a target, the way the target is set up for: already root, `sudo -n`,
// or `sudo -S` with a password asked through the prompter (never kept).
import type { SshConnection } from '../ssh/connection';
import { CancelledError } from '../ssh/errors';
import type { SshPrompter, StepLog } from '../ssh/prompts';
import { shq } from './shellQuote';
import type { TargetFacts } from './targetProbe';

/** How Berth becomes root on the target to start the daemon. */
export type RootMethod = 'auto' | 'root' | 'sudo' | 'sudo-password';

export interface RootContext {
  readonly facts: TargetFacts;
  readonly rootMethod: RootMethod;
  readonly prompter: SshPrompter;
  readonly log: StepLog;
}

/** Runs a shell script as root on the target the way the target is configured for. */
export async function asRoot(connection: SshConnection, options: RootContext, script: string): Promise<void> {
  const { facts, rootMethod, prompter, log } = options;
  if (facts.uid === 0) {
    await connection.run(`sh -c ${shq(script)}`, { timeoutMs: 30_000 });
    return;
  }
  if (rootMethod === 'root') {
    throw new Error(`${connection.label} logs in as ${facts.user}, not root, but the target is set to "already root"; choose sudo instead`);
  }
  if (!facts.hasSudo) throw new Error(`${facts.user} on ${connection.label} is not root and sudo is not installed there: the helper must run as root`);
  if (rootMethod === 'sudo' || rootMethod === 'auto') {
    const result = await connection.exec(`sudo -n sh -c ${shq(script)}`, { timeoutMs: 30_000 });
    if (result.code === 0) return;
    if (rootMethod === 'sudo') throw new Error(`sudo -n failed on ${connection.label}: ${result.stderr.trim() || `exit ${result.code}`}`);
    log.info(`daemon: sudo -n is not enough on ${connection.label} (${result.stderr.trim()}); asking for the sudo password`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const password = await prompter.secret({
      kind: 'sudo',
      target: connection.label,
      prompt: `sudo password for ${facts.user} on ${connection.label} (to start Berth's helper as root; not stored)`,
      retry: attempt > 0,
    });
    if (password === undefined) throw new CancelledError(`the sudo password for ${connection.label} was not given`);
    // -S reads the password from stdin; -p '' keeps sudo's prompt out of the output.
    const result = await connection.exec(`sudo -S -p '' sh -c ${shq(script)}`, { stdin: `${password}\n`, timeoutMs: 30_000 });
    if (result.code === 0) return;
    log.warn(`daemon: sudo refused on ${connection.label}: ${result.stderr.trim().split('\n').pop() ?? ''}`);
  }
  throw new Error(`sudo on ${connection.label} refused the password three times`);
}

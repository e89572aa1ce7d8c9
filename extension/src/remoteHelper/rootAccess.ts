// Becoming root on a target, the way the target is set up for: logged in as root, `sudo -n` (NOPASSWD),
// or `sudo -S` with the password typed once and kept in memory for the window's life (never written
// anywhere). Sudo is run with a prompt of our own (-p), so its question is told apart from the command's
// output on stderr, and the password goes on stdin only when sudo asks: a valid sudo timestamp or a
// NOPASSWD rule simply never asks. Used for every privileged step: installing the helper, starting and
// stopping its daemon, and the dial-stdio bridge to its socket.
import type { ClientChannel } from 'ssh2';
import type { CredentialMemory } from '../ssh/authentication';
import type { SshConnection } from '../ssh/connection';
import { CancelledError, withTimeout } from '../ssh/errors';
import type { SshPrompter, StepLog } from '../ssh/prompts';
import { shq } from './shellQuote';
import type { TargetFacts } from './preflight';

/** How Berth becomes root on the target. */
export type RootMethod = 'auto' | 'root' | 'sudo' | 'sudo-password';

/** What sudo prints when it asks for the password (-p): a line no command of ours writes. */
const SUDO_PROMPT = '[berth: sudo asks for the password]';
const SUDO_REFUSED = /incorrect password attempts?|is not in the sudoers file|may not run sudo|not allowed to execute/;

export interface RootAccessOptions {
  readonly facts: TargetFacts;
  readonly rootMethod: RootMethod;
  readonly prompter: SshPrompter;
  readonly log: StepLog;
  /** Where a sudo password lives while VS Code runs (by `user@host:port`: only that login reuses it). */
  readonly memory: CredentialMemory;
}

/** Root on one SSH connection: commands and channels run as root. */
export class RootAccess {
  constructor(
    private readonly connection: SshConnection,
    private readonly options: RootAccessOptions,
  ) {}

  /** True when the SSH user is root: nothing is asked, no sudo is involved. */
  get isRoot(): boolean {
    return this.options.facts.uid === 0;
  }

  /** Runs a shell script as root; resolves its stdout, or throws with its stderr. */
  async run(script: string, what: string, timeoutMs = 60_000): Promise<string> {
    const channel = await this.start(`sh -c ${shq(script)}`);
    let stdout = '';
    channel.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => {
      let code: number | null = null;
      channel.on('exit', (exitCode: number | null) => (code = exitCode));
      channel.on('close', () => resolve(code));
    });
    const sudo = this.answerSudo(channel);
    const code = await withTimeout(Promise.race([ended, sudo.cancelled]), timeoutMs, `${what} on ${this.connection.label}`, () => channel.close());
    const stderr = sudo.stderr().trim();
    if (code === 0) {
      sudo.succeeded();
      return stdout;
    }
    throw this.failure(what, stderr, code);
  }

  /**
   * Starts `command` as root on a channel of its own and resolves once it writes `ready` on stderr (sudo's
   * question answered first, if it asks): the channel then belongs to the caller.
   */
  async openChannel(command: string, ready: string, what: string, timeoutMs = 60_000): Promise<ClientChannel> {
    const channel = await this.start(command);
    const sudo = this.answerSudo(channel);
    const opened = new Promise<ClientChannel>((resolve, reject) => {
      const onData = () => {
        if (!sudo.stderr().includes(ready)) return;
        channel.stderr.off('data', onData);
        sudo.succeeded();
        resolve(channel);
      };
      channel.stderr.on('data', onData);
      // The end of stderr, not 'close': a channel whose stdout nobody reads (it is the caller's, later)
      // never closes, while stderr, read here, ends when the command does.
      let code: number | null = null;
      channel.on('exit', (exitCode: number | null) => (code = exitCode));
      channel.stderr.once('end', () => reject(this.failure(what, sudo.stderr().trim(), code)));
    });
    return withTimeout(Promise.race([opened, sudo.cancelled]), timeoutMs, `${what} on ${this.connection.label}`, () => channel.close());
  }

  private get label(): string {
    return this.connection.label;
  }

  private async start(command: string): Promise<ClientChannel> {
    const { facts, rootMethod } = this.options;
    if (facts.uid === 0) return this.connection.openExec(command);
    if (rootMethod === 'root') {
      throw new Error(`${this.label} logs in as ${facts.user}, not root, but the target is set to "already root"; choose sudo instead`);
    }
    if (!facts.hasSudo) throw new Error(`${facts.user} on ${this.label} is not root and sudo is not installed there: the helper must run as root`);
    // -n: never ask (a NOPASSWD rule or nothing). -S -p: ask on stderr with our prompt, read stdin.
    const sudo = rootMethod === 'sudo' ? 'sudo -n --' : `sudo -S -p ${shq(`${SUDO_PROMPT}\n`)} --`;
    return this.connection.openExec(`${sudo} ${command}`);
  }

  /**
   * Answers sudo's prompts on `channel`: the remembered password first, then the user's (asked again
   * after a refusal). `cancelled` rejects when the user gives none; `stderr()` is the channel's error
   * output without the prompts; `succeeded()` keeps the password that worked.
   */
  private answerSudo(channel: ClientChannel): { stderr(): string; cancelled: Promise<never>; succeeded(): void } {
    const { memory, prompter, log, facts } = this.options;
    let text = '';
    let prompts = 0;
    let given: string | undefined;
    let cancel: (error: Error) => void = () => undefined;
    const cancelled = new Promise<never>((_, reject) => (cancel = reject));
    cancelled.catch(() => undefined);
    channel.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      while (text.split(SUDO_PROMPT).length - 1 > prompts) {
        prompts++;
        const retry = prompts > 1;
        if (retry) {
          memory.sudoPasswords.delete(this.label);
          log.warn(`sudo on ${this.label} refused the password`);
        }
        const remembered = retry ? undefined : memory.sudoPasswords.get(this.label);
        const answer =
          remembered !== undefined
            ? Promise.resolve(remembered)
            : prompter.secret({
                kind: 'sudo',
                target: this.label,
                prompt: `sudo password for ${facts.user} on ${this.label} (Berth keeps it in memory until VS Code closes, never on disk)`,
                retry,
              });
        void answer.then((password) => {
          if (password === undefined) {
            channel.close();
            cancel(new CancelledError(`the sudo password for ${this.label} was not given`));
            return;
          }
          given = password;
          channel.write(`${password}\n`);
        });
      }
    });
    return {
      stderr: () => text.split(SUDO_PROMPT).join('').replace(/^\s*\n/gm, ''),
      cancelled,
      succeeded: () => {
        if (given !== undefined) memory.sudoPasswords.set(this.label, given);
      },
    };
  }

  private failure(what: string, stderr: string, code: number | null): Error {
    if (/incorrect password attempt/.test(stderr)) return new Error(`sudo on ${this.label} refused the password three times`);
    if (SUDO_REFUSED.test(stderr)) return new Error(`sudo on ${this.label} refused ${this.options.facts.user}: ${lastLine(stderr)}`);
    if (this.options.rootMethod === 'sudo' && /a password is required/.test(stderr)) {
      return new Error(`sudo -n on ${this.label} needs a password: set the target to "sudo with a password" (or Automatic)`);
    }
    return new Error(`${what} failed on ${this.label}: ${stderr || `exit ${code ?? 'without a status'}`}`);
  }
}

function lastLine(text: string): string {
  return text.split('\n').filter(Boolean).pop() ?? text;
}
